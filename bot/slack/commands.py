"""The `/papers` slash command: ack at once, parse, run one handler off the loop, respond.

Everything the command does lives in `command_handlers`; the two subcommands that need Slack
itself (`settings` opens a modal, `channel …` checks the bot is in the channel) are here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import members
from bot.context import Context
from bot.slack import blocks
from bot.slack.blocks import Message, notice
from bot.slack.command_handlers import channel_change, run_command
from bot.slack.command_parser import (
    ChannelOff,
    ChannelOn,
    ChannelStatus,
    Help,
    SettingsCmd,
    parse_command,
)
from bot.slack.common import AckFirst, TimezoneCache, ack_first, answer, responder, timezones

__all__ = ["open_settings", "register"]

NOT_IN_CHANNEL = (
    "I'm not in this channel yet. Invite me with `/invite @paperboy`, then run this again."
)


def register(app: AsyncApp, ctx: Context) -> None:
    """Register the `/papers` listener."""
    zones, work = timezones(app), ack_first(app)

    @app.command("/papers")
    async def papers(
        ack: Any, command: dict[str, Any], respond: Any, client: AsyncWebClient
    ) -> None:
        await ack()
        reply = responder(client, respond)
        await answer(reply, _dispatch(ctx, client, command, zones, work), response_type="ephemeral")


async def _dispatch(
    ctx: Context,
    client: AsyncWebClient,
    command: dict[str, Any],
    zones: TimezoneCache,
    work: AckFirst,
) -> Message | None:
    team, user = command.get("team_id", ""), command["user_id"]
    cmd = parse_command(command.get("text") or "", today=datetime.now(UTC).date())
    if isinstance(cmd, Help):  # needs no member, database or Slack lookup: answer at once
        return blocks.help_message()
    if isinstance(cmd, SettingsCmd):
        await open_settings(ctx, client, team, user, command["trigger_id"], zones=zones, work=work)
        return None
    if isinstance(cmd, ChannelOn | ChannelOff | ChannelStatus):
        channel = command.get("channel_id", "")  # a DM is refused by the channel service
        if not channel.startswith("D") and not await _bot_is_in(client, channel):
            return notice(NOT_IN_CHANNEL)
        return await work.run(channel_change, ctx, team, channel, cmd)
    timezone = await zones.get(client, user)
    return await work.run(run_command, ctx, team, user, cmd, timezone=timezone)


async def open_settings(
    ctx: Context,
    client: AsyncWebClient,
    team_id: str,
    user_id: str,
    trigger_id: str,
    *,
    zones: TimezoneCache,
    work: AckFirst,
) -> None:
    """Open the settings modal, time zone defaulting to the member's Slack `tz`.

    Args:
        ctx: the process context.
        client: the app's Web API client.
        team_id: the workspace.
        user_id: the member.
        trigger_id: from the command or button (valid for 3 seconds).
        zones: the app's time-zone cache (`timezones(app)`).
        work: the app's `AckFirst` (`ack_first(app)`).
    """
    timezone = await zones.get(client, user_id)
    member = await work.run(members.ensure_member, ctx, team_id, user_id, timezone=timezone)
    await client.views_open(trigger_id=trigger_id, view=blocks.settings_modal(member))


async def _bot_is_in(client: AsyncWebClient, channel_id: str) -> bool:
    try:
        info = await client.conversations_info(channel=channel_id)
    except SlackApiError:  # channel_not_found: a private channel the bot is not in
        return False
    return bool((info.get("channel") or {}).get("is_member"))
