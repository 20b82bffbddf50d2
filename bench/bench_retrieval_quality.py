"""Known-item retrieval on the seeds: each title as the query, its paper's abstract as the target.

Titles are withheld from the index (documents are abstracts only), so the exact-title
shortcut cannot help; dense, lexical (BM25), reciprocal-rank fusion (RRF k=60, the rule
before `bot.fusion`) and hybrid (`PaperIndex.hybrid`) rankings are scored side by side by
mean reciprocal rank and recall at 1. The lexical side is the product's (tantivy over
paperboy's terms); the in-memory BM25 it replaced (`bot.lexical.LexicalIndex`, same terms,
same formula) is scored beside it ("before").

Acronyms: each seed title's one-word name before its colon ("Re^2TAL:", "N-HiTS:"), plus
RevCol and MoIE, which only their papers' abstracts name, must find their paper at rank 1
in an index of titles and abstracts (as the library indexes them), lexical alone and hybrid.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.common import Figure, Report
from bot.embedder import Embedder, SentenceTransformerEmbedder
from bot.fusion import Ranking, fuse
from bot.index import PaperIndex
from bot.lexical import LexicalIndex
from bot.paper import Paper
from bot.sources import parse_file

__all__ = ["SEEDS", "InMemoryBM25", "abstract_index", "known_items", "rrf"]

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
SECTION = "Retrieval quality (title → abstract, seeds)"
DEPTH = 100  # candidates per retriever, as `PaperIndex.hybrid` takes them


def known_items() -> list[Paper]:
    """The distinct seed papers that have an abstract, in page then page order."""
    seen: dict[str, Paper] = {}
    for seed in sorted(SEEDS.glob("*.txt")):
        for paper in parse_file(seed).papers:
            if paper.abstract:
                seen.setdefault(paper.identity.title_key, paper)
    return list(seen.values())


def rrf(dense: Ranking, lexical: Ranking, *, k: int = 60, depth: int = DEPTH) -> Ranking:
    """Reciprocal-rank fusion of the first `depth` of each ranking: the baseline rule."""
    fused: dict[int, float] = {}
    for ids, _ in (dense, lexical):
        for rank, paper_id in enumerate(ids[:depth].tolist()):
            fused[paper_id] = fused.get(paper_id, 0.0) + 1.0 / (k + rank + 1)
    order = sorted(fused.items(), key=lambda item: (-item[1], item[0]))
    ids = np.array([i for i, _ in order], dtype=np.int64)
    return ids, np.array([s for _, s in order], dtype=np.float32)


def _scores(rankings: list[Ranking]) -> tuple[float, float]:
    """MRR and R@1 when query i's right answer is paper id i."""
    reciprocal = []
    for target, (ids, _) in enumerate(rankings):
        hits = np.flatnonzero(ids == target)
        reciprocal.append(1.0 / (hits[0] + 1) if len(hits) else 0.0)
    return float(np.mean(reciprocal)), float(np.mean(np.array(reciprocal) == 1.0))


def abstract_index(embedder: Embedder, papers: list[Paper]) -> tuple[PaperIndex, np.ndarray]:
    """An index of the papers' abstracts (paper i has id i) and their titles' vectors."""
    abstracts = embedder.encode([p.abstract for p in papers])
    titles = embedder.encode([p.title for p in papers])
    n = len(papers)
    index = PaperIndex(embedder.dim)
    index.add(list(range(n)), abstracts, [p.abstract for p in papers], [0] * n)
    return index, titles


class InMemoryBM25:
    """The lexical side before the index moved to disk: `LexicalIndex` coverage, in memory."""

    def __init__(self, texts: list[str]) -> None:
        self.index = LexicalIndex()
        self.index.add(texts)

    def top(self, query: str, k: int) -> Ranking:
        """The `k` best documents (id = position) by coverage; no match, no rank."""
        coverage = self.index.coverage(query)
        order = np.lexsort((np.arange(len(coverage)), -coverage))[:k]
        order = order[coverage[order] > 0]
        return order.astype(np.int64), coverage[order]


