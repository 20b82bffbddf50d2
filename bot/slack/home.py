"""App Home: publish the member's view when they open it, and handle its controls and modals.

Home-tab actions have no `response_url`: every change is stored at once, then the Home view
is published again (with the error on top when the change was refused). Opening the Home
tab only reads: a member is created by their first change. A button that removes something
names it by a stable id or its text, never its place in a list, so a click that arrives
before the republished view (a double-click) removes nothing a second time; a value no
button of the current view carries changes nothing and says so.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot import members, reading
from bot.context import Context
from bot.members import ProfileView
from bot.profiles import ProfileError, validate_author, validate_interest, validate_settings
from bot.slack import blocks
from bot.slack.blocks import ids
from bot.slack.slash_command import open_settings

if TYPE_CHECKING:
    from bot.slack.app import PaperboyApp

__all__ = ["apply_change", "register", "settings_errors"]

log = logging.getLogger("bot.slack")

_CHANGES = re.compile(
    "^(" + "|".join(map(re.escape, (*ids.HOME_ACTIONS, ids.HOME_RESET_FEEDBACK))) + ")$"
)
_OPTION_KEYS = ("popularity_boost", "paused", "share_votes")
STALE_HOME = "That button was from an older view of this tab, so nothing changed; here it is again."


def register(app: PaperboyApp, ctx: Context) -> None:
    """Register the Home tab event, its buttons and its modals' submissions."""

    @app.event("app_home_opened")
    async def home_opened(event: dict[str, Any], context: Any, client: AsyncWebClient) -> None:
        if event.get("tab", "home") == "home":
            await publish(app, ctx, client, context.team_id or "", event["user"])

    for form in _ONE_FIELD_FORMS:
        _register_form(app, ctx, form)

    @app.action(ids.HOME_OPEN_SETTINGS)
    async def edit_settings(
        ack: Any, body: dict[str, Any], context: Any, client: AsyncWebClient
    ) -> None:
        await ack()
        team, user = context.team_id or "", context.user_id
        await open_settings(app, ctx, client, team, user, body["trigger_id"])

    @app.action(_CHANGES)
    async def change(
        ack: Any, action: dict[str, Any], context: Any, client: AsyncWebClient
    ) -> None:
        await ack()
        change = (action["action_id"], action.get("value") or "")
        await publish(app, ctx, client, context.team_id or "", context.user_id, change=change)

    @app.view(ids.MODAL_SETTINGS)
    async def settings_saved(
        ack: Any, view: dict[str, Any], context: Any, client: AsyncWebClient
    ) -> None:
        changes = blocks.settings_from_state(view["state"]["values"])
        errors = settings_errors(changes)
        if errors:
            return await ack(response_action="errors", errors=errors)
        await ack()
        team, user = context.team_id or "", context.user_id
        await publish(app, ctx, client, team, user, settings=changes)


@dataclass(frozen=True)
class _Form:
    """A Home button that opens a one-field modal, and what its submission changes."""

    button: str  # the Home button's action id
    modal: Callable[[], View]
    callback_id: str
    block_id: str  # the input's block (its action id is "text")
    validate: Callable[[str, list[str]], str]  # refuses with a ValueError shown in the modal
    change: str  # the `_HOME_CHANGES` key that stores it


_ONE_FIELD_FORMS = (
    _Form(
        ids.HOME_ADD_INTEREST, blocks.add_interest_modal, ids.MODAL_ADD_INTEREST,
        "interest", validate_interest, "follow",
    ),
    _Form(
        ids.HOME_FOLLOW_AUTHOR, blocks.follow_author_modal, ids.MODAL_FOLLOW_AUTHOR,
        "author", validate_author, "follow_author",
    ),
)  # fmt: skip


def _register_form(app: PaperboyApp, ctx: Context, form: _Form) -> None:
    """The button that opens `form`'s modal, and the submission that stores its value
    (refused in the modal itself when it does not validate)."""

    @app.action(form.button)
    async def open_form(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=form.modal())

    @app.view(form.callback_id)
    async def submitted(
        ack: Any, view: dict[str, Any], context: Any, client: AsyncWebClient
    ) -> None:
        text = view["state"]["values"][form.block_id]["text"].get("value") or ""
        try:
            form.validate(text, [])
        except ValueError as error:
            return await ack(response_action="errors", errors={form.block_id: str(error)})
        await ack()
        change = (form.change, text)
        await publish(app, ctx, client, context.team_id or "", context.user_id, change=change)


