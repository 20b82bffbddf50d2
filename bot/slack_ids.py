"""What a Slack id looks like: users, workspaces, channels and DMs, checked in one place.

Ids arrive from Slack itself (always well formed) and from people: the CLI's arguments, a
button value sent back. Anything shaped otherwise is refused before it is stored, or shown
as plain text instead of a mention or a link. Pure: imported by services and the Slack layer.
"""

from __future__ import annotations

import re

__all__ = ["is_channel", "is_dm", "is_team", "is_user"]

_USER = re.compile(r"^[UW][A-Z0-9]{1,20}$")  # a person (W: Enterprise Grid)
_TEAM = re.compile(r"^(?:[TE][A-Z0-9]{1,20})?$")  # a workspace (E: an org); "" when none
_CHANNEL = re.compile(r"^[CG][A-Z0-9]{1,20}$")  # a public (C) or private (G) channel
_DM = re.compile(r"^D[A-Z0-9]{1,20}$")  # a direct message with the bot


def is_user(value: str) -> bool:
    """Whether `value` is a Slack user id (`U…`, `W…`)."""
    return bool(_USER.match(value))


def is_team(value: str) -> bool:
    """Whether `value` is a workspace id (`T…`, `E…`), or "" (the CLI's "no workspace")."""
    return bool(_TEAM.match(value))


def is_channel(value: str) -> bool:
    """Whether `value` is a channel a digest can go to: public (`C…`) or private (`G…`)."""
    return bool(_CHANNEL.match(value))


def is_dm(value: str) -> bool:
    """Whether `value` is a direct-message conversation (`D…`)."""
    return bool(_DM.match(value))
