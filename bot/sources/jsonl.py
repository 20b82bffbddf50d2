"""JSON Lines sources: one paper object per line; bad lines are reported, not fatal.

Each line is an object with `title`, `abstract` and optionally `url`, `authors` (a list or an
"A, B; C" string), `published`, `arxiv_id`, `upvotes` — or a Hugging Face `{"paper": {...}}`
item. A line that is not JSON, not an object, or has no title becomes a problem naming its
line number, and the good lines are kept.
"""

from __future__ import annotations

import json

from bot.sources.base import ParseResult
from bot.sources.records import RecordError, paper_from_record

__all__ = ["FORMAT", "parse"]

FORMAT = "jsonl"


def parse(text: str, *, source: str | None = None) -> ParseResult:
    """Parse JSON Lines text (decoded, `\\n` line endings); `source` is stored on each paper.

    Returns the papers of the good lines, and "line N: reason" for each bad one.
    """
    result = ParseResult(FORMAT, [], [])
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            result.problems.append(f"line {number}: not valid JSON")
            continue
        try:
            result.papers.append(paper_from_record(record, source=source))
        except RecordError as error:
            result.problems.append(f"line {number}: {error}")
    return result
