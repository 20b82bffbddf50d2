"""arXiv Atom (export API) and RSS (listing) feeds, read with feedparser.

Each entry's id or link gives the versionless arXiv id, its summary (HTML stripped, the RSS
"arXiv:… Announce Type: new Abstract:" preamble dropped) the abstract, its authors (one
comma-separated `dc:creator` in RSS) the author list, and its published date the date.
"""

from __future__ import annotations

import io
import re
import time
from datetime import date
from typing import Any

import feedparser

from bot.paper import Paper, extract_arxiv_id
from bot.sources.base import ParseError, ParseResult, clean_text, split_authors, strip_html

__all__ = ["FORMAT", "parse"]

FORMAT = "arxiv"
_RSS_PREAMBLE = re.compile(r"^arXiv:\S+\s+Announce Type:\s*\S+\s+Abstract:\s*", re.IGNORECASE)
_HEADERS = {"content-type": "application/atom+xml; charset=utf-8"}


def _date(entry: Any) -> date | None:
    parsed: time.struct_time | None = entry.get("published_parsed") or entry.get("updated_parsed")
    return date(*parsed[:3]) if parsed else None


def _authors(entry: Any) -> tuple[str, ...]:
    names = [author.get("name", "") for author in entry.get("authors", [])]
    if len(names) == 1:  # RSS puts every author into one dc:creator
        return split_authors(names[0])
    return split_authors(names)


def _paper(entry: Any, *, source: str | None) -> Paper | None:
    title = strip_html(entry.get("title", ""))
    if not title:
        return None
    link = clean_text(entry.get("link")) or None
    authors = _authors(entry)
    return Paper(
        title=title,
        abstract=_RSS_PREAMBLE.sub("", strip_html(entry.get("summary", ""))),
        authors=authors,
        author_count=len(authors) or None,
        published=_date(entry),
        url=link,
        arxiv_id=extract_arxiv_id(entry.get("id")) or extract_arxiv_id(link),
        source=source,
    )


def parse(text: str, *, source: str | None = None) -> ParseResult:
    """Parse an Atom or RSS feed; `source` is stored on each paper.

    Returns one paper per entry with a title, and "entry N: missing title" for the others.

    Raises:
        ParseError: the text is not a feed at all.
    """
    feed = feedparser.parse(io.BytesIO(text.encode("utf-8")), response_headers=_HEADERS)
    if feed.bozo and not feed.entries:
        reason = clean_text(feed.get("bozo_exception", "unreadable XML"))
        raise ParseError(f"not a valid Atom/RSS feed: {reason}")
    result = ParseResult(FORMAT, [], [])
    if feed.bozo:
        reason = clean_text(feed.bozo_exception)
        result.problems.append(f"feed is not well-formed, kept what could be read: {reason}")
    for number, entry in enumerate(feed.entries, start=1):
        paper = _paper(entry, source=source)
        if paper is None:
            result.problems.append(f"entry {number}: missing title")
        else:
            result.papers.append(paper)
    return result
