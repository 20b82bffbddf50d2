"""ONNX Runtime backend against torch: embedding throughput and retrieval quality on the seeds.

Both embedders encode the same texts (every distinct seed paper's `embedding_text`, as ingest
embeds them) through `Embedder.encode`, the call ingest makes. Runs alternate torch/ONNX,
with the order flipped every round, so load from other processes on the shared cores hits
both alike; the figure is the median of the per-round ratios. Quality is the dense
title → abstract MRR of `bench_retrieval_quality`, computed with each backend. ONNX is worth
being the default only if it is measurably faster and its MRR is within 0.005 of torch's.
"""

from __future__ import annotations

import statistics
from pathlib import Path

from bench.bench_retrieval_quality import SEEDS, _scores, abstract_index, known_items
from bench.common import Figure, Report, timed
from bot.embedder import SentenceTransformerEmbedder
from bot.sources import parse_file

SECTION = "ONNX backend (EMBEDDING_BACKEND=onnx) vs torch"
ROUNDS = 5
CACHE = Path(__file__).resolve().parent / ".cache" / "models"


def _dense_mrr(embedder: SentenceTransformerEmbedder) -> tuple[float, float]:
    """Dense title → abstract MRR and R@1 on the seeds with this embedder."""
    papers = known_items()
    index, titles = abstract_index(embedder, papers)
    return _scores([index.dense(titles[i], len(papers)) for i in range(len(papers))])


def run(report: Report) -> None:
    """Compare torch and ONNX Runtime throughput and MRR on the seed digests."""
    try:
        import onnx  # noqa: F401
        import onnxruntime
    except ImportError:
        report.note(SECTION, "skipped: the onnx extra is not installed (pip install '.[onnx]')")
        return
    seeds = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    if not seeds:
        report.note(SECTION, "skipped: ../shared/seeds is absent")
        return
    papers = {p.identity.title_key: p for s in seeds for p in parse_file(s).papers}
    texts = [p.embedding_text for p in papers.values()]
    torch_embedder = SentenceTransformerEmbedder()
    onnx_embedder = SentenceTransformerEmbedder(backend="onnx", onnx_dir=CACHE)
    with timed() as elapsed:
        onnx_embedder.encode(texts[:64])  # exports on the first run, then loads the export
    onnx_load_s = elapsed()
    torch_embedder.encode(texts[:64])  # load and warm
    agreement = float(
        (torch_embedder.encode(texts[:64]) * onnx_embedder.encode(texts[:64])).sum(axis=1).min()
    )

    seconds: dict[str, list[float]] = {"torch": [], "onnx": []}
    embedders = {"torch": torch_embedder, "onnx": onnx_embedder}
    for round_ in range(ROUNDS):
        for name in ("torch", "onnx") if round_ % 2 == 0 else ("onnx", "torch"):
            with timed() as elapsed:
                embedders[name].encode(texts)
            seconds[name].append(elapsed())
    ratios = [t / o for t, o in zip(seconds["torch"], seconds["onnx"], strict=True)]
    ratio = statistics.median(ratios)
    rate = {name: len(texts) / statistics.median(s) for name, s in seconds.items()}

    mrr = {name: _dense_mrr(embedder) for name, embedder in embedders.items()}
    mrr_drop = mrr["torch"][0] - mrr["onnx"][0]
    faster = min(ratios) > 1.05  # every round, beyond noise
    worth = faster and mrr_drop <= 0.005

    report.add(
        SECTION,
        Figure(
            "encode throughput: ONNX ÷ torch (median of paired rounds)",
            f"{ratio:.2f}×",
            "> 1 to be the default",
            f"ONNX {rate['onnx']:.1f} vs torch {rate['torch']:.1f} papers/s; "
            f"rounds {', '.join(f'{r:.2f}' for r in ratios)}",
        ),
    )
    report.add(
        SECTION,
        Figure(
            "dense title → abstract MRR / R@1, ONNX",
            f"{mrr['onnx'][0]:.3f} / {mrr['onnx'][1]:.3f}",
            "torch − 0.005",
            f"torch {mrr['torch'][0]:.3f} / {mrr['torch'][1]:.3f}",
        ),
    )
    report.add(SECTION, Figure("min cosine ONNX vs torch (64 papers)", f"{agreement:.5f}"))
    report.note(
        SECTION,
        f"{len(texts)} distinct seed papers, {ROUNDS} alternating rounds each, batch 32; "
        f"onnxruntime {onnxruntime.__version__}; first ONNX load (export or load) "
        f"{onnx_load_s:.1f}s; torch model {torch_embedder.name}, ONNX model {onnx_embedder.name}",
    )
    report.note(
        SECTION,
        "verdict: "
        + (
            "ONNX is faster in every round with MRR within 0.005: worth making the default"
            if worth
            else "torch stays the default (ONNX "
            + ("not faster in every round" if not faster else f"loses {mrr_drop:.3f} MRR")
            + "); EMBEDDING_BACKEND=onnx remains an option"
        ),
    )


if __name__ == "__main__":
    result = Report()
    run(result)
    from bench.run import render

    print(render(result, []))
