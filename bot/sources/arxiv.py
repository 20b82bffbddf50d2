"""arXiv feeds, read with feedparser: the export API's Atom, the RSS 2.0 of rss.arxiv.org
(since January 2024), and the older RSS 1.0 / RDF listing.

Each entry's id or link gives the versionless arXiv id, its summary the abstract (the RSS
"arXiv:… Announce Type: new Abstract:" preamble dropped), its authors (one comma-separated
`dc:creator` in RSS) the author list. Markup is stripped only where a field is markup: the
RDF feed's escaped `<p>` abstracts and HTML author links, an Atom `type="html"` summary;
the RSS 2.0 description and Atom text are plain text, where "accuracy < 50% for n > 3"
must survive. Each paper keeps its announce type: `arxiv:announce_type` in RSS 2.0, the
title's " UPDATED" / " CROSS LISTED" marker in RDF (which also titles end with
"(arXiv:2107.03419v1 [cs.LG])", removed here). An entry without a date takes the feed's
(RSS `pubDate`, RDF `dc:date`), as a calendar date in the feed's own time zone.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import feedparser

from bot.paper import Paper, extract_arxiv_id
from bot.sources.base import ParseError, ParseResult, clean_text, split_authors, strip_html

__all__ = ["FORMAT", "feed_day", "parse"]

FORMAT = "arxiv"
_RSS_PREAMBLE = re.compile(r"^arXiv:\S+\s+Announce Type:\s*\S+\s+Abstract:\s*", re.IGNORECASE)
_RDF_TITLE = re.compile(
    r"\.?\s*\(arXiv:\S+?(?:v\d+)?\s+\[([^\]]+)\]\s*(UPDATED|CROSS LISTED)?\)\s*$"
)
_NOT_SHOWN = re.compile(r",?\s*et al\.?\s*\((\d+) additional authors? not shown\)", re.I)
_AFFILIATION = re.compile(r"\s*\([^()]*\)$")
_FEED_CATEGORIES = re.compile(r"^\s*([\w.\-]+(?:\s*,\s*[\w.\-]+)*)\s+updates on arXiv\.org", re.I)
_HEADERS = {"content-type": "application/atom+xml; charset=utf-8"}


def _day(value: Any) -> date | None:
    """The calendar date of an RFC 822 or ISO 8601 timestamp, in its own time zone (an
    announcement at "00:00 -0400" is that day, not the day before in UTC)."""
    text = clean_text(value)
    if not text:
        return None
    try:
        return parsedate_to_datetime(text).date()
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _entry_day(entry: Any) -> date | None:
    for key in ("published", "updated"):
        if day := _day(entry.get(key)):
            return day
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    return date(*parsed[:3]) if parsed else None


def _is_markup(detail: Any, *, plain_feed: bool) -> bool:
    """Whether a field's text is HTML to strip, rather than plain text to keep."""
    kind = (detail or {}).get("type", "text/html")
    return kind != "text/plain" and not plain_feed


def _text(entry: Any, key: str, *, plain_feed: bool) -> str:
    value = entry.get(key, "")
    if _is_markup(entry.get(f"{key}_detail"), plain_feed=plain_feed):
        return strip_html(value)
    return clean_text(value)


def _authors(entry: Any) -> tuple[tuple[str, ...], int | None]:
    """The author names and, when the feed left some out ("et al. (12 additional authors
    not shown)"), how many there are in all."""
    names = [author.get("name", "") for author in entry.get("authors", [])]
    if len(names) != 1:
        authors = split_authors(names)
        return authors, len(authors) or None
    line = strip_html(names[0]) if "<" in names[0] else clean_text(names[0])
    hidden = 0
    if match := _NOT_SHOWN.search(line):
        hidden, line = int(match[1]), line[: match.start()]
    authors = tuple(_AFFILIATION.sub("", name) for name in split_authors(line))
    return authors, (len(authors) + hidden) or None


def _announce(entry: Any, marker: str | None, primary: str | None, feed: set[str]) -> str | None:
    """The announce type: RSS 2.0 says it; in RDF an UPDATED or CROSS LISTED marker does,
    an UPDATED paper whose primary category is not the feed's being a replace-cross."""
    said = clean_text(entry.get("arxiv_announce_type")).lower()
    if said:
        return said
    if primary is None:
        return None
    if marker == "CROSS LISTED":
        return "cross"
    if marker == "UPDATED":
        return "replace-cross" if feed and primary not in feed else "replace"
    return "new"


def _paper(
    entry: Any, *, source: str | None, feed_day: date | None, feed_categories: set[str]
) -> Paper | None:
    plain_feed = bool(entry.get("arxiv_announce_type"))  # rss.arxiv.org: plain text fields
    title = _text(entry, "title", plain_feed=plain_feed)
    marker = primary = None
    if rdf := _RDF_TITLE.search(title):
        primary, marker, title = rdf[1], rdf[2], title[: rdf.start()].strip()
    if not title:
        return None
    link = clean_text(entry.get("link")) or None
    authors, author_count = _authors(entry)
    abstract = _RSS_PREAMBLE.sub("", _text(entry, "summary", plain_feed=plain_feed))
    return Paper(
        title=title,
        abstract=abstract,
        authors=authors,
        author_count=author_count,
        published=_entry_day(entry) or feed_day,
        url=link,
        arxiv_id=extract_arxiv_id(entry.get("id")) or extract_arxiv_id(link),
        source=source,
        announce=_announce(entry, marker, primary, feed_categories),
    )


def _channel_day(feed: Any) -> date | None:
    channel = feed.get("feed", {})
    return _day(channel.get("published")) or _day(channel.get("updated"))


def feed_day(text: str) -> date | None:
    """The day a feed announces (RSS `pubDate`, RDF `dc:date`, Atom `updated`), or None."""
    return _channel_day(
        feedparser.parse(io.BytesIO(text.encode("utf-8")), response_headers=_HEADERS)
    )


def parse(text: str, *, source: str | None = None) -> ParseResult:
    """Parse an Atom or RSS feed; `source` is stored on each paper.

    Returns one paper per entry with a title, and "entry N: missing title" for the others;
    a feed with no entries (arXiv on weekends and holidays) is zero papers.

    Raises:
        ParseError: the text is not a feed at all.
    """
    feed = feedparser.parse(io.BytesIO(text.encode("utf-8")), response_headers=_HEADERS)
    if feed.bozo and not feed.entries and not feed.get("version"):
        reason = clean_text(feed.get("bozo_exception", "unreadable XML"))
        raise ParseError(f"not a valid Atom/RSS feed: {reason}")
    result = ParseResult(FORMAT, [], [])
    if feed.bozo:
        reason = clean_text(feed.bozo_exception)
        result.problems.append(f"feed is not well-formed, kept what could be read: {reason}")
    channel = feed.get("feed", {})
    announced = _channel_day(feed)
    found = _FEED_CATEGORIES.match(clean_text(channel.get("title")))
    categories = {c.strip() for c in found[1].split(",")} if found else set()
    for number, entry in enumerate(feed.entries, start=1):
        paper = _paper(entry, source=source, feed_day=announced, feed_categories=categories)
        if paper is None:
            result.problems.append(f"entry {number}: missing title")
        else:
            result.papers.append(paper)
    return result
