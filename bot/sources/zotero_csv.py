"""Zotero's CSV export: 87 fixed columns, recognised by its header ("Key", "Item Type", …).

A generic CSV would read "Author" as "A, B; C" and split "Doe, Jane" in two; Zotero writes
"Last, First; Last, First" (split on `;` only). "Abstract Note" is the abstract, "Date" an
ISO date, year-month or bare year ("2023-01-29", "2024-06", "2024"), and the arXiv id is in
"Url", "DOI", "Extra" (`arXiv:2301.12345 [cs]`), "Number" or "Publication Title".
"""

from __future__ import annotations

import csv
import io

from bot.sources.base import ParseResult
from bot.sources.references import reference_date, reference_paper

__all__ = ["FORMAT", "is_zotero_header", "parse"]

FORMAT = "zotero-csv"
_SIGNATURE = {"key", "item type", "title", "author", "abstract note"}


def is_zotero_header(fields: list[str]) -> bool:
    """Whether a CSV header row is Zotero's (it has Key, Item Type, Title, Author and
    Abstract Note columns)."""
    return {name.strip().lower() for name in fields} >= _SIGNATURE


def parse(text: str, *, source: str | None = None) -> ParseResult:
    """Parse a Zotero CSV export; `source` is stored on each paper.

    Returns the papers of the rows with a title, and "line N: reason" for the others.
    """
    reader = csv.reader(io.StringIO(text.lstrip("\n")))
    header = [name.strip().lower() for name in next(reader, [])]
    result = ParseResult(FORMAT, [], [])
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        record = dict(zip(header, row, strict=False))
        title = record.get("title", "").strip()
        if not title:
            result.problems.append(f"line {reader.line_num}: missing title")
            continue
        year, month, day = ([*record.get("date", "").split("-"), "", ""])[:3]
        result.papers.append(
            reference_paper(
                title=title,
                abstract=record.get("abstract note", ""),
                authors=record.get("author", "").split(";"),
                published=reference_date(year or record.get("publication year", ""), month, day),
                urls=[record.get("url", "")],
                doi=record.get("doi", ""),
                labelled=[
                    record.get(name, "") for name in ("extra", "number", "publication title")
                ],
                source=source,
            )
        )
    return result
