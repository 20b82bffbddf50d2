"""Short ephemeral replies: usage card, notices, errors, interests, channel status, and the
"noted" note that replaces a paper's buttons after 👍 / 👎 / Save."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock, SectionBlock

from bot.channels import ChannelState
from bot.members import ProfileView
from bot.slack.blocks.text import (
    MAX_FALLBACK_TEXT,
    MAX_SECTION_TEXT,
    Message,
    escaped,
    fit_mrkdwn,
    mrkdwn,
)

__all__ = [
    "FEEDBACK_NOTES",
    "SOMETHING_WENT_WRONG",
    "channel_status_message",
    "error_message",
    "feedback_applied",
    "help_message",
    "interests_message",
    "notice",
]

SOMETHING_WENT_WRONG = "Something went wrong on my side; please try again in a minute."
FEEDBACK_NOTES = {
    "up": "👍 noted — more like this",
    "down": "👎 noted — fewer like this",
    "save": "🔖 saved",
}
_USAGE = """*Paper alerts* — `/papers …`
• `&lt;words&gt;` or `search &lt;words&gt; [--since 2024-05-01]` — search the library
• `follow &lt;interest&gt;` · `unfollow &lt;number|text&gt;` · `interests`
• `follow author:"Jane Doe"` · `unfollow author:"Jane Doe"` — every paper by an author
• `seed &lt;arXiv id | URL | title&gt;` — more papers like this one
• `import` — how to start from your Zotero / BibTeX / RIS library
• `mute &lt;word | author:Name&gt;` · `unmute …`
• `saved` — my reading list · `saved export [bibtex|ris]` — as a file in our DM
• `digest` — my digest now · `since &lt;date&gt;` — papers since a date
• `settings` — delivery time, time zone, days, max papers, threshold, pause, sharing
• `channel on [HH:MM] [time zone]` · `channel off` · `channel status` — a team digest here
• `hot [7d|30d]` · `channel hot on|off` — what this channel is reading (weekly post)"""


def help_message() -> Message:
    """The usage card."""
    return Message(
        "Usage: /papers search|follow|unfollow|interests|…", [SectionBlock(text=mrkdwn(_USAGE))]
    )


def notice(template: str, *values: str) -> Message:
    """A one-section reply: `template` is our (trusted) mrkdwn, `values` (member or paper
    text) are escaped and shortened into its `{}`."""
    text = template.format(*(escaped(v, 500) for v in values))  # escaped once, here
    return Message(fit_mrkdwn(text, MAX_FALLBACK_TEXT), [SectionBlock(text=mrkdwn(text))])


def error_message(text: str) -> Message:
    """A service's member-facing error (escaped: it may quote what the member typed)."""
    body = "⚠️ " + escaped(text, 2900)
    return Message(body, [SectionBlock(text=mrkdwn(body))])


def interests_message(profile: ProfileView) -> Message:
    """The reply to `/papers interests`: the numbered interests with what each brought in
    the last week, the followed authors beside them, plus seeds, library and mutes."""
    if not profile.interests and not profile.authors:
        return notice("You don't follow anything yet. Try `/papers follow diffusion for video`.")
    lines = [
        f"{i.number}. {escaped(i.text, 300)} — _{_papers(i.recent)} this week_"
        for i in profile.interests
    ]
    if profile.authors:
        lines += ["*Authors you follow*", *(f"• {escaped(a, 100)}" for a in profile.authors)]
    heading = "*Your interests*" if profile.interests else "*You follow no topics yet*"
    blocks: list[Block] = [SectionBlock(text=mrkdwn(text)) for text in _packed([heading, *lines])]
    extras = []
    if profile.library:
        extras.append(f"📚 {_papers(len(profile.library))} from your imported library")
    if profile.seeds:
        extras.append("Seeds: " + "; ".join(escaped(s.title, 200) for s in profile.seeds))
    if profile.mutes:
        extras.append("Muted: " + ", ".join(escaped(m, 100) for m in profile.mutes))
    if extras:
        blocks.append(ContextBlock(elements=[mrkdwn("\n".join(extras))]))
    followed = [i.text for i in profile.interests] + profile.authors
    fallback = "You follow: " + "; ".join(followed)
    return Message(escaped(fallback, MAX_FALLBACK_TEXT), blocks)


def _packed(lines: list[str]) -> list[str]:
    """Lines joined into as few section texts as fit Slack's limit, none cut."""
    texts = [""]
    for line in lines:
        if texts[-1] and len(texts[-1]) + 1 + len(line) > MAX_SECTION_TEXT:
            texts.append("")
        texts[-1] = f"{texts[-1]}\n{line}" if texts[-1] else line
    return texts


def channel_status_message(channel: ChannelState) -> Message:
    """Whether this channel gets a digest, when, and when the next one is."""
    if not channel.enabled and channel.stopped_by:
        return notice(
            "This channel's paper digest stopped: Slack said `{}` when I posted. Invite me "
            "with `/invite @paperboy`, then turn it back on with `/papers channel on`.",
            channel.stopped_by,
        )
    if not channel.enabled:
        return notice("This channel gets no paper digest. Turn it on with `/papers channel on`.")
    template = "This channel gets a paper digest at *{}* ({}) on {}."
    values = [channel.delivery_time, channel.timezone, ", ".join(channel.days) or "no days"]
    if channel.next_digest_at is not None:
        template += " Next one: {}."
        values.append(channel.next_digest_at.strftime("%a %-d %b %H:%M"))
    if channel.hot_weekly and channel.days:
        template += " Every {} it also posts what the channel is reading that week."
        values.append(channel.days[-1])
    return notice(template, *values)


def feedback_applied(message: dict[str, Any], paper_id: int, kind: str) -> Message:
    """The voted-on message again (as Slack sent it, `text` and `blocks`), this paper's
    buttons replaced by a "noted" line for `kind` ("up", "down" or "save"); other papers keep
    their buttons. Sent with `replace_original=True`."""
    note = ContextBlock(block_id=f"paper_noted_{paper_id}", elements=[mrkdwn(FEEDBACK_NOTES[kind])])
    target = f"paper_actions_{paper_id}"
    kept = Block.parse_all(message.get("blocks") or [])
    new = [note if b.block_id == target else b for b in kept if b is not None]
    return Message(message.get("text") or FEEDBACK_NOTES[kind], new)


def _papers(count: int) -> str:
    return f"{count} paper" + ("" if count == 1 else "s")
