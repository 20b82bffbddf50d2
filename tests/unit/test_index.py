"""PaperIndex: dense top-k, growth by incremental adds, filters and hybrid fusion."""

from __future__ import annotations

import numpy as np

from bot.index import PaperIndex


def _unit(rng: np.random.Generator, n: int, dim: int = 16) -> np.ndarray:
    rows = rng.normal(size=(n, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _add(index: PaperIndex, ids: list[int], vectors: np.ndarray) -> None:
    texts = [f"paper number {i}" for i in ids]
    index.add(ids, vectors, texts, [f"Title {i}" for i in ids], [700_000 + i for i in ids])


def test_dense_top_k_is_exact_and_ordered() -> None:
    rng = np.random.default_rng(0)
    vectors = _unit(rng, 200)
    index = PaperIndex(16)
    _add(index, list(range(1, 201)), vectors)
    query = vectors[41]
    ids, scores = index.dense(query, 5)
    expected = np.argsort(-(vectors @ query))[:5] + 1
    assert ids.tolist() == expected.tolist()
    assert ids[0] == 42 and np.all(np.diff(scores) <= 0)


def test_incremental_adds_grow_beyond_capacity_and_keep_rows() -> None:
    rng = np.random.default_rng(1)
    vectors = _unit(rng, 3000)
    index = PaperIndex(16)
    for start in range(0, 3000, 700):
        ids = list(range(start + 1, min(start + 700, 3000) + 1))
        _add(index, ids, vectors[start : start + 700])
    assert len(index) == 3000
    np.testing.assert_allclose(index.vectors([3000, 1]), vectors[[2999, 0]], rtol=1e-6)
    assert index.dense(vectors[2500], 1)[0].tolist() == [2501]
    assert index.positions([3000, 1, 99999]) == [2999, 0, None]


def test_vectors_are_normalised_on_add() -> None:
    index = PaperIndex(2)
    index.add([7], np.array([[3.0, 4.0]]), ["t"], ["T"], [1])
    np.testing.assert_allclose(index.vectors([7]), [[0.6, 0.8]])


def test_mask_filters_by_day_and_excluded_ids() -> None:
    rng = np.random.default_rng(2)
    index = PaperIndex(16)
    _add(index, [1, 2, 3, 4], _unit(rng, 4))
    allowed = index.mask(since=700_002, exclude_ids=[3])
    ids, _ = index.dense(_unit(rng, 1)[0], 10, allowed)
    assert sorted(ids.tolist()) == [2, 4]
    assert index.mask() is None


def test_hybrid_puts_exact_title_first_and_finds_lexical_only_match() -> None:
    query = np.eye(16, dtype=np.float32)[0]
    vectors = np.zeros((3, 16), dtype=np.float32)
    vectors[0, 1] = 1.0  # cosine 0 to the query
    vectors[1, [0, 2]] = 0.2, np.sqrt(1 - 0.2**2)  # cosine 0.2, but it names "RevCol"
    vectors[2, [0, 3]] = 0.35, np.sqrt(1 - 0.35**2)  # dense search's first
    index = PaperIndex(16)
    titles = ["Attention Is All You Need", "RevCol: Reversible Column Networks", "Other"]
    texts = ["transformers attention", "RevCol reversible columns", "unrelated words"]
    index.add([10, 11, 12], vectors, texts, titles, [1, 1, 1])
    ids, scores = index.hybrid("attention is all you need!", query, 3)
    assert ids[0] == 10 and scores[0] == 1.0 and sorted(ids.tolist()) == [10, 11, 12]
    assert index.dense(query, 1)[0].tolist() == [12]
    ids, scores = index.hybrid("RevCol", query, 3)
    assert ids[0] == 11  # BM25 ranks it first; dense alone would pick 12
    assert np.all((scores >= 0) & (scores < 1)) and np.all(np.diff(scores) <= 0)
    ids, _ = index.hybrid("RevCol", query, 3, index.mask(exclude_ids=[11]))
    assert 11 not in ids.tolist()
