"""fuse: a paper either retriever ranks at the top stays near the top of the fused list."""

from __future__ import annotations

import numpy as np
import pytest

from bot.fusion import BONUS_WEIGHT, KEPT_COVERAGE, KEPT_PLACES, MIN_COVERAGE, fuse


def _ranking(pairs: list[tuple[int, float]]) -> tuple[np.ndarray, np.ndarray]:
    ids = np.array([i for i, _ in pairs], dtype=np.int64)
    return ids, np.array([s for _, s in pairs], dtype=np.float32)


def test_dense_first_that_bm25_misses_stays_first_among_papers_both_rank_low() -> None:
    # the failure of rank fusion: paper 1 is dense search's clear first, BM25 does not
    # match it, and 40 papers sit in the 20s-40s of both lists with a word or two in common
    dense = _ranking([(1, 0.62)] + [(100 + n, 0.45 - 0.004 * n) for n in range(60)])
    lexical = _ranking([(200 + n, 0.5) for n in range(20)] + [(120 + n, 0.15) for n in range(40)])
    ids, _ = fuse(dense, lexical, k=10)
    assert ids[0] == 1


def test_a_paper_naming_the_query_words_is_lifted_by_at_most_the_weight() -> None:
    dense = _ranking([(1, 0.50), (2, 0.45), (3, 0.10), (4, 0.05)])
    lexical = _ranking([(3, 0.75), (2, 0.7), (4, 0.3)])
    ids, scores = fuse(dense, lexical, k=4)
    assert ids.tolist() == [2, 1, 3, 4]
    bonus = np.array([0.7, 0, 0.75, 0.3]) * BONUS_WEIGHT
    expected = np.array([0.45, 0.50, 0.10, 0.05]) + bonus
    np.testing.assert_allclose(scores, expected / (1 + BONUS_WEIGHT), rtol=1e-6)


def test_dense_first_is_kept_in_the_first_places_whatever_the_bonuses() -> None:
    # paper 1 is dense search's clear first; three papers with a common word of the query
    # are lifted past it by their bonus, but it is never ranked below KEPT_PLACES
    dense = _ranking([(1, 0.60), (2, 0.45), (3, 0.44), (4, 0.43)])
    lexical = _ranking([(2, 0.7), (3, 0.7), (4, 0.7)])
    ids, scores = fuse(dense, lexical, k=4)
    assert KEPT_PLACES == 2 and ids.tolist() == [2, 1, 3, 4]
    assert scores[1] < scores[2]  # it keeps its own score: the number is not bent
    assert fuse(dense, lexical, k=4, keep_firsts=False)[0].tolist() == [2, 3, 4, 1]


def test_bm25_first_covering_the_query_is_kept_too_and_both_fit_the_first_three() -> None:
    # paper 9 names every query word (coverage above 1 counts as 1) but dense search
    # hardly sees it; papers 2-4 share most words and sit close to the query
    dense = _ranking([(1, 0.60), (2, 0.45), (3, 0.44), (4, 0.43), (9, 0.01)])
    lexical = _ranking([(9, 1.6), (2, 0.7), (3, 0.7), (4, 0.7)])
    ids, scores = fuse(dense, lexical, k=5)
    assert ids.tolist() == [2, 9, 1, 3, 4]
    assert scores[1] == pytest.approx((0.01 + BONUS_WEIGHT) / (1 + BONUS_WEIGHT))


def test_bm25_first_with_a_partial_cover_is_not_kept() -> None:
    dense = _ranking([(1, 0.55), (2, 0.45), (9, 0.01)])
    lexical = _ranking([(9, KEPT_COVERAGE * 0.99), (2, 0.5)])
    assert fuse(dense, lexical, k=3)[0].tolist() == [2, 1, 9]


def test_coverage_below_the_gate_adds_nothing() -> None:
    dense = _ranking([(1, 0.50), (2, 0.49), (3, 0.48)])
    lexical = _ranking([(3, MIN_COVERAGE * 0.99), (2, MIN_COVERAGE * 0.5)])
    assert fuse(dense, lexical, k=3)[0].tolist() == [1, 2, 3]


def test_a_lexical_find_past_the_dense_cut_keeps_the_lowest_listed_cosine() -> None:
    dense = _ranking([(1, 0.40), (2, 0.30)])
    lexical = _ranking([(9, 1.0)])
    ids, scores = fuse(dense, lexical, k=5)
    assert ids.tolist() == [9, 1, 2]
    assert scores[0] == pytest.approx((0.30 + BONUS_WEIGHT) / (1 + BONUS_WEIGHT))


def test_scores_bounded_ties_to_the_lower_id_and_k_respected() -> None:
    dense = _ranking([(5, 1.0), (4, 0.2), (3, 0.2), (2, -0.3)])
    lexical = _ranking([(5, 3.0)])
    ids, scores = fuse(dense, lexical, k=3)
    assert ids.tolist() == [5, 3, 4]
    assert scores[0] == 1.0 and ids.dtype == np.int64 and scores.dtype == np.float32
    ids, scores = fuse(dense, lexical, k=10)
    assert scores[-1] == 0.0 and len(ids) == 4
    assert fuse(dense, lexical, k=0)[0].tolist() == []


def test_empty_rankings() -> None:
    empty = _ranking([])
    assert fuse(empty, empty, k=5)[0].tolist() == []
    ids, _ = fuse(empty, _ranking([(7, 0.5)]), k=5)
    assert ids.tolist() == [7]
