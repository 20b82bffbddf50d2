"""One record (a JSON object or a CSV row) → one `Paper`, for the record-shaped formats.

JSONL, CSV and Hugging Face `daily_papers` JSON all describe a paper as key/value pairs with
slightly different names (`abstract` or `summary`, `published` or `publishedAt`). This module
owns those aliases, so the three parsers agree on what a field means.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.paper import Paper, extract_arxiv_id
from bot.sources.base import clean_text, parse_date, split_authors

__all__ = ["RecordError", "paper_from_record"]

_ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "abstract": ("abstract", "summary", "description"),
    "url": ("url", "link", "abs_url", "html_url"),
    "authors": ("authors", "author"),
    "published": ("published", "publishedat", "published_at", "date", "submitted"),
    "arxiv_id": ("arxiv_id", "arxivid", "arxiv", "id", "paper_id"),
    "upvotes": ("upvotes", "votes", "likes"),
    "author_count": ("author_count", "num_authors", "n_authors"),
}


class RecordError(ValueError):
    """One record cannot become a paper; the message is the reason ("missing title")."""


def _field(record: Mapping[str, Any], name: str) -> Any:
    for key in _ALIASES[name]:
        value = record.get(key)
        if value not in (None, ""):
            return value
    return None


def _count(value: Any) -> int | None:
    if value is None:  # the usual case, without raising and catching a ValueError
        return None
    if type(value) is int:
        return value if value >= 0 else None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


def paper_from_record(record: object, *, source: str | None = None) -> Paper:
    """Build a paper from one record, unwrapping a Hugging Face `{"paper": {...}}` item.

    Field names match in any case; the arXiv id (versionless) comes from the id field or the
    URL; `source` is stored on the paper.

    Raises:
        RecordError: the record is not an object or has no title.
    """
    if not isinstance(record, Mapping):
        raise RecordError("not a JSON object")
    merged = {str(key).strip().lower(): value for key, value in record.items()}
    inner = merged.pop("paper", None)
    if isinstance(inner, Mapping):
        merged.update({str(key).strip().lower(): value for key, value in inner.items()})
    title = clean_text(_field(merged, "title"))
    if not title:
        raise RecordError("missing title")
    url = clean_text(_field(merged, "url")) or None
    raw_id = _field(merged, "arxiv_id")
    authors = split_authors(_field(merged, "authors"))
    author_count = _count(_field(merged, "author_count"))
    return Paper(
        title=title,
        abstract=clean_text(_field(merged, "abstract")),
        authors=authors,
        author_count=author_count if author_count is not None else (len(authors) or None),
        published=parse_date(_field(merged, "published")),
        upvotes=_count(_field(merged, "upvotes")),
        url=url if url and url.startswith(("http://", "https://")) else None,
        arxiv_id=extract_arxiv_id(None if raw_id is None else str(raw_id)) or extract_arxiv_id(url),
        source=source,
    )
