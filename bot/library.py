"""Library: the search index kept in step with the database, and search over it.

Every process holds one Library (in its `Context`). It opens lazily: nothing is read and no
model is loaded until the first search or lookup. The index (`bot.index.PaperIndex`) lives
in files beside the database, so opening it is a matter of milliseconds, not a rebuild;
`refresh()` tops it up from a watermark (the highest paper id indexed), so papers another
replica ingested are picked up by a cheap poll; ids skipped below the watermark are polled
for a while too, since on PostgreSQL a transaction holding a lower id may commit after a
higher one. That sync state is saved in the index's manifest with the rows it describes,
and the index remembers one paper (`anchor`) to check, on opening, that its files were built
from this database. Queries reach the database only as bound parameters.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from bot.db import Database
from bot.embedder import Embedder, embedding_key
from bot.index import PaperIndex
from bot.lexical import LexicalIndex
from bot.models import PaperRow, utcnow
from bot.paper import embedding_text, normalize_title, paper_url
from bot.store import papers as paper_store
from bot.store import vectors as vector_store

__all__ = ["EmptyQueryError", "Library", "PaperView", "SearchHit"]

GAP_SECONDS = 600.0  # how long an id skipped by the watermark is polled for
MAX_GAPS = 500
PUBLISH_ROWS = 100_000  # a long first build saves its progress this often
WINDOWS = 2  # digest windows whose texts are held for `lexical_coverage`
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
    """The papers of the database as a hybrid index; thread-safe.

    `index_dir` is where the index's files live (one folder per database; None: a private
    temporary folder, rebuilt by each process, for an in-memory database)."""

    def __init__(
        self,
        db: Database,
        embedder: Embedder,
        *,
        sync_seconds: float = 30.0,
        index_dir: Path | None = None,
    ) -> None:
        self.db = db
        self.embedder = embedder
        self.sync_seconds = sync_seconds
        self.index_dir = index_dir
        self._lock = threading.RLock()
        self._index: PaperIndex | None = None
        self._watermark = 0
        self._anchor: tuple[int, str] | None = None  # the highest id indexed, and its title
        self._gaps: dict[int, float] = {}  # id below the watermark → give up at (epoch s)
        self._synced_at = 0.0
        self._revisions_from = datetime.min  # texts revised since then are re-read
        self._revised: dict[int, datetime] = {}  # revisions applied: paper id → revised_at
        self._windows: OrderedDict[tuple[int, ...], LexicalIndex] = OrderedDict()
        self._query_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._text_cache: OrderedDict[str, np.ndarray] = OrderedDict()  # by embedding key

    def refresh(self) -> int:
        """Bring the index up to date with the database (papers stored since the last
        refresh, by this or another process, and revised texts); returns how many papers
        this process's index gained (on first use: every paper)."""
        with self._lock:
            before = 0 if self._index is None else len(self._index)
            index = self._open()
            unpublished, now = 0, time.time()
            self._gaps = {i: until for i, until in self._gaps.items() if until > now}
            while rows := paper_store.rows_after(
                self.db, self._watermark, also_ids=sorted(self._gaps)
            ):
                self._note_gaps(rows, until=now + GAP_SECONDS)
                unpublished += self._add(index, rows)
                if unpublished >= PUBLISH_ROWS:
                    index.publish(self._meta())
                    unpublished = 0
            if self._apply_revisions(index) or unpublished:
                index.publish(self._meta())
            self._synced_at = time.monotonic()
            return len(index) - before

    def _open(self) -> PaperIndex:
        """The index, opened on first use; adopts the sync state of the files when they
        changed under this process (`PaperIndex.sync`), or starts over if they were built
        from another database."""
        if self._index is None:
            self._index = PaperIndex(self.embedder.dim, self.index_dir, model=self.embedder.name)
            self._adopt(self._index)
        elif self._index.sync():
            self._adopt(self._index)
        return self._index

    def _adopt(self, index: PaperIndex) -> None:
        meta = index.meta
        anchor = meta.get("anchor")
        if anchor and not self._holds_anchor(int(anchor[0]), str(anchor[1])):
            index.reset()
            meta = {}
        self._watermark = int(meta.get("watermark", 0))
        self._anchor = (int(anchor[0]), str(anchor[1])) if meta.get("anchor") else None
        self._gaps = {int(i): float(until) for i, until in meta.get("gaps", {}).items()}
        since = meta.get("revisions_from")
        self._revisions_from = datetime.fromisoformat(since) if since else datetime.min
        self._windows.clear()

    def _holds_anchor(self, paper_id: int, title: str) -> bool:
        """Whether the database has this paper: the index was built from it."""
        return [row.title for row in paper_store.get_papers(self.db, [paper_id])] == [title]

    def _meta(self) -> dict[str, Any]:
        """The sync state saved with the index's files."""
        return {
            "watermark": self._watermark,
            "anchor": list(self._anchor) if self._anchor else None,
            "gaps": {str(i): until for i, until in self._gaps.items()},
            "revisions_from": self._revisions_from.isoformat(),
        }

    def _apply_revisions(self, index: PaperIndex) -> bool:
        """Replace the vectors and texts of papers whose truncated abstract a fuller copy
        replaced since the last look (again within `GAP_SECONDS`: a revision may commit
        late); True if any was new here."""
        started = utcnow()
        rows = paper_store.rows_revised_since(self.db, self._revisions_from)
        fresh = [r for r in rows if self._revised.get(r.id) != r.revised_at]
        known = [
            r for r, held in zip(fresh, index.holds([r.id for r in fresh]), strict=True) if held
        ]
        if known:
            index.replace([r.id for r in known], self._vectors_of(known), [r.text for r in known])
        self._revised = {r.id: r.revised_at for r in rows if r.revised_at is not None}
        self._revisions_from = started - timedelta(seconds=GAP_SECONDS)
        return bool(known)

    def _note_gaps(self, rows: Sequence[paper_store.IndexRow], *, until: float) -> None:
        """Advance the watermark; remember skipped ids, whose transactions may commit late."""
        ids = [r.id for r in rows]
        for paper_id in ids:
            self._gaps.pop(paper_id, None)
        top = max(rows, key=lambda r: r.id)
        if top.id <= self._watermark:
            return
        skipped = set(range(self._watermark + 1, top.id + 1)).difference(ids)
        if len(skipped) <= MAX_GAPS:
            self._gaps.update(dict.fromkeys(skipped, until))
        self._watermark, self._anchor = top.id, (top.id, top.title)

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

    def _add(self, index: PaperIndex, rows: Sequence[paper_store.IndexRow]) -> int:
        """Index the rows not held yet; returns how many."""
        new = [
            r for r, held in zip(rows, index.holds([r.id for r in rows]), strict=True) if not held
        ]
        if new:
            index.add(
                [r.id for r in new],
                self._vectors_of(new),
                [r.text for r in new],
                [r.day.toordinal() for r in new],
            )
        return len(new)

    @property
    def index(self) -> PaperIndex:
        """The index, opened on first use and re-synced every `sync_seconds`."""
        with self._lock:
            if self._index is None or time.monotonic() - self._synced_at > self.sync_seconds:
                self.refresh()
            assert self._index is not None
            return self._index

    def __len__(self) -> int:
        return len(self.index)

    def warm(self) -> None:
        """Open the index and read its vectors' pages once (a scan), so that the first
        search after a start does not wait for the disk."""
        with self._lock:
            index = self.index
            index.dense(np.zeros(index.dim, dtype=np.float32), 1)

    def close(self) -> None:
        """Let go of the index's files (another process may then write them)."""
        with self._lock:
            if self._index is not None:
                self._index.close()
                self._index = None

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
        titled = paper_store.ids_titled(self.db, query)
        with self._lock:
            index = self.index
            allowed = index.allow(
                since=since.toordinal() if since else None, exclude_ids=exclude_ids
            )
            ids, scores = index.hybrid(query, vector, offset + limit, allowed, first=titled)
        return self._hits(ids[offset:], scores[offset:])

    def similar(
        self, paper_id: int, *, limit: int = 5, exclude_ids: Iterable[int] = ()
    ) -> list[SearchHit]:
        """The papers nearest to a stored paper by vector (itself excluded)."""
        with self._lock:
            index = self.index
            vector = index.vectors([paper_id])[0]
            allowed = index.allow(exclude_ids=[paper_id, *exclude_ids])
            ids, scores = index.dense(vector, limit, allowed)
        return self._hits(ids, np.clip(scores, 0.0, 1.0))

    def vectors(self, paper_ids: Iterable[int]) -> np.ndarray:
        """Unit vectors of the papers, rows in the order given (KeyError if unknown)."""
        ids = list(paper_ids)
        with self._lock:
            index = self.index
            if not index.holds(ids).all():
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
        """BM25 coverage (`bot.lexical.LexicalIndex.coverage`) of each text (e.g. a member's
        interest lines) against each paper: a (len(texts), len(paper_ids)) float32 array,
        IDF taken over the whole library; ids not in the index score 0. The papers' terms
        are held in memory for the last few sets of ids asked about (a digest round asks
        about the same window for every member)."""
        out = np.zeros((len(texts), len(paper_ids)), dtype=np.float32)
        if not len(texts) or not len(paper_ids):
            return out
        with self._lock:
            index = self.index
            columns = np.flatnonzero(index.holds(list(paper_ids)))
            window = self._window(tuple(int(paper_ids[n]) for n in columns))
            corpus = index.corpus()
            for row, text in enumerate(texts):
                out[row, columns] = window.coverage(text, corpus=corpus)
        return out

    def _window(self, paper_ids: tuple[int, ...]) -> LexicalIndex:
        """The papers' texts in a small in-memory index, in the order given (cached)."""
        window = self._windows.get(paper_ids)
        if window is None:
            rows = {row.id: row for row in paper_store.get_papers(self.db, paper_ids)}
            window = LexicalIndex()
            window.add(
                embedding_text(rows[i].title, rows[i].abstract) if i in rows else ""
                for i in paper_ids
            )
            self._windows[paper_ids] = window
            while len(self._windows) > WINDOWS:
                self._windows.popitem(last=False)
        self._windows.move_to_end(paper_ids)
        return window