def _acronyms(embedder: Embedder, papers: list[Paper]) -> tuple[list[tuple[str, int]], dict]:
    """Each acronym query with its paper, and (lexical, hybrid) rank-1 counts: the product's
    and the in-memory BM25's."""
    queries = [
        (p.title.split(":")[0].strip(), i)
        for i, p in enumerate(papers)
        if ":" in p.title and " " not in p.title.split(":")[0].strip()
    ]
    for name, needle in (("RevCol", "Reversible Column Networks"), ("MoIE", "MoE")):
        queries += [(name, i) for i, p in enumerate(papers) if needle in p.title]
    texts = [p.embedding_text for p in papers]
    vectors = embedder.encode(texts)
    n = len(papers)
    index = PaperIndex(embedder.dim)
    index.add(list(range(n)), vectors, texts, [0] * n)
    before = InMemoryBM25(texts)
    counts = {"product": [0, 0], "before": [0, 0]}
    for (query, target), vector in zip(
        queries, embedder.encode([q for q, _ in queries]), strict=True
    ):
        dense = index.dense(vector, DEPTH)
        for name, lexical in (
            ("product", index.lexical_top(query, DEPTH)),
            ("before", before.top(query, DEPTH)),
        ):
            hybrid = fuse(dense, lexical, k=10)
            counts[name][0] += bool(len(lexical[0]) and lexical[0][0] == target)
            counts[name][1] += bool(hybrid[0][0] == target)
    return queries, counts


def run(report: Report) -> None:
    """Score dense, lexical, RRF and hybrid known-item search on the seed digests."""
    papers = known_items() if SEEDS.is_dir() else []
    if not papers:
        report.note(SECTION, "skipped: ../shared/seeds is absent")
        return
    embedder = SentenceTransformerEmbedder()
    index, titles = abstract_index(embedder, papers)
    n = len(papers)
    dense = [index.dense(titles[i], n) for i in range(n)]
    lexical = [index.lexical_top(p.title, n) for p in papers]
    memory = InMemoryBM25([p.abstract for p in papers])
    before = [memory.top(p.title, n) for p in papers]
    runs = {
        "dense": dense,
        "lexical (BM25)": lexical,
        "in-memory BM25 (before)": before,
        "hybrid, in-memory BM25 (before)": [
            fuse(d, lex, k=n) for d, lex in zip(dense, before, strict=True)
        ],
        "RRF k=60 (before)": [rrf(d, lex, depth=n) for d, lex in zip(dense, lexical, strict=True)],
        "hybrid": [index.hybrid(p.title, titles[i], n) for i, p in enumerate(papers)],
    }
    results = {name: _scores(rankings) for name, rankings in runs.items()}
    baseline = ", ".join(
        f"{name}: MRR {mrr:.3f}, R@1 {r1:.3f}"
        for name, (mrr, r1) in results.items()
        if name != "hybrid"
    )
    for name, (mrr, r1) in results.items():
        if name == "hybrid":
            report.check(
                SECTION,
                "hybrid MRR",
                mrr,
                target=0.97,
                higher_is_better=True,
                fmt="{:.3f}",
                baseline=baseline,
            )
            report.add(SECTION, Figure("hybrid R@1", f"{r1:.3f}"))
        else:
            report.add(SECTION, Figure(f"{name} MRR / R@1", f"{mrr:.3f} / {r1:.3f}"))
    queries, counts = _acronyms(embedder, papers)
    for label, column in (("lexical", 0), ("hybrid", 1)):
        report.check(
            SECTION,
            f"acronym queries at rank 1, {label} ({len(queries)})",
            counts["product"][column],
            target=len(queries),
            higher_is_better=True,
            fmt="{:.0f}",
            baseline=f"in-memory BM25 (before): {counts['before'][column]}",
        )
    report.note(
        SECTION,
        f"{n} distinct seed papers with abstracts; model {embedder.name}. Acronym queries: "
        + ", ".join(q for q, _ in queries),
    )
