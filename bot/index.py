"""PaperIndex: every paper's vector and terms in files beside the database, and hybrid search.

A process opens the index in milliseconds instead of rebuilding it: the vectors are a
`VectorSnapshot` (int8 scan, float32 re-check) and the terms a `TextIndex` (tantivy), both
in one *generation* folder under the index directory, with a `manifest.json` that says
which generation is current, how many rows of it are whole, for which model, and the
caller's own sync state (`meta`: for the `Library`, its watermark, the ids it still polls,
when it last looked for revised papers). The manifest is replaced atomically after the
rows it counts are durable, so a crash leaves files a little longer than the manifest says,
which the next writer cuts back (vectors) or deletes (terms).

One process per directory writes: the one holding `writer.lock` (an advisory `flock`,
released when the process ends, however it ends). The others (a second replica on the same
host, `paperboy search` while the server runs) open it read-only: they map the rows the
manifest counts, and hold what the database has beyond them in memory (`_Overlay`: a few
vectors and a small `LexicalIndex`) until `sync()` sees a newer manifest, or finds the lock
free and becomes the writer. A model other than the manifest's, or files that do not open,
start a new generation (the writer) or are ignored (a reader, which then holds everything in
its overlay until a writer publishes a generation it can use).

Hybrid search hands the dense and lexical rankings to `bot.fusion.fuse` (the one fusion
rule), lexical scores as coverage (BM25 ÷ the query's par, with IDF over the whole index),
and puts first the papers the caller names (an exact title). Only numpy, numkong and
tantivy: no database.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import secrets
import shutil
import tempfile
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.fusion import Ranking, fuse
from bot.lexical import CorpusStats, LexicalIndex, par_score, query_terms
from bot.snapshot import VectorSnapshot
from bot.text_index import IndexPackageMissing, TextIndex

__all__ = ["Allowed", "IndexPackageMissing", "PaperIndex", "Ranking"]

log = logging.getLogger(__name__)

FORMAT = 1  # the layout of the files; another one is rebuilt
MANIFEST = "manifest.json"
LOCK = "writer.lock"
_CANDIDATES = 100  # what each retriever hands fusion


@dataclass(frozen=True)
class Allowed:
    """Which papers a search may return: a day on or after `since` (a proleptic
    ordinal), and none of `exclude`."""

    since: int | None = None
    exclude: frozenset[int] = frozenset()


class _Overlay:
    """Papers held in memory beside the files: what a reader process has read from the
    database past the manifest, until the writer's files catch up (usually a few; all of
    them while a first build runs elsewhere, so rows grow by doubling)."""

    def __init__(self, dim: int) -> None:
        self._ids = np.zeros(0, dtype=np.int64)
        self._days = np.zeros(0, dtype=np.int32)
        self._rows = np.zeros((0, dim), dtype=np.float32)
        self._count = 0
        self._where: dict[int, int] = {}
        self.lexical = LexicalIndex()

    def __len__(self) -> int:
        return self._count

    @property
    def ids(self) -> np.ndarray:
        return self._ids[: self._count]

    @property
    def days(self) -> np.ndarray:
        return self._days[: self._count]

    @property
    def rows(self) -> np.ndarray:
        return self._rows[: self._count]

    def add(
        self, ids: Sequence[int], rows: np.ndarray, texts: Sequence[str], days: Sequence[int]
    ) -> None:
        end = self._count + len(ids)
        if end > len(self._ids):
            capacity = max(end, 2 * len(self._ids), 256)
            self._ids = np.resize(self._ids, capacity)
            self._days = np.resize(self._days, capacity)
            grown = np.zeros((capacity, self._rows.shape[1]), dtype=np.float32)
            grown[: self._count] = self.rows
            self._rows = grown
        self._ids[self._count : end] = ids
        self._days[self._count : end] = days
        self._rows[self._count : end] = rows
        self._where.update((int(i), self._count + n) for n, i in enumerate(ids))
        self._count = end
        self.lexical.add(texts)

    def replace(self, position: int, row: np.ndarray) -> None:
        self._rows[position] = row

    def positions(self, paper_ids: Iterable[int]) -> np.ndarray:
        """Each paper's row here, or -1."""
        where = self._where
        return np.array([where.get(int(i), -1) for i in paper_ids], dtype=np.int64)

    def mask(self, allowed: Allowed | None) -> np.ndarray | None:
        excluded = self.positions(allowed.exclude) if allowed else None
        return _mask(self.ids, self.days, excluded, allowed)


