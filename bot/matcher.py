"""Scoring new papers against many members at once, with the reason each match was made.

Owns the ranking rule: a paper's score for a member is the best, over the member's positive
vectors (interest, seed, lone 👍'd paper, or the centroid of a group of mutually similar 👍'd
papers, see `bot.profiles.liked_vectors`; never the mean of unrelated ones), of cosine plus that
vector's lexical bonus (interest lines only: their BM25 coverage of the paper, squashed to
at most `LEXICAL_WEIGHT`; the sum is capped at 1), minus a penalty when the paper is close
to one the member 👎'd, plus an optional small popularity bonus. Members are scored in
memory-bounded chunks; inside a chunk they are grouped by how many positive and 👎 rows
they have, so one matrix product gives every similarity and each member's maximum is a
reduction over a reshaped view. The top k come from `np.partition` and one `lexsort`.
`match_by_origin` ranks the same scores row by row (each positive vector's own best
papers; their union holds `match`'s top k), and `spread` picks from such lists so that a
digest gives every interest, seed and 👍 group its turn. Pure numpy: no Slack, no
database, no model.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from scipy import sparse

__all__ = [
    "DUPLICATE_SIMILARITY",
    "LEXICAL_WEIGHT",
    "Match",
    "MemberVectors",
    "lexical_bonus",
    "match",
    "match_by_origin",
    "origin_counts",
    "popularity_bonus",
    "spread",
]

NEGATIVE_MARGIN = 0.5  # 👎 similarity below this costs nothing
NEGATIVE_WEIGHT = 1.0  # each unit of similarity above the margin costs this much score
POPULARITY_MAX = 0.02  # the most upvotes can add to a score
LEXICAL_WEIGHT = 0.3  # the most an interest's words add to its cosine (chosen on the seeds)
DUPLICATE_SIMILARITY = 0.95  # two papers closer than this are one paper
BLOCK_ELEMENTS = 1 << 22  # similarity cells per chunk (16 MiB of float32)

Bonus = np.ndarray | sparse.csr_array | sparse.csr_matrix


@dataclass(frozen=True)
class MemberVectors:
    """One member's side of the product: positive rows, 👎 rows, and what to leave out."""

    positives: np.ndarray  # (k, d) float32 unit rows; k == 0 means nothing to match
    negatives: np.ndarray  # (m, d)
    boost: bool = False  # add the popularity bonus
    excluded: np.ndarray | None = None  # paper row indices never to return
    lexical: Bonus | None = None  # (k, P) bonus added to each positive row's cosine


class Match(NamedTuple):
    """A paper chosen for a member: row index, final score, similarity, reason index."""

    paper: int
    score: float
    similarity: float  # the matching row's cosine plus its lexical bonus
    origin: int  # index into the member's positive rows: the vector that matched best


def popularity_bonus(upvotes: Sequence[int | None]) -> np.ndarray:
    """A small per-paper bonus, 0.02·log1p(upvotes)/log1p(max upvotes), at most 0.02, as a
    float32 array aligned with `upvotes` (None counts as 0)."""
    votes = np.log1p(np.array([max(u or 0, 0) for u in upvotes], dtype=np.float32))
    top = float(votes.max()) if len(votes) else 0.0
    return votes * (POPULARITY_MAX / top) if top > 0 else np.zeros_like(votes)


def lexical_bonus(coverage: np.ndarray, weight: float = LEXICAL_WEIGHT) -> np.ndarray:
    """Squash BM25 coverage into a bounded bonus: `weight · min(coverage, 1)`, float32, same
    shape, in [0, weight].

    `coverage` is the BM25 of an interest line against papers, divided by what a paper
    holding each of the line's words once, at average length, would score (see
    `bot.lexical.LexicalIndex.coverage`); 0 means no word in common. The product uses
    `weight=LEXICAL_WEIGHT`; the quality bench passes others to choose it.
    """
    return (weight * np.clip(coverage, 0.0, 1.0)).astype(np.float32)


