"""The domain's paper: what every source format is parsed into, and the rules that say when
two papers are one, which link a paper has, and which text of it is embedded.

A paper is identified by its versionless arXiv id when it has one, else by its normalized
title (Unicode NFKC, case-folded, punctuation and spacing collapsed): `identity` is that
rule, used by ingest's dedup and nowhere else rewritten. Nothing here touches Slack, the
database or the model.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, NamedTuple
from urllib.parse import quote_plus

__all__ = [
    "ANNOUNCE_TYPES",
    "ARXIV_ID",
    "REPLACED",
    "TITLE_KEY_CHARS",
    "Identity",
    "Paper",
    "embedding_text",
    "extract_arxiv_id",
    "is_fuller",
    "normalize_title",
    "paper_url",
]

ANNOUNCE_TYPES = ("new", "cross", "replace", "replace-cross")  # arXiv's, in its feeds
REPLACED = frozenset({"replace", "replace-cross"})  # a new version, not a new paper
TITLE_KEY_CHARS = 1000  # the stored title key's length (`PaperRow.title_key`)
_NEW_ID = r"\d{4}\.\d{4,5}"  # 2301.12345
_OLD_ID = r"[a-z\-]+(?:\.[A-Z]{2})?/\d{7}"  # hep-th/9901001, math.AG/0601001
ARXIV_ID = f"(?:{_OLD_ID}|{_NEW_ID})"  # a versionless arXiv id, for patterns built elsewhere
_ARXIV_NEW = re.compile(rf"(?<![\d.])({_NEW_ID})(?:v\d+)?(?![\d])")
_ARXIV_OLD = re.compile(rf"\b({_OLD_ID})(?:v\d+)?\b")
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_CUT_MARK = re.compile(r"\s*(?:…|\.\.\.|\[\.\.\.\]|\(\.\.\.\))\s*$")


def normalize_title(title: str) -> str:
    """The key under which two spellings of one title compare equal: NFKC, case-folded
    words joined by single spaces, punctuation dropped."""
    folded = unicodedata.normalize("NFKC", title).casefold()
    return _NON_WORD.sub(" ", folded).strip()


def extract_arxiv_id(text: str | None) -> str | None:
    """The versionless arXiv id in an id, an abs/pdf URL or free text (`2301.12345v2`,
    `https://arxiv.org/abs/2301.12345`, `hep-th/9901001`), or None."""
    if not text:
        return None
    match = _ARXIV_NEW.search(text) or _ARXIV_OLD.search(text)
    return match.group(1) if match else None


def paper_url(title: str, url: str | None, arxiv_id: str | None) -> str:
    """A paper's link: its own URL, else its arXiv abstract page, else an arXiv title
    search, so that every paper shown has one."""
    if url:
        return url
    if arxiv_id:
        return f"https://arxiv.org/abs/{arxiv_id}"
    return f"https://arxiv.org/search/?query={quote_plus(title)}&searchtype=title"


def embedding_text(title: str, abstract: str) -> str:
    """The text embedded for a paper: title and abstract, as the model was trained."""
    return f"{title}. {abstract}".strip() if abstract else title


def is_fuller(old: str, new: str) -> bool:
    """Whether abstract `new` is a fuller copy of `old`: `old` is empty, or was cut off
    (`new` goes on where it stops, a trailing "…" aside). A different wording is not: the
    first text stays, so a paper is re-embedded only to repair a truncated copy."""
    old_words = " ".join(_CUT_MARK.sub("", old).split())
    new_words = " ".join(new.split())
    return len(new_words) > len(old_words) and new_words.startswith(old_words)


class Identity(NamedTuple):
    """What makes two papers one: the same versionless arXiv id, or else the same title key."""

    arxiv_id: str | None
    title_key: str


@dataclass(frozen=True, slots=True)
class Paper:
    """One paper as a source describes it; the unit that flows from parsers to the store.

    `announce` is None where the source has no such notion; "replace" and "replace-cross"
    mark a new version of older work, stored but never delivered as new (`bot.digest`).
    """

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
    announce: str | None = None  # arXiv's announce type: new | cross | replace | replace-cross
    gist: str | None = None  # a one-line summary the source wrote (HF's `ai_summary`)
    gist_source: str | None = None  # who wrote `gist`, as shown beside it ("Hugging Face")
    code_url: str | None = None  # the paper's code repository (HF's `githubRepo`)
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def identity(self) -> Identity:
        """This paper's dedup identity (the arXiv id may come from the URL)."""
        arxiv_id = extract_arxiv_id(self.arxiv_id) or extract_arxiv_id(self.url)
        return Identity(arxiv_id, normalize_title(self.title)[:TITLE_KEY_CHARS])

    @property
    def link(self) -> str:
        """The paper's URL, its arXiv abstract page, or an arXiv title search."""
        return paper_url(self.title, self.url, self.arxiv_id)

    @property
    def embedding_text(self) -> str:
        """The text embedded for this paper (`embedding_text`)."""
        return embedding_text(self.title, self.abstract)

    def to_json(self) -> dict[str, Any]:
        """The paper as the JSON object `paperboy parse --json` prints."""
        data = asdict(self)
        data.pop("extra")
        data["authors"] = list(self.authors)
        data["published"] = self.published.isoformat() if self.published else None
        data["url"] = self.link
        return data
