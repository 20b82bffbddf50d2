"""The domain's paper: what every digest format is parsed into, and how two papers are the same.

A paper is identified by its versionless arXiv id when it has one, else by its normalized
title (Unicode NFKC, case-folded, punctuation and spacing collapsed). Nothing here touches
Slack, the database or the model.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any
from urllib.parse import quote_plus

__all__ = [
    "Paper",
    "arxiv_search_url",
    "extract_arxiv_id",
    "normalize_title",
]

_ARXIV_NEW = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(?:v\d+)?(?![\d])")
_ARXIV_OLD = re.compile(r"\b([a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?\b")
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalize_title(title: str) -> str:
    """The key under which two spellings of one title compare equal.

    Args:
        title: a title as printed in any digest.

    Returns:
        NFKC-normalized, case-folded words joined by single spaces, punctuation dropped.
    """
    folded = unicodedata.normalize("NFKC", title).casefold()
    return _NON_WORD.sub(" ", folded).strip()


def extract_arxiv_id(text: str | None) -> str | None:
    """The versionless arXiv id in an id, an abs/pdf URL or free text, if any.

    Args:
        text: e.g. ``2301.12345v2``, ``https://arxiv.org/abs/2301.12345``, ``hep-th/9901001``.

    Returns:
        ``2301.12345`` (no version), or None when the text holds no arXiv id.
    """
    if not text:
        return None
    match = _ARXIV_NEW.search(text) or _ARXIV_OLD.search(text)
    return match.group(1) if match else None


def arxiv_search_url(title: str) -> str:
    """A link that finds a paper by title on arXiv, for digests that give no URL."""
    return f"https://arxiv.org/search/?query={quote_plus(title)}&searchtype=title"


@dataclass(frozen=True, slots=True)
class Paper:
    """One paper as a digest describes it; the unit that flows from parsers to messages."""

    title: str
    abstract: str = ""
    authors: tuple[str, ...] = ()
    author_count: int | None = None
    published: date | None = None
    upvotes: int | None = None
    url: str | None = None
    arxiv_id: str | None = None
    source: str | None = None
    page_date: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def title_key(self) -> str:
        """The normalized title used for deduplication."""
        return normalize_title(self.title)

    @property
    def link(self) -> str:
        """The paper's URL, its arXiv abstract page, or an arXiv title search."""
        if self.url:
            return self.url
        if self.arxiv_id:
            return f"https://arxiv.org/abs/{self.arxiv_id}"
        return arxiv_search_url(self.title)

    @property
    def embedding_text(self) -> str:
        """The text embedded for this paper: title and abstract, as the model was trained."""
        return f"{self.title}. {self.abstract}".strip() if self.abstract else self.title

    def to_json(self) -> dict[str, Any]:
        """The paper as the JSON object `paperboy parse --json` prints."""
        data = asdict(self)
        data.pop("extra")
        data["authors"] = list(self.authors)
        data["published"] = self.published.isoformat() if self.published else None
        data["url"] = self.link
        return data
