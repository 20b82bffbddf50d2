"""Which source format a text is, decided from its content, the file name only breaking ties.

Feeds start with XML naming `<feed>` or `<rss>`; JSON documents and JSON Lines start with a
bracket and differ in whether the whole text or single lines decode; CSV has a header row
with a `title` column; Daily Papers text shows the page's chrome or "N authors" lines.
Anything else is judged by its extension, and plain text by default.
"""

from __future__ import annotations

import csv
import json
from pathlib import PurePath

from bot.sources import arxiv, csvfile, hf_json, hf_text, jsonl
from bot.sources.base import ParseError

__all__ = ["detect_format"]

_BY_SUFFIX = {
    ".json": hf_json.FORMAT,
    ".jsonl": jsonl.FORMAT,
    ".ndjson": jsonl.FORMAT,
    ".csv": csvfile.FORMAT,
    ".tsv": csvfile.FORMAT,
    ".xml": arxiv.FORMAT,
    ".atom": arxiv.FORMAT,
    ".rss": arxiv.FORMAT,
}
_FEED_TAGS = ("<feed", "<rss", "<rdf:rdf")
_JSONL_PROBE_LINES = 20


def _json_format(body: str) -> str:
    try:
        data = json.loads(body)
    except json.JSONDecodeError:
        lines = [line for line in body.split("\n") if line.strip()][:_JSONL_PROBE_LINES]
        return jsonl.FORMAT if any(_is_object(line) for line in lines) else hf_json.FORMAT
    if isinstance(data, dict) and "papers" not in data and "\n" not in body.strip():
        return jsonl.FORMAT
    return hf_json.FORMAT


def _is_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except json.JSONDecodeError:
        return False


def _has_csv_header(body: str) -> bool:
    header = body.split("\n", 1)[0]
    fields = next(csv.reader([header], delimiter=csvfile.sniff_delimiter(header)), [])
    return "title" in {name.strip().lower() for name in fields}


def detect_format(text: str, filename: str | None = None) -> str:
    """The format of a source's text, one of `bot.sources.FORMATS`; `filename` is consulted
    only when the content is not conclusive.

    Raises:
        ParseError: the text is empty or is an HTML page.
    """
    body = text.lstrip("\ufeff \t\r\n")
    if not body:
        raise ParseError("empty file")
    if body.startswith("<"):
        head = body[:4000].lower()
        if any(tag in head for tag in _FEED_TAGS):
            return arxiv.FORMAT
        if "<html" in head or "<!doctype html" in head:
            raise ParseError("an HTML page, not a paper source (save the page as text instead)")
        return arxiv.FORMAT
    if body[0] in "[{":
        return _json_format(body)
    if _has_csv_header(body):
        return csvfile.FORMAT
    if hf_text.looks_like_hf_text(body):
        return hf_text.FORMAT
    suffix = PurePath(filename).suffix.lower() if filename else ""
    return _BY_SUFFIX.get(suffix, hf_text.FORMAT)
