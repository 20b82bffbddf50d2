"""Which source format a text is, decided from its content, the file name only breaking ties;
text that is none of them is refused with one line.

Feeds start with XML naming `<feed>`, `<rss>` or `<rdf:RDF>`; JSON documents, Semantic
Scholar responses and JSON Lines start with a bracket and differ in their shape or in
whether the whole text or single lines decode; BibTeX starts with an `@type{` entry and RIS
with a `TY  - ` line; CSV has a header row (Zotero's own, or one with a `title` column);
Daily Papers text shows the page's chrome, "N authors" lines, or a title followed by an
abstract. An extension names the format only for structured ones (`.json`, `.csv`, `.bib`,
…), whose parser then says what is wrong; anything else — an HTML page, a log, notes,
random words — is refused instead of being read as a "paper" per line.
"""

from __future__ import annotations

import csv
import json
from pathlib import PurePath

from bot.sources import (
    arxiv,
    bibtex,
    csvfile,
    hf_json,
    hf_text,
    jsonl,
    ris,
    semantic_scholar,
    zotero_csv,
)
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
    ".bib": bibtex.FORMAT,
    ".bibtex": bibtex.FORMAT,
    ".ris": ris.FORMAT,
}
_FEED_TAGS = ("<feed", "<rss", "<rdf:rdf")
_JSONL_PROBE_LINES = 20
UNKNOWN = (
    "unknown format: not a Daily Papers page, arXiv/Atom/RSS feed, JSON, JSON Lines, CSV, "
    "BibTeX, RIS or Semantic Scholar response"
)


def _json_format(body: str) -> str:
    try:
        data = json.loads(body)
    except json.JSONDecodeError:
        lines = [line for line in body.split("\n") if line.strip()][:_JSONL_PROBE_LINES]
        return jsonl.FORMAT if any(_is_object(line) for line in lines) else hf_json.FORMAT
    if semantic_scholar.is_graph_response(data):
        return semantic_scholar.FORMAT
    if isinstance(data, dict) and "papers" not in data and "\n" not in body.strip():
        return jsonl.FORMAT
    return hf_json.FORMAT


def _is_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except json.JSONDecodeError:
        return False


def _csv_format(body: str) -> str | None:
    header = body.split("\n", 1)[0]
    fields = next(csv.reader([header], delimiter=csvfile.sniff_delimiter(header)), [])
    if zotero_csv.is_zotero_header(fields):
        return zotero_csv.FORMAT
    if "title" in {name.strip().lower() for name in fields}:
        return csvfile.FORMAT
    return None


def _xml_format(body: str) -> str:
    head = body[:4000].lower()
    if any(tag in head for tag in _FEED_TAGS):
        return arxiv.FORMAT
    if "<html" in head or "<!doctype html" in head:
        raise ParseError("an HTML page, not a paper source (save the page as text instead)")
    raise ParseError("an XML document that is not an Atom or RSS feed")


def detect_format(text: str, filename: str | None = None) -> str:
    """The format of a source's text, one of `bot.sources.FORMATS`; `filename` is consulted
    only when the content is not conclusive.

    Raises:
        ParseError: the text is empty, an HTML page or other XML, or of no known format.
    """
    body = text.lstrip("\ufeff \t\r\n")
    if not body:
        raise ParseError("empty file")
    if body.startswith("<"):
        return _xml_format(body)
    if body[0] in "[{":
        return _json_format(body)
    if bibtex.looks_like_bibtex(text.lstrip("\ufeff")):
        return bibtex.FORMAT
    if ris.looks_like_ris(body):
        return ris.FORMAT
    if found := _csv_format(body):
        return found
    if hf_text.looks_like_hf_text(body) or hf_text.has_paper_shape(body):
        return hf_text.FORMAT
    suffix = PurePath(filename).suffix.lower() if filename else ""
    if suffix in _BY_SUFFIX:
        return _BY_SUFFIX[suffix]
    raise ParseError(UNKNOWN)