def _mask(
    ids: np.ndarray, days: np.ndarray, excluded: np.ndarray | None, allowed: Allowed | None
) -> np.ndarray | None:
    """The allowed rows as a boolean array, or None when everything is allowed."""
    if allowed is None:
        return None
    keep = np.ones(len(ids), dtype=bool) if allowed.since is None else days >= allowed.since
    if excluded is not None and len(excluded):
        keep[excluded[excluded >= 0]] = False
    return keep


def _top(ids: np.ndarray, scores: np.ndarray, k: int) -> Ranking:
    """The best `k` of a ranking, by score then lower id; an id listed twice counts once,
    with its higher score."""
    order = np.lexsort((ids, -scores))
    ids, scores = ids[order], scores[order]
    _, first = np.unique(ids, return_index=True)
    keep = np.sort(first)[: max(k, 0)]
    return ids[keep], scores[keep].astype(np.float32)


class PaperIndex:
    """Paper ids, unit vectors, days and terms, on disk under `directory` (a private
    temporary folder when None), writable by the process holding its lock."""

    def __init__(self, dim: int, directory: Path | None = None, *, model: str = "") -> None:
        self.dim = dim
        self.model = model
        self._private = directory is None
        self.directory = (  # absolute: a later chdir must not move it
            Path(tempfile.mkdtemp(prefix="paperboy-index-")) if directory is None else directory
        ).absolute()
        self._lock: int | None = None
        self._warned = False  # about a folder this process cannot write
        self._manifest: dict[str, Any] = {}
        self._rejected = ""  # a generation this reader was told not to use (`reset`)
        self._snapshot: VectorSnapshot | None = None
        self._text: TextIndex | None = None
        self._overlay = _Overlay(dim)
        self._terms = 0  # terms in the text index (tantivy does not say), for BM25's average
        self._unsearchable = False  # terms added or deleted since the text index's last commit
        self._open()

    # ---------------------------------------------------------------- files and roles

    @property
    def writable(self) -> bool:
        """Whether this process writes the files (else it reads them)."""
        return self._lock is not None

    @property
    def meta(self) -> dict[str, Any]:
        """The caller's sync state as of the files this process maps ({} for none)."""
        return dict(self._manifest.get("meta", {}))

    def _take_lock(self) -> bool:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.directory / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            if not self._warned:
                log.warning(
                    "cannot write the search index at %s (%s): reading it only",
                    self.directory,
                    error,
                )
                self._warned = True
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._lock = fd
        return True

    def _read_manifest(self) -> dict[str, Any]:
        """The manifest if it is readable and fits this index (format, model, dim), else {}."""
        try:
            manifest = json.loads((self.directory / MANIFEST).read_text(encoding="utf-8"))
            fits = (manifest["format"], manifest["model"], manifest["dim"]) == (
                FORMAT,
                self.model,
                self.dim,
            )
            int(manifest["count"]), int(manifest["terms"]), str(manifest["generation"])
        except (OSError, ValueError, KeyError, TypeError):
            return {}
        usable = fits and manifest["generation"] != self._rejected
        return manifest if usable and isinstance(manifest.get("meta"), dict) else {}

    def _open(self) -> None:
        """Take the lock if it is free, then map what the manifest describes."""
        self._detach()
        writer = self.writable or self._take_lock()
        manifest = self._read_manifest()
        if writer:
            try:
                self._attach(manifest or self._new_generation(), writable=True)
            except (OSError, ValueError):  # files missing, short or unreadable: start over
                self._attach(self._new_generation(), writable=True)
        elif manifest:
            try:
                self._attach(manifest, writable=False)
            except (OSError, ValueError):  # a generation being replaced; the overlay serves
                self._detach()

    def _attach(self, manifest: dict[str, Any], *, writable: bool) -> None:
        folder = self.directory / str(manifest["generation"])
        count = int(manifest["count"])
        try:
            snapshot = VectorSnapshot(folder / "vectors", self.dim, count, writable=writable)
            text = TextIndex(folder / "text", writable=writable)
        except IndexPackageMissing:
            raise
        except Exception as error:  # tantivy's own errors are plain exceptions
            raise ValueError(f"{folder}: {error}") from error
        if writable and len(text) != count:
            if len(text) < count:
                raise ValueError(f"{folder}: the text index lost papers")
            _drop_unlisted(text, snapshot)  # a crash between its commit and the manifest
        self._snapshot, self._text, self._manifest = snapshot, text, manifest
        self._terms = int(manifest["terms"])
        self._overlay = _Overlay(self.dim)

    def _detach(self) -> None:
        if self._snapshot is not None:
            self._snapshot.close()
        if self._text is not None:
            self._text.close()
        self._snapshot = self._text = None
        self._manifest, self._terms, self._unsearchable = {}, 0, False
        self._overlay = _Overlay(self.dim)

    def _new_generation(self) -> dict[str, Any]:
        """An empty generation (older ones deleted: readers keep the files they opened)."""
        for entry in self.directory.iterdir():
            if entry.is_dir() and entry.name.startswith("g-"):
                shutil.rmtree(entry, ignore_errors=True)
        manifest = {
            "format": FORMAT,
            "model": self.model,
            "dim": self.dim,
            "generation": f"g-{secrets.token_hex(6)}",
            "count": 0,
            "terms": 0,
            "meta": {},
        }
        self._write_manifest(manifest)
        return manifest

    def _write_manifest(self, manifest: dict[str, Any]) -> None:
        path = self.directory / MANIFEST
        partial = path.with_suffix(".tmp")
        with open(partial, "w", encoding="utf-8") as handle:
            json.dump(manifest, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)

    def sync(self) -> bool:
        """Catch up with the files: a reader takes the lock if it is free, else maps what
        a newer manifest counts and drops its overlay. True when what this process holds
        changed that way; the caller then takes its sync state from `meta` again."""
        if self.writable:
            return False
        if self._take_lock():
            self._open()
            return True
        manifest = self._read_manifest()
        if manifest == self._manifest:
            return False
        current = self._snapshot is not None and self._text is not None
        if current and manifest.get("generation") == self._manifest.get("generation"):
            assert self._snapshot is not None and self._text is not None
            self._snapshot.grow(int(manifest["count"]))
            self._text.reload()
            self._manifest, self._terms = manifest, int(manifest["terms"])
            self._overlay = _Overlay(self.dim)
        else:
            self._open()
        return True

    def reset(self) -> None:
        """Forget every paper: the writer starts an empty generation; a reader stops using
        the files (e.g. they were built from another database) until the writer replaces
        them."""
        if self.writable:
            self._detach()
            self._attach(self._new_generation(), writable=True)
        else:
            self._rejected = str(self._manifest.get("generation", ""))
            self._detach()

    def publish(self, meta: Mapping[str, Any]) -> None:
        """Make everything added durable and record `meta` with it (the writer; a reader
        has nothing to publish)."""
        if not self.writable or self._snapshot is None or self._text is None:
            return
        self._snapshot.flush()
        self._text.commit()
        self._unsearchable = False
        manifest = {
            **self._manifest,
            "count": len(self._snapshot),
            "terms": self._terms,
            "meta": dict(meta),
        }
        self._write_manifest(manifest)
        self._manifest = manifest

    def close(self) -> None:
        """Let go of the files and the lock (a private folder is deleted)."""
        self._detach()
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None
        if self._private:
            shutil.rmtree(self.directory, ignore_errors=True)

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # at shutdown, modules may be gone already
            self.close()

    # ---------------------------------------------------------------- papers in

    def __len__(self) -> int:
        return (len(self._snapshot) if self._snapshot is not None else 0) + len(self._overlay)

    def __contains__(self, paper_id: object) -> bool:
        if not isinstance(paper_id, int | np.integer):
            return False
        return bool(self.holds([int(paper_id)])[0])

    def holds(self, paper_ids: Sequence[int]) -> np.ndarray:
        """Whether each paper is in the index (boolean array)."""
        found = self._overlay.positions(paper_ids) >= 0
        if self._snapshot is not None:
            found |= self._snapshot.positions(paper_ids) >= 0
        return found

    def add(
        self, ids: Sequence[int], vectors: np.ndarray, texts: Sequence[str], days: Sequence[int]
    ) -> None:
        """Add papers not yet held (vectors are normalised here): to the files in the
        writer (durable at `publish`), to memory in a reader."""
        if not len(ids):
            return
        rows = _unit_rows(vectors, len(ids), self.dim)
        if self.writable and self._snapshot is not None and self._text is not None:
            self._snapshot.append(ids, rows, days)
            self._terms += self._text.add(ids, texts, days)
            self._unsearchable = True
        else:
            self._overlay.add(ids, rows, texts, days)

    def replace(self, ids: Sequence[int], vectors: np.ndarray, texts: Sequence[str]) -> None:
        """New vectors and texts for papers held (a revised abstract). A reader replaces
        only the vectors of its overlay; the writer rewrites the files, which readers see.
        (The average length that BM25 uses keeps the first text's terms.)"""
        rows = _unit_rows(vectors, len(ids), self.dim)
        in_overlay = self._overlay.positions(ids)
        for n in np.flatnonzero(in_overlay >= 0):
            self._overlay.replace(int(in_overlay[n]), rows[n])
        if not self.writable or self._snapshot is None or self._text is None:
            return
        positions = self._snapshot.positions(ids)
        held = np.flatnonzero(positions >= 0)
        if not len(held):
            return
        self._snapshot.rewrite(positions[held], rows[held])
        revised = [int(ids[n]) for n in held]
        self._text.delete(revised)
        days = self._snapshot.days[positions[held]].tolist()
        self._terms += self._text.add(revised, [texts[n] for n in held], days)
        self._unsearchable = True

    # ---------------------------------------------------------------- search

    def allow(self, *, since: int | None = None, exclude_ids: Iterable[int] = ()) -> Allowed | None:
        """The filter of a search, or None when every paper is allowed."""
        exclude = frozenset(int(i) for i in exclude_ids)
        return None if since is None and not exclude else Allowed(since, exclude)

    def vectors(self, paper_ids: Sequence[int]) -> np.ndarray:
        """Unit rows of the papers, in the order given (KeyError for an unknown id)."""
        out = np.zeros((len(paper_ids), self.dim), dtype=np.float32)
        in_overlay = self._overlay.positions(paper_ids)
        missing = in_overlay < 0
        if self._snapshot is not None and missing.any():
            positions = self._snapshot.positions(np.asarray(paper_ids)[missing])
            if (positions < 0).any():
                raise KeyError(int(np.asarray(paper_ids)[missing][np.argmin(positions)]))
            out[missing] = self._snapshot.rows(positions)
        elif missing.any():
            raise KeyError(int(np.asarray(paper_ids)[missing][0]))
        out[~missing] = self._overlay.rows[in_overlay[~missing]]
        return out

    def dense(self, query: np.ndarray, k: int, allowed: Allowed | None = None) -> Ranking:
        """Top `k` papers by cosine similarity to the unit vector `query`."""
        vector = np.asarray(query, dtype=np.float32).reshape(-1)
        parts = []
        if self._snapshot is not None and len(self._snapshot):
            snapshot = self._snapshot
            excluded = snapshot.positions(sorted(allowed.exclude)) if allowed else None
            mask = _mask(snapshot.ids, snapshot.days, excluded, allowed)
            positions, cosines = snapshot.scan(vector, k, mask)
            parts.append((np.asarray(snapshot.ids[positions]), cosines))
        overlay = self._overlay
        if len(overlay):
            # einsum, not BLAS: as fast for one query, and no spinning BLAS threads left to
            # steal the cores torch needs for the next query's embedding
            scores = np.einsum("ij,j->i", overlay.rows, vector)
            mask = overlay.mask(allowed)
            keep = np.arange(len(overlay)) if mask is None else np.flatnonzero(mask)
            parts.append((overlay.ids[keep], scores[keep]))
        if not parts:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        return _top(np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]), k)

    def corpus(self) -> CorpusStats:
        """BM25's statistics over every paper held."""
        self._searchable()
        overlay = self._overlay.lexical.corpus()
        if self._text is None:
            return overlay
        return self._text.corpus(self._terms).plus(overlay)

    def _searchable(self) -> None:
        """Commit the writer's pending terms so that searches see them (durable, too; the
        manifest that counts them comes with the caller's `publish`)."""
        if self._unsearchable and self._text is not None:
            self._text.commit()
            self._unsearchable = False

    def lexical_top(self, query: str, k: int, allowed: Allowed | None = None) -> Ranking:
        """Top `k` papers by BM25 for `query`, scored as coverage (BM25 ÷ the query's par,
        `bot.lexical.par_score`); papers with no query term are left out."""
        terms = query_terms(query)
        if not terms or k <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        corpus = self.corpus()
        par = np.float32(par_score(terms, corpus))
        ids, scores = [np.zeros(0, np.int64)], [np.zeros(0, np.float32)]
        if self._text is not None:
            since, exclude = (allowed.since, allowed.exclude) if allowed else (None, ())
            found, bm25 = self._text.search(terms, k, since=since, exclude_ids=exclude)
            ids.append(found)
            scores.append(bm25)
        overlay = self._overlay
        if len(overlay):
            bm25 = overlay.lexical.scores(query, corpus=corpus)
            mask = overlay.mask(allowed)
            keep = np.flatnonzero(bm25 > 0 if mask is None else (bm25 > 0) & mask)
            ids.append(overlay.ids[keep])
            scores.append(bm25[keep])
        top_ids, top_scores = _top(np.concatenate(ids), np.concatenate(scores), k)
        return top_ids, (top_scores / par).astype(np.float32)

    def hybrid(
        self,
        query_text: str,
        query_vector: np.ndarray,
        k: int,
        allowed: Allowed | None = None,
        *,
        first: Collection[int] = (),
    ) -> Ranking:
        """Dense and lexical rankings fused by `bot.fusion.fuse`; the papers in `first`
        (an exact title) come first, scored 1, when held and allowed.

        `query_text` is the raw query, `query_vector` its unit vector. Returns (ids,
        scores) best first; scores are in [0, 1].
        """
        depth = max(_CANDIDATES, 2 * k)
        ids, scores = fuse(
            self.dense(query_vector, depth, allowed),
            self.lexical_top(query_text, depth, allowed),
            k=k,
        )
        titled = [int(i) for i in first if self._allowed(int(i), allowed)]
        if titled:
            rest = ~np.isin(ids, titled)
            ids = np.concatenate([np.array(titled, dtype=np.int64), ids[rest]])[:k]
            scores = np.concatenate([np.ones(len(titled), np.float32), scores[rest]])[:k]
        return ids, scores

    def _allowed(self, paper_id: int, allowed: Allowed | None) -> bool:
        if paper_id not in self:
            return False
        if allowed is None:
            return True
        if paper_id in allowed.exclude:
            return False
        if allowed.since is None:
            return True
        position = self._overlay.positions([paper_id])[0]
        if position >= 0:
            return bool(self._overlay.days[position] >= allowed.since)
        assert self._snapshot is not None
        return bool(self._snapshot.days[self._snapshot.positions([paper_id])[0]] >= allowed.since)


def _unit_rows(vectors: np.ndarray, count: int, dim: int) -> np.ndarray:
    rows = np.asarray(vectors, dtype=np.float32).reshape(count, dim)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.ascontiguousarray(rows / np.where(norms > 0, norms, 1.0), dtype=np.float32)


def _drop_unlisted(text: TextIndex, snapshot: VectorSnapshot) -> None:
    """Delete from the text index every paper the snapshot does not count."""
    text.delete_except(np.asarray(snapshot.ids))
    text.commit()
