"""The fusion rule of hybrid search: a dense and a lexical ranking in, one ranking out.

Dense search finds a paper described in other words; lexical search finds the paper that
names the query's rare words. A paper's fused score is its cosine to the query plus a
lexical bonus, `BONUS_WEIGHT · min(coverage, 1)`, granted only when the paper's coverage
of the query reaches `MIN_COVERAGE`. Coverage is BM25 as a fraction of the query's par
score (`bot.lexical.LexicalIndex.coverage`): 1.0 reads "every query word, rare names
weighing most", 0.1 "a common word or two". So the paper dense search ranks first keeps
its cosine, and only a paper within `BONUS_WEIGHT` of it that really shares the query's
words can pass it; a paper BM25 ranks first is lifted by up to `BONUS_WEIGHT` above its
own cosine. The same shape as the matcher's lexical bonus for interest lines
(`bot.matcher.lexical_bonus`), gated because a search query is longer and looser than an
interest line.

The bonus alone can still push dense search's first paper down, behind papers that share a
common word with the query: so each retriever's first paper is kept in the first
`KEPT_PLACES` places (BM25's only when its coverage reaches `KEPT_COVERAGE`, i.e. the paper
names nearly all of the query's weight). Neither retriever's best find is ever lost.

Rank fusion (RRF, k=60) was the earlier rule: it ranks by position alone, so a paper that
only one list holds, even at its top, fell behind papers both lists rank in their 20s.
The weight and the gate were chosen on one seed page's paraphrase queries and are reported
on the others (`bench/bench_paraphrase_quality.py`, bench/RESULTS.md). Pure numpy.
"""

from __future__ import annotations

import numpy as np

__all__ = ["BONUS_WEIGHT", "KEPT_COVERAGE", "KEPT_PLACES", "MIN_COVERAGE", "Ranking", "fuse"]

Ranking = tuple[np.ndarray, np.ndarray]  # (paper ids, scores), best first

BONUS_WEIGHT = 0.3  # the most the query's words add to a paper's cosine
MIN_COVERAGE = 0.2  # below this share of the query's words, no bonus at all
KEPT_PLACES = 2  # each retriever's first paper is never ranked below this place…
KEPT_COVERAGE = 0.8  # …BM25's first only when it covers this much of the query


def fuse(
    dense: Ranking,
    lexical: Ranking,
    *,
    k: int,
    weight: float = BONUS_WEIGHT,
    min_coverage: float = MIN_COVERAGE,
    keep_firsts: bool = True,
) -> Ranking:
    """The best `k` papers of both rankings, by cosine plus the gated lexical bonus.

    `dense` holds (ids, cosines), `lexical` (ids, coverages), each best first and possibly
    cut short (a top-N). A paper missing from the dense list is given that list's lowest
    cosine (the most it can have), one missing from the lexical list no bonus; so neither
    retriever's finds are lost by the other's cut. Returns (int64 ids, float32 scores) best
    first, ties to the lower id; scores are `(cosine + bonus) / (1 + weight)`, clipped to
    [0, 1]. Dense search's first paper, and BM25's first when its coverage reaches
    `KEPT_COVERAGE`, is moved up to place `KEPT_PLACES` when the scores rank it lower (the
    third place when both are moved); it keeps its own score, so a moved paper's score can
    be lower than the one below it. `weight`, `min_coverage` and `keep_firsts` default to
    the product's; the bench passes others.
    """
    dense_ids = np.asarray(dense[0], dtype=np.int64)
    cosines = np.asarray(dense[1], dtype=np.float32)
    lexical_ids = np.asarray(lexical[0], dtype=np.int64)
    coverage = np.minimum(np.asarray(lexical[1], dtype=np.float32), 1.0)
    ids, where = np.unique(np.concatenate([dense_ids, lexical_ids]), return_inverse=True)
    floor = float(cosines.min()) if len(cosines) else 0.0
    fused = np.full(len(ids), floor, dtype=np.float32)
    fused[where[: len(dense_ids)]] = cosines
    bonus = np.where(coverage >= min_coverage, weight * coverage, 0.0).astype(np.float32)
    np.add.at(fused, where[len(dense_ids) :], bonus)
    order = np.lexsort((ids, -fused))
    if keep_firsts:
        firsts = [int(where[0])] if len(dense_ids) else []
        if len(lexical_ids) and coverage[0] >= KEPT_COVERAGE:
            firsts.append(int(where[len(dense_ids)]))
        order = _kept_up(order, firsts)
    order = order[: max(k, 0)]
    scores = np.clip(fused[order] / np.float32(1.0 + weight), 0.0, 1.0)
    return ids[order], scores.astype(np.float32)


def _kept_up(order: np.ndarray, firsts: list[int]) -> np.ndarray:
    """`order` with each of `firsts` (positions in the fused arrays) moved up to place
    `KEPT_PLACES` when it stands lower; the others keep their order."""
    ranked = order.tolist()
    for first in firsts:
        if first not in ranked[:KEPT_PLACES]:
            ranked.remove(first)
            ranked.insert(KEPT_PLACES - 1, first)
    return np.asarray(ranked, dtype=np.intp)
