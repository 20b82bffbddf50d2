"""Semantic Scholar Graph API responses: `{"total", "offset", "next"?, "data": [paper, ...]}`.

What `/graph/v1/paper/search` and `/paper/search/bulk` return (not `/paper/batch`, a bare
list, which would read as Hugging Face JSON without the arXiv ids): each paper has `paperId`,
`title`, `abstract` (often null: publisher-restricted), `authors[{authorId, name}]`,
`externalIds` (`ArXiv`, `DOI`, …), `publicationDate` (or only a `year`) and `url` (its
Semantic Scholar page, used only when the paper has no arXiv id to link to). Each paper goes
through the shared record rules (`bot.sources.records`), so a wrongly typed field is a
problem for that paper.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.sources.base import ParseError, ParseResult
from bot.sources.hf_json import load_json
from bot.sources.records import RecordError, paper_from_record

__all__ = ["FORMAT", "is_graph_response", "parse"]

FORMAT = "semantic-scholar"


def is_graph_response(data: object) -> bool:
    """Whether decoded JSON has the Graph API's shape: an object with a `data` list and a
    `total` or `offset`."""
    return (
        isinstance(data, Mapping)
        and isinstance(data.get("data"), list)
        and ("total" in data or "offset" in data)
    )


def _record(item: Any) -> Any:
    """A Graph API paper as a record the shared rules read."""
    if not isinstance(item, Mapping):
        return item
    ids = item.get("externalIds")
    ids = ids if isinstance(ids, Mapping) else {}
    arxiv_id = ids.get("ArXiv")
    year = item.get("year")
    return {
        "title": item.get("title"),
        "abstract": item.get("abstract"),
        "authors": item.get("authors"),
        "published": item.get("publicationDate") or (f"{year}-01-01" if year else None),
        "arxiv_id": arxiv_id,
        "url": None if arxiv_id else item.get("url"),
    }


def parse(text: str, *, source: str | None = None) -> ParseResult:
    """Parse a Graph API response; `source` is stored on each paper.

    Returns the papers, and "item N: reason" for each paper skipped.

    Raises:
        ParseError: malformed JSON, or not a Graph API response.
    """
    data = load_json(text)
    if not is_graph_response(data):
        raise ParseError('not a Semantic Scholar response (expected {"total", "data": [...]})')
    result = ParseResult(FORMAT, [], [])
    for number, item in enumerate(data["data"], start=1):
        try:
            result.papers.append(paper_from_record(_record(item), source=source))
        except RecordError as error:
            result.problems.append(f"item {number}: {error}")
    return result
