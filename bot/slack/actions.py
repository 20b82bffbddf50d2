"""Buttons on paper messages: 👍 / 👎 / Save, "More like this", and search paging.

A vote is stored at once; in a DM the message is updated in place (the paper's buttons
become "noted — fewer like this"); elsewhere the voter gets an ephemeral note.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import TYPE_CHECKING, Any

from bot import members
from bot.context import Context
from bot.slack import blocks
from bot.slack.answers import answer
from bot.slack.blocks import Message, ids
from bot.slack.slash_command import more_like, search_page
from bot.slack.slash_syntax import Search

if TYPE_CHECKING:
    from bot.slack.app import PaperboyApp

__all__ = ["register"]

_KINDS = {ids.PAPER_UP: "up", ids.PAPER_DOWN: "down", ids.PAPER_SAVE: "save"}
_FEEDBACK = re.compile("^(" + "|".join(map(re.escape, ids.FEEDBACK_ACTIONS)) + ")$")
_EPHEMERAL = {"replace_original": False, "response_type": "ephemeral"}


def register(app: PaperboyApp, ctx: Context) -> None:
    """Register the paper buttons' listeners."""
    work = app.work

    @app.action(_FEEDBACK)
    async def vote(
        ack: Any, body: dict[str, Any], action: dict[str, Any], context: Any, respond: Any
    ) -> None:
        await ack()
        kind, paper_id = _KINDS[action["action_id"]], int(action["value"])
        message = _dm_message(body)
        who = (ctx, context.team_id or "", context.user_id)
        voted = work.run(_vote, *who, paper_id, kind, message)
        await answer(respond, voted, **({"replace_original": True} if message else _EPHEMERAL))

    @app.action(ids.PAPER_MORE_LIKE)
    async def more(ack: Any, action: dict[str, Any], context: Any, respond: Any) -> None:
        await ack()
        who = (ctx, context.team_id or "", context.user_id)
        await answer(respond, work.run(more_like, *who, int(action["value"])), **_EPHEMERAL)

    @app.action(ids.SEARCH_MORE)
    async def next_page(ack: Any, action: dict[str, Any], context: Any, respond: Any) -> None:
        await ack()
        page = json.loads(action["value"])
        since = date.fromisoformat(page["s"]) if page.get("s") else None
        cmd = Search(page["q"], since=since, offset=int(page["o"]))
        who = (ctx, context.team_id or "", context.user_id)
        await answer(respond, work.run(search_page, *who, cmd), replace_original=True)


def _dm_message(body: dict[str, Any]) -> dict[str, Any] | None:
    """The message a button was in, when it is a bot DM that can be updated in place."""
    message = body.get("message") or {}
    in_dm = (body.get("channel") or {}).get("id", "").startswith("D")
    return message if in_dm and message.get("blocks") else None


def _vote(
    ctx: Context,
    team_id: str,
    user_id: str,
    paper_id: int,
    kind: str,
    message: dict[str, Any] | None,
) -> Message:
    """Store the vote; reply with the updated DM message, or a private note."""
    members.record_feedback(ctx, team_id, user_id, paper_id, kind)  # type: ignore[arg-type]
    if message is not None:
        return blocks.feedback_applied(message, paper_id, kind)
    return blocks.notice(blocks.FEEDBACK_NOTES[kind])
