"""Task 2 of the matching-quality bench: a member 👍s a few papers of one topic and should
get the topic's other papers first (P@5, nDCG@10), against BM25 and arxiv-sanity's SVM.

How 👍'd papers become the matcher's positive rows is the one choice made here. It is made
on SELECTION_TOPICS only, from a menu fixed beforehand, by the mean of the four figures
(P@5 and nDCG@10, raw and stem-deleted texts); the checked figures use the other topics.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from bench.common import Figure, Report
from bot.lexical import LexicalIndex
from bot.matcher import MemberVectors, match
from bot.profiles import LIKED_GROUP_SIMILARITY, liked_vectors

__all__ = ["SELECTION_TOPICS", "run_liked"]

LIKES, DRAWS = 3, 20
SELECTION_TOPICS = ("interpolat", "diffus", "video")  # fixed before any figure was seen
PRODUCT = f"groups τ={LIKED_GROUP_SIMILARITY:g}"


def _unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v, axis=-1, keepdims=True)).astype(np.float32)


def _groups(tau: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda liked: liked_vectors(liked, min_similarity=tau)[0]


MENU: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "each 👍 paper (the previous rule)": lambda liked: liked,
    "each 👍 paper + their centroid": lambda liked: np.vstack([liked, _unit(liked.mean(0))]),
    **{f"groups τ={t:g}": _groups(t) for t in (0.2, 0.3, 0.4)},
}


def _ndcg(order: list[int], relevant: set[int], k: int) -> float:
    gains = sum(1 / np.log2(i + 2) for i, p in enumerate(order[:k]) if p in relevant)
    ideal = sum(1 / np.log2(i + 2) for i in range(min(k, len(relevant))))
    return gains / ideal if ideal else 0.0


def _evaluate(texts, docs, draws, bm25, tfidf, svm) -> dict[str, np.ndarray]:
    """(P@5, nDCG@10) per draw for every method, on one version of the texts."""
    out: dict[str, list[tuple[float, float]]] = {}
    for liked, relevant in draws:
        rankings = {
            name: [m.paper for m in match(docs, [member], k=len(texts))[0]]
            for name, member in (
                (name, MemberVectors(rows(docs[liked]), docs[:0], excluded=liked))
                for name, rows in MENU.items()
            )
        }
        rankings["BM25"] = np.argsort(-bm25.scores(" ".join(texts[i] for i in liked))).tolist()
        rankings["TF-IDF+SVM"] = np.argsort(-svm(tfidf, liked)).tolist()
        for name, order in rankings.items():
            order = [p for p in order if p not in set(liked.tolist())]
            hits = len(relevant & set(order[:5])) / 5
            out.setdefault(name, []).append((hits, _ndcg(order, relevant, 10)))
    return {name: np.array(values) for name, values in out.items()}


def run_liked(
    report: Report,
    section: str,
    versions: dict[str, tuple[list[str], np.ndarray]],
    topics: dict[str, np.ndarray],
    *,
    bm25: Callable[[list[str]], LexicalIndex],
    tfidf: Callable[[list[str]], tuple[TfidfVectorizer, object]],
    svm: Callable,
) -> None:
    """Run task 2 on each text version ("texts as they are", "topic stems deleted")."""
    rng = np.random.default_rng(0)
    draws, owner = [], []
    for stem, members in topics.items():
        for _ in range(DRAWS):
            liked = rng.choice(members, LIKES, replace=False)
            draws.append((liked, set(members.tolist()) - set(liked.tolist())))
            owner.append(stem)
    chosen = np.isin(owner, SELECTION_TOPICS)
    results = {
        tag: _evaluate(texts, docs, draws, bm25(texts), tfidf(texts)[1], svm)
        for tag, (texts, docs) in versions.items()
    }
    selection = {
        name: float(np.mean([results[tag][name][chosen].mean() for tag in versions]))
        for name in MENU
    }
    picked = max(selection, key=selection.__getitem__)
    held = sorted(set(topics) - set(SELECTION_TOPICS))
    for tag, table in results.items():
        for col, label in ((0, "P@5"), (1, "nDCG@10")):
            held_means = {k: float(v[~chosen, col].mean()) for k, v in table.items()}
            all_means = {k: float(v[:, col].mean()) for k, v in table.items()}
            report.check(
                section,
                f"👍 {LIKES} of a topic → rest of topic, {label}, {tag}, held-out topics",
                held_means[PRODUCT],
                target=max(held_means["BM25"], held_means["TF-IDF+SVM"]),
                higher_is_better=True,
                fmt="{:.3f}",
                baseline=f"BM25 {held_means['BM25']:.3f} / SVM {held_means['TF-IDF+SVM']:.3f}"
                f" / previous rule {held_means[next(iter(MENU))]:.3f}",
            )
            report.add(
                section,
                Figure(
                    f"👍 {LIKES} of a topic → rest of topic, {label}, {tag}, all topics",
                    f"{all_means[PRODUCT]:.3f}",
                    baseline=f"BM25 {all_means['BM25']:.3f} / SVM "
                    f"{all_means['TF-IDF+SVM']:.3f} / previous rule "
                    f"{all_means[next(iter(MENU))]:.3f}",
                ),
            )
    menu = ", ".join(f"{name} {value:.3f}" for name, value in selection.items())
    report.note(
        section,
        f"👍 rule chosen on topics {', '.join(s + '*' for s in SELECTION_TOPICS)} only "
        f"(mean of P@5 and nDCG@10 over both text versions): {menu}. Picked: {picked}; the "
        f"product uses {PRODUCT} (bot.profiles.LIKED_GROUP_SIMILARITY: 👍'd papers that are "
        "all pairwise at least that close are matched by their normalized centroid, a lone "
        "👍 by itself, so unrelated 👍s stay separate vectors). Checked figures use the "
        f"held-out topics {', '.join(s + '*' for s in held)}; all-topic figures are shown "
        "beside them (they include the selection topics, where the SVM is strongest, so they "
        "are not a held-out measurement).",
    )
