"""What members read, as messages: the reading list (`/papers saved`), the reply to a
library import, and what a channel is reading (`/papers hot` and the weekly post).

Each saved paper has its link, details and an "Unsave" button whose value names the paper
and the page it sits on (a second click of it changes nothing); a hot paper says how many
👍'd and saved it and who, or links the channel thread where it was discussed before.
"""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    SectionBlock,
)

from bot.imports import ImportReport
from bot.reading import HotList, HotPaper, SavedPage
from bot.slack.blocks import ids
from bot.slack.blocks.messages import paper_context, paper_link
from bot.slack.blocks.text import (
    MAX_FALLBACK_TEXT,
    MAX_HEADER,
    Message,
    escaped,
    mention,
    mrkdwn,
    permalink,
    plain,
)
from bot.slack_ids import is_channel

__all__ = ["hot_message", "import_report_message", "saved_message", "unsave_value"]

_HOT_PEOPLE = 10  # names shown per paper; more are counted


def unsave_value(paper_id: int, offset: int) -> str:
    """The value of a reading list's "Unsave" button: the paper and its page."""
    return f"{ids.stable_value(paper_id)}@{offset}"


def saved_message(page: SavedPage) -> Message:
    """One page of the reading list, newest save first, each paper with "Unsave"."""
    if not page.papers:
        text = (
            "Your reading list is empty. Press 🔖 *Save* on a paper in a digest to keep it here."
            if page.total == 0
            else f"No saved papers past {page.total}; `/papers saved` starts from the newest."
        )
        return Message(text.replace("*", "").replace("`", ""), [SectionBlock(text=mrkdwn(text))])
    first, last = page.offset + 1, page.offset + len(page.papers)
    heading = f"🔖 *Your reading list* · {first}–{last} of {page.total}"
    blocks: list[Block] = [SectionBlock(text=mrkdwn(heading))]
    for paper in page.papers:
        button = ButtonElement(
            text=plain("Unsave", 75),
            action_id=ids.SAVED_UNSAVE,
            value=unsave_value(paper.id, page.offset),
        )
        text = f"{paper_link(paper)}\n{paper_context(paper)}"
        blocks.append(
            SectionBlock(block_id=f"saved_{paper.id}", text=mrkdwn(text), accessory=button)
        )
    if page.has_more:
        more = ButtonElement(
            text=plain("Older saves", 75),
            action_id=ids.SAVED_MORE,
            value=str(page.offset + page.page_size),
        )
        blocks.append(ActionsBlock(block_id="saved_more", elements=[more]))
    note = "`/papers saved export` sends them all to our DM as BibTeX and RIS, for Zotero & co."
    blocks.append(ContextBlock(elements=[mrkdwn(note)]))
    titles = "; ".join(p.title for p in page.papers)
    return Message(escaped(f"Your reading list: {titles}", MAX_FALLBACK_TEXT), blocks)


def import_report_message(report: ImportReport, filename: str) -> Message:
    """The one reply to a library import: read, found, used, and why the rest were not."""
    head = (
        f"📚 *Imported {escaped(filename, 200)}* ({escaped(report.format, 40)}): "
        f"read {report.read} · found {report.matched} in paperboy's library · "
        f"used {report.used} as your seed papers"
    )
    skipped = []
    if report.not_found:
        examples = "; ".join(f"_{escaped(t, 120)}_" for t in report.not_found_examples)
        skipped.append(f"• {report.not_found} not among paperboy's papers (yet), e.g. {examples}")
    if report.older:
        skipped.append(f"• {report.older} older than your {report.limit} most recent")
    if report.duplicates:
        skipped.append(f"• {report.duplicates} listed twice")
    lines = [head]
    if skipped:
        lines += ["*Skipped:*", *skipped]
    if report.unreadable:
        first = escaped(report.problems[0], 300) if report.problems else ""
        lines.append(
            f"{report.unreadable} entries could not be read" + (f" ({first})" if first else "")
        )
    if report.used:
        lines.append("Your next digest looks for papers like these; a new import replaces them.")
    else:
        lines.append("None of it is in paperboy's library yet, so your seeds are unchanged.")
    text = "\n".join(lines)
    fallback = (
        f"Imported {filename}: read {report.read}, found {report.matched}, used {report.used}"
    )
    return Message(escaped(fallback, MAX_FALLBACK_TEXT), [SectionBlock(text=mrkdwn(text))])


def hot_message(hot: HotList, *, weekly: bool = False) -> Message:
    """What the channel's members 👍'd and saved in the period: the weekly post ("Hot in
    #channel this week") or the reply to `/papers hot`."""
    period = "this week" if hot.days == 7 else f"in the last {hot.days} days"
    channel = f"<#{hot.channel_id}>" if is_channel(hot.channel_id) else "this channel"
    heading = f"🔥 Hot in {channel} {period}"
    blocks: list[Block] = [
        HeaderBlock(text=plain(f"🔥 What this channel is reading {period}", MAX_HEADER))
        if not weekly
        else SectionBlock(text=mrkdwn(f"*{heading}*"))
    ]
    if not hot.papers:
        why = (
            "No 👍 or saves shared in this period."
            if hot.sharing
            else "Nobody here shares their 👍 and saves yet."
        )
        blocks.append(SectionBlock(text=mrkdwn(why)))
    for rank, item in enumerate(hot.papers, 1):
        blocks.append(_hot_paper(hot.channel_id, rank, item))
    consent = (
        f"Counting {hot.sharing} member{'' if hot.sharing == 1 else 's'} who share their 👍 "
        "and saves. Turn it on or off in `/papers settings` → “Show my 👍 to my team”."
    )
    blocks.append(ContextBlock(elements=[mrkdwn(consent)]))
    titles = "; ".join(i.paper.title for i in hot.papers)
    fallback = f"Hot {period}: {titles}" if titles else f"Hot {period}: nothing yet"
    return Message(escaped(fallback, MAX_FALLBACK_TEXT), blocks)


def _hot_paper(channel_id: str, rank: int, item: HotPaper) -> SectionBlock:
    counts = " · ".join(
        part
        for part in (
            f"👍 {item.upvotes}" if item.upvotes else "",
            f"🔖 {item.saves}" if item.saves else "",
        )
        if part
    )
    people = ", ".join(mention(u) for u in item.people[:_HOT_PEOPLE])
    if len(item.people) > _HOT_PEOPLE:
        people += f" and {len(item.people) - _HOT_PEOPLE} more"
    earlier = permalink(channel_id, item.earlier_ts) if item.earlier_ts else None
    where = (
        f"\n_Discussed here before:_ <{earlier}|see the thread>"
        if earlier
        else f"\n{paper_context(item.paper)}"
    )
    text = f"{rank}. {paper_link(item.paper)}{where}\n{counts} — {people}"
    return SectionBlock(block_id=f"hot_{item.paper.id}", text=mrkdwn(text))
