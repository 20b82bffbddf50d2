"""Paper blocks and the messages made of them: DM digest, channel digest, search results.

The delivery job posts `member_digest_message` / `channel_digest_message`; `/papers` and
the buttons respond with `search_results_message`. Each paper of a digest is a group of
blocks: the full layout (summary, details and reason as separate lines, dividers between
papers) when every paper fits Slack's 50 blocks, else a compact one (one section and the
buttons per paper), which fits the largest digest a member can ask for (20 papers) and a
channel digest; only beyond that would a "… and N more" note replace the rest.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    SectionBlock,
)

from bot.digest import ChannelDigest, ChannelDigestItem, DigestItem, MemberDigest
from bot.library import PaperView, SearchHit
from bot.schedule import known_zone
from bot.slack.blocks import ids
from bot.slack.blocks.text import (
    MAX_BUTTON_VALUE,
    MAX_FALLBACK_TEXT,
    MAX_HEADER,
    MAX_MESSAGE_BLOCKS,
    Message,
    escaped,
    mention,
    mrkdwn,
    permalink,
    plain,
    safe_url,
)
from bot.summaries import GIST_CHARS, split_sentences, truncate

Layouts = tuple[list[Block], list[Block]]  # one paper's (full, compact) blocks

__all__ = [
    "channel_digest_message",
    "member_digest_message",
    "paper_actions",
    "paper_context",
    "paper_link",
    "search_results_message",
]


def paper_link(paper: PaperView) -> str:
    """The paper's title as a mrkdwn link (escaped), bold when its URL is not a safe one."""
    title = escaped(paper.title, 300)
    url = safe_url(paper.url)
    return f"*<{url}|{title}>*" if url else f"*{title}*"


def paper_context(paper: PaperView) -> str:
    """Authors (three, then "et al."), date, upvotes and a "code" link (when the source
    gave the paper's repository) as one escaped line."""
    parts = []
    if paper.authors:
        names = ", ".join(paper.authors[:3])
        more = (paper.author_count or len(paper.authors)) > 3
        parts.append(escaped(names, 400) + (" et al." if more else ""))
    if paper.published:
        parts.append(paper.published.strftime("%-d %b %Y"))
    if paper.upvotes:
        parts.append(f"▲ {paper.upvotes}")
    if code := safe_url(paper.code_url):
        parts.append(f"<{code}|code>")
    return " · ".join(parts) or " "


def paper_actions(paper_id: int, *, save: bool = False) -> ActionsBlock:
    """👍 / 👎 / More like this (/ Save) for one paper; block id carries the paper id."""
    buttons = [
        ("👍", ids.PAPER_UP),
        ("👎", ids.PAPER_DOWN),
        ("More like this", ids.PAPER_MORE_LIKE),
    ]
    if save:
        buttons.append(("Save", ids.PAPER_SAVE))
    return ActionsBlock(
        block_id=f"paper_actions_{paper_id}",
        elements=[
            ButtonElement(text=plain(t, 75), action_id=a, value=str(paper_id)) for t, a in buttons
        ],
    )


def member_digest_message(digest: MemberDigest) -> Message:
    """A member's DM digest: header, then per paper link, gist, summary, context, reason
    and buttons; an empty digest says so (and shows `digest.note`)."""
    day = _day(digest)
    count = len(digest.items)
    head: list[Block] = [
        HeaderBlock(text=plain(f"📰 Your papers · {day} · {count} new", MAX_HEADER))
    ]
    if digest.note:
        head.append(ContextBlock(elements=[mrkdwn(escaped(digest.note, 1000))]))
    if not digest.items:
        head.append(SectionBlock(text=mrkdwn("Nothing new matched your interests this time.")))
    blocks = _fit(head, [_digest_item(item) for item in digest.items], "digest")
    titles = "; ".join(f"{i}. {item.paper.title}" for i, item in enumerate(digest.items, 1))
    return Message(_fallback(f"Your papers for {day}: {count} new. {titles}"), blocks)


def _digest_item(item: DigestItem) -> Layouts:
    paper = item.paper
    link, details = paper_link(paper), paper_context(paper)
    gist_line = f"\n_{escaped(item.gist, 300)}_" if item.gist else ""
    if item.gist and paper.gist and paper.gist_source:  # the digest shows the source's gist
        gist_line += f" ({escaped(paper.gist_source, 60)} AI summary)"
    summary = "\n" + escaped(item.summary, 1200) if item.summary else ""
    why = "*Why you got this:* " + escaped(item.reason or "", 1000)
    full = [
        SectionBlock(block_id=f"paper_{paper.id}", text=mrkdwn(link + gist_line + summary)),
        ContextBlock(elements=[mrkdwn(details)]),
        ContextBlock(elements=[mrkdwn(why)]),
        paper_actions(paper.id, save=True),
    ]
    text = f"{link}\n{details}{gist_line}{summary}\n{why}"
    compact = [
        SectionBlock(block_id=f"paper_{paper.id}", text=mrkdwn(text)),
        paper_actions(paper.id, save=True),
    ]
    return full, compact


