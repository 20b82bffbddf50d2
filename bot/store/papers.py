"""Every query on papers, their vectors and the digest files they came from.

Duplicates are papers with the same versionless arXiv id or the same normalized title; a
known paper may be enriched by a later digest (upvotes, authors, links, dates) but its text
and vector never change. Vectors live in `Embedding`, keyed by `embedding_key(model, text)`,
so a text is encoded at most once per model.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
from sqlalchemy import or_
from sqlmodel import Session, col, func, select

from bot.db import Database
from bot.embedder import embedding_key
from bot.models import DigestFile, Embedding, PaperRow, utcnow
from bot.papers import Paper, extract_arxiv_id
from bot.store.paper_inserts import Draft, draft_of, insert_drafts, texts_to_embed
from bot.store.vectors import existing_keys, insert_vectors

__all__ = [
    "IndexRow",
    "SaveResult",
    "count_papers",
    "find_digest_file",
    "get_papers",
    "ids_ingested_between",
    "record_failed_file",
    "rows_after",
    "save_digest",
    "texts_to_embed",
]

Encoder = Callable[[list[str]], np.ndarray]
_CHUNK = 500  # bound on SQL parameters per IN (...)


@dataclass
class SaveResult:
    """What one digest added: new paper ids, duplicates seen, known papers enriched."""

    new_ids: list[int] = field(default_factory=list)
    duplicates: int = 0
    enriched: int = 0


@dataclass(frozen=True)
class IndexRow:
    """What the in-memory index needs of a paper: text, date, vector and its model."""

    id: int
    title: str
    text: str
    day: date
    vector: bytes | None
    model: str | None


def find_digest_file(db: Database, content_hash: str) -> DigestFile | None:
    """The record of a digest file with this content hash, if ingest has seen it."""
    with db.session() as session:
        return session.exec(
            select(DigestFile).where(DigestFile.content_hash == content_hash)
        ).first()


def record_failed_file(
    db: Database, *, content_hash: str, path: str, format: str | None, error: str
) -> None:
    """Remember an unusable file so that it is not retried until its content changes."""
    with db.session() as session:
        _upsert_file(session, content_hash, path=path, format=format, status="failed", error=error)


def save_digest(
    db: Database,
    papers: Sequence[Paper],
    *,
    model: str,
    encode: Encoder,
    content_hash: str,
    path: str,
    format: str,
    dry_run: bool = False,
) -> SaveResult:
    """Upsert one digest's papers and record the file, all in one transaction.

    Args:
        db: the database.
        papers: parsed papers, in digest order.
        model: the embedder's name (part of each vector's key).
        encode: turns the texts of new papers (never known ones) into unit vectors.
        content_hash: sha256 of the file's bytes.
        path: where the file was read from.
        format: the digest format detected.
        dry_run: count new and duplicate papers, write nothing and encode nothing.

    Returns:
        The new ids, duplicates and enriched counts.
    """
    with db.session() as session:
        drafts, result = _merge(session, papers)
        if dry_run:
            result.new_ids = [0] * len(drafts)
            session.rollback()
            return result
        texts = [Paper(d.title, d.abstract).embedding_text for d in drafts]
        keys = [embedding_key(model, t) for t in texts]
        known = set(existing_keys(session, keys))
        key_of = {t: k for t, k in zip(texts, keys, strict=True) if k not in known}
        # by length, so that each of the embedder's batches pads as little as one big batch
        missing = sorted(key_of, key=len)
        if missing:
            vectors = encode(missing)
            insert_vectors(
                session, model, {key_of[t]: v for t, v in zip(missing, vectors, strict=True)}
            )
        session.flush()  # enrichment of known rows first, as a unit-of-work flush would
        result.new_ids = insert_drafts(session, drafts, keys)
        _upsert_file(
            session,
            content_hash,
            path=path,
            format=format,
            status="ok",
            papers=len(papers),
            new=len(drafts),
            duplicates=result.duplicates,
        )
        return result


def _merge(session: Session, papers: Sequence[Paper]) -> tuple[list[Draft], SaveResult]:
    """Match each paper to a stored row or an earlier draft; new ones become drafts."""
    items = [(p, _arxiv(p), p.title_key[:1000]) for p in papers if p.title_key]
    by_arxiv: dict[str, PaperRow | Draft] = {}
    by_title: dict[str, PaperRow | Draft] = {}
    aids = [a for _, a, _ in items if a]
    keys = [k for _, _, k in items]
    for chunk in _chunks(aids):
        for row in session.exec(select(PaperRow).where(col(PaperRow.arxiv_id).in_(chunk))):
            by_arxiv[row.arxiv_id or ""] = row
    for chunk in _chunks(keys):
        for row in session.exec(select(PaperRow).where(col(PaperRow.title_key).in_(chunk))):
            by_title[row.title_key] = row
    result = SaveResult()
    drafts: list[Draft] = []
    for paper, aid, key in items:
        row = (by_arxiv.get(aid) if aid else None) or by_title.get(key)
        if row is None:
            row = draft_of(paper, key)
            drafts.append(row)
            by_title[key] = row
        else:
            result.duplicates += 1
            if row.id is None and not row.abstract:
                row.abstract = paper.abstract  # a draft is not embedded yet
            if _enrich(row, paper, aid if aid not in by_arxiv else None) and row.id is not None:
                result.enriched += 1
        if aid and aid not in by_arxiv and row.arxiv_id in (None, aid):
            row.arxiv_id = aid
            by_arxiv[aid] = row
    return drafts, result


def _enrich(row: PaperRow | Draft, paper: Paper, free_arxiv_id: str | None) -> bool:
    """Fill what the stored paper lacks, take a fuller author list and raise its upvotes;
    never touch its text (so it is never re-embedded)."""
    changes: dict[str, object] = {}
    if paper.upvotes is not None and (row.upvotes is None or paper.upvotes > row.upvotes):
        changes["upvotes"] = paper.upvotes
    if len(paper.authors) > len(json.loads(row.authors)):  # a fuller author list
        changes["authors"] = json.dumps(list(paper.authors), ensure_ascii=False)
        changes["author_count"] = max(paper.author_count or 0, len(paper.authors))
    if paper.url and not row.url:
        changes["url"] = paper.url
    if paper.published and not row.published:
        changes["published"] = paper.published
    if free_arxiv_id and not row.arxiv_id:
        changes["arxiv_id"] = free_arxiv_id
    for name, value in changes.items():
        setattr(row, name, value)
    return bool(changes)


def _arxiv(paper: Paper) -> str | None:
    return extract_arxiv_id(paper.arxiv_id) or extract_arxiv_id(paper.url)


def _upsert_file(session: Session, content_hash: str, **values: object) -> None:
    row = session.exec(select(DigestFile).where(DigestFile.content_hash == content_hash)).first()
    row = row or DigestFile(content_hash=content_hash, path=str(values["path"]))
    for name, value in values.items():
        setattr(row, name, value)
    row.ingested_at = utcnow()
    session.add(row)


def rows_after(
    db: Database, watermark: int, *, also_ids: Sequence[int] = (), limit: int = 5000
) -> list[IndexRow]:
    """Papers with id > `watermark` or in `also_ids`, by id, with their stored vectors.

    Args:
        db: the database.
        watermark: the highest paper id already indexed.
        also_ids: lower ids not seen yet (their transactions may commit late); at most 500.
        limit: at most this many rows.

    Returns:
        One `IndexRow` per paper; `vector` is None when the paper has no stored vector.
    """
    query = (
        select(
            PaperRow.id,
            PaperRow.title,
            PaperRow.abstract,
            PaperRow.published,
            PaperRow.ingested_at,
            Embedding.vector,
            Embedding.model,
        )
        .join(Embedding, col(Embedding.key) == col(PaperRow.embedding_key), isouter=True)
        .where(or_(col(PaperRow.id) > watermark, col(PaperRow.id).in_(list(also_ids)[:_CHUNK])))
        .order_by(col(PaperRow.id))
        .limit(limit)
    )
    with db.session() as session:
        return [
            IndexRow(
                int(pid),
                title,
                Paper(title, abstract).embedding_text,
                published or ingested.date(),
                vector,
                model,
            )
            for pid, title, abstract, published, ingested, vector, model in session.exec(query)
        ]


def get_papers(db: Database, paper_ids: Iterable[int]) -> list[PaperRow]:
    """The stored rows of these papers (unknown ids are left out), in no set order."""
    out: list[PaperRow] = []
    with db.session() as session:
        for chunk in _chunks(list(paper_ids)):
            out.extend(session.exec(select(PaperRow).where(col(PaperRow.id).in_(chunk))))
    return out


def ids_ingested_between(db: Database, start: datetime, end: datetime) -> list[int]:
    """Ids of papers ingested in [start, end) (naive UTC), oldest first."""
    query = (
        select(PaperRow.id)
        .where(col(PaperRow.ingested_at) >= start, col(PaperRow.ingested_at) < end)
        .order_by(col(PaperRow.id))
    )
    with db.session() as session:
        return [int(i) for i in session.exec(query) if i is not None]


def _chunks(values: Sequence[str] | Sequence[int]) -> Iterator[list]:
    for start in range(0, len(values), _CHUNK):
        yield list(values[start : start + _CHUNK])


def count_papers(db: Database) -> int:
    """How many papers are stored: one `COUNT(*)`, cheap enough for `/healthz`."""
    with db.session() as session:
        return int(session.exec(select(func.count()).select_from(PaperRow)).one())