def match(
    papers: np.ndarray,
    members: Sequence[MemberVectors],
    *,
    k: int,
    popularity: np.ndarray | None = None,
    min_scores: Sequence[float] | None = None,
) -> list[list[Match]]:
    """Each member's best `k` papers, best first: one list per member, in input order.

    `papers` are (P, d) float32 unit rows; members without positives get no matches;
    `popularity` is a (P,) bonus added for members with `boost` set; `min_scores` is a
    per-member floor below which matches are dropped.
    """
    results: list[list[Match]] = [[] for _ in members]
    for i, floor, (rows, scores, sims, origins) in _picked(
        papers, members, k, popularity, min_scores, by_origin=False
    ):
        found = list(map(Match, rows, scores, sims, origins))  # best first
        if found and (found[-1].score < floor or found[-1].score == -np.inf):
            found = [m for m in found if m.score >= floor and m.score > -np.inf]
        results[i] = found
    return results


def match_by_origin(
    papers: np.ndarray,
    members: Sequence[MemberVectors],
    *,
    k: int,
    popularity: np.ndarray | None = None,
    min_scores: Sequence[float] | None = None,
) -> list[list[list[Match]]]:
    """Each member's best `k` papers for each positive row: member → row → matches.

    A paper's score for a row is what `match` scores it when that row is its best: the
    row's similarity (cosine plus its lexical bonus), minus the 👎 penalty, plus the
    popularity bonus; `origin` is the row. So `match`'s top k for a member is the union of
    its rows' lists, each paper at its best score. Arguments as in `match`.
    """
    results: list[list[list[Match]]] = [[[] for _ in m.positives] for m in members]
    for i, floor, lists in _picked(papers, members, k, popularity, min_scores, by_origin=True):
        results[i] = [
            [
                Match(paper, score, sim, origin)
                for paper, score, sim in zip(rows, scores, sims, strict=True)
                if score >= floor and score > -np.inf
            ]
            for origin, (rows, scores, sims) in enumerate(lists)
        ]
    return results


