"""CSV (or TSV / semicolon-separated) sources with a header row naming the columns.

Columns are matched case-insensitively: `title` is required; `abstract`, `url`, `authors`
("A, B; C"), `published`, `arxiv_id` and `upvotes` are optional. A row without a title is
reported as a problem with its line number, and the other rows are kept.
"""

from __future__ import annotations

import csv
import io

from bot.sources.base import ParseError, ParseResult
from bot.sources.records import RecordError, paper_from_record

__all__ = ["FORMAT", "parse", "sniff_delimiter"]

FORMAT = "csv"
_DELIMITERS = ",;\t"


def sniff_delimiter(header: str) -> str:
    """The delimiter of a header line: whichever of comma, semicolon and tab it uses most
    (a comma when it has none of them)."""
    best = max(_DELIMITERS, key=header.count)
    return best if header.count(best) else ","


def parse(text: str, *, source: str | None = None) -> ParseResult:
    """Parse CSV text with a header row; `source` is stored on each paper.

    Returns the papers of the good rows, and "line N: reason" for each bad one.

    Raises:
        ParseError: there is no `title` column.
    """
    body = text.lstrip("\n")
    reader = csv.reader(io.StringIO(body), delimiter=sniff_delimiter(body.split("\n", 1)[0]))
    header = [name.strip().lower() for name in next(reader, [])]
    if "title" not in header:
        raise ParseError("CSV header has no 'title' column")
    result = ParseResult(FORMAT, [], [])
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        record = dict(zip(header, row, strict=False))
        try:
            result.papers.append(paper_from_record(record, source=source))
        except RecordError as error:
            result.problems.append(f"line {reader.line_num}: {error}")
    return result
