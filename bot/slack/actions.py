"""Buttons on messages: 👍 / 👎 / Save, "More like this", search paging, and the reading
list's Unsave and paging.

A vote is stored at once; in a DM the message is updated in place (the paper's buttons
become "noted — fewer like this"); elsewhere the voter gets an ephemeral note. A button's
value is read back with `bot.slack.blocks.ids` and nothing else: a value no button of ours
could carry (forged, or from an older message: `abc`, a 12-digit number, broken JSON) is
answered with a short ephemeral note and one log line, never a traceback.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from bot import members, reading
from bot.context import Context
from bot.slack import blocks
from bot.slack.answers import answer
from bot.slack.blocks import Message, ids
from bot.slack.slash_command import more_like, search_page
from bot.slack.slash_syntax import Search
from bot.slack_ids import is_dm

if TYPE_CHECKING:
    from bot.slack.app import PaperboyApp

__all__ = ["MalformedAction", "register"]

log = logging.getLogger("bot.slack")

_KINDS = {ids.PAPER_UP: "up", ids.PAPER_DOWN: "down", ids.PAPER_SAVE: "save"}
_FEEDBACK = re.compile("^(" + "|".join(map(re.escape, ids.FEEDBACK_ACTIONS)) + ")$")
_EPHEMERAL = {"replace_original": False, "response_type": "ephemeral"}
STALE_BUTTON = "That button doesn't work any more; run the command again for a fresh one."


class MalformedAction(ValueError):
    """A button value none of our buttons carries; `str(error)` is for the member."""


def _malformed(action: dict[str, Any]) -> MalformedAction:
    """The error for an action whose value we cannot read, logged as one line."""
    value = str(action.get("value"))[:80]
    log.warning("malformed %s action value %r", action.get("action_id"), value)
    return MalformedAction(STALE_BUTTON)


def register(app: PaperboyApp, ctx: Context) -> None:
    """Register the message buttons' listeners."""
    work = app.work

    @app.action(_FEEDBACK)
    async def vote(
        ack: Any, body: dict[str, Any], action: dict[str, Any], context: Any, respond: Any
    ) -> None:
        await ack()
        message = _dm_message(body)
        who = (ctx, context.team_id or "", context.user_id)
        voted = work.run(_vote, *who, action, message)
        options = {"replace_original": True} if message else _EPHEMERAL
        await answer(respond, voted, error_options=_EPHEMERAL, **options)

    @app.action(ids.PAPER_MORE_LIKE)
    async def more(ack: Any, action: dict[str, Any], context: Any, respond: Any) -> None:
        await ack()
        who = (ctx, context.team_id or "", context.user_id)
        await answer(respond, work.run(_more_like, *who, action), **_EPHEMERAL)

    for action_id, page in (
        (ids.SEARCH_MORE, _search_page),
        (ids.SAVED_UNSAVE, _unsave),
        (ids.SAVED_MORE, _saved_page),
    ):
        _register_page(app, ctx, action_id, page)


def _register_page(
    app: PaperboyApp, ctx: Context, action_id: str, page: Callable[..., Message]
) -> None:
    """A button whose answer replaces its message with a new page (search results, the
    reading list); a malformed value gets an ephemeral note and leaves the message."""

    @app.action(action_id)
    async def new_page(ack: Any, action: dict[str, Any], context: Any, respond: Any) -> None:
        await ack()
        who = (ctx, context.team_id or "", context.user_id)
        built = app.work.run(page, *who, action)
        await answer(respond, built, error_options=_EPHEMERAL, replace_original=True)


def _dm_message(body: dict[str, Any]) -> dict[str, Any] | None:
    """The message a button was in, when it is a bot DM that can be updated in place."""
    message = body.get("message") or {}
    in_dm = is_dm((body.get("channel") or {}).get("id", ""))
    return message if in_dm and message.get("blocks") else None


def _paper_id(action: dict[str, Any]) -> int:
    found = ids.row_id(str(action.get("value") or ""))
    if found is None:
        raise _malformed(action)
    return found


def _vote(
    ctx: Context,
    team_id: str,
    user_id: str,
    action: dict[str, Any],
    message: dict[str, Any] | None,
) -> Message:
    """Store the vote; reply with the updated DM message, or a private note."""
    kind, paper_id = _KINDS[action["action_id"]], _paper_id(action)
    members.record_feedback(ctx, team_id, user_id, paper_id, kind)  # type: ignore[arg-type]
    if message is not None:
        return blocks.feedback_applied(message, paper_id, kind)
    return blocks.notice(blocks.FEEDBACK_NOTES[kind])


def _more_like(ctx: Context, team_id: str, user_id: str, action: dict[str, Any]) -> Message:
    return more_like(ctx, team_id, user_id, _paper_id(action))


def _search_page(ctx: Context, team_id: str, user_id: str, action: dict[str, Any]) -> Message:
    try:
        page = json.loads(action.get("value") or "")
        since = date.fromisoformat(page["s"]) if page.get("s") else None
        cmd = Search(str(page["q"]), since=since, offset=max(int(page["o"]), 0))
    except (ValueError, TypeError, KeyError, AttributeError):
        raise _malformed(action) from None
    return search_page(ctx, team_id, user_id, cmd)


def _offset(text: str, action: dict[str, Any]) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise _malformed(action)
    return int(text)


def _unsave(ctx: Context, team_id: str, user_id: str, action: dict[str, Any]) -> Message:
    """Take the paper off the reading list (again: nothing happens) and show the page it
    was on, or the one before when it emptied."""
    target, _, at = str(action.get("value") or "").partition("@")
    paper_id = ids.stable_id(target)
    if paper_id is None:
        raise _malformed(action)
    offset = _offset(at, action)
    reading.unsave(ctx, team_id, user_id, paper_id)
    page = reading.saved_papers(ctx, team_id, user_id, offset=offset)
    if not page.papers and offset:
        page = reading.saved_papers(ctx, team_id, user_id, offset=max(offset - page.page_size, 0))
    return blocks.saved_message(page)


def _saved_page(ctx: Context, team_id: str, user_id: str, action: dict[str, Any]) -> Message:
    offset = _offset(str(action.get("value") or ""), action)
    return blocks.saved_message(reading.saved_papers(ctx, team_id, user_id, offset=offset))
