"""VectorSnapshot: the papers' unit vectors in files on disk, scanned as int8, ranked as float32.

Five append-only files of rows, position-aligned: paper ids (int64), days (int32), the
vectors as int8 codes with one float32 scale per row, and the float32 vectors themselves.
A process memory-maps the first four and scans the codes in full for each query (numkong's
int8 dot product, a quarter of the bytes of float32), then re-ranks the best `RECHECK`
candidates exactly from the float32 rows, read with `pread`. Those are not memory-mapped:
the kernel's read-ahead would pull most of the file into the process's memory. So a
million papers cost about 400 bytes each in memory, and those pages are the page cache's,
shared by every process on the host and never rebuilt at start.

One writer appends rows and rewrites revised ones in place; a row count kept by the caller
(`bot.index` writes it in its manifest after the rows) says how many rows are whole, so a
crash mid-append leaves rows that the next writer cuts off. Readers map the rows the count
covers and see later rewrites through the shared mapping and `pread`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.text_index import require

__all__ = ["RECHECK", "VectorSnapshot", "quantize"]

RECHECK = 400  # int8 candidates re-ranked in float32: recall@10 is 1.000 from 100 up
_FILES = {"ids": np.int64, "days": np.int32, "codes": np.int8, "scales": np.float32}


def quantize(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Int8 codes of float32 rows, one scale per row: row ≈ codes × scale."""
    peak = np.abs(rows).max(axis=1) if rows.size else np.zeros(len(rows), np.float32)
    scales = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
    codes = np.clip(np.rint(rows / scales[:, None]), -127, 127).astype(np.int8)
    return codes, scales


