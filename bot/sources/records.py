"""One record (a JSON object or a CSV row) → one `Paper`, for the record-shaped formats.

JSONL, CSV and Hugging Face `daily_papers` JSON all describe a paper as key/value pairs with
slightly different names (`abstract` or `summary`, `published` or `publishedAt`). This module
owns those aliases, so the three parsers agree on what a field means. A text field holding
a list or an object (`"title": ["not", "a", "string"]`) makes its record a problem rather
than text. Hugging Face's `ai_summary` becomes the paper's gist and `githubRepo` its code link.
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
    "gist": ("ai_summary", "gist"),
    "code_url": ("githubrepo", "code_url"),
}
_TEXT_FIELDS = ("title", "abstract", "url", "published", "arxiv_id", "gist", "code_url")
_GIST_SOURCES = {"ai_summary": "Hugging Face"}  # who wrote a gist, by the key it came in


class RecordError(ValueError):
    """One record cannot become a paper; the message is the reason ("missing title")."""


def _key(record: Mapping[str, Any], name: str) -> str | None:
    """The first of `name`'s aliases that the record fills."""
    for key in _ALIASES[name]:
        value = record.get(key)
        if value is not None and value != "":
            return key
    return None


def _field(record: Mapping[str, Any], name: str) -> Any:
    key = _key(record, name)
    return None if key is None else record[key]


def _check_types(record: Mapping[str, Any]) -> None:
    """Refuse a record whose text fields hold a list or an object (JSON of the wrong shape)."""
    for name in _TEXT_FIELDS:
        key = _key(record, name)
        if key is not None and isinstance(record[key], Mapping | list | tuple):
            kind = "an object" if isinstance(record[key], Mapping) else "a list"
            raise RecordError(f"{key!r} is {kind}, not text")


def _web_url(value: Any) -> str | None:
    url = clean_text(value)
    return url if url.startswith(("http://", "https://")) else None


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
        RecordError: the record is not an object, has no title, or a text field holds a
            list or an object.
    """
    if not isinstance(record, Mapping):
        raise RecordError("not a JSON object")
    merged = {str(key).strip().lower(): value for key, value in record.items()}
    inner = merged.pop("paper", None)
    if isinstance(inner, Mapping):
        merged.update({str(key).strip().lower(): value for key, value in inner.items()})
    _check_types(merged)
    title = clean_text(_field(merged, "title"))
    if not title:
        raise RecordError("missing title")
    url = _web_url(_field(merged, "url"))
    gist = clean_text(_field(merged, "gist")) or None
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
        url=url,
        arxiv_id=extract_arxiv_id(None if raw_id is None else str(raw_id)) or extract_arxiv_id(url),
        source=source,
        gist=gist,
        gist_source=_GIST_SOURCES.get(_key(merged, "gist") or "") if gist else None,
        code_url=_web_url(_field(merged, "code_url")),
    )
