"""What each `/papers` command does, as sync functions run off the event loop.

Each takes the context and the asking member, calls one service in `bot/`, and returns the
`Message` to show. The listener in `commands.py` only parses, acks and responds.
"""

from __future__ import annotations

from datetime import datetime, time

from bot import channels, digest, members
from bot.context import Context
from bot.slack import blocks
from bot.slack.blocks import Message, notice
from bot.slack.command_parser import (
    ChannelOff,
    ChannelOn,
    ChannelStatus,
    Command,
    Digest,
    Follow,
    Interests,
    Mute,
    Search,
    Seed,
    Since,
    Unfollow,
    Unmute,
)

__all__ = ["channel_change", "more_like", "run_command", "search_page"]


def run_command(
    ctx: Context, team_id: str, user_id: str, cmd: Command, *, timezone: str | None
) -> Message:
    """Carry out a member's command (creating the member on first contact).

    Args:
        ctx: the process context.
        team_id: the workspace.
        user_id: the member.
        cmd: the parsed command (not `settings` or `channel …`, which need Slack).
        timezone: the member's Slack time zone, used when the member is new.

    Returns:
        The ephemeral reply.
    """
    members.ensure_member(ctx, team_id, user_id, timezone=timezone)
    who = (ctx, team_id, user_id)
    match cmd:
        case Search():
            return search_page(ctx, team_id, user_id, cmd)
        case Follow(text):
            followed = members.follow(*who, text)
            return notice("Following “{}”. Matching papers come with your next digest.", followed)
        case Unfollow(target):
            return notice("Stopped following “{}”.", members.unfollow(*who, str(target)))
        case Interests():
            return blocks.interests_message(members.profile(*who))
        case Seed(ref):
            paper = members.add_seed(*who, ref)
            return notice("Added *{}* as a seed paper: I'll look for more like it.", paper.title)
        case Mute(term):
            return notice("Muted “{}”: papers with it won't reach you.", members.mute(*who, term))
        case Unmute(term):
            return notice("Unmuted “{}”.", members.unmute(*who, term))
        case Digest():
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
    """Switch a channel's digest on or off, or just report its status.

    Args:
        ctx: the process context.
        team_id: the workspace.
        channel_id: the channel (the bot is known to be a member; a DM is refused).
        cmd: `ChannelOn` (optional time and zone), `ChannelOff` or `ChannelStatus`.

    Returns:
        The channel's status after the change.

    Raises:
        ChannelError: the change was refused (shown to the member).
    """
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