class VectorSnapshot:
    """The rows of `directory` up to `count`; with `writable`, rows past it are cut off."""

    def __init__(self, directory: Path, dim: int, count: int, *, writable: bool) -> None:
        self.directory = directory
        self.dim = dim
        self.writable = writable
        self._vectors = -1  # the float32 file, read and written with pread/pwrite
        self._nk = require("numkong")
        if writable:
            directory.mkdir(parents=True, exist_ok=True)
        if any(self._rows_on_disk(name) < count for name in [*_FILES, "vectors"]):
            raise ValueError(f"{directory}: fewer rows on disk than its manifest counts")
        if writable:
            for name in [*_FILES, "vectors"]:  # rows past the count: a crash mid-append
                with open(self._path(name), "ab") as handle:
                    handle.truncate(count * self._row_bytes(name))
        self._vectors = os.open(self._path("vectors"), os.O_RDWR if writable else os.O_RDONLY)
        self._count = 0
        self._map(count)
        self._order = np.zeros(0, dtype=np.int64)  # positions sorted by paper id
        self._sorted_ids = np.zeros(0, dtype=np.int64)
        self._index_ids(0)

    def _path(self, name: str) -> Path:
        return self.directory / f"{name}.bin"

    def _row_bytes(self, name: str) -> int:
        if name == "vectors":
            return 4 * self.dim
        return np.dtype(_FILES[name]).itemsize * (self.dim if name == "codes" else 1)

    def _rows_on_disk(self, name: str) -> int:
        path = self._path(name)
        return path.stat().st_size // self._row_bytes(name) if path.exists() else 0

    def _map(self, count: int) -> None:
        """Map the first `count` rows of each file (read-only: writes go through files)."""
        maps: dict[str, np.ndarray] = {}
        for name, dtype in _FILES.items():
            shape = (count, self.dim) if name == "codes" else (count,)
            maps[name] = (
                np.memmap(self._path(name), dtype=dtype, mode="r", shape=shape)
                if count
                else np.zeros(shape, dtype=dtype)
            )
        self.ids, self.days = maps["ids"], maps["days"]
        self._codes, self._scales = maps["codes"], maps["scales"]
        self._count = count

    def __len__(self) -> int:
        return self._count

    def _index_ids(self, start: int) -> None:
        """Extend the id → position lookup with rows from `start` on (re-sorted only when
        they do not all come after the ids already held, e.g. a late commit's)."""
        fresh = np.asarray(self.ids[start:])
        if not len(fresh):
            return
        order = np.argsort(fresh, kind="stable") + start
        if len(self._sorted_ids) and fresh.min() <= self._sorted_ids[-1]:
            order = np.argsort(self.ids, kind="stable")
            self._order, self._sorted_ids = order, np.asarray(self.ids)[order]
            return
        self._order = np.concatenate([self._order, order])
        self._sorted_ids = np.concatenate([self._sorted_ids, np.asarray(self.ids)[order]])

    def positions(self, paper_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """Each paper's row (int64), or -1 for a paper the snapshot does not hold."""
        wanted = np.asarray(paper_ids, dtype=np.int64).reshape(-1)
        if not len(self._sorted_ids) or not len(wanted):
            return np.full(len(wanted), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self._sorted_ids, wanted), len(self._sorted_ids) - 1)
        return np.where(self._sorted_ids[at] == wanted, self._order[at], -1)

    def append(self, ids: Sequence[int], rows: np.ndarray, days: Sequence[int]) -> None:
        """Write unit rows for new papers after the last row (written, not yet durable)."""
        count = len(ids)
        if not count:
            return
        codes, scales = quantize(rows)
        columns = {
            "ids": np.asarray(ids, dtype=np.int64),
            "days": np.asarray(days, dtype=np.int32),
            "codes": codes,
            "scales": scales,
        }
        for name, values in columns.items():
            with open(self._path(name), "r+b") as handle:
                handle.seek(self._count * self._row_bytes(name))
                handle.write(np.ascontiguousarray(values).tobytes())
        os.pwrite(self._vectors, np.ascontiguousarray(rows, np.float32).tobytes(), self._offset())
        start = self._count
        self._map(start + count)
        self._index_ids(start)

    def _offset(self, position: int | None = None) -> int:
        return (self._count if position is None else position) * 4 * self.dim

    def rewrite(self, positions: Sequence[int], rows: np.ndarray) -> None:
        """New unit rows for papers held (a revised text), in place: readers see them."""
        codes, scales = quantize(rows)
        with (
            open(self._path("codes"), "r+b") as code_file,
            open(self._path("scales"), "r+b") as scale_file,
        ):
            for n, position in enumerate(positions):
                code_file.seek(int(position) * self.dim)
                code_file.write(codes[n].tobytes())
                scale_file.seek(int(position) * 4)
                scale_file.write(scales[n].tobytes())
                os.pwrite(
                    self._vectors, rows[n].astype(np.float32).tobytes(), self._offset(position)
                )

    def flush(self) -> None:
        """Make the rows written so far durable (before the caller counts them)."""
        for name in _FILES:
            with open(self._path(name), "r+b") as handle:
                os.fsync(handle.fileno())
        os.fsync(self._vectors)

    def grow(self, count: int) -> None:
        """Map rows another process appended, up to `count` (a reader's catch-up)."""
        if count < self._count:
            raise ValueError("a snapshot never shrinks; reopen it")
        start = self._count
        self._map(count)
        self._index_ids(start)

    def rows(self, positions: Sequence[int] | np.ndarray) -> np.ndarray:
        """The float32 rows at `positions`, in the order given, read from disk."""
        size = 4 * self.dim
        out = np.empty((len(positions), self.dim), dtype=np.float32)
        for n, position in enumerate(np.asarray(positions, dtype=np.int64).tolist()):
            out[n] = np.frombuffer(os.pread(self._vectors, size, position * size), np.float32)
        return out

    def scan(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The `k` rows nearest to the unit vector `query`: (positions, cosines), best first.

        The int8 scan's scores are a little off, so its best `max(RECHECK, 4k)` are
        re-ranked by their float32 rows: the order matches an exact scan but for near-ties.
        `allowed`, a boolean per row, leaves rows out before anything is ranked.
        """
        count = self._count if allowed is None else int(allowed.sum())
        if k <= 0 or not count:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        codes, _ = quantize(np.asarray(query, dtype=np.float32).reshape(1, -1))
        approx = np.asarray(
            self._nk.cdist(codes, self._codes, metric="dot", out_dtype="float32")
        ).reshape(-1)
        approx *= self._scales
        if allowed is not None:
            approx[~allowed] = -np.inf
        depth = min(count, max(RECHECK, 4 * k))
        if depth < self._count:
            candidates = np.sort(np.argpartition(approx, self._count - depth)[-depth:])
        else:
            candidates = np.arange(self._count)
        candidates = candidates[np.isfinite(approx[candidates])]
        exact = self.rows(candidates) @ np.asarray(query, dtype=np.float32).reshape(-1)
        order = np.lexsort((candidates, -exact))[:k]
        return candidates[order], exact[order].astype(np.float32)

    def close(self) -> None:
        """Close the float32 file (mappings go with their arrays)."""
        if self._vectors >= 0:
            os.close(self._vectors)
            self._vectors = -1

    def __del__(self) -> None:
        self.close()
