"""Every query on papers, their vectors and the inbox files they came from.

Two papers are one when `Paper.identity` says so (versionless arXiv id, else title key);
`_resolve` applies that rule against the stored rows and within a batch, for both the
read-only question "which texts need a vector?" (`texts_to_embed`) and the write itself
(`save_papers`). A known paper may be enriched by a later source (upvotes, authors,
links, dates, a gist, a code link) but its text never changes here, nor does a paper
stored as new work become a "replacement" because a later feed lists a new version. The
store never calls the model: ingest computes the vectors first, then `save_papers` writes
papers, vectors and the inbox file's record in one short transaction, refusing
(`MissingVectors`) when a paper turned out new whose text it was given no vector for.

New papers are written as plain slotted `_Draft`s by one Core `executemany`, not as
`PaperRow(...)` objects flushed through the ORM's unit of work, which costs per object.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from operator import attrgetter
from typing import Any

import numpy as np
from sqlalchemy import insert
from sqlmodel import Session, col, func, select

from bot.db import Database
from bot.embedder import embedding_key
from bot.models import Embedding, InboxFile, PaperRow, utcnow
from bot.paper import (
    REPLACED,
    TITLE_KEY_CHARS,
    Identity,
    Paper,
    embedding_text,
    is_fuller,
    normalize_title,
)
from bot.store.vectors import existing_keys, insert_vectors

__all__ = [
    "FileCounts",
    "InboxRecord",
    "IndexRow",
    "MissingVectors",
    "SaveResult",
    "count_papers",
    "find_inbox_file",
    "get_papers",
    "ids_ingested_between",
    "ids_titled",
    "record_failed_file",
    "rows_after",
    "rows_revised_since",
    "save_papers",
    "stored_paper_ids",
    "texts_to_embed",
    "unrecorded_paper_ids",
]

_CHUNK = 500  # bound on SQL parameters per IN (...)


@dataclass
class SaveResult:
    """What one save added: new paper ids, duplicates seen, known papers enriched, and
    known papers whose truncated abstract a fuller copy replaced (re-embedded)."""

    new_ids: list[int] = field(default_factory=list)
    duplicates: int = 0
    enriched: int = 0
    revised: int = 0


@dataclass(frozen=True)
class FileCounts:
    """Papers, new papers and duplicates of a file's earlier chunks, each already saved in
    its own transaction (a large file is stored in chunks)."""

    papers: int = 0
    new: int = 0
    duplicates: int = 0


@dataclass(frozen=True)
class InboxRecord:
    """The inbox file a batch of papers came from, remembered by its content hash; the
    batch that carries it is the file's last, and `earlier` counts the ones before it."""

    content_hash: str
    path: str
    format: str
    earlier: FileCounts = FileCounts()


class MissingVectors(Exception):
    """New papers whose texts were given no vector (another process stored a paper between
    the caller's look-up and its write); encode `texts` and save again."""

    def __init__(self, texts: list[str]) -> None:
        super().__init__(f"{len(texts)} new texts without a vector")
        self.texts = texts


@dataclass(frozen=True)
class IndexRow:
    """What the search index needs of a paper: text, date, vector and its model, and when
    a fuller copy last revised its text (None: never)."""

    id: int
    title: str
    text: str
    day: date
    vector: bytes | None
    model: str | None
    revised_at: datetime | None = None


@dataclass(slots=True)
class _Draft:
    """A new paper's columns, with the names of `PaperRow`'s, so `_enrich` takes either."""

    title_key: str
    title: str
    abstract: str
    authors: str
    author_count: int | None
    published: date | None
    upvotes: int | None
    url: str | None
    source: str | None
    announce: str | None
    gist: str | None
    gist_source: str | None
    code_url: str | None
    arxiv_id: str | None = None
    id: None = None  # never stored through this object; `row.id is None` marks a draft


_DRAFT_COLUMNS = tuple(f.name for f in fields(_Draft) if f.name != "id")


def find_inbox_file(db: Database, content_hash: str) -> InboxFile | None:
    """The record of an inbox file with this content hash, if ingest has seen it."""
    with db.session() as session:
        return session.exec(select(InboxFile).where(InboxFile.content_hash == content_hash)).first()


def record_failed_file(db: Database, record: InboxRecord, *, error: str) -> None:
    """Remember an unusable file so that it is not retried until its content changes."""
    with db.session() as session:
        _upsert_file(session, record, status="failed", error=error)