def channel_digest_message(digest: ChannelDigest) -> Message:
    """A channel digest: papers with the members they match (real mentions) and why; a
    paper posted there before links to that thread instead."""
    day = _day(digest)
    head: list[Block] = [HeaderBlock(text=plain(f"📰 Papers for this channel · {day}", MAX_HEADER))]
    if not digest.items:
        head.append(SectionBlock(text=mrkdwn("Nothing new matched this channel's members.")))
    groups = [_channel_item(digest.channel_id, item) for item in digest.items]
    titles = "; ".join(item.paper.title for item in digest.items)
    return Message(_fallback(f"Papers for {day}: {titles}"), _fit(head, groups, "channel"))


def _channel_item(channel_id: str, item: ChannelDigestItem) -> Layouts:
    paper = item.paper
    who = "; ".join(
        f"{mention(m.user_id)} ({escaped(m.reason or '', 200)})" for m in item.matches[:10]
    )
    audience = "For " + (who or "this channel")
    link = paper_link(paper)
    earlier = permalink(channel_id, item.earlier_ts) if item.earlier_ts else None
    if earlier:
        text = f"{link}\n_Already shared:_ <{earlier}|see the earlier thread>"
        section = SectionBlock(block_id=f"paper_{paper.id}", text=mrkdwn(text))
        full = [section, ContextBlock(elements=[mrkdwn(audience)])]
        compact = SectionBlock(block_id=f"paper_{paper.id}", text=mrkdwn(f"{text}\n{audience}"))
        return full, [compact]
    details = paper_context(paper)
    full = [
        SectionBlock(block_id=f"paper_{paper.id}", text=mrkdwn(link)),
        ContextBlock(elements=[mrkdwn(details)]),
        ContextBlock(elements=[mrkdwn(audience)]),
        paper_actions(paper.id),
    ]
    text = f"{link}\n{details}\n{audience}"
    compact = [
        SectionBlock(block_id=f"paper_{paper.id}", text=mrkdwn(text)),
        paper_actions(paper.id),
    ]
    return full, compact


def search_results_message(
    query: str,
    hits: Sequence[SearchHit],
    *,
    since: date | None = None,
    offset: int = 0,
    page_size: int = 5,
    title: str | None = None,
) -> Message:
    """Search (or "more like this") results: link, date, gist and buttons per paper.

    `hits` is this page, `offset` how many results came before it; a full page
    (`page_size`) gets a "More" button that keeps `query` and `since` for the next page.
    `title` replaces the "Results for …" heading (e.g. "More like …").
    """
    heading = title or f"Results for “{query}”" + (f" since {since.isoformat()}" if since else "")
    blocks: list[Block] = [SectionBlock(text=mrkdwn(escaped(heading, 500)))]
    if not hits:
        blocks.append(SectionBlock(text=mrkdwn("No papers matched. Try other words.")))
    for hit in hits:
        paper = hit.paper
        line = f"{paper_link(paper)}\n{escaped(paper.gist or _gist(paper.abstract), 400)}"
        section = SectionBlock(block_id=f"paper_{paper.id}", text=mrkdwn(line))
        context = ContextBlock(elements=[mrkdwn(paper_context(paper))])
        blocks += [section, context, paper_actions(paper.id)]
    if len(hits) >= page_size and title is None:
        value = _page_value(query, since, offset + len(hits))
        button = ButtonElement(text=plain("More", 75), action_id=ids.SEARCH_MORE, value=value)
        blocks.append(ActionsBlock(block_id="search_more", elements=[button]))
    titles = "; ".join(hit.paper.title for hit in hits)
    return Message(_fallback(f"{heading}: {titles}" if hits else heading), blocks)


def _page_value(query: str, since: date | None, offset: int) -> str:
    data = {"q": truncate(query, 1500), "o": offset, "s": since.isoformat() if since else None}
    text = json.dumps(data, ensure_ascii=False)
    while len(text) > MAX_BUTTON_VALUE:  # only when escapes make the JSON long
        data["q"] = truncate(data["q"], len(data["q"]) * 3 // 4)
        text = json.dumps(data, ensure_ascii=False)
    return text


def _gist(abstract: str) -> str:
    sentences = split_sentences(abstract or "")
    return truncate(sentences[0], GIST_CHARS) if sentences else ""


def _fit(head: list[Block], papers: list[Layouts], what: str) -> list[Block]:
    """The header then every paper: full layouts with dividers if all fit, else compact."""
    full = sum(len(layout) for layout, _ in papers)
    if len(head) + full + max(len(papers) - 1, 0) <= MAX_MESSAGE_BLOCKS:
        blocks = list(head)
        for shown, (layout, _) in enumerate(papers):
            blocks += ([DividerBlock()] if shown else []) + layout
        return blocks
    blocks = list(head)
    for shown, (_, layout) in enumerate(papers):
        if len(blocks) + len(layout) > MAX_MESSAGE_BLOCKS - 1:  # room for the note
            rest = len(papers) - shown
            note = f"…and {rest} more — see `/papers {'digest' if what == 'digest' else 'since'}`"
            blocks.append(ContextBlock(elements=[mrkdwn(note)]))
            break
        blocks += layout
    return blocks


def _day(digest: MemberDigest | ChannelDigest) -> str:
    """The digest's end as a date in its recipient's time zone ("Tue 9 Jun")."""
    zone = ZoneInfo(known_zone(digest.timezone) or "UTC")  # a bad stored zone reads as UTC
    local = digest.until.replace(tzinfo=UTC).astimezone(zone)
    return local.strftime("%a %-d %b")


def _fallback(text: str) -> str:
    return escaped(text, MAX_FALLBACK_TEXT)
