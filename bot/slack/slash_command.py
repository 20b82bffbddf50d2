"""The `/papers` slash command: ack at once, parse, carry it out off the loop, respond.

`register` adds the listener; `carry_out` says what each subcommand does, as a sync
function run through the app's `AckFirst`: one service call in `bot/`, then the `Message`
to show. The subcommands that need Slack itself (`settings` opens a modal, `channel …`
first checks that the bot is in the channel) are handled in `_dispatch`.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import channels, digest, members
from bot.context import Context
from bot.slack import blocks
from bot.slack.answers import answer, responder
from bot.slack.blocks import Message, notice
from bot.slack.slash_syntax import (
    ChannelOff,
    ChannelOn,
    ChannelStatus,
    Command,
    DigestNow,
    Follow,
    Help,
    Interests,
    Mute,
    OpenSettings,
    Search,
    Seed,
    Since,
    Unfollow,
    Unmute,
    parse_command,
)

if TYPE_CHECKING:
    from bot.slack.app import PaperboyApp

__all__ = ["carry_out", "more_like", "open_settings", "register", "search_page"]

NOT_IN_CHANNEL = (
    "I'm not in this channel yet. Invite me with `/invite @paperboy`, then run this again."
)


def register(app: PaperboyApp, ctx: Context) -> None:
    """Register the `/papers` listener."""

    @app.command("/papers")
    async def papers(
        ack: Any, command: dict[str, Any], respond: Any, client: AsyncWebClient
    ) -> None:
        await ack()
        reply = responder(client, respond)
        await answer(reply, _dispatch(app, ctx, client, command), response_type="ephemeral")


async def _dispatch(
    app: PaperboyApp, ctx: Context, client: AsyncWebClient, command: dict[str, Any]
) -> Message | None:
    team, user = command.get("team_id", ""), command["user_id"]
    cmd = parse_command(command.get("text") or "", today=datetime.now(UTC).date())
    if isinstance(cmd, Help):  # needs no member, database or Slack lookup: answer at once
        return blocks.help_message()
    if isinstance(cmd, OpenSettings):
        await open_settings(app, ctx, client, team, user, command["trigger_id"])
        return None
    if isinstance(cmd, ChannelOn | ChannelOff | ChannelStatus):
        channel = command.get("channel_id", "")  # a DM is refused by the channel service
        if not channel.startswith("D") and not await _bot_is_in(client, channel):
            return notice(NOT_IN_CHANNEL)
        return await app.work.run(channel_change, ctx, team, channel, cmd)
    timezone = await app.timezones.get(client, user)
    return await app.work.run(carry_out, ctx, team, user, cmd, timezone=timezone)


def carry_out(
    ctx: Context, team_id: str, user_id: str, cmd: Command, *, timezone: str | None
) -> Message:
    """Carry out a member's command (not `settings` or `channel …`, which need Slack) and
    return the ephemeral reply; `timezone` (Slack's) seeds a member met for the first time."""
    who = (ctx, team_id, user_id)
    match cmd:
        case Search():
            return search_page(ctx, team_id, user_id, cmd)
        case Follow(text):
            members.ensure_member(*who, timezone=timezone)
            followed = members.follow(*who, text)
            return notice("Following “{}”. Matching papers come with your next digest.", followed)
        case Unfollow(target):
            return notice("Stopped following “{}”.", members.unfollow(*who, str(target)))
        case Interests():
            return blocks.interests_message(members.profile(*who, timezone=timezone))
        case Seed(ref):
            members.ensure_member(*who, timezone=timezone)
            paper = members.add_seed(*who, ref)
            return notice("Added *{}* as a seed paper: I'll look for more like it.", paper.title)
        case Mute(term):
            members.ensure_member(*who, timezone=timezone)
            return notice("Muted “{}”: papers with it won't reach you.", members.mute(*who, term))
        case Unmute(term):
            return notice("Unmuted “{}”.", members.unmute(*who, term))
        case DigestNow():
            return blocks.member_digest_message(digest.build_member_digest(*who))
        case Since(since):
            start = datetime.combine(since, time())
            return blocks.member_digest_message(digest.build_member_digest(*who, since=start))
    return blocks.help_message()


def search_page(ctx: Context, team_id: str, user_id: str, cmd: Search) -> Message:
    """One page of a member's search results (no 👎'd or muted papers)."""
    hits = members.search_for_member(
        ctx, team_id, user_id, cmd.query, since=cmd.since, offset=cmd.offset
    )
    return blocks.search_results_message(cmd.query, hits, since=cmd.since, offset=cmd.offset)


def more_like(ctx: Context, team_id: str, user_id: str, paper_id: int) -> Message:
    """Five neighbours of a paper, as the member sees them."""
    hits = members.more_like_this(ctx, team_id, user_id, paper_id)
    paper = ctx.library.papers([paper_id]).get(paper_id)
    title = f"More like “{paper.title}”" if paper else "More like this paper"
    return blocks.search_results_message("", hits, title=title)


def channel_change(
    ctx: Context, team_id: str, channel_id: str, cmd: ChannelOn | ChannelOff | ChannelStatus
) -> Message:
    """Switch a channel's digest on or off, or report its status; the reply is the
    channel's status after the change (refusals raise, and are shown to the member)."""
    match cmd:
        case ChannelOn():
            state = channels.enable_channel(
                ctx, team_id, channel_id, time=cmd.time, tz=cmd.timezone
            )
        case ChannelOff():
            state = channels.disable_channel(ctx, team_id, channel_id)
        case _:
            state = channels.channel_status(ctx, team_id, channel_id)
    return blocks.channel_status_message(state)


async def open_settings(
    app: PaperboyApp,
    ctx: Context,
    client: AsyncWebClient,
    team_id: str,
    user_id: str,
    trigger_id: str,
) -> None:
    """Open the settings modal (the trigger is valid for 3 seconds), time zone defaulting
    to the member's Slack `tz`."""
    timezone = await app.timezones.get(client, user_id)
    member = await app.work.run(members.settings, ctx, team_id, user_id, timezone=timezone)
    await client.views_open(trigger_id=trigger_id, view=blocks.settings_modal(member))


async def _bot_is_in(client: AsyncWebClient, channel_id: str) -> bool:
    try:
        info = await client.conversations_info(channel=channel_id)
    except SlackApiError:  # channel_not_found: a private channel the bot is not in
        return False
    return bool((info.get("channel") or {}).get("is_member"))