def texts_to_embed(db: Database, files: Sequence[Sequence[Paper]], *, model: str) -> list[str]:
    """What `save_papers` will need vectors for when the files' papers are saved one file
    after another: the distinct texts of papers new to the store and to every earlier file,
    that have no stored vector under `model`. Reads only."""
    earlier: set[str] = set()  # identities (arXiv ids, title keys) of the earlier files
    texts: dict[str, str] = {}
    with db.session() as session, session.no_autoflush:
        for papers in files:
            drafts, revised, _ = _resolve(session, papers, earlier=earlier)
            texts.update((embedding_key(model, t), t) for t in map(_text, [*drafts, *revised]))
            for arxiv_id, title_key in (p.identity for p in papers):
                earlier.update(filter(None, (arxiv_id, title_key)))
        known = set(existing_keys(session, list(texts)))
        session.rollback()  # `_resolve` may have enriched loaded rows: forget that
    return [text for key, text in texts.items() if key not in known]


def save_papers(
    db: Database,
    papers: Sequence[Paper],
    *,
    model: str,
    vectors: Mapping[str, np.ndarray],
    record: InboxRecord | None = None,
    dry_run: bool = False,
) -> SaveResult:
    """Upsert papers, their new vectors and (if given) the inbox file's record, in one
    transaction.

    Args:
        vectors: unit vectors by embedding text; those of new papers are stored.
        record: the file the papers came from, recorded as ingested.
        dry_run: count new and duplicate papers, write nothing.

    Raises:
        MissingVectors: a new paper's text has neither a vector given nor a stored one.
    """
    with db.session() as session:
        drafts, revised, result = _resolve(session, papers)
        if dry_run:
            result.new_ids = [0] * len(drafts)
            session.rollback()
            return result
        texts = [_text(d) for d in [*drafts, *revised]]
        keys = [embedding_key(model, t) for t in texts]
        stored = set(existing_keys(session, keys))
        missing = [t for t, k in zip(texts, keys, strict=True) if k not in stored]
        if absent := [t for t in dict.fromkeys(missing) if t not in vectors]:
            raise MissingVectors(absent)
        insert_vectors(
            session, model, {embedding_key(model, t): vectors[t] for t in dict.fromkeys(missing)}
        )
        now = utcnow()
        for row, key in zip(revised, keys[len(drafts) :], strict=True):
            row.embedding_key, row.revised_at = key, now
            session.add(row)
        result.revised = len(revised)
        session.flush()  # enrichment of known rows first, as a unit-of-work flush would
        result.new_ids = _insert_drafts(session, drafts, keys[: len(drafts)])
        if record is not None:
            _upsert_file(
                session,
                record,
                status="ok",
                papers=record.earlier.papers + len(papers),
                new=record.earlier.new + len(drafts),
                duplicates=record.earlier.duplicates + result.duplicates,
            )
        return result


def _resolve(
    session: Session,
    papers: Sequence[Paper],
    *,
    earlier: AbstractSet[str] = frozenset(),
) -> tuple[list[_Draft], list[PaperRow], SaveResult]:
    """Match each paper by identity to a stored row or to an earlier paper of the batch,
    enriching the one it matched; the others become drafts of new papers. A fuller copy
    of a truncated abstract replaces it (`is_fuller`): such stored rows come back as
    revised, their text to be embedded again. Papers whose arXiv id or title key is in
    `earlier` (papers about to be stored) are left out."""
    items = [
        (p, p.identity)
        for p in papers
        if p.identity.title_key and not earlier.intersection(p.identity)
    ]
    by_arxiv, by_title = _by_identity(_stored(session, [i for _, i in items]))
    result = SaveResult()
    drafts: list[_Draft] = []
    revised: dict[int, PaperRow] = {}
    for paper, (arxiv_id, title_key) in items:
        row = _same_paper(by_arxiv, by_title, Identity(arxiv_id, title_key))
        if row is None:
            row = _draft(paper, title_key)
            drafts.append(row)
            by_title[title_key] = row
        else:
            result.duplicates += 1
            if is_fuller(row.abstract, paper.abstract):
                row.abstract = paper.abstract
                if isinstance(row, PaperRow) and row.id is not None:
                    revised[row.id] = row  # a draft is not embedded yet: nothing to redo
            free_id = arxiv_id if arxiv_id not in by_arxiv else None
            if _enrich(row, paper, free_id) and row.id is not None:
                result.enriched += 1
        if arxiv_id and arxiv_id not in by_arxiv and row.arxiv_id in (None, arxiv_id):
            row.arxiv_id = arxiv_id
            by_arxiv[arxiv_id] = row
    return drafts, list(revised.values()), result


