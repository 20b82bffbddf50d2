"""The matcher: best positive wins, 👎 neighbours sink, exclusions, top-k, reasons, and
the lexical bonus of interest lines."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from bot.matcher import (
    LEXICAL_WEIGHT,
    Match,
    MemberVectors,
    lexical_bonus,
    match,
    match_by_origin,
    origin_counts,
    popularity_bonus,
    spread,
)
from bot.profiles import liked_vectors


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def _axes(*index: int, dim: int = 8) -> np.ndarray:
    return np.eye(dim, dtype=np.float32)[list(index)]


def _empty(dim: int = 8) -> np.ndarray:
    return np.zeros((0, dim), dtype=np.float32)


def test_best_positive_wins_not_the_mean() -> None:
    papers = _axes(0, 1, 2)
    member = MemberVectors(_axes(0, 1), _empty())
    (found,) = match(papers, [member], k=3)
    assert [m.paper for m in found[:2]] == [0, 1]
    assert found[0].score == 1.0 and found[1].score == 1.0
    assert [m.origin for m in found[:2]] == [0, 1]


def test_many_members_agree_with_brute_force() -> None:
    rng = np.random.default_rng(3)
    papers = _unit(rng.standard_normal((200, 16)))
    members = [
        MemberVectors(
            _unit(rng.standard_normal((int(rng.integers(1, 5)), 16))),
            _unit(rng.standard_normal((int(rng.integers(0, 3)), 16))),
            excluded=np.array([5, 7]),
        )
        for _ in range(60)
    ]
    results = match(papers, members, k=4)
    for member, found in zip(members, results, strict=True):
        sims = papers @ member.positives.T
        scores = sims.max(axis=1)
        if len(member.negatives):
            scores = scores - np.maximum((papers @ member.negatives.T).max(axis=1) - 0.5, 0)
        scores[[5, 7]] = -np.inf
        top = np.argsort(-scores, kind="stable")[:4]
        assert [m.paper for m in found] == top.tolist()
        assert [m.origin for m in found] == sims.argmax(axis=1)[top].tolist()


def test_disliked_neighbours_are_pushed_down() -> None:
    papers = _unit(np.array([[1, 0.05, 0], [1, 0, 0.6]], dtype=np.float32))
    liked = MemberVectors(_axes(0, dim=3), _empty(3))
    wary = MemberVectors(_axes(0, dim=3), _unit(np.array([[1, 0.0, 0.7]], dtype=np.float32)))
    plain, penalized = match(papers, [liked, wary], k=2)
    assert plain[1].score > penalized[-1].score
    assert penalized[0].paper == 0


def test_exclusions_floors_and_cold_members() -> None:
    papers = _axes(0, 1, 2)
    member = MemberVectors(_axes(0, 1), _empty(), excluded=np.array([0]))
    cold = MemberVectors(_empty(), _empty())
    found, nothing = match(papers, [member, cold], k=3, min_scores=[0.5, 0.5])
    assert [m.paper for m in found] == [1]
    assert nothing == []


def test_popularity_bonus_is_small_and_only_when_asked() -> None:
    bonus = popularity_bonus([0, 10, 1000, None])
    assert bonus.max() <= 0.02 + 1e-6 and bonus[0] == 0 and bonus[3] == 0
    papers = _unit(np.array([[1, 0.01], [1, 0.0]], dtype=np.float32))
    boosted = MemberVectors(_axes(0, dim=2), _empty(2), boost=True)
    plain = MemberVectors(_axes(0, dim=2), _empty(2))
    up, down = match(papers, [boosted, plain], k=1, popularity=popularity_bonus([100, 0]))
    assert up[0].paper == 0 and down[0].paper == 1


def test_by_origin_ranks_each_row_alone_and_its_union_is_match(monkeypatch) -> None:
    rng = np.random.default_rng(4)
    papers = _unit(rng.standard_normal((120, 16)))
    popularity = popularity_bonus(rng.integers(0, 50, 120).tolist())
    members = [
        MemberVectors(
            _unit(rng.standard_normal((int(rng.integers(1, 5)), 16))),
            _unit(rng.standard_normal((int(rng.integers(0, 3)), 16))),
            boost=bool(n % 2),
            excluded=np.array([3, 9]) if n % 3 else None,
            lexical=None if n % 4 else lexical_bonus(rng.random((1, 120), dtype=np.float32)),
        )
        for n in range(40)
    ]
    members = [  # a lexical bonus needs one row per positive
        m if m.lexical is None or len(m.positives) == 1 else MemberVectors(m.positives, m.negatives)
        for m in members
    ]
    overall = match(papers, members, k=6, popularity=popularity)
    monkeypatch.setattr("bot.matcher.BLOCK_ELEMENTS", 120 * 7)  # several chunks
    by_row = match_by_origin(papers, members, k=6, popularity=popularity)
    for member, found, lists in zip(members, overall, by_row, strict=True):
        assert len(lists) == len(member.positives)
        for row, picks in enumerate(lists):
            sims = papers @ member.positives[row]
            if member.lexical is not None:
                sims = np.minimum(sims + member.lexical[row], 1.0)
            scores = sims.copy()
            if len(member.negatives):
                scores -= np.maximum((papers @ member.negatives.T).max(axis=1) - 0.5, 0)
            if member.boost:
                scores += popularity
            if member.excluded is not None:
                scores[member.excluded] = -np.inf
            top = np.argsort(-scores, kind="stable")[:6]
            assert [m.paper for m in picks] == top.tolist()
            assert {m.origin for m in picks} == {row}
            np.testing.assert_allclose([m.score for m in picks], scores[top], atol=1e-5)
            np.testing.assert_allclose([m.similarity for m in picks], sims[top], atol=1e-5)
        best = sorted((m for picks in lists for m in picks), key=lambda m: (-m.score, m.paper))
        seen: set[int] = set()
        union = [m for m in best if not (m.paper in seen or seen.add(m.paper))][:6]
        assert [(m.paper, m.origin) for m in union] == [(m.paper, m.origin) for m in found]
        np.testing.assert_allclose([m.score for m in union], [m.score for m in found], atol=1e-6)


def test_by_origin_floors_and_cold_members() -> None:
    papers = _axes(0, 1, 2)
    member = MemberVectors(_axes(0, 1), _empty(), excluded=np.array([0]))
    cold = MemberVectors(_empty(), _empty())
    lists, nothing = match_by_origin(papers, [member, cold], k=3, min_scores=[0.5, 0.5])
    assert [[m.paper for m in picks] for picks in lists] == [[], [1]]
    assert nothing == []


def test_chunking_gives_the_same_answer(monkeypatch) -> None:
    rng = np.random.default_rng(5)
    papers = _unit(rng.standard_normal((50, 8)))
    members = [MemberVectors(_unit(rng.standard_normal((3, 8))), _empty()) for _ in range(20)]
    whole = match(papers, members, k=3)
    monkeypatch.setattr("bot.matcher.BLOCK_ELEMENTS", 50 * 4)
    chunked = match(papers, members, k=3)
    # the same picks and reasons; scores equal to float32 rounding (BLAS sums a product of
    # another shape in another order)
    assert [[(m.paper, m.origin) for m in ms] for ms in chunked] == [
        [(m.paper, m.origin) for m in ms] for ms in whole
    ]
    np.testing.assert_allclose(
        [m.score for ms in chunked for m in ms], [m.score for ms in whole for m in ms], atol=1e-6
    )


def test_spread_of_one_group_keeps_the_first_of_near_copies() -> None:
    vectors = _unit(np.array([[1, 0, 0], [1, 0.01, 0], [0, 1, 0]], dtype=np.float32))
    found = [Match(0, 0.9, 0.9, 0), Match(1, 0.8, 0.8, 0), Match(2, 0.7, 0.7, 0)]
    assert [m.paper for m in spread([found], vectors, limit=5)] == [0, 2]
    assert [m.paper for m in spread([found], vectors, limit=1)] == [0]


def test_spread_gives_each_group_its_best_then_the_best_of_the_rest() -> None:
    vectors = np.eye(6, dtype=np.float32)
    vectors[5] = vectors[4]  # paper 5 is a copy of paper 4
    a = [Match(0, 0.9, 0.9, 0), Match(1, 0.8, 0.8, 0), Match(2, 0.7, 0.7, 0)]
    b = [Match(0, 0.5, 0.5, 1), Match(3, 0.4, 0.4, 1)]  # its best is a's best: next one
    c = [Match(5, 0.3, 0.3, 2)]
    d = [Match(4, 0.35, 0.35, 3)]  # c's paper is a copy of d's: c is not heard twice
    picks = spread([a, b, c, d], vectors, limit=4)
    assert [(m.paper, m.origin) for m in picks] == [(0, 0), (1, 0), (3, 1), (4, 3)]
    two = spread([a, b, c, d], vectors, limit=2)
    assert [(m.paper, m.origin) for m in two] == [(0, 0), (3, 1)]
    assert spread([[], []], vectors, limit=3) == [] and spread([a], vectors, limit=0) == []


def test_origin_counts_credit_the_best_vector_only() -> None:
    papers = _axes(0, 0, 1, 2)
    assert origin_counts(papers, _axes(0, 1), 0.5).tolist() == [2, 1]


def test_lexical_bonus_is_bounded_and_squashed() -> None:
    bonus = lexical_bonus(np.array([0.0, 0.5, 1.0, 2.2], dtype=np.float32))
    assert bonus.tolist() == pytest.approx(
        [0.0, LEXICAL_WEIGHT / 2, LEXICAL_WEIGHT, LEXICAL_WEIGHT]
    )


def test_lexical_bonus_agrees_with_brute_force_dense_and_sparse() -> None:
    rng = np.random.default_rng(9)
    papers = _unit(rng.standard_normal((120, 16)))
    members, bonuses = [], []
    for n in range(40):
        rows = int(rng.integers(1, 4))
        bonus = np.where(rng.random((rows, 120)) < 0.05, rng.random((rows, 120)) * 0.25, 0)
        bonus = bonus.astype(np.float32)
        lexical = sparse.csr_array(bonus) if n % 2 else bonus
        positives = _unit(rng.standard_normal((rows, 16)))
        members.append(MemberVectors(positives, _empty(16), lexical=lexical))
        bonuses.append(bonus)
    for member, bonus, found in zip(members, bonuses, match(papers, members, k=5), strict=True):
        sims = np.minimum(papers @ member.positives.T + bonus.T, 1.0)
        top = np.argsort(-sims.max(axis=1), kind="stable")[:5]
        assert [m.paper for m in found] == top.tolist()
        assert [m.origin for m in found] == sims.argmax(axis=1)[top].tolist()
        assert [m.similarity for m in found] == pytest.approx(sims.max(axis=1)[top].tolist())


def test_a_word_match_names_the_interest_that_matched() -> None:
    # Two interests equally far from the paper by vector; only the second shares its words.
    papers = _unit(np.array([[1, 1, 1, 0]], dtype=np.float32))
    positives = _unit(np.array([[1, 0, 0, 1], [0, 1, 0, 1]], dtype=np.float32))
    bonus = lexical_bonus(np.array([[0.0], [1.0]], dtype=np.float32))
    (plain,), (lexical,) = match(
        papers,
        [MemberVectors(positives, _empty(4)), MemberVectors(positives, _empty(4), lexical=bonus)],
        k=1,
    )
    assert lexical.origin == 1 and lexical.score == pytest.approx(plain.score + LEXICAL_WEIGHT)


def test_ties_go_to_the_lower_paper_index() -> None:
    papers = _axes(2, 0, 0, 1)
    (found,) = match(papers, [MemberVectors(_axes(0), _empty())], k=2)
    assert [m.paper for m in found] == [1, 2]


def test_a_group_of_likes_matches_by_its_centroid_and_unrelated_likes_stay_apart() -> None:
    # Three 👍 on one topic (axes 0–2 around a common axis 3) and one lone 👍 on axis 7.
    rows = [[1, 0, 0, 2, 0, 0, 0, 0], [0, 1, 0, 2, 0, 0, 0, 0], [0, 0, 1, 2, 0, 0, 0, 0]]
    liked = _unit(np.array([*rows, [0, 0, 0, 0, 0, 0, 0, 1]], np.float32))
    vectors, groups, _ = liked_vectors(liked, min_similarity=0.5)
    assert groups == [[0, 1, 2], [3]]
    # 0: the topic's centre; 1: a near copy of the first 👍, drifting off-topic (axis 4);
    # 2: a neighbour of the lone 👍
    papers = [
        [0.1, 0.1, 0.1, 2, 0, 0, 0, 0],
        [1, 0, 0, 2, 0.4, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 0.3, 1],
    ]
    papers = _unit(np.array(papers, np.float32))
    (grouped,) = match(papers, [MemberVectors(vectors, _empty())], k=3)
    (each,) = match(papers, [MemberVectors(liked, _empty())], k=3)
    assert [m.paper for m in each] == [1, 2, 0]  # each 👍 alone: the near copy wins
    assert [m.paper for m in grouped] == [0, 2, 1]  # the group's centroid: its topic wins
    assert [m.origin for m in grouped] == [0, 1, 0]  # and the lone 👍 still serves its own


def test_unrelated_likes_each_bring_their_own_topic_at_real_model_cosines() -> None:
    # Three 👍 on unrelated papers (FILM, DiGress, RevCol, say): every two share the common
    # direction 0 of all ML papers (cosine 0.3, as with all-MiniLM-L6-v2) and each has its
    # own topic axis 1–3. Candidates: each topic's neighbour (0.7 to its own 👍, 0.3 to the
    # others) and two generic papers close to the common direction (0.49 to every 👍).
    base, dim = np.sqrt(0.3), 10
    liked = np.zeros((3, dim), np.float32)
    liked[:, 0] = base
    liked[[0, 1, 2], [1, 2, 3]] = np.sqrt(0.7)
    papers = np.zeros((5, dim), np.float32)
    papers[:3, 0] = base
    papers[[0, 1, 2], [1, 2, 3]] = 0.4 / np.sqrt(0.7)
    papers[[0, 1, 2], [4, 5, 6]] = np.sqrt(1 - 0.3 - 0.16 / 0.7)
    papers[3:, 0] = 0.9
    papers[[3, 4], [7, 8]] = np.sqrt(1 - 0.81)
    assert liked @ liked.T == pytest.approx(0.7 * np.eye(3) + 0.3, abs=1e-6)
    assert papers[:3] @ liked.T == pytest.approx(0.4 * np.eye(3) + 0.3, abs=1e-6)
    vectors, groups, _ = liked_vectors(liked)
    assert groups == [[0], [1], [2]]
    (found,) = match(papers, [MemberVectors(vectors, _empty(dim))], k=3)
    assert [m.paper for m in found] == [0, 1, 2]  # every topic served, by its own 👍
    assert [m.origin for m in found] == [0, 1, 2]
    assert [m.score for m in found] == pytest.approx([0.7, 0.7, 0.7], abs=1e-6)
    # one centroid of the three (the previous cut, 0.2) ranks the generic papers first
    merged, _, _ = liked_vectors(liked, min_similarity=0.2)
    (found,) = match(papers, [MemberVectors(merged, _empty(dim))], k=3)
    assert [m.paper for m in found][:2] == [3, 4]
