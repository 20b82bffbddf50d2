"""Scoring new papers against many members at once, with the reason each match was made.

Owns the ranking rule: a paper's score for a member is its cosine with the member's
best-matching positive vector (interest, seed or 👍'd paper; never the mean), minus a penalty
when it is close to a paper the member 👎'd, plus an optional small popularity bonus. All
members' vectors are stacked and scored with one matrix product per memory-bounded chunk;
per-member maxima come from `np.maximum.reduceat` over member-contiguous rows and the top k
from `np.argpartition`. Pure numpy: no Slack, no database, no model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

__all__ = [
    "DUPLICATE_SIMILARITY",
    "Match",
    "MemberVectors",
    "collapse_duplicates",
    "match",
    "popularity_bonus",
    "source_counts",
]

NEGATIVE_MARGIN = 0.5  # 👎 similarity below this costs nothing
NEGATIVE_WEIGHT = 1.0  # each unit of similarity above the margin costs this much score
POPULARITY_MAX = 0.02  # the most upvotes can add to a score
DUPLICATE_SIMILARITY = 0.95  # two papers closer than this are one paper
BLOCK_ELEMENTS = 1 << 23  # similarity cells per chunk (32 MiB of float32)


@dataclass(frozen=True)
class MemberVectors:
    """One member's side of the product: positive rows, 👎 rows, and what to leave out."""

    positives: np.ndarray  # (k, d) float32 unit rows; k == 0 means nothing to match
    negatives: np.ndarray  # (m, d)
    boost: bool = False  # add the popularity bonus
    excluded: np.ndarray | None = None  # paper row indices never to return


class Match(NamedTuple):
    """A paper chosen for a member: row index, final score, raw similarity, reason index."""

    paper: int
    score: float
    similarity: float
    source: int  # index into the member's positive rows: the vector that matched best


def popularity_bonus(upvotes: Sequence[int | None]) -> np.ndarray:
    """A small per-paper bonus, 0.02·log1p(upvotes)/log1p(max upvotes), at most 0.02.

    Args:
        upvotes: each paper's upvotes (None counts as 0).

    Returns:
        A float32 array aligned with `upvotes`.
    """
    votes = np.log1p(np.array([max(u or 0, 0) for u in upvotes], dtype=np.float32))
    top = float(votes.max()) if len(votes) else 0.0
    return votes * (POPULARITY_MAX / top) if top > 0 else np.zeros_like(votes)