def stored_paper_ids(db: Database, identities: Sequence[Identity]) -> list[int | None]:
    """The stored paper of each identity (as ingest's dedup decides), or None, aligned with
    `identities`: how an imported library finds the papers paperboy has."""
    with db.session() as session:
        by_arxiv, by_title = _by_identity(_stored(session, identities))
        rows = [_same_paper(by_arxiv, by_title, identity) for identity in identities]
        return [row.id if row is not None else None for row in rows]


def _by_identity(
    rows: Iterable[PaperRow],
) -> tuple[dict[str, PaperRow | _Draft], dict[str, PaperRow | _Draft]]:
    by_arxiv: dict[str, PaperRow | _Draft] = {}
    by_title: dict[str, PaperRow | _Draft] = {}
    for row in rows:
        if row.arxiv_id:
            by_arxiv[row.arxiv_id] = row
        by_title[row.title_key] = row
    return by_arxiv, by_title


def _same_paper(
    by_arxiv: dict[str, PaperRow | _Draft],
    by_title: dict[str, PaperRow | _Draft],
    identity: Identity,
) -> PaperRow | _Draft | None:
    """The dedup rule: the same versionless arXiv id, else the same title key."""
    found = by_arxiv.get(identity.arxiv_id) if identity.arxiv_id else None
    return found or by_title.get(identity.title_key)


def _stored(session: Session, identities: Sequence[Identity]) -> Iterator[PaperRow]:
    """The stored rows sharing an arXiv id or a title key with any of `identities`."""
    arxiv_ids = list({i.arxiv_id for i in identities if i.arxiv_id})
    title_keys = list({i.title_key for i in identities})
    for chunk in _chunks(arxiv_ids):
        yield from session.exec(select(PaperRow).where(col(PaperRow.arxiv_id).in_(chunk)))
    for chunk in _chunks(title_keys):
        yield from session.exec(select(PaperRow).where(col(PaperRow.title_key).in_(chunk)))


def _enrich(row: PaperRow | _Draft, paper: Paper, free_arxiv_id: str | None) -> bool:
    """Fill what the stored paper lacks (a link, a date, a gist, a code link, an announce
    type that is not a replacement), take a fuller author list and raise its upvotes;
    never touch its text (only `is_fuller` may, in `_resolve`)."""
    changes: dict[str, object] = {}
    if paper.gist and not row.gist:
        changes["gist"], changes["gist_source"] = paper.gist, paper.gist_source
    if paper.code_url and not row.code_url:
        changes["code_url"] = paper.code_url
    if paper.announce and not row.announce and paper.announce not in REPLACED:
        changes["announce"] = paper.announce
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


def _draft(paper: Paper, title_key: str) -> _Draft:
    return _Draft(
        title_key=title_key,
        title=paper.title,
        abstract=paper.abstract,
        authors=json.dumps(list(paper.authors), ensure_ascii=False),
        author_count=paper.author_count or len(paper.authors) or None,
        published=paper.published,
        upvotes=paper.upvotes,
        url=paper.url,
        source=paper.source,
        announce=paper.announce,
        gist=paper.gist,
        gist_source=paper.gist_source if paper.gist else None,
        code_url=paper.code_url,
    )


def _text(draft: _Draft) -> str:
    return embedding_text(draft.title, draft.abstract)


def _insert_drafts(session: Session, drafts: Sequence[_Draft], keys: Sequence[str]) -> list[int]:
    """Insert drafts by one executemany; their new ids, in draft order, read back by
    (unique) title key, since an ordered `RETURNING` goes row by row on SQLite."""
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


def _upsert_file(session: Session, record: InboxRecord, **values: object) -> None:
    row = session.exec(
        select(InboxFile).where(InboxFile.content_hash == record.content_hash)
    ).first() or InboxFile(content_hash=record.content_hash, path=record.path)
    row.path, row.format = record.path, record.format
    for name, value in values.items():
        setattr(row, name, value)
    row.ingested_at = utcnow()
    session.add(row)


