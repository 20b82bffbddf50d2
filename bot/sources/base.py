"""What every source parser shares: the error, the result, and small text/date/author helpers.

Parsers are pure functions over text; they turn whatever a format calls its fields into the
same cleaned values (single-spaced text, `date`, a tuple of author names) through these
helpers, so two formats describing one paper produce equal `Paper` values.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.paper import Paper

__all__ = [
    "FileUnavailable",
    "ParseError",
    "ParseResult",
    "Refused",
    "clean_text",
    "month_number",
    "parse_date",
    "person_name",
    "split_authors",
    "strip_html",
]

_TAG = re.compile(r"<[^>]+>")
_AUTHOR_SEP = re.compile(r"\s*,\s*|\s+and\s+")
# a surname alone, maybe after lower-case particles: "Doe", "van der Berg", "O'Neil"
_SURNAME = re.compile(r"^(?:(?:[a-z]{1,3}|von|van|der|den|del|della|dos|ter|ten)\s+)*[^\s.,]+$")
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH_DAY_YEAR = re.compile(r"([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})")


class ParseError(ValueError):
    """A whole source file is unusable; `str(error)` is one line naming the reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(" ".join(reason.split()))


class Refused(ParseError):
    """The path is not something a source may be read from: a link that leads out of the
    inbox, a folder, a FIFO or a device. It is refused unread, and remembered by what the
    path is, not by its content."""


class FileUnavailable(ParseError):
    """The file could not be read at all (gone, a folder, no permission): not its content's
    fault, so ingest retries it on the next scan instead of remembering it as failed."""


@dataclass
class ParseResult:
    """The papers one source yielded, its format, and per-record problems that were skipped."""

    format: str
    papers: list[Paper]
    problems: list[str] = field(default_factory=list)


def clean_text(text: object) -> str:
    """Collapse all whitespace runs (newlines, tabs, NBSP) to single spaces, stripped; None
    becomes ""."""
    if text is None:
        return ""
    # str.split() splits on exactly what `\s` matches (str.isspace), without a regex
    return " ".join(str(text).split())


def strip_html(text: str) -> str:
    """Plain text from an HTML fragment such as an Atom summary: tags dropped, entities
    decoded, single-spaced."""
    return clean_text(html.unescape(_TAG.sub(" ", text)))


def month_number(name: str) -> int | None:
    """1–12 for an English month name or abbreviation ("Feb", "February"), else None."""
    return _MONTHS.get(name.lower().rstrip("."))


def parse_date(value: object) -> date | None:
    """A calendar date from the shapes sources use: ISO date or datetime ("2024-02-21",
    "2024-02-21T08:00:00.000Z"), "Feb 21, 2024", "21 February 2024", a `date`/`datetime`;
    None when the value is empty or unreadable."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = clean_text(value)
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    match = _MONTH_DAY_YEAR.search(text)
    if match:
        month, day, year = month_number(match[1]), int(match[2]), int(match[3])
    else:
        parts = text.replace(",", " ").split()
        if len(parts) != 3 or not (parts[0].isdigit() and parts[2].isdigit()):
            return None
        month, day, year = month_number(parts[1]), int(parts[0]), int(parts[2])
    if month is None:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def person_name(text: str) -> str:
    """A display name from a bibliographic one: "Last, First" → "First Last",
    "Last, Jr, First" → "First Last Jr"; a name without a comma (a corporate author,
    "Jane Doe") is kept as it is."""
    parts = [part.strip() for part in clean_text(text).split(",")]
    parts = [part for part in parts if part]
    if len(parts) == 2:
        return f"{parts[1]} {parts[0]}"
    if len(parts) == 3:
        return f"{parts[2]} {parts[0]} {parts[1]}"
    return " ".join(parts)


def _names(part: str) -> list[str]:
    """The names in one semicolon-separated part: "Doe, Jane" is one person (a surname,
    particles allowed, then given names), "A. Smith, B. Jones" two."""
    pieces = [piece.strip() for piece in part.split(",")]
    if len(pieces) == 2 and all(pieces) and _SURNAME.match(pieces[0]):
        return [person_name(part)]
    return pieces


def split_authors(value: object) -> tuple[str, ...]:
    """Author names from a list of names or `{"name": ...}` objects, or a string: one with
    semicolons is a list of "Last, First" names ("Doe, Jane; Roe, Rick", as reference
    managers write), any other is split on commas and "and" ("A, B and C"). Cleaned,
    non-empty, in order."""
    if value is None:
        return ()
    if isinstance(value, str) and ";" in value:
        items: list[object] = [name for part in value.split(";") for name in _names(part)]
    elif isinstance(value, str):
        items = list(_AUTHOR_SEP.split(value))
    elif isinstance(value, list | tuple):
        items = [item.get("name") if isinstance(item, dict) else item for item in value]
    else:
        return ()
    names = (clean_text(item) for item in items if item is not None)
    return tuple(name for name in names if name)
