"""Library: the in-memory `PaperIndex` kept in step with the database, and search over it.

Every process holds one Library (in its `Context`). It loads lazily: nothing is read and no
model is loaded until the first search or lookup. `refresh()` pulls papers past a watermark
(the highest paper id indexed), so replicas that ingest elsewhere are picked up by a cheap
poll; ids skipped below the watermark are polled for a while too, since on PostgreSQL a
transaction holding a lower id may commit after a higher one. Queries reach the database
only as bound parameters; search itself runs in memory.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

from bot.db import Database
from bot.embedder import Embedder, embedding_key
from bot.index import PaperIndex
from bot.models import PaperRow, utcnow
from bot.paper import normalize_title, paper_url
from bot.store import papers as paper_store
from bot.store import vectors as vector_store

__all__ = ["EmptyQueryError", "Library", "PaperView", "SearchHit"]

GAP_SECONDS = 600.0  # how long an id skipped by the watermark is polled for
MAX_GAPS = 500
TEXT_CACHE_SIZE = 20_000  # vectors of texts (interests, summary sentences) kept in memory


@dataclass(frozen=True)
class PaperView:
    """A stored paper as services and messages see it."""

    id: int
    title: str
    abstract: str
    authors: tuple[str, ...]
    author_count: int | None
    published: date | None
    upvotes: int | None
    url: str  # always a link: the digest's URL, the arXiv page, or an arXiv title search
    arxiv_id: str | None
    ingested_at: datetime
    announce: str | None = None  # arXiv's announce type; a replacement is never "new"
    gist: str | None = None  # the source's one-line summary, shown instead of an extracted one
    gist_source: str | None = None  # who wrote `gist` ("Hugging Face")
    code_url: str | None = None

    @classmethod
    def from_row(cls, row: PaperRow) -> PaperView:
        """The view of a stored row."""
        assert row.id is not None
        return cls(
            row.id,
            row.title,
            row.abstract,
            tuple(json.loads(row.authors or "[]")),
            row.author_count,
            row.published,
            row.upvotes,
            paper_url(row.title, row.url, row.arxiv_id),
            row.arxiv_id,
            row.ingested_at,
            row.announce,
            row.gist,
            row.gist_source,
            row.code_url,
        )


@dataclass(frozen=True)
class SearchHit:
    """One search result: the paper and its score in [0, 1] (higher is better)."""

    paper: PaperView
    score: float


class EmptyQueryError(ValueError):
    """The query has no words to search for."""


class Library:
    """The papers of the database as an in-memory hybrid index; thread-safe."""

    def __init__(self, db: Database, embedder: Embedder, *, sync_seconds: float = 30.0) -> None:
        self.db = db
        self.embedder = embedder
        self.sync_seconds = sync_seconds
        self._lock = threading.RLock()
        self._index: PaperIndex | None = None
        self._watermark = 0
        self._gaps: dict[int, float] = {}  # id below the watermark → give up at (monotonic)
        self._synced_at = 0.0
        self._revisions_from = datetime.min  # texts revised since then are re-read
        self._query_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._text_cache: OrderedDict[str, np.ndarray] = OrderedDict()  # by embedding key

    def refresh(self) -> int:
        """Index the papers stored since the last refresh (by this or another process);
        returns how many were added."""
        with self._lock:
            added, now = 0, time.monotonic()
            self._gaps = {i: until for i, until in self._gaps.items() if until > now}
            while rows := paper_store.rows_after(
                self.db, self._watermark, also_ids=sorted(self._gaps)
            ):
                self._note_gaps([r.id for r in rows], until=now + GAP_SECONDS)
                self._add(rows)
                added += len(rows)
            self._apply_revisions()
            self._synced_at = now
            return added

    def _apply_revisions(self) -> None:
        """Replace the vectors of papers whose truncated abstract a fuller copy replaced
        since the last look (again within `GAP_SECONDS`: a revision may commit late)."""
        if self._index is None:
            return
        started = utcnow()
        rows = paper_store.rows_revised_since(self.db, self._revisions_from)
        known = [r for r in rows if r.id in self._index]
        if known:
            self._index.replace_vectors([r.id for r in known], self._vectors_of(known))
        self._revisions_from = started - timedelta(seconds=GAP_SECONDS)

    def _note_gaps(self, ids: list[int], *, until: float) -> None:
        """Advance the watermark; remember skipped ids, whose transactions may commit late."""
        for paper_id in ids:
            self._gaps.pop(paper_id, None)
        top = max(ids)
        if top <= self._watermark:
            return
        skipped = set(range(self._watermark + 1, top + 1)).difference(ids)
        if len(skipped) <= MAX_GAPS:
            self._gaps.update(dict.fromkeys(skipped, until))
        self._watermark = top

    def _vectors_of(self, rows: Sequence[paper_store.IndexRow]) -> np.ndarray:
        """The rows' stored vectors; texts stored without one for this model are embedded."""
        model = self.embedder.name
        stale = [r.text for r in rows if r.vector is None or r.model != model]
        fresh = dict(zip(stale, self.embed(stale, store=True), strict=True)) if stale else {}
        return np.stack(
            [
                fresh[r.text] if r.text in fresh else np.frombuffer(r.vector or b"", np.float32)
                for r in rows
            ]
        )

    def _add(self, rows: Sequence[paper_store.IndexRow]) -> None:
        vectors = self._vectors_of(rows)
        if self._index is None:
            self._index = PaperIndex(vectors.shape[1])
        self._index.add(
            [r.id for r in rows],
            vectors,
            [r.text for r in rows],
            [r.title for r in rows],
            [r.day.toordinal() for r in rows],
        )

    @property
    def index(self) -> PaperIndex:
        """The index, loaded on first use and re-synced every `sync_seconds`."""
        with self._lock:
            if self._index is None or time.monotonic() - self._synced_at > self.sync_seconds:
                self.refresh()
            if self._index is None:
                self._index = PaperIndex(self.embedder.dim)
            return self._index

    def __len__(self) -> int:
        return len(self.index)

    def search(
        self,
        query: str,
        *,
        limit: int = 5,
        offset: int = 0,
        since: date | None = None,
        exclude_ids: Iterable[int] = (),
    ) -> list[SearchHit]:
        """Hybrid (dense + BM25) search, best first; a paper whose title is the query comes
        first. `since` keeps papers published (or, lacking a date, ingested) on or after
        that day.

        Raises:
            EmptyQueryError: the query has no letters or digits.
        """
        if not normalize_title(query or ""):
            raise EmptyQueryError("Search needs at least one word, e.g. `diffusion transformers`.")
        vector = self._query_vector(query)
        with self._lock:
            index = self.index
            allowed = index.mask(
                since=since.toordinal() if since else None, exclude_ids=list(exclude_ids)
            )
            ids, scores = index.hybrid(query, vector, offset + limit, allowed)
        return self._hits(ids[offset:], scores[offset:])

    def similar(
        self, paper_id: int, *, limit: int = 5, exclude_ids: Iterable[int] = ()
    ) -> list[SearchHit]:
        """The papers nearest to a stored paper by vector (itself excluded)."""
        with self._lock:
            index = self.index
            vector = index.vectors([paper_id])[0]
            allowed = index.mask(exclude_ids=[paper_id, *exclude_ids])
            ids, scores = index.dense(vector, limit, allowed)
        return self._hits(ids, np.clip(scores, 0.0, 1.0))

    def vectors(self, paper_ids: Iterable[int]) -> np.ndarray:
        """Unit vectors of the papers, rows in the order given (KeyError if unknown)."""
        ids = list(paper_ids)
        with self._lock:
            index = self.index
            if any(i not in index for i in ids):
                self.refresh()
            if not ids:
                return np.zeros((0, index.dim), dtype=np.float32)
            return index.vectors(ids)

    def papers(self, paper_ids: Iterable[int]) -> dict[int, PaperView]:
        """The stored papers by id (unknown ids are left out)."""
        return {
            row.id: PaperView.from_row(row)
            for row in paper_store.get_papers(self.db, paper_ids)
            if row.id is not None
        }

    def embed(self, texts: Sequence[str], *, store: bool = False) -> np.ndarray:
        """Unit vectors of `texts`, rows in the order given: stored vectors are reused, the
        others encoded and kept in a bounded process cache, and with `store` also written
        to the database (a member's interest lines, when they change). Reading a profile or
        building a digest never writes."""
        if not texts:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        model = self.embedder.name
        keys = [embedding_key(model, t) for t in texts]
        with self._lock:
            found = {k: self._text_cache[k] for k in keys if k in self._text_cache}
        lookup = [k for k in keys if k not in found]
        found.update(vector_store.load_vectors(self.db, lookup) if lookup else {})
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in found))
        if missing:
            encoded = self.embedder.encode(missing)
            new = {embedding_key(model, t): v for t, v in zip(missing, encoded, strict=True)}
            if store:
                vector_store.save_vectors(self.db, model, new)
            found.update(new)
        with self._lock:
            for key in keys:
                self._text_cache[key] = found[key]
                self._text_cache.move_to_end(key)
            while len(self._text_cache) > TEXT_CACHE_SIZE:
                self._text_cache.popitem(last=False)
        return np.stack([found[k] for k in keys]).astype(np.float32, copy=False)

    def ids_ingested_between(self, start: datetime, end: datetime) -> list[int]:
        """Ids of papers ingested in [start, end) (naive UTC), oldest first."""
        return paper_store.ids_ingested_between(self.db, start, end)

    def _query_vector(self, query: str) -> np.ndarray:
        """A query's vector, remembered in a small in-process cache (not the database)."""
        with self._lock:
            if query in self._query_cache:
                self._query_cache.move_to_end(query)
                return self._query_cache[query]
        vector = self.embedder.encode([query])[0]
        with self._lock:
            self._query_cache[query] = vector
            if len(self._query_cache) > 256:
                self._query_cache.popitem(last=False)
        return vector

    def _hits(self, ids: np.ndarray, scores: np.ndarray) -> list[SearchHit]:
        views = self.papers(ids.tolist())
        return [
            SearchHit(views[i], round(float(s), 4))
            for i, s in zip(ids.tolist(), scores.tolist(), strict=True)
            if i in views
        ]

    def lexical_coverage(self, texts: Sequence[str], paper_ids: Sequence[int]) -> np.ndarray:
        """BM25 coverage (`LexicalIndex.coverage`) of each text (e.g. a member's interest
        lines) against each paper: a (len(texts), len(paper_ids)) float32 array, IDF taken
        over the whole library; ids not in the index score 0."""
        out = np.zeros((len(texts), len(paper_ids)), dtype=np.float32)
        if not len(texts) or not len(paper_ids):
            return out
        with self._lock:
            index = self.index
            found = index.positions(paper_ids)
            columns = [n for n, position in enumerate(found) if position is not None]
            positions = [found[n] for n in columns]
            for row, text in enumerate(texts):
                out[row, columns] = index.lexical.coverage(text)[positions]
        return out