def rows_after(
    db: Database, watermark: int, *, also_ids: Sequence[int] = (), limit: int = 5000
) -> list[IndexRow]:
    """Papers with id > `watermark` (at most `limit`) or in `also_ids` (lower ids not seen
    yet, whose transactions may commit late; at most 500), by id, with their stored vectors
    (None when a paper has none). Two primary-key lookups: with an `OR`, SQLite would scan
    the whole table."""
    rows = _index_rows(db, col(PaperRow.id) > watermark, col(PaperRow.id), limit)
    if also_ids:
        late = col(PaperRow.id).in_(list(also_ids)[:_CHUNK])
        rows += _index_rows(db, late, col(PaperRow.id), _CHUNK)
    return sorted({row.id: row for row in rows}.values(), key=attrgetter("id"))


def rows_revised_since(db: Database, since: datetime, *, limit: int = 5000) -> list[IndexRow]:
    """Papers whose text a fuller copy replaced at or after `since` (naive UTC), oldest
    revision first (the order of `revised_at`'s index, which the query walks)."""
    order = (col(PaperRow.revised_at), col(PaperRow.id))
    return _index_rows(db, col(PaperRow.revised_at) >= since, order, limit)


def _index_rows(db: Database, where: Any, order: Any, limit: int) -> list[IndexRow]:
    query = (
        select(
            PaperRow.id,
            PaperRow.title,
            PaperRow.abstract,
            PaperRow.published,
            PaperRow.ingested_at,
            PaperRow.revised_at,
            Embedding.vector,
            Embedding.model,
        )
        .join(Embedding, col(Embedding.key) == col(PaperRow.embedding_key), isouter=True)
        .where(where)
        .order_by(*(order if isinstance(order, tuple) else (order,)))
        .limit(limit)
    )
    with db.session() as session:
        return [
            IndexRow(
                int(pid),
                title,
                embedding_text(title, abstract),
                published or ingested.date(),
                vector,
                model,
                revised,
            )
            for pid, title, abstract, published, ingested, revised, vector, model in session.exec(
                query
            )
        ]


def get_papers(db: Database, paper_ids: Iterable[int]) -> list[PaperRow]:
    """The stored rows of these papers (unknown ids are left out), in no set order."""
    out: list[PaperRow] = []
    with db.session() as session:
        for chunk in _chunks(list(paper_ids)):
            out.extend(session.exec(select(PaperRow).where(col(PaperRow.id).in_(chunk))))
    return out


def ids_titled(db: Database, title: str) -> list[int]:
    """The paper whose title is `title` once normalised (`bot.paper.Paper.identity`), as a
    list of its id, or [] (title keys are unique)."""
    key = normalize_title(title)[:TITLE_KEY_CHARS]
    if not key:
        return []
    with db.session() as session:
        found = session.exec(select(PaperRow.id).where(col(PaperRow.title_key) == key)).first()
    return [int(found)] if found is not None else []


def ids_ingested_between(db: Database, start: datetime, end: datetime) -> list[int]:
    """Ids of papers ingested in [start, end) (naive UTC), oldest first."""
    query = (
        select(PaperRow.id)
        .where(col(PaperRow.ingested_at) >= start, col(PaperRow.ingested_at) < end)
        .order_by(col(PaperRow.id))
    )
    with db.session() as session:
        return [int(i) for i in session.exec(query) if i is not None]


def count_papers(db: Database) -> int:
    """How many papers are stored: one `COUNT(*)`, cheap enough for `/healthz`."""
    with db.session() as session:
        return int(session.exec(select(func.count()).select_from(PaperRow)).one())


def unrecorded_paper_ids(
    session: Session, paper_column: Any, owner_column: Any, owner_id: int, paper_ids: Iterable[int]
) -> list[int]:
    """The ids in `paper_ids` (deduplicated, in order) with no row yet for this owner in a
    per-owner paper table, e.g. `Delivery.paper_id` owned by `Delivery.member_id`."""
    ids = list(dict.fromkeys(paper_ids))
    query = select(paper_column).where(owner_column == owner_id, col(paper_column).in_(ids))
    known = set(session.exec(query))
    return [paper_id for paper_id in ids if paper_id not in known]


def _chunks(values: Sequence[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield list(values[start : start + _CHUNK])
