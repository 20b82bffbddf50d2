"""Hugging Face `daily_papers` JSON: a list of `{"paper": {...}}` items, or of bare papers.

Also accepted: `{"papers": [...]}` and a single paper object. The paper's `id` is its arXiv
id, `summary` its abstract, `authors` a list of `{"name": ...}`. Malformed JSON fails the
whole file with the position of the error; an item without a title is a problem, not fatal.
"""

from __future__ import annotations

import json
from typing import Any

from bot.sources.base import ParseError, ParseResult
from bot.sources.records import RecordError, paper_from_record

__all__ = ["FORMAT", "load_json", "parse"]

FORMAT = "hf-json"


def load_json(text: str) -> Any:
    """Decode JSON text, turning a syntax error into a one-line `ParseError`.

    Raises:
        ParseError: "truncated or invalid JSON at line X column Y".
    """
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ParseError(
            f"truncated or invalid JSON at line {error.lineno} column {error.colno}"
        ) from None


def _items(data: Any) -> list[Any]:
    if isinstance(data, dict) and isinstance(data.get("papers"), list):
        return data["papers"]
    if isinstance(data, dict) and ("paper" in data or "title" in data):
        return [data]
    if isinstance(data, list):
        return data
    raise ParseError("JSON is not a list of papers")


def parse(text: str, *, source: str | None = None) -> ParseResult:
    """Parse a `daily_papers` JSON document; `source` is stored on each paper.

    Returns the papers, and "item N: reason" for each item skipped.

    Raises:
        ParseError: the JSON is malformed or is not a list of papers.
    """
    result = ParseResult(FORMAT, [], [])
    for number, item in enumerate(_items(load_json(text)), start=1):
        try:
            result.papers.append(paper_from_record(item, source=source))
        except RecordError as error:
            result.problems.append(f"item {number}: {error}")
    return result
