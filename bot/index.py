"""PaperIndex: in-memory unit vectors plus BM25 over the same papers, and hybrid search.

Pure numpy (and torch's float16 product for large indexes), no database: the `Library`
feeds it rows and asks it for rankings. Vectors live in one float32 matrix that grows by
doubling, so adding papers one digest at a time stays cheap; from `HALF_MIN_PAPERS` on, a
float16 copy is scanned first and its best candidates rescored in float32, which keeps
dense search fast at a million papers. Hybrid search hands the dense and lexical rankings
to `bot.fusion.fuse` (the one fusion rule) and puts a paper whose normalized title equals
the query first.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bot.fusion import Ranking, fuse
from bot.lexical import LexicalIndex
from bot.paper import normalize_title

__all__ = ["PaperIndex", "Ranking"]

_CANDIDATES = 100
HALF_MIN_PAPERS = 200_000  # from this size on, dense search scans a float16 copy first
_RESCORE = 4  # float16 candidates per wanted result, rescored exactly in float32


class PaperIndex:
    """Paper ids, their L2-normalised vectors, day numbers and BM25 terms, position-aligned."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._ids = np.zeros(0, dtype=np.int64)
        self._days = np.zeros(0, dtype=np.int32)
        self._matrix = np.zeros((0, dim), dtype=np.float32)
        self._half: np.ndarray | None = None  # float16 copy of the rows, large indexes only
        self._half_n = 0  # rows of `_half` converted so far
        self._n = 0
        self._position: dict[int, int] = {}
        self._titles: dict[str, list[int]] = {}
        self.lexical = LexicalIndex()

    def __len__(self) -> int:
        return self._n

    def __contains__(self, paper_id: object) -> bool:
        return paper_id in self._position

    @property
    def ids(self) -> np.ndarray:
        """Paper ids by position (a view)."""
        return self._ids[: self._n]

    @property
    def days(self) -> np.ndarray:
        """Each paper's date as a proleptic ordinal (published, else ingested)."""
        return self._days[: self._n]

    def add(
        self,
        ids: Sequence[int],
        vectors: np.ndarray,
        texts: Sequence[str],
        titles: Sequence[str],
        days: Sequence[int],
    ) -> None:
        """Append papers (ids not yet present); rows of `vectors` are normalised here."""
        count = len(ids)
        if not count:
            return
        self._reserve(self._n + count)
        rows = np.asarray(vectors, dtype=np.float32).reshape(count, self.dim)
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        end = self._n + count
        self._matrix[self._n : end] = rows / np.where(norms > 0, norms, 1.0)
        self._ids[self._n : end] = ids
        self._days[self._n : end] = days
        for offset, (paper_id, title) in enumerate(zip(ids, titles, strict=True)):
            self._position[int(paper_id)] = self._n + offset
            self._titles.setdefault(normalize_title(title), []).append(self._n + offset)
        self.lexical.add(texts)
        self._n = end

    def replace_vectors(self, ids: Sequence[int], vectors: np.ndarray) -> None:
        """New vectors for papers already held (a revised text); rows are normalised here.
        The lexical side keeps the text first indexed until the index is rebuilt."""
        rows = np.asarray(vectors, dtype=np.float32).reshape(len(ids), self.dim)
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        positions = [self._position[int(i)] for i in ids]
        self._matrix[positions] = rows / np.where(norms > 0, norms, 1.0)
        if self._half is not None:
            self._half[positions] = self._matrix[positions]

    def _reserve(self, size: int) -> None:
        capacity = len(self._ids)
        if size <= capacity:
            return
        capacity = max(size, 2 * capacity, 1024)
        self._ids = np.resize(self._ids, capacity)
        self._days = np.resize(self._days, capacity)
        grown = np.zeros((capacity, self.dim), dtype=np.float32)
        grown[: self._n] = self._matrix[: self._n]
        self._matrix = grown
        self._half, self._half_n = None, 0  # rebuilt at the next large search

    def positions(self, paper_ids: Sequence[int]) -> list[int | None]:
        """Each paper's row in the index, or None for a paper it does not hold."""
        return [self._position.get(int(i)) for i in paper_ids]

    def vectors(self, paper_ids: Sequence[int]) -> np.ndarray:
        """Rows for `paper_ids`, in the order given (KeyError for an unknown id)."""
        positions = [self._position[int(i)] for i in paper_ids]
        return self._matrix[positions].copy()

    def mask(
        self, *, since: int | None = None, exclude_ids: Sequence[int] = ()
    ) -> np.ndarray | None:
        """The allowed positions as a boolean array, or None when everything is allowed."""
        if since is None and not exclude_ids:
            return None
        allowed = np.ones(self._n, dtype=bool)
        if since is not None:
            allowed &= self.days >= since
        if exclude_ids:
            allowed &= ~np.isin(self.ids, np.fromiter(exclude_ids, dtype=np.int64))
        return allowed

    def dense(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> Ranking:
        """Top `k` papers by cosine similarity to the unit vector `query`."""
        # einsum, not BLAS: as fast for one query, and no spinning BLAS threads left to
        # steal the cores torch needs for the next query's embedding
        vector = np.asarray(query, dtype=np.float32).reshape(-1)
        if self._n >= HALF_MIN_PAPERS:
            return self._dense_half(vector, k, allowed)
        scores = np.einsum("ij,j->i", self._matrix[: self._n], vector)
        return _top(self.ids, scores, k, allowed)

    def _dense_half(self, vector: np.ndarray, k: int, allowed: np.ndarray | None) -> Ranking:
        """Dense top `k` for large indexes: a float16 scan picks candidates, float32 ranks them.

        A float16 scan (torch's matrix-vector product) reads half the bytes of a float32 one;
        its scores are slightly off, so the best `_RESCORE × k` are rescored from the float32
        rows: the ranking matches the exact one but for near-ties (bench/bench_scale.py
        measures recall@10).
        """
        import torch  # already loaded by the embedder in every process that searches

        half = torch.from_numpy(self._half_rows()[: self._n])
        approx = torch.mv(half, torch.from_numpy(vector.astype(np.float16))).float()
        count = self._n
        if allowed is not None:
            approx.masked_fill_(~torch.from_numpy(allowed), float("-inf"))
            count = int(allowed.sum())
        depth = min(count, max(_RESCORE * k, 64))
        if k <= 0 or depth <= 0:
            return self.ids[:0], np.zeros(0, dtype=np.float32)
        positions = np.sort(torch.topk(approx, depth, sorted=False).indices.numpy())
        scores = np.einsum("ij,j->i", self._matrix[positions], vector)
        return _top(self.ids[positions], scores, k, None)

    def _half_rows(self) -> np.ndarray:
        """The float16 copy of the matrix, converting rows added since the last call."""
        if self._half is None:
            self._half = np.empty(self._matrix.shape, dtype=np.float16)
            self._half_n = 0
        if self._half_n < self._n:
            self._half[self._half_n : self._n] = self._matrix[self._half_n : self._n]
            self._half_n = self._n
        return self._half

    def lexical_top(self, query: str, k: int, allowed: np.ndarray | None = None) -> Ranking:
        """Top `k` papers by BM25 for `query` (papers with no matching term are left out)."""
        scores = self.lexical.scores(query)
        keep = scores > 0 if allowed is None else (scores > 0) & allowed
        return _top(self.ids, scores, k, keep)

    def hybrid(
        self, query_text: str, query_vector: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> Ranking:
        """Dense and BM25 rankings fused by `bot.fusion.fuse`, exact-title matches first.

        `query_text` is the raw query (for BM25 and the exact-title check), `query_vector` its
        unit vector, `allowed` a boolean mask over positions. Returns (ids, scores) best
        first; scores are in [0, 1], 1 for an exact title.
        """
        depth = max(_CANDIDATES, 2 * k)
        coverage = self.lexical.coverage(query_text)
        matched = coverage > 0 if allowed is None else (coverage > 0) & allowed
        ids, scores = fuse(
            self.dense(query_vector, depth, allowed), _top(self.ids, coverage, depth, matched), k=k
        )
        titled = [
            int(self._ids[position])
            for position in self._titles.get(normalize_title(query_text), [])
            if allowed is None or allowed[position]
        ]
        if titled:
            rest = ~np.isin(ids, titled)
            ids = np.concatenate([np.array(titled, dtype=np.int64), ids[rest]])[:k]
            scores = np.concatenate([np.ones(len(titled), np.float32), scores[rest]])[:k]
        return ids, scores

    def nbytes(self) -> int:
        """Approximate memory held by the index, in bytes (vectors, ids, maps, BM25)."""
        per_entry = 100  # a dict slot plus a boxed int or str key, roughly
        return (
            self._matrix.nbytes
            + (0 if self._half is None else self._half.nbytes)
            + self._ids.nbytes
            + self._days.nbytes
            + per_entry * (len(self._position) + len(self._titles))
            + self.lexical.nbytes()
        )


def _top(ids: np.ndarray, scores: np.ndarray, k: int, allowed: np.ndarray | None) -> Ranking:
    if allowed is not None:
        candidates = np.flatnonzero(allowed)
        ids, scores = ids[candidates], scores[candidates]
    if k <= 0 or not len(scores):
        return ids[:0], scores[:0]
    part = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    order = part[np.argsort(-scores[part], kind="stable")]
    return ids[order], scores[order]
