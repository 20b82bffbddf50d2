"""App Home: publish the member's view when they open it, and handle its controls and modals.

Home-tab actions have no `response_url`: every change is stored at once, then the Home view
is published again (with the error on top when the change was refused).
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import members
from bot.context import Context
from bot.profiles import ProfileError, validate_interest, validate_settings
from bot.slack import blocks
from bot.slack.blocks import ids
from bot.slack.commands import open_settings
from bot.slack.common import AckFirst, ack_first, log, timezones

__all__ = ["register"]

_CHANGES = re.compile(
    "^(" + "|".join(map(re.escape, (*ids.HOME_ACTIONS, ids.HOME_RESET_FEEDBACK))) + ")$"
)
_OPTION_KEYS = ("popularity_boost", "paused")


def register(app: AsyncApp, ctx: Context) -> None:
    """Register the Home tab event, its buttons and the two modals' submissions."""
    zones, work = timezones(app), ack_first(app)

    @app.event("app_home_opened")
    async def home_opened(event: dict[str, Any], context: Any, client: AsyncWebClient) -> None:
        if event.get("tab", "home") == "home":
            timezone = await zones.get(client, event["user"])
            await publish(
                ctx, client, context.team_id or "", event["user"], work, timezone=timezone
            )

    @app.action(ids.HOME_ADD_INTEREST)
    async def add_interest(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=blocks.add_interest_modal())

    @app.action(ids.HOME_OPEN_SETTINGS)
    async def edit_settings(
        ack: Any, body: dict[str, Any], context: Any, client: AsyncWebClient
    ) -> None:
        await ack()
        team, user = context.team_id or "", context.user_id
        await open_settings(ctx, client, team, user, body["trigger_id"], zones=zones, work=work)

    @app.action(_CHANGES)
    async def change(
        ack: Any, action: dict[str, Any], context: Any, client: AsyncWebClient
    ) -> None:
        await ack()
        change = (action["action_id"], action.get("value") or "")
        await publish(ctx, client, context.team_id or "", context.user_id, work, change=change)

    @app.view(ids.MODAL_ADD_INTEREST)
    async def interest_added(
        ack: Any, view: dict[str, Any], context: Any, client: AsyncWebClient
    ) -> None:
        text = view["state"]["values"]["interest"]["text"].get("value") or ""
        try:
            validate_interest(text, [])
        except ProfileError as error:
            return await ack(response_action="errors", errors={"interest": str(error)})
        await ack()
        change = ("follow", text)
        await publish(ctx, client, context.team_id or "", context.user_id, work, change=change)

    @app.view(ids.MODAL_SETTINGS)
    async def settings_saved(
        ack: Any, view: dict[str, Any], context: Any, client: AsyncWebClient
    ) -> None:
        changes = blocks.settings_from_state(view["state"]["values"])
        errors = settings_errors(changes)
        if errors:
            return await ack(response_action="errors", errors=errors)
        await ack()
        await publish(ctx, client, context.team_id or "", context.user_id, work, settings=changes)


async def publish(
    ctx: Context,
    client: AsyncWebClient,
    team_id: str,
    user_id: str,
    work: AckFirst,
    **change: Any,
) -> None:
    """Apply one change (if any) off the loop, then publish the member's Home view.

    Args:
        ctx: the process context.
        client: the app's Web API client.
        team_id: the workspace.
        user_id: the member.
        work: the app's `AckFirst` (`ack_first(app)`).
        **change: `timezone=` (new member), `change=(action_id, value)` or `settings={...}`.
    """
    try:
        profile, notice = await work.run(apply_change, ctx, team_id, user_id, **change)
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
) -> tuple[Any, str | None]:
    """Store one Home-tab change and read the profile back.

    Returns:
        The `ProfileView` and the member-facing error when the change was refused.
    """
    who = (ctx, team_id, user_id)
    members.ensure_member(*who, timezone=timezone)
    notice = None
    try:
        if settings is not None:
            members.update_settings(*who, **settings)
        elif change is not None:
            _HOME_CHANGES[change[0]](*who, change[1])
    except ValueError as error:
        notice = str(error)
    return members.profile(*who), notice


def settings_errors(changes: dict[str, Any]) -> dict[str, str]:
    """Validate each setting on its own: `{block_id: message}` for those refused."""
    errors: dict[str, str] = {}
    for key, value in changes.items():
        try:
            validate_settings({key: value})
        except ProfileError as error:
            errors["options" if key in _OPTION_KEYS else key] = str(error)
    return errors


def _toggle_pause(ctx: Context, team_id: str, user_id: str, value: str) -> None:
    members.update_settings(ctx, team_id, user_id, paused=value == "pause")


_HOME_CHANGES: dict[str, Any] = {
    "follow": members.follow,
    ids.HOME_REMOVE_INTEREST: members.unfollow,
    ids.HOME_REMOVE_SEED: members.remove_seed,
    ids.HOME_UNMUTE: members.unmute,
    ids.HOME_TOGGLE_PAUSE: _toggle_pause,
    ids.HOME_RESET_FEEDBACK: lambda ctx, team, user, _value: members.reset_feedback(
        ctx, team, user
    ),
}
