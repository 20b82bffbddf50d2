"""Ingest's fast paths for new papers (used by `bot.store.papers` and `jobs.ingest`).

Why this exists: `papers.py` is the store's contract; this is ingest's tuning, kept apart.
`texts_to_embed` guesses a file's new texts so that they can be encoded while an earlier
file is stored. And building `PaperRow(...)` objects runs SQLModel's validating constructor
and then the session's unit of work row by row, which was about a third of ingest's own
(non-embedding) time. A new paper is instead a `Draft` — a plain slotted object with the
same column names, so dedup and `_enrich` treat drafts and stored rows alike — and a
file's drafts are written by one Core `executemany`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import date
from operator import attrgetter

from sqlalchemy import insert
from sqlmodel import Session, col, select

from bot.db import Database
from bot.embedder import embedding_key
from bot.models import PaperRow, utcnow
from bot.papers import Paper, extract_arxiv_id
from bot.store.vectors import existing_keys

__all__ = ["Draft", "draft_of", "insert_drafts", "texts_to_embed"]

_CHUNK = 500  # bound on SQL parameters per IN (...)


@dataclass(slots=True)
class Draft:
    """A new paper's columns, not an ORM row: `PaperRow(...)` runs SQLModel's constructor
    and the unit of work, a third of ingest's own time. `_enrich` takes either (same names)."""

    title_key: str
    title: str
    abstract: str
    authors: str
    author_count: int | None
    published: date | None
    upvotes: int | None
    url: str | None
    source: str | None
    arxiv_id: str | None = None
    id: None = None  # never stored through this object; `row.id is None` marks a draft


_DRAFT_COLUMNS = tuple(f.name for f in fields(Draft) if f.name != "id")


def draft_of(paper: Paper, key: str) -> Draft:
    """The draft of a paper not stored yet, under its (truncated) title key."""
    return Draft(
        title_key=key,
        title=paper.title,
        abstract=paper.abstract,
        authors=json.dumps(list(paper.authors), ensure_ascii=False),
        author_count=paper.author_count or len(paper.authors) or None,
        published=paper.published,
        upvotes=paper.upvotes,
        url=paper.url,
        source=paper.source,
    )


def insert_drafts(session: Session, drafts: Sequence[Draft], keys: Sequence[str]) -> list[int]:
    """Insert drafts by one executemany; their new ids, in draft order, read back by (unique)
    title key: ordered `RETURNING` goes row by row on SQLite.

    Args:
        session: the file's transaction (the drafts' vectors are inserted already).
        drafts: the new papers.
        keys: each draft's `embedding_key`.

    Returns:
        The new paper ids, one per draft.
    """
    if not drafts:
        return []
    now = utcnow()
    values = attrgetter(*_DRAFT_COLUMNS)
    rows = [
        dict(zip(_DRAFT_COLUMNS, values(d), strict=True), embedding_key=key, ingested_at=now)
        for d, key in zip(drafts, keys, strict=True)
    ]
    session.execute(insert(PaperRow.__table__), rows)
    ids: dict[str, int] = {}
    for chunk in _chunks([d.title_key for d in drafts]):
        query = select(PaperRow.title_key, PaperRow.id).where(col(PaperRow.title_key).in_(chunk))
        ids.update((key, int(i)) for key, i in session.exec(query) if i is not None)
    return [ids[d.title_key] for d in drafts]


def texts_to_embed(
    db: Database, papers: Sequence[Paper], *, model: str, arxiv_ids: set[str], title_keys: set[str]
) -> list[str]:
    """What `save_digest` would encode for `papers` now, read-only, for embedding ahead.

    A guess, not a promise: papers whose arXiv id or title key is in the sets given (those
    of earlier files of the same batch, not committed yet) are left out, and this file's
    are added to them. `save_digest` still decides, and encodes whatever a guess missed.

    Args:
        db: the database.
        papers: one file's parsed papers.
        model: the embedder's name.
        arxiv_ids: versionless arXiv ids seen earlier in the batch; updated.
        title_keys: (truncated) title keys seen earlier in the batch; updated.

    Returns:
        Distinct embedding texts of the papers that look new and have no stored vector.
    """
    items = [
        (p, extract_arxiv_id(p.arxiv_id) or extract_arxiv_id(p.url), p.title_key[:1000])
        for p in papers
        if p.title_key
    ]
    aids = [a for _, a, _ in items if a and a not in arxiv_ids]
    keys = [k for _, _, k in items if k not in title_keys]
    with db.session() as session:
        for chunk in _chunks(aids):
            query = select(PaperRow.arxiv_id).where(col(PaperRow.arxiv_id).in_(chunk))
            arxiv_ids.update(a for a in session.exec(query) if a)
        for chunk in _chunks(keys):
            query = select(PaperRow.title_key).where(col(PaperRow.title_key).in_(chunk))
            title_keys.update(session.exec(query))
        texts: dict[str, str] = {}  # key → text, so the key of a text is computed once
        for paper, aid, key in items:
            if not (aid and aid in arxiv_ids) and key not in title_keys:
                text = paper.embedding_text
                texts.setdefault(embedding_key(model, text), text)
            title_keys.add(key)
            if aid:
                arxiv_ids.add(aid)
        known = set(existing_keys(session, list(texts)))
    return [text for key, text in texts.items() if key not in known]


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]