def _picked(
    papers: np.ndarray,
    members: Sequence[MemberVectors],
    k: int,
    popularity: np.ndarray | None,
    min_scores: Sequence[float] | None,
    *,
    by_origin: bool,
) -> Iterator[tuple[int, float, Any]]:
    """(member index, its floor, what `_score_chunk` picked for it) for every member with
    positives, chunk by chunk."""
    n_papers = papers.shape[0]
    active = [i for i, m in enumerate(members) if len(m.positives)]
    if n_papers == 0 or k <= 0 or not active:
        return
    papers_t = papers.astype(np.float32, copy=False).T  # a view: BLAS reads it as is
    budget = max(1, BLOCK_ELEMENTS // n_papers)
    floors = np.full(len(members), -np.inf) if min_scores is None else np.asarray(min_scores)
    for chunk in _chunks(active, members, budget):
        picked = _score_chunk(
            papers_t, [members[i] for i in chunk], min(k, n_papers), popularity, by_origin=by_origin
        )
        for i, item in zip(chunk, picked, strict=True):
            yield i, float(floors[i]), item


def origin_counts(
    papers: np.ndarray, positives: np.ndarray, threshold: float, lexical: Bonus | None = None
) -> np.ndarray:
    """How many papers each of one member's (k, d) positive rows brings: papers it matches
    best, at or above `threshold`, as an int array of length k. `lexical` is the optional
    (k, P) bonus, as in `MemberVectors.lexical`."""
    if not len(papers) or not len(positives):
        return np.zeros(len(positives), dtype=int)
    sims = papers @ positives.T
    if lexical is not None:
        sims = np.minimum(sims + _dense(lexical).T, 1.0)
    winners = sims.argmax(axis=1)[sims.max(axis=1) >= threshold]
    return np.bincount(winners, minlength=len(positives))


def spread(groups: Sequence[Sequence[Match]], vectors: np.ndarray, *, limit: int) -> list[Match]:
    """At most `limit` matches, best first (higher score, lower paper row, lower origin):
    first each group's best (a group: one origin's matches, or one channel member's),
    groups taken in the order of their best, then the best of all that is left; never one
    paper twice, nor a near-duplicate (cosine above `DUPLICATE_SIMILARITY`) of a paper
    already in. `vectors` are the papers' unit rows; one group is plain top-`limit` with
    near-copies counted once."""
    chosen: list[Match] = []

    def fits(candidate: Match) -> bool:
        if not chosen:
            return True
        kept = vectors[[m.paper for m in chosen]] @ vectors[candidate.paper]
        return bool(kept.max() <= DUPLICATE_SIMILARITY)

    for group in sorted((g for g in groups if g), key=lambda g: _order(g[0])):
        if len(chosen) >= limit:
            break
        pick = next((m for m in group if fits(m)), None)
        if pick is not None:
            chosen.append(pick)
    for candidate in sorted((m for g in groups for m in g), key=_order):
        if len(chosen) >= limit:
            break
        if fits(candidate):
            chosen.append(candidate)
    return sorted(chosen, key=_order)


def _order(m: Match) -> tuple[float, int, int]:
    return (-m.score, m.paper, m.origin)


def _dense(bonus: Bonus) -> np.ndarray:
    return bonus.toarray() if sparse.issparse(bonus) else np.asarray(bonus)


def _chunks(active: list[int], members: Sequence[MemberVectors], budget: int) -> list[list[int]]:
    chunks: list[list[int]] = [[]]
    used = 0
    for i in active:
        rows = len(members[i].positives) + len(members[i].negatives)
        if chunks[-1] and used + rows > budget:
            chunks.append([])
            used = 0
        chunks[-1].append(i)
        used += rows
    return chunks


def _score_chunk(
    papers_t: np.ndarray,
    chunk: list[MemberVectors],
    k: int,
    popularity: np.ndarray | None,
    *,
    by_origin: bool = False,
) -> list:
    """Score one chunk; members are reordered by (positive rows, 👎 rows) so that each
    group's rows are contiguous and its maxima are reductions over a reshaped view.

    Per member, in the chunk's order: (papers, scores, similarities, origins) of its top
    k, or with `by_origin` one (papers, scores, similarities) per positive row."""
    n_papers = papers_t.shape[1]
    pos_counts = np.array([len(m.positives) for m in chunk])
    neg_counts = np.array([len(m.negatives) for m in chunk])
    order = np.lexsort((neg_counts, pos_counts))  # stable: by positives, then 👎
    ordered = [chunk[i] for i in order]
    pos_counts, neg_counts = pos_counts[order], neg_counts[order]
    n_pos = int(pos_counts.sum())
    rows = [m.positives for m in ordered] + [m.negatives for m in ordered if len(m.negatives)]
    stacked = np.vstack(rows).astype(np.float32, copy=False)
    sims = stacked @ papers_t  # (rows, papers): the one product for this chunk
    pos_start = np.concatenate(([0], np.cumsum(pos_counts)))
    _add_lexical(sims, ordered, pos_start)
    neg_start = n_pos + np.concatenate(([0], np.cumsum(neg_counts)))
    scores = np.empty((len(ordered), n_papers), dtype=np.float32)
    blocks = []  # (first member, last member, (g, c, P) view of positive similarities)
    penalties = []  # (first member, last member, (g, P) 👎 penalty) for groups with 👎
    keys = np.stack([pos_counts, neg_counts], axis=1)
    starts = np.flatnonzero(np.r_[True, (keys[1:] != keys[:-1]).any(axis=1)])
    for a, b in zip(starts, np.r_[starts[1:], len(ordered)], strict=True):
        c, m = int(pos_counts[a]), int(neg_counts[a])
        block = sims[pos_start[a] : pos_start[b]].reshape(b - a, c, n_papers)
        np.max(block, axis=1, out=scores[a:b])
        blocks.append((a, b, block))
        if m:
            bad = sims[neg_start[a] : neg_start[b]].reshape(b - a, m, n_papers).max(axis=1)
            bad -= NEGATIVE_MARGIN
            np.maximum(bad, 0.0, out=bad)
            bad *= NEGATIVE_WEIGHT
            scores[a:b] -= bad
            penalties.append((a, b, bad))
    boosted = np.array([m.boost for m in ordered])
    if popularity is not None:
        np.add(scores, popularity[None, :], out=scores, where=boosted[:, None])
    excluded = [m.excluded if m.excluded is not None else np.zeros(0, int) for m in ordered]
    if any(len(e) for e in excluded):
        owners = np.repeat(np.arange(len(ordered)), [len(e) for e in excluded])
        scores[owners, np.concatenate(excluded).astype(int)] = -np.inf
    if by_origin:
        lists = _by_row(blocks, penalties, boosted, popularity, excluded, k)
        return [lists[i] for i in np.argsort(order)]
    top = _top_k(scores, k)
    top_scores = np.take_along_axis(scores, top, axis=1)
    # The reason: among each member's rows, the first with the highest similarity to a pick.
    best_sims = np.empty(top.shape, dtype=np.float32)
    origins = np.empty(top.shape, dtype=np.intp)
    for a, b, block in blocks:
        picked = np.take_along_axis(block, top[a:b, None, :], axis=2)  # (g, c, k)
        origins[a:b] = picked.argmax(axis=1)
        best_sims[a:b] = picked.max(axis=1)
    back = np.argsort(order)  # the chunk's input order
    return list(
        zip(
            top[back].tolist(),
            top_scores[back].tolist(),
            best_sims[back].tolist(),
            origins[back].tolist(),
            strict=True,
        )
    )


def _by_row(
    blocks: list[tuple[int, int, np.ndarray]],
    penalties: list[tuple[int, int, np.ndarray]],
    boosted: np.ndarray,
    popularity: np.ndarray | None,
    excluded: list[np.ndarray],
    k: int,
) -> list[list[tuple[list[int], list[float], list[float]]]]:
    """Each (ordered) member's top k per positive row: the row's similarity minus the 👎
    penalty plus popularity, in the order `_score_chunk` applies them to the maximum, so a
    paper's score through its best row equals its `match` score bit for bit."""
    penalty = {a: bad for a, _, bad in penalties}
    out: list[list[tuple[list[int], list[float], list[float]]]] = []
    for a, b, block in blocks:
        g, c, n_papers = block.shape
        scores = block.copy()
        if a in penalty:
            scores -= penalty[a][:, None, :]
        if popularity is not None:
            np.add(scores, popularity, out=scores, where=boosted[a:b, None, None])
        for member in range(g):
            if len(excluded[a + member]):
                scores[member][:, excluded[a + member].astype(int)] = -np.inf
        flat = scores.reshape(g * c, n_papers)
        top = _top_k(flat, k)
        top_scores = np.take_along_axis(flat, top, axis=1).reshape(g, c, -1)
        top_sims = np.take_along_axis(block.reshape(g * c, n_papers), top, axis=1)
        top = top.reshape(g, c, -1)
        top_sims = top_sims.reshape(g, c, -1)
        for member in range(g):
            out.append(
                list(
                    zip(
                        top[member].tolist(),
                        top_scores[member].tolist(),
                        top_sims[member].tolist(),
                        strict=True,
                    )
                )
            )
    return out


def _add_lexical(sims: np.ndarray, members: list[MemberVectors], starts: np.ndarray) -> None:
    """Add each member's lexical bonus to its positive rows of `sims`, in place, capped at
    1.0 so that a score stays on the cosine scale (a threshold of 1.0 still means "exact")."""
    rows, cols, values = [], [], []
    for m, start in zip(members, starts.tolist(), strict=False):
        if m.lexical is None:
            continue
        if sparse.issparse(m.lexical):
            csr = m.lexical if m.lexical.format == "csr" else sparse.csr_array(m.lexical)
            counts = np.diff(csr.indptr)
            rows.append(start + np.repeat(np.arange(len(counts)), counts))
            cols.append(csr.indices)
            values.append(csr.data)
        else:
            block = sims[start : start + len(m.positives)]
            np.minimum(block + m.lexical, 1.0, out=block)
    if rows:
        at = np.concatenate(rows), np.concatenate(cols)
        sims[at] = np.minimum(sims[at] + np.concatenate(values), 1.0)


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Column indices of each row's `k` highest scores, best first, ties to the lower index.

    The k-th largest value per row comes from `np.partition` (values only, faster than
    `argpartition`); every cell at or above it is a candidate, and candidates are ordered
    by (row, score descending, column) in one `lexsort`.
    """
    n_rows, n_cols = scores.shape
    if k >= n_cols:
        return np.argsort(-scores, axis=1, kind="stable")
    kth = np.partition(scores, n_cols - k, axis=1)[:, n_cols - k]
    rows, cols = np.nonzero(scores >= kth[:, None])
    order = np.lexsort((cols, -scores[rows, cols], rows))
    rows, cols = rows[order], cols[order]
    first = np.searchsorted(rows, np.arange(n_rows))
    rank = np.arange(len(rows)) - first[rows]
    return cols[rank < k].reshape(n_rows, k)
