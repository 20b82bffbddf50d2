"""Source parsing: detect a file's format from its content, then parse it into `Paper`s.

One module per format (`hf_text`, `hf_json`, `arxiv`, `jsonl`, `csvfile`, `bibtex`, `ris`,
`zotero_csv`, `semantic_scholar`), each a pure `parse(text, *, source) -> ParseResult`;
`detect` picks one (or refuses text of no known format), `reader` turns a file into text.
A file that cannot be used at all raises `ParseError` (one line; `FileUnavailable` when it
could not even be read); a bad record in a usable file becomes a line in
`ParseResult.problems` and the rest is kept. A source with no records at all (an arXiv feed
on a weekend, `[]`) is an answer, zero papers, not an error; one whose every record was bad
is an error.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

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
from bot.sources.base import FileUnavailable, ParseError, ParseResult, Refused
from bot.sources.detect import detect_format
from bot.sources.reader import DEFAULT_MAX_BYTES, decode_bytes, read_source, read_source_bytes

__all__ = [
    "DEFAULT_MAX_BYTES",
    "FORMATS",
    "REFERENCE_FORMATS",
    "FileUnavailable",
    "ParseError",
    "ParseResult",
    "Refused",
    "decode_bytes",
    "detect_format",
    "parse_file",
    "parse_text",
    "read_source",
    "read_source_bytes",
]

_PARSERS: dict[str, Callable[..., ParseResult]] = {
    hf_text.FORMAT: hf_text.parse,
    hf_json.FORMAT: hf_json.parse,
    arxiv.FORMAT: arxiv.parse,
    jsonl.FORMAT: jsonl.parse,
    csvfile.FORMAT: csvfile.parse,
    bibtex.FORMAT: bibtex.parse,
    ris.FORMAT: ris.parse,
    zotero_csv.FORMAT: zotero_csv.parse,
    semantic_scholar.FORMAT: semantic_scholar.parse,
}
FORMATS = tuple(_PARSERS)  # every format's name, as `--format` takes it
REFERENCE_FORMATS = (bibtex.FORMAT, ris.FORMAT, zotero_csv.FORMAT)  # reference managers'


def _check_format(format: str) -> None:
    if format != "auto" and format not in _PARSERS:
        expected = ", ".join(("auto", *FORMATS))
        raise ParseError(f"unknown format {format!r} (expected one of {expected})")


def parse_text(text: str, *, format: str = "auto", source: str | None = None) -> ParseResult:
    """Parse a source's decoded text (any line endings) into the format used, the papers in
    file order, and the problems of skipped records.

    `format` is one of `FORMATS`, or "auto" to detect it from the content; `source` (the
    file's name) is stored on each paper and is a hint for detection.

    Returns no papers (and no problems) for a source that holds no records, such as an
    empty feed.

    Raises:
        ParseError: unknown format, unusable text, or records that were all bad.
    """
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ParseError("empty file")
    _check_format(format)
    if format == "auto":
        format = detect_format(text, source)
    result = _PARSERS[format](text, source=source)
    if not result.papers and result.problems:
        plural = "" if len(result.problems) == 1 else "s"
        detail = f" ({len(result.problems)} problem{plural}, first: {result.problems[0]})"
        raise ParseError(f"no papers found in {format} source{detail}")
    return result


def parse_file(
    path: Path, *, format: str = "auto", max_bytes: int = DEFAULT_MAX_BYTES
) -> ParseResult:
    """Read, decode and parse a source file (refused when larger than `max_bytes`); each
    paper's `source` is the file's name.

    Raises:
        ParseError: the file is unusable (see `read_source` and `parse_text`).
    """
    _check_format(format)
    path = Path(path)
    return parse_text(read_source(path, max_bytes=max_bytes), format=format, source=path.name)
