"""The sources paperboy can fetch by itself, as named in the one `SOURCES` setting.

`hf-daily` is Hugging Face's Daily Papers list (`/api/daily_papers?date=YYYY-MM-DD`, one
request per day, at most 100 papers); `arxiv:cs.CV+cs.LG` an arXiv RSS feed of one or more
categories (`/rss/cs.CV+cs.LG`, the latest announcement only). A `Feed` says which URL to
ask for a day, which format the answer is in, and under which name it is kept in the inbox
(source and date, e.g. `hf-daily_2024-06-18.json`), so that ingest stays the one way in and
a team can keep or replay what was fetched. Pure: no I/O here (see `bot.sources.fetch`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

__all__ = ["HF_DAILY", "Feed", "SourcesError", "parse_sources"]

HF_DAILY = "hf-daily"
_CATEGORY = re.compile(r"^[a-z][a-z\-]*(?:\.[A-Za-z][A-Za-z\-]*)?$")
_HF_PAGE_SIZE = 100  # the API's maximum; a day has about 20–25 papers


class SourcesError(ValueError):
    """`SOURCES` names something paperboy cannot fetch; the message says what and how."""


@dataclass(frozen=True)
class Feed:
    """One configured source: `hf-daily`, or `arxiv` with its categories."""

    kind: str  # "hf-daily" | "arxiv"
    categories: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The name in `SOURCES` and in `paperboy sources` ("arxiv:cs.CV+cs.LG")."""
        return self.kind if not self.categories else f"{self.kind}:{'+'.join(self.categories)}"

    @property
    def format(self) -> str:
        """The format its responses are in (`bot.sources.FORMATS`)."""
        return "hf-json" if self.kind == HF_DAILY else "arxiv"

    @property
    def by_day(self) -> bool:
        """Whether any past day can be asked for (Hugging Face); an arXiv feed serves only
        its latest announcement."""
        return self.kind == HF_DAILY

    def url(self, base: str, day: date) -> str:
        """The URL to ask for `day` (ignored by arXiv feeds) under the source's base URL."""
        base = base.rstrip("/")
        if self.kind == HF_DAILY:
            return f"{base}/api/daily_papers?date={day.isoformat()}&limit={_HF_PAGE_SIZE}"
        return f"{base}/rss/{'+'.join(self.categories)}"

    def file_name(self, day: date) -> str:
        """The inbox file that keeps its answer for `day` (the feed's own date for arXiv)."""
        suffix = "json" if self.kind == HF_DAILY else "xml"
        return f"{self.name.replace(':', '_')}_{day.isoformat()}.{suffix}"


def _feed(word: str) -> Feed:
    kind, _, rest = word.partition(":")
    kind = kind.lower()
    if kind == HF_DAILY and not rest:
        return Feed(HF_DAILY)
    if kind == "arxiv" and rest:
        categories = tuple(c for c in rest.split("+") if c)
        bad = [c for c in categories if not _CATEGORY.match(c)]
        if not categories or bad:
            raise SourcesError(f"SOURCES: {word!r} is not an arXiv category list (cs.CV+cs.LG)")
        return Feed("arxiv", categories)
    raise SourcesError(
        f"SOURCES: unknown source {word!r} (expected hf-daily or arxiv:<categories>, "
        'e.g. SOURCES="hf-daily arxiv:cs.CV+cs.LG")'
    )


def parse_sources(text: str) -> list[Feed]:
    """The feeds named in `SOURCES` (separated by spaces or commas), each once, in order;
    empty means the inbox only.

    Raises:
        SourcesError: a name is not `hf-daily` or `arxiv:<category>[+<category>...]`.
    """
    feeds = [_feed(word) for word in re.split(r"[\s,]+", text.strip()) if word]
    return list({feed.name: feed for feed in feeds}.values())
