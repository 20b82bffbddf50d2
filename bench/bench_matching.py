"""Matching cost: all members' vectors against 1,000 new papers, scored and top-k selected.

Synthetic unit vectors (d = 384, like all-MiniLM-L6-v2); each member has 1–5 positive
vectors (interests, seeds, 👍) and 0–2 👎 vectors, every other member has the popularity
boost on, and each member's first positive row is an interest line with a sparse lexical
bonus on 2 % of the papers (as `bot.digest` passes it). BLAS is held to 2 threads, the
production box's cores. The target is a ratio to a floor timed beside it: the same product
for every member row (👍 and 👎 alike) with a bare top-k per row, in the same chunks; the
rules (a member's max over their rows, the 👎 penalty, the popularity and lexical bonuses,
ties) may cost at most as much again. The foundation issue's bar, 10,000 members × 1,000
papers in under a second, is shown beside it: absolute times move 2× between machines.
The digests' own product, `match_by_origin` (each positive row's top k above the member's
threshold, at the digest's k = 5 × 4 + 5 and the default threshold), is timed beside
`match` at the same k and floor.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
from scipy import sparse
from threadpoolctl import threadpool_info, threadpool_limits

from bench.common import Figure, Report, timed
from bot.matcher import (
    BLOCK_ELEMENTS,
    LEXICAL_WEIGHT,
    MemberVectors,
    match,
    match_by_origin,
    popularity_bonus,
)
from bot.settings import Settings

SECTION = "Matching cost"
DIM = 384
PAPERS = 1_000
K = 5


def _members(rng: np.random.Generator, count: int) -> list[MemberVectors]:
    positives = rng.integers(1, 6, count)
    negatives = rng.integers(0, 3, count)
    pool = rng.standard_normal((int(positives.sum() + negatives.sum()), DIM), dtype=np.float32)
    pool /= np.linalg.norm(pool, axis=1, keepdims=True)
    out, at = [], 0
    for n, (p, q) in enumerate(zip(positives.tolist(), negatives.tolist(), strict=True)):
        lexical = sparse.random(
            p, PAPERS, density=0.02 / p, format="csr", dtype=np.float32, random_state=rng
        )
        lexical.data *= LEXICAL_WEIGHT
        positives, negatives = pool[at : at + p], pool[at + p : at + p + q]
        out.append(MemberVectors(positives, negatives, boost=n % 2 == 0, lexical=lexical))
        at += p + q
    return out


def _best_seconds(work: Callable[[], object], runs: int = 3) -> float:
    """The fastest of `runs` timed calls of `work`."""
    best = float("inf")
    for _ in range(runs):
        with timed() as elapsed:
            work()
        best = min(best, elapsed())
    return best


def _by_source(report: Report, papers, members, bonus) -> None:
    """`match_by_origin` against `match` at the digest's k, best of 3 each."""
    k = K * 4 + 5
    floors = [float(Settings.model_fields["default_threshold"].default)] * len(members)
    times = {
        fn.__name__: _best_seconds(
            partial(fn, papers, members, k=k, popularity=bonus, min_scores=floors)
        )
        for fn in (match, match_by_origin)
    }
    report.add(
        SECTION,
        Figure(
            f"{len(members):,} members × {PAPERS:,} papers, each row's top {k} above the "
            "default threshold (match_by_origin, the digests' product)",
            f"{times['match_by_origin']:.3f} s",
            baseline=f"match, top {k}: {times['match']:.3f} s",
        ),
    )


def _bare_seconds(papers: np.ndarray, members: list[MemberVectors]) -> float:
    """The floor: every member row against the papers, a top `K` per row, in chunks of
    the matcher's size; best of 3."""
    rows = np.vstack([v for m in members for v in (m.positives, m.negatives) if len(v)])
    chunk = BLOCK_ELEMENTS // len(papers)

    def scan() -> None:
        for start in range(0, len(rows), chunk):
            np.argpartition(rows[start : start + chunk] @ papers.T, -K, axis=1)[:, -K:]

    return _best_seconds(scan)


def run(report: Report) -> None:
    """Time `match` at 1k, 10k and 100k members × 1k papers on 2 threads."""
    rng = np.random.default_rng(0)
    papers = rng.standard_normal((PAPERS, DIM), dtype=np.float32)
    papers /= np.linalg.norm(papers, axis=1, keepdims=True)
    bonus = popularity_bonus(rng.integers(0, 300, PAPERS).tolist())
    with threadpool_limits(2):
        for count in (1_000, 10_000, 100_000):
            members = _members(rng, count)
            match(papers, members[:200], k=K, popularity=bonus)  # warm up BLAS
            runs = 3 if count <= 10_000 else 1
            best = _best_seconds(partial(match, papers, members, k=K, popularity=bonus), runs)
            name = f"{count:,} members × {PAPERS:,} papers, top {K} (best of {runs})"
            if count == 10_000:
                floor = _bare_seconds(papers, members)
                report.check(
                    SECTION,
                    f"{name} ÷ bare product and top {K} per row",
                    best / floor,
                    target=2.0,
                    higher_is_better=False,
                    fmt="{:.2f}×",
                    baseline=f"{best:.3f} s vs bare {floor:.3f} s (2 BLAS threads); "
                    "the foundation issue's bar: under 1 s",
                )
                _by_source(report, papers, members, bonus)
            else:
                report.add(SECTION, Figure(name, f"{best:.3f} s"))
            del members
    threads = ", ".join(f"{i['internal_api']} {i['num_threads']}" for i in threadpool_info())
    report.note(
        SECTION,
        "One matrix product per memory-bounded chunk (16 MiB of scores); inside a chunk "
        "members are grouped by (positive rows, 👎 rows), so each member's max is a "
        "reduction over a reshaped view instead of np.maximum.reduceat; the lexical bonus "
        "is one scattered add; top-k = np.partition for the k-th value, then a lexsort of "
        f"the cells at or above it (ties to the lower index). BLAS pools outside the "
        f"limit: {threads}; held to 2 threads while timing.",
    )
