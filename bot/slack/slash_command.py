"""The `/papers` slash command: ack at once, parse, carry it out off the loop, respond.

`register` adds the listener; `carry_out` says what each subcommand does, as a sync
function run through the app's `AckFirst`: one service call in `bot/`, then the `Message`
to show. The subcommands that need Slack itself (`settings` opens a modal, `channel …`
first checks that the bot is in the channel, `hot` asks who its members are, `saved
export` uploads files into the member's DM) are handled in `_dispatch`.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import TYPE_CHECKING, Any

from slack_sdk.web.async_client import AsyncWebClient

from bot import channels, digest, members, reading
from bot.context import Context
from bot.slack import blocks
from bot.slack.answers import answer, responder
from bot.slack.blocks import Message, notice
from bot.slack.conversations import bot_is_in, channel_members
from bot.slack.files import send_to_dm
from bot.slack.slash_syntax import (
    ChannelHot,
    ChannelOff,
    ChannelOn,
    ChannelStatus,
    Command,
    DigestNow,
    Follow,
    FollowAuthor,
    Help,
    Hot,
    ImportHelp,
    Interests,
    Mute,
    OpenSettings,
    Saved,
    SavedExport,
    Search,
    Seed,
    Since,
    Unfollow,
    UnfollowAuthor,
    Unmute,
    parse_command,
)
from bot.slack_ids import is_channel, is_dm

if TYPE_CHECKING:
    from bot.slack.app import PaperboyApp

__all__ = ["carry_out", "more_like", "open_settings", "register", "search_page"]

NOT_IN_CHANNEL = (
    "I'm not in this channel yet. Invite me with `/invite @paperboy`, then run this again."
)
IN_A_CHANNEL = "Run `/papers hot` in a channel that gets the team digest."
IMPORT_HELP = (
    "Start from the library you already have: export it from Zotero, Mendeley or JabRef as "
    "BibTeX (.bib), RIS (.ris) or CSV, and drop the file in a DM with me. I match it against "
    "the papers I know and use your most recent ones as seed papers; you get one reply with "
    "what was read, matched and used."
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
    if isinstance(cmd, ChannelOn | ChannelOff | ChannelStatus | ChannelHot):
        channel = command.get("channel_id", "")  # a DM is refused by the channel service
        if not is_dm(channel) and not await bot_is_in(client, channel):
            return notice(NOT_IN_CHANNEL)
        return await app.work.run(channel_change, ctx, team, channel, cmd)
    if isinstance(cmd, Hot):
        channel = command.get("channel_id", "")
        if not is_channel(channel):
            return notice(IN_A_CHANNEL)
        if not await bot_is_in(client, channel):
            return notice(NOT_IN_CHANNEL)
        present = sorted(await channel_members(client, channel))
        hot = await app.work.run(reading.hot_papers, ctx, team, channel, present, days=cmd.days)
        return blocks.hot_message(hot)
    if isinstance(cmd, SavedExport):
        export = await app.work.run(reading.export_saved, ctx, team, user, cmd.formats)
        kinds = " and ".join("BibTeX" if f.format == "bibtex" else "RIS" for f in export.files)
        count = f"{export.papers} saved paper{'' if export.papers == 1 else 's'}"
        await send_to_dm(client, user, export.files, comment=f"Your {count}, as {kinds}.")
        return notice("Sent your {} to our DM as {}.", count, kinds)
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
            followed = members.follow(*who, text, timezone=timezone)
            return notice("Following “{}”. Matching papers come with your next digest.", followed)
        case Unfollow(target):
            return notice("Stopped following “{}”.", members.unfollow(*who, str(target)))
        case FollowAuthor(name):
            followed = members.follow_author(*who, name, timezone=timezone)
            return notice(
                "Following *{}*: their new papers reach you whenever they appear.", followed
            )
        case UnfollowAuthor(name):
            return notice("Stopped following *{}*.", members.unfollow_author(*who, name) or name)
        case Saved(offset):
            return blocks.saved_message(reading.saved_papers(*who, offset=offset))
        case ImportHelp():
            return notice(IMPORT_HELP)
        case Interests():
            return blocks.interests_message(members.profile(*who, timezone=timezone))
        case Seed(ref):
            paper = members.add_seed(*who, ref, timezone=timezone)
            return notice("Added *{}* as a seed paper: I'll look for more like it.", paper.title)
        case Mute(term):
            muted = members.mute(*who, term, timezone=timezone)
            return notice("Muted “{}”: papers with it won't reach you.", muted)
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
    ctx: Context,
    team_id: str,
    channel_id: str,
    cmd: ChannelOn | ChannelOff | ChannelStatus | ChannelHot,
) -> Message:
    """Switch a channel's digest (or its weekly hot post) on or off, or report its status;
    the reply is the channel's status after the change (refusals raise, and are shown to
    the member)."""
    match cmd:
        case ChannelOn():
            state = channels.enable_channel(
                ctx, team_id, channel_id, time=cmd.time, tz=cmd.timezone
            )
        case ChannelOff():
            state = channels.disable_channel(ctx, team_id, channel_id)
        case ChannelHot(enabled):
            state = channels.set_hot_weekly(ctx, team_id, channel_id, enabled)
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
