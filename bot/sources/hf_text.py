"""Hugging Face Daily Papers pages saved as plain text (copy-paste or "save as text").

Three layouts are known: blank-line separated title/abstract pairs under a header (A); the
same without blank lines, the first title glued to "Subscribe" (B); and pairs followed by
"• N authors", "·", "Mon D, YYYY [upvotes]" (C). Rather than trusting positions, every line
is classified by its shape: known page chrome, a page date ("Aug 12"), paper metadata, or
text. A text line is a title or an abstract depending on its length and sentence structure
and on whether the current paper still lacks an abstract, so a missing abstract, extra
chrome or an unseen page date do not shift the pairing.

Only what has the shape of a paper is kept: a title followed by an abstract of real length
(`MIN_ABSTRACT_WORDS`), or a title with the page's own metadata ("N authors", a date); a
title alone only on a page that shows Daily Papers chrome. Plain text of any other kind
(random words, a log, notes) would otherwise read as a "paper" per line, so a file where
most text lines fit no paper is refused whole, with one line saying so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise

from bot.paper import Paper
from bot.sources.base import ParseError, ParseResult, clean_text, month_number

__all__ = ["FORMAT", "MIN_ABSTRACT_WORDS", "has_paper_shape", "looks_like_hf_text", "parse"]

FORMAT = "hf-text"
MIN_ABSTRACT_WORDS = 15  # shorter is a stray sentence, not an abstract
_PROBE_LINES = 400  # lines of a file's head that detection looks at

_CHROME = {
    "new",
    "get trending papers in your email inbox!",
    "get trending papers in your email inbox once a day!",
    "subscribe",
    "daily papers",
    "weekly papers",
    "monthly papers",
    "byak and the research community",
    "by ak and the research community",
    "upvote",
    "submitted by",
    "view paper",
    "·",
    "•",
}
_CHROME_PATTERNS = re.compile(
    r"^(?:submitted by\s+\S.{0,60}|upvoted? \d*|\d+ comments?|previous|next|"
    r"(?:daily|weekly|monthly) papers .{0,40}|papers? page)$",
    re.IGNORECASE,
)
_GLUED = re.compile(r"^(Subscribe|Daily Papers|Upvote)(?=[A-Z0-9])")
_PAGE_DATE = re.compile(r"^([A-Za-z]{3,9})\.? (\d{1,2})$")
_PUBLISHED = re.compile(
    r"^(?:published on\s+)?([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})(?:\s*[·•]?\s*(\d+))?$",
    re.IGNORECASE,
)
_AUTHORS = re.compile(r"^[•·*\-]?\s*(\d+)\s+authors?$", re.IGNORECASE)
_UPVOTES = re.compile(r"^\d{1,6}$")
_SENTENCE_END = re.compile(r"[.!?][\"')\]]?(?=\s+[A-Z(\"']|\s*$)")


@dataclass
class _Draft:
    """A paper being assembled while its lines are read."""

    title: str
    line: int
    page_date: str | None
    abstract: list[str] = field(default_factory=list)
    author_count: int | None = None
    published: date | None = None
    upvotes: int | None = None

    @property
    def closed(self) -> bool:
        """Authors or date were seen: the paper's text is over (bar a missing abstract)."""
        return self.author_count is not None or self.published is not None

    @property
    def has_shape(self) -> bool:
        """A title with an abstract of real length, or with the page's metadata lines."""
        return self.closed or sum(len(line.split()) for line in self.abstract) >= MIN_ABSTRACT_WORDS


def _is_chrome(line: str) -> bool:
    return line.lower() in _CHROME or bool(_CHROME_PATTERNS.match(line))


def _is_abstract(line: str) -> bool:
    """Long, or several sentences: an abstract (or a paragraph of one), never a title."""
    words = len(line.split())
    sentences = len(_SENTENCE_END.findall(line))
    return words > 40 or len(line) > 300 or (sentences >= 2 and words >= 12)


def _is_title(line: str) -> bool:
    """Short and not ending like a sentence: could head a paper."""
    return not _is_abstract(line) and len(line.split()) <= 30 and not line.endswith(".")


def _continues(draft: _Draft, line: str) -> bool:
    """Whether a text line belongs to `draft` (its abstract) rather than heading a new paper."""
    if not draft.abstract and not draft.closed:
        return not _is_title(line)  # right after a title, anything but another title
    return _is_abstract(line) and not (draft.closed and draft.abstract)