def match(
    papers: np.ndarray,
    members: Sequence[MemberVectors],
    *,
    k: int,
    popularity: np.ndarray | None = None,
    min_scores: Sequence[float] | None = None,
) -> list[list[Match]]:
    """Each member's best `k` papers, best first.

    Args:
        papers: (P, d) float32 unit rows of the candidate papers.
        members: one `MemberVectors` per member; members without positives get no matches.
        k: how many papers to keep per member.
        popularity: optional (P,) bonus added for members with `boost` set.
        min_scores: optional per-member floor; matches scoring below it are dropped.

    Returns:
        One list per member (in input order) of `Match`, best first, at most `k` long.
    """
    results: list[list[Match]] = [[] for _ in members]
    n_papers = papers.shape[0]
    active = [i for i, m in enumerate(members) if len(m.positives)]
    if n_papers == 0 or k <= 0 or not active:
        return results
    budget = max(1, BLOCK_ELEMENTS // n_papers)
    floors = np.full(len(members), -np.inf) if min_scores is None else np.asarray(min_scores)
    for chunk in _chunks(active, members, budget):
        picked = _score_chunk(papers, [members[i] for i in chunk], min(k, n_papers), popularity)
        for i, (rows, scores, sims, sources) in zip(chunk, picked, strict=True):
            results[i] = [
                Match(p, s, v, r)
                for p, s, v, r in zip(rows, scores, sims, sources, strict=True)
                if s >= floors[i] and s > -np.inf
            ]
    return results


def source_counts(papers: np.ndarray, positives: np.ndarray, threshold: float) -> np.ndarray:
    """How many papers each positive vector brings: papers it matches best, at or above
    `threshold`.

    Args:
        papers: (P, d) unit rows.
        positives: (k, d) one member's positive rows.
        threshold: the member's bar.

    Returns:
        An int array of length k.
    """
    if not len(papers) or not len(positives):
        return np.zeros(len(positives), dtype=int)
    sims = papers @ positives.T
    winners = sims.argmax(axis=1)[sims.max(axis=1) >= threshold]
    return np.bincount(winners, minlength=len(positives))


def collapse_duplicates(vectors: np.ndarray, *, limit: int | None = None) -> list[int]:
    """Indices of rows to keep, in order, dropping any row too close to one already kept.

    Args:
        vectors: (n, d) unit rows, best first.
        limit: stop once this many rows are kept.

    Returns:
        Row indices, ascending, each with cosine <= 0.95 to every earlier kept row.
    """
    kept: list[int] = []
    sims = vectors @ vectors.T if len(vectors) else np.zeros((0, 0), dtype=np.float32)
    for i in range(len(vectors)):
        if limit is not None and len(kept) >= limit:
            break
        if not kept or sims[i, kept].max() <= DUPLICATE_SIMILARITY:
            kept.append(i)
    return kept


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
    papers: np.ndarray, chunk: list[MemberVectors], k: int, popularity: np.ndarray | None
) -> list[tuple[list[int], list[float], list[float], list[int]]]:
    counts = np.array([len(m.positives) for m in chunk])
    offsets = np.concatenate(([0], np.cumsum(counts)[:-1]))
    n_pos = int(counts.sum())
    negatives = [m.negatives for m in chunk if len(m.negatives)]
    stacked = np.vstack([m.positives for m in chunk] + negatives).astype(np.float32, copy=False)
    sims = stacked @ papers.T  # (vectors, papers): the one product for this chunk
    scores = np.maximum.reduceat(sims[:n_pos], offsets, axis=0)  # (members, papers)
    if negatives:
        has_neg = np.array([len(m.negatives) > 0 for m in chunk])
        neg_counts = np.array([len(n) for n in negatives])
        neg_offsets = n_pos + np.concatenate(([0], np.cumsum(neg_counts)[:-1]))
        closest_bad = np.maximum.reduceat(sims, neg_offsets, axis=0)
        scores[has_neg] -= np.maximum(closest_bad - NEGATIVE_MARGIN, 0.0) * NEGATIVE_WEIGHT
    if popularity is not None:
        boosted = np.array([m.boost for m in chunk])
        scores[boosted] += popularity[None, :]
    excluded = [m.excluded if m.excluded is not None else np.zeros(0, int) for m in chunk]
    if any(len(e) for e in excluded):
        owners = np.repeat(np.arange(len(chunk)), [len(e) for e in excluded])
        scores[owners, np.concatenate(excluded).astype(int)] = -np.inf
    top = _top_k(scores, k)
    top_scores = np.take_along_axis(scores, top, axis=1)
    # The reason: among each member's rows, the one with the highest similarity to each pick.
    owner = np.repeat(np.arange(len(chunk)), counts)
    picked_sims = np.take_along_axis(sims[:n_pos], top[owner], axis=1)  # (n_pos, k)
    best_sims = np.maximum.reduceat(picked_sims, offsets, axis=0)
    local = (np.arange(n_pos) - offsets[owner])[:, None]
    is_best = picked_sims >= best_sims[owner]
    sources = np.minimum.reduceat(np.where(is_best, local, n_pos), offsets, axis=0)
    return list(
        zip(top.tolist(), top_scores.tolist(), best_sims.tolist(), sources.tolist(), strict=True)
    )


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    if k < scores.shape[1]:
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    else:
        part = np.broadcast_to(np.arange(scores.shape[1]), scores.shape).copy()
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)
