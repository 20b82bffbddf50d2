"""RIS (`.ris`) exports, as Zotero, Mendeley, EndNote and publishers write them.

A record is tagged lines `XX  - value` from `TY` to `ER`; a line without a tag continues the
previous field (Zotero writes notes and abstracts with raw newlines, and CRLF or LF line
ends). Title `TI`/`T1`, abstract `AB`/`N2`, one author per `AU`/`A1` ("Last, First"), date
`DA`/`PY`/`Y1` ("2023/01/29/", "2024///"), `DO`, `UR`. The arXiv id comes from the DOI,
an arxiv.org `UR`, or an "arXiv:<id>" secondary title (`T2`, older Zotero arXiv imports),
never from notes (`N1`), which cite other papers.
"""

from __future__ import annotations

import re

from bot.sources.base import ParseError, ParseResult
from bot.sources.references import reference_date, reference_paper

__all__ = ["FORMAT", "looks_like_ris", "parse"]

FORMAT = "ris"

_TAG = re.compile(r"^([A-Z][A-Z0-9])  ?-(?: (.*)|\s*)$")
_FIRST = re.compile(r"\A\s*TY  ?- ")
_DATE = re.compile(r"^(\d{4})(?:[/-](\d{1,2})?(?:[/-](\d{1,2})?)?)?")


def looks_like_ris(text: str) -> bool:
    """Whether the first non-blank line of the text is an RIS `TY  - ` line."""
    return bool(_FIRST.match(text))


def _records(text: str, problems: list[str]) -> list[tuple[int, dict[str, list[str]]]]:
    """The records as (first line, tag → values), continuation lines joined with "\\n"."""
    records: list[tuple[int, dict[str, list[str]]]] = []
    current: dict[str, list[str]] | None = None
    last: str | None = None
    for number, line in enumerate(text.split("\n"), start=1):
        match = _TAG.match(line.rstrip("\r"))
        if match is None:
            if current is not None and last is not None and line.strip():
                current[last][-1] += "\n" + line.strip()
            continue
        tag, value = match[1], (match[2] or "").strip()
        if tag == "TY":
            if current is not None:
                problems.append(f"line {number}: record before it has no 'ER' line")
            current, last = {}, None
            records.append((number, current))
        if current is None:
            problems.append(f"line {number}: {tag} outside a record skipped")
            continue
        if tag == "ER":
            current, last = None, None
            continue
        current.setdefault(tag, []).append(value)
        last = tag
    return records


def _first(fields: dict[str, list[str]], *tags: str) -> str:
    return next((values[0] for tag in tags if (values := fields.get(tag))), "")


def parse(text: str, *, source: str | None = None) -> ParseResult:
    """Parse RIS text (decoded, `\\n` line endings); `source` is stored on each paper.

    Returns one paper per record with a title, and "line N: reason" for the others.

    Raises:
        ParseError: the text holds no RIS record.
    """
    result = ParseResult(FORMAT, [], [])
    records = _records(text, result.problems)
    if not records:
        raise ParseError("no RIS records found (no 'TY  - ' line)")
    for line, fields in records:
        title = _first(fields, "TI", "T1", "CT", "BT")
        if not title:
            result.problems.append(f"line {line}: record has no title (TI)")
            continue
        date = _DATE.match(_first(fields, "DA", "PY", "Y1"))
        result.papers.append(
            reference_paper(
                title=title,
                abstract=_first(fields, "AB", "N2"),
                authors=[*fields.get("AU", []), *fields.get("A1", [])],
                published=reference_date(*date.groups()) if date else None,
                urls=fields.get("UR", []),
                doi=_first(fields, "DO"),
                labelled=[*fields.get("T2", []), *fields.get("JO", []), *fields.get("M1", [])],
                source=source,
            )
        )
    return result