def _head(text: str) -> list[tuple[int, str]]:
    return _lines("\n".join(text.split("\n", _PROBE_LINES)[:_PROBE_LINES]))


def _is_page_chrome(line: str) -> bool:
    """A Daily Papers header or footer line (not a one-character separator)."""
    return _is_chrome(line) and len(line) > 3


def looks_like_hf_text(text: str) -> bool:
    """Whether the text shows Daily Papers page chrome or layout-C metadata lines: a known
    header line (not a one-character one) or an "N authors" line in the first 400 lines."""
    return any(_is_page_chrome(line) or _AUTHORS.match(line) for _, line in _head(text))


def has_paper_shape(text: str) -> bool:
    """Whether the first 400 lines hold a title line followed by an abstract paragraph of
    real length (the shape of a Daily Papers page without its chrome)."""
    lines = [line for _, line in _head(text) if not _is_chrome(line)]
    return any(
        _is_title(title) and _is_abstract(body) and len(body.split()) >= MIN_ABSTRACT_WORDS
        for title, body in pairwise(lines)
    )


def _read_meta(draft: _Draft | None, line: str) -> bool:
    """Attach an author count, published date or upvote count to `draft`; False if not metadata."""
    published = _PUBLISHED.match(line)
    month = month_number(published[1]) if published else None
    if match := _AUTHORS.match(line):
        if draft and draft.author_count is None:
            draft.author_count = int(match[1])
    elif published and month:
        if draft and draft.published is None:
            draft.published = _date(int(published[3]), month, int(published[2]))
        if draft and published[4] and draft.upvotes is None:
            draft.upvotes = int(published[4])
    elif _UPVOTES.match(line):
        if draft and draft.upvotes is None:
            draft.upvotes = int(line)
    else:
        return False
    return True


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _lines(text: str) -> list[tuple[int, str]]:
    numbered: list[tuple[int, str]] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = clean_text(raw)
        if glued := _GLUED.match(line):
            numbered.append((number, glued[1]))
            line = line[glued.end() :]
        if line:
            numbered.append((number, line))
    return numbered


def parse(text: str, *, source: str | None = None) -> ParseResult:
    """Parse a saved Daily Papers page of any known layout (decoded, `\\n` line endings);
    `source` is stored on each paper.

    Returns the papers in page order; the problems name skipped stray lines.

    Raises:
        ParseError: most text lines fit no paper (not a Daily Papers page), or none does.
    """
    drafts: list[_Draft] = []
    problems: list[str] = []
    page_date: str | None = None
    chrome = False
    text_lines = 0
    for number, line in _lines(text):
        current = drafts[-1] if drafts else None
        if _is_chrome(line):
            chrome = chrome or _is_page_chrome(line)
            continue
        if (match := _PAGE_DATE.match(line)) and month_number(match[1]):
            page_date = f"{match[1].title()} {int(match[2])}"
        elif _read_meta(current, line):
            continue
        elif current and _continues(current, line):
            current.abstract.append(line)
            text_lines += 1
        elif _is_abstract(line):
            problems.append(f"line {number}: text without a title skipped")
            text_lines += 1
        else:
            drafts.append(_Draft(title=line, line=number, page_date=page_date))
            text_lines += 1
    fitting = sum(1 + len(d.abstract) for d in drafts if d.has_shape)
    if fitting * 2 < text_lines or not fitting:
        raise ParseError(
            f"not a paper source: {text_lines - fitting} of {text_lines} text lines fit no "
            "paper (a title line followed by an abstract paragraph)"
        )
    return ParseResult(FORMAT, _finish(drafts, problems, source, chrome=chrome), problems)


def _finish(
    drafts: list[_Draft], problems: list[str], source: str | None, *, chrome: bool
) -> list[Paper]:
    """The drafts with the shape of a paper; a title alone only on a page with its chrome."""
    papers: list[Paper] = []
    for draft in drafts:
        if not draft.has_shape:
            alone = not (draft.abstract or draft.upvotes)
            if not chrome or (alone and len(draft.title.split()) < 3):
                kind = "stray line" if alone else "title without an abstract"
                problems.append(f"line {draft.line}: {kind} {draft.title[:80]!r} skipped")
                continue
        papers.append(
            Paper(
                title=draft.title,
                abstract=" ".join(draft.abstract),
                author_count=draft.author_count,
                published=draft.published,
                upvotes=draft.upvotes,
                source=source,
                page_date=draft.page_date,
            )
        )
    return papers
