"""Matching quality on the seed digests with the real model, against two baselines.

Baselines: BM25 over the query text (`bot.lexical`), and arxiv-sanity's per-member
TF-IDF + linear SVM (sklearn) trained on the member's 👍 papers against all the rest.
Tasks: (1) known-item retrieval, each title as the query for its own abstract among all
abstracts (MRR, R@1); (2) a simulated member who 👍s 3 papers of one seed page and should
get that page's other papers ranked high among all pages' papers (P@5, nDCG@10, 30 draws
per page). Also the distribution of best-vector similarity for relevant and irrelevant
papers, which the default threshold is read from.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from bench.common import Figure, Report
from bot.digests import parse_file
from bot.embedder import SentenceTransformerEmbedder
from bot.lexical import LexicalIndex
from bot.matcher import MemberVectors, match
from bot.papers import Paper

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
SECTION = "Matching quality"
LIKES, DRAWS = 3, 30


def _corpus() -> tuple[list[Paper], list[int]]:
    papers: dict[str, tuple[Paper, int]] = {}
    for page, path in enumerate(sorted(SEEDS.glob("*.txt"))):
        for paper in parse_file(path).papers:
            if paper.abstract:
                papers.setdefault(paper.title_key, (paper, page))
    return [p for p, _ in papers.values()], [page for _, page in papers.values()]


def _svm_scores(
    tfidf: np.ndarray, positives: np.ndarray, extra: np.ndarray | None = None
) -> np.ndarray:
    x = tfidf if extra is None else np.vstack([tfidf, extra])
    y = np.zeros(x.shape[0])
    y[positives] = 1
    svm = LinearSVC(C=0.01, class_weight="balanced", max_iter=10_000, tol=1e-6).fit(x, y)
    return svm.decision_function(tfidf)


def _ranks(scores: np.ndarray, target: int) -> int:
    return int((scores > scores[target]).sum()) + 1


def _ndcg(order: np.ndarray, relevant: set[int], k: int) -> float:
    gains = [1 / np.log2(i + 2) for i, p in enumerate(order[:k]) if p in relevant]
    ideal = sum(1 / np.log2(i + 2) for i in range(min(k, len(relevant))))
    return sum(gains) / ideal if ideal else 0.0


def run(report: Report) -> None:
    """Compare the matcher with BM25 and TF-IDF+SVM on both tasks; report similarities."""
    if not SEEDS.is_dir() or not any(SEEDS.glob("*.txt")):
        report.note(SECTION, "skipped: ../shared/seeds is absent")
        return
    papers, pages = _corpus()
    model = SentenceTransformerEmbedder()
    docs = model.encode([p.embedding_text for p in papers])
    abstracts = model.encode([p.abstract for p in papers])
    titles = model.encode([p.title for p in papers])
    tfidf_vec = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=1, max_df=0.9)
    tfidf_abs = tfidf_vec.fit_transform([p.abstract for p in papers]).toarray()
    bm25 = LexicalIndex()
    bm25.add([p.abstract for p in papers])
    n = len(papers)

    # Task 1: title → own abstract.
    members = [MemberVectors(titles[i : i + 1], titles[:0]) for i in range(n)]
    found = match(abstracts, members, k=n)
    ranks = {"matcher": [], "BM25": [], "TF-IDF+SVM": []}
    for i, hits in enumerate(found):
        ranks["matcher"].append(1 + [m.paper for m in hits].index(i))
        ranks["BM25"].append(_ranks(bm25.scores(papers[i].title), i))
        title_x = tfidf_vec.transform([papers[i].title]).toarray()
        ranks["TF-IDF+SVM"].append(_ranks(_svm_scores(tfidf_abs, np.array([n]), title_x), i))
    mrr = {k: float(np.mean([1 / r for r in v])) for k, v in ranks.items()}
    r1 = {k: float(np.mean([r == 1 for r in v])) for k, v in ranks.items()}
    base = f"BM25 {mrr['BM25']:.3f} / SVM {mrr['TF-IDF+SVM']:.3f}"
    report.check(
        SECTION,
        f"title→abstract MRR ({n} papers)",
        mrr["matcher"],
        target=max(mrr["BM25"], mrr["TF-IDF+SVM"]),
        higher_is_better=True,
        baseline=base,
    )
    report.add(
        SECTION,
        Figure(
            "title→abstract R@1",
            f"{r1['matcher']:.3f}",
            "",
            f"BM25 {r1['BM25']:.3f} / SVM {r1['TF-IDF+SVM']:.3f}",
            "pass" if r1["matcher"] > max(r1["BM25"], r1["TF-IDF+SVM"]) else "FAIL",
        ),
    )

    # Task 2: a member who 👍s a few papers of one page.
    rng = np.random.default_rng(0)
    tfidf_doc = (
        TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), max_df=0.9)
        .fit_transform([p.embedding_text for p in papers])
        .toarray()
    )
    bm25_doc = LexicalIndex()
    bm25_doc.add([p.embedding_text for p in papers])
    pages_arr = np.array(pages)
    p5 = {"matcher": [], "BM25": [], "TF-IDF+SVM": []}
    ndcg = {k: [] for k in p5}
    for page in sorted(set(pages)):
        members_idx = np.flatnonzero(pages_arr == page)
        for _ in range(DRAWS):
            liked = rng.choice(members_idx, LIKES, replace=False)
            relevant = set(members_idx.tolist()) - set(liked.tolist())
            hits = match(docs, [MemberVectors(docs[liked], docs[:0], excluded=liked)], k=n)[0]
            rankings = {
                "matcher": np.array([m.paper for m in hits]),
                "BM25": np.argsort(-bm25_doc.scores(" ".join(papers[i].title for i in liked))),
                "TF-IDF+SVM": np.argsort(-_svm_scores(tfidf_doc, liked)),
            }
            for name, order in rankings.items():
                order = np.array([p for p in order if p not in set(liked.tolist())])
                p5[name].append(len(relevant & set(order[:5].tolist())) / 5)
                ndcg[name].append(_ndcg(order, relevant, 10))
    for label, table in (("P@5", p5), ("nDCG@10", ndcg)):
        means = {k: float(np.mean(v)) for k, v in table.items()}
        report.check(
            SECTION,
            f"👍 {LIKES} of a page → rest of page, {label}",
            means["matcher"],
            target=max(means["BM25"], means["TF-IDF+SVM"]),
            higher_is_better=True,
            baseline=f"BM25 {means['BM25']:.3f} / SVM {means['TF-IDF+SVM']:.3f}",
        )

    # Similarity distributions behind the default threshold.
    sims = titles @ docs.T
    own = np.diag(sims)
    others = sims[~np.eye(n, dtype=bool)]
    qs = (5, 10, 25, 50)
    report.add(
        SECTION,
        Figure(
            "title vs own paper: p5/p10/p25/p50",
            " / ".join(f"{np.percentile(own, q):.2f}" for q in qs),
        ),
    )
    report.add(
        SECTION,
        Figure(
            "title vs other papers: p50/p90/p99/p99.9",
            " / ".join(f"{np.percentile(others, q):.2f}" for q in (50, 90, 99, 99.9)),
        ),
    )
    same_page = pages_arr[:, None] == pages_arr[None, :]
    doc_sims = docs @ docs.T
    off = ~np.eye(n, dtype=bool)
    report.add(
        SECTION,
        Figure(
            "paper vs same-page paper: p50/p75/p90",
            " / ".join(f"{np.percentile(doc_sims[same_page & off], q):.2f}" for q in (50, 75, 90)),
        ),
    )
    report.add(
        SECTION,
        Figure(
            "paper vs other-page paper: p50/p90/p99",
            " / ".join(f"{np.percentile(doc_sims[~same_page], q):.2f}" for q in (50, 90, 99)),
        ),
    )
