"""PaperIndex above HALF_MIN_PAPERS: the float16 pre-scan keeps the exact ranking."""

from __future__ import annotations

import numpy as np
import pytest

import bot.index
from bot.index import PaperIndex


def _index(rng: np.random.Generator, n: int, dim: int = 64) -> tuple[PaperIndex, np.ndarray]:
    rows = rng.normal(size=(n, dim)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    index = PaperIndex(dim)
    ids = list(range(1, n + 1))
    index.add(ids, rows, [""] * n, [f"t{i}" for i in ids], [700_000 + i for i in ids])
    return index, rows


def _exact(rows: np.ndarray, query: np.ndarray, k: int) -> list[int]:
    return (np.argsort(-(rows @ query), kind="stable")[:k] + 1).tolist()


def test_small_index_is_exact_and_never_builds_the_half_copy() -> None:
    index, rows = _index(np.random.default_rng(0), 500)
    for query in rows[:20]:
        assert index.dense(query, 10)[0].tolist() == _exact(rows, query, 10)
    assert index._half is None


def test_half_scan_recall_at_10_on_random_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bot.index, "HALF_MIN_PAPERS", 1000)
    rng = np.random.default_rng(1)
    index, rows = _index(rng, 20_000)
    queries = rng.normal(size=(50, 64)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    recall = []
    for query in queries:
        ids, scores = index.dense(query, 10)
        assert np.all(np.diff(scores) <= 0)
        recall.append(len(set(ids.tolist()) & set(_exact(rows, query, 10))) / 10)
    assert index._half is not None
    assert np.mean(recall) >= 0.99


def test_half_scan_respects_the_mask_and_later_adds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bot.index, "HALF_MIN_PAPERS", 1000)
    rng = np.random.default_rng(2)
    index, rows = _index(rng, 3000)
    index.dense(rows[0], 5)  # builds the float16 copy
    extra = rng.normal(size=(1, 64)).astype(np.float32)
    extra /= np.linalg.norm(extra)
    index.add([9999], extra, [""], ["new"], [800_000])
    assert index.dense(extra[0], 1)[0].tolist() == [9999]
    allowed = index.mask(exclude_ids=[1, 9999])
    ids, _ = index.dense(rows[0], 5, allowed)
    assert 1 not in ids.tolist() and 9999 not in ids.tolist()
    assert ids.tolist() == [i for i in _exact(rows, rows[0], 6) if i != 1][:5]