async def publish(
    app: PaperboyApp,
    ctx: Context,
    client: AsyncWebClient,
    team_id: str,
    user_id: str,
    **change: Any,
) -> None:
    """Apply one change (if any) off the loop, then publish the member's Home view;
    `change` is as `apply_change` takes it."""
    change.setdefault("timezone", await app.timezones.get(client, user_id))
    try:
        profile, notice = await app.work.run(apply_change, ctx, team_id, user_id, **change)
    except Exception:
        log.exception("home update failed")
        return
    await client.views_publish(user_id=user_id, view=blocks.home_view(profile, notice=notice))


def apply_change(
    ctx: Context,
    team_id: str,
    user_id: str,
    *,
    timezone: str | None = None,
    change: tuple[str, str] | None = None,
    settings: dict[str, Any] | None = None,
) -> tuple[ProfileView, str | None]:
    """Store one Home-tab change (`change=(action_id, value)` or `settings={...}`), if any,
    and read the profile back, with the member-facing error when the change was refused;
    `timezone` is the member's Slack zone, for someone not met yet."""
    who = (ctx, team_id, user_id)
    notice = None
    if settings is not None or change is not None:
        members.ensure_member(*who, timezone=timezone)
    try:
        if settings is not None:
            members.update_settings(*who, **settings)
        elif change is not None:
            _HOME_CHANGES[change[0]](*who, change[1])
    except ValueError as error:
        notice = str(error)
    return members.profile(*who, timezone=timezone), notice


def settings_errors(changes: dict[str, Any]) -> dict[str, str]:
    """Validate each setting on its own: `{block_id: message}` for those refused."""
    errors: dict[str, str] = {}
    for key, value in changes.items():
        try:
            validate_settings({key: value})
        except ValueError as error:
            errors["options" if key in _OPTION_KEYS else key] = str(error)
    return errors


def _toggle_pause(ctx: Context, team_id: str, user_id: str, value: str) -> None:
    members.update_settings(ctx, team_id, user_id, paused=value == "pause")


def _reset_feedback(ctx: Context, team_id: str, user_id: str, _value: str) -> None:
    members.reset_feedback(ctx, team_id, user_id)


def _row(action_id: str, value: str) -> int:
    """The id a Remove-like button carries ("id:42"); anything else (a list position from
    an older view, a forged value) refuses the change, with one log line."""
    found = ids.stable_id(value)
    if found is None:
        log.warning("malformed %s value %r", action_id, value[:80])
        raise ProfileError(STALE_HOME)
    return found


def _remove_interest(ctx: Context, team_id: str, user_id: str, value: str) -> None:
    members.remove_interest(ctx, team_id, user_id, _row(ids.HOME_REMOVE_INTEREST, value))


def _remove_seed(ctx: Context, team_id: str, user_id: str, value: str) -> None:
    members.remove_seed_paper(ctx, team_id, user_id, _row(ids.HOME_REMOVE_SEED, value))


def _unsave(ctx: Context, team_id: str, user_id: str, value: str) -> None:
    reading.unsave(ctx, team_id, user_id, _row(ids.HOME_UNSAVE, value))


def _unmute(ctx: Context, team_id: str, user_id: str, value: str) -> None:
    members.unmute(ctx, team_id, user_id, value, missing_ok=True)


def _unfollow_author(ctx: Context, team_id: str, user_id: str, value: str) -> None:
    members.unfollow_author(ctx, team_id, user_id, value, missing_ok=True)


_HOME_CHANGES: dict[str, Callable[[Context, str, str, str], object]] = {
    "follow": members.follow,
    "follow_author": members.follow_author,
    ids.HOME_REMOVE_INTEREST: _remove_interest,
    ids.HOME_REMOVE_SEED: _remove_seed,
    ids.HOME_UNMUTE: _unmute,
    ids.HOME_UNFOLLOW_AUTHOR: _unfollow_author,
    ids.HOME_UNSAVE: _unsave,
    ids.HOME_TOGGLE_PAUSE: _toggle_pause,
    ids.HOME_RESET_FEEDBACK: _reset_feedback,
}
