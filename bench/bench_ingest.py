"""Ingest throughput against raw `model.encode`, and re-ingest of known papers.

New papers: the seed digests are ingested into an empty database with the real model; the
texts ingest embedded are also encoded straight with `SentenceTransformer.encode`, once
before and once after the ingest, and the faster of the two is the baseline. Known
papers: the same digests with one byte added (so the content hash differs) are ingested
again; nothing is embedded.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench.common import Report, timed
from bot.context import build_context
from bot.embedder import SentenceTransformerEmbedder
from bot.paper import Paper
from bot.settings import Settings
from bot.sources import parse_file
from jobs.ingest import ingest_paths

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
SECTION = "Ingest"


def _raw_seconds(embedder: SentenceTransformerEmbedder, texts: Sequence[str]) -> float:
    with timed() as elapsed:
        embedder.model.encode(
            list(texts),
            batch_size=32,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
    return elapsed()


def run(report: Report) -> None:
    """Measure ingest throughput and re-ingest speed on the seed digests."""
    seeds = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    if not seeds:
        report.note(SECTION, "skipped: ../shared/seeds is absent")
        return
    embedder = SentenceTransformerEmbedder()
    papers = {p.identity.title_key: p for s in seeds for p in parse_file(s).papers}
    embedder.encode([p.embedding_text for p in list(papers.values())[:64]])  # load and warm
    raw_before = _raw_seconds(embedder, [p.embedding_text for p in papers.values()])
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,
            database_url=f"sqlite:///{tmp}/bench.db",
            inbox_dir=Path(tmp) / "inbox",
        )
        ctx = build_context(settings, embedder=embedder)
        with timed() as elapsed:
            first = ingest_paths(ctx, seeds)
        ingest_s = elapsed()
        stored = ctx.library.papers(first.new_paper_ids).values()
        texts = [Paper(p.title, p.abstract).embedding_text for p in stored]
        raw_s = min(raw_before * len(texts) / len(papers), _raw_seconds(embedder, texts))
        changed = []
        for seed in seeds:
            changed.append(Path(tmp) / f"again-{seed.name}")
            changed[-1].write_bytes(seed.read_bytes() + b"\n")
        with timed() as elapsed:
            again = ingest_paths(ctx, changed)
        again_s = elapsed()
        ctx.db.dispose()
    ingest_rate, raw_rate = first.new / ingest_s, len(texts) / raw_s
    report.check(
        SECTION,
        "new papers: ingest throughput ÷ raw model.encode",
        ingest_rate / raw_rate,
        target=0.9,
        higher_is_better=True,
        fmt="{:.2f}",
        baseline=f"ingest {ingest_rate:.1f} vs raw {raw_rate:.1f} papers/s",
    )
    report.check(
        SECTION,
        "known papers: re-ingest speed-up over first ingest",
        ingest_s / again_s,
        target=50,
        higher_is_better=True,
        fmt="{:.0f}×",
        baseline=f"first ingest {ingest_s:.1f}s, re-ingest {again_s:.3f}s",
    )
    report.note(
        SECTION,
        f"{len(seeds)} seed digests: {first.new} new papers, then "
        f"{again.duplicates} duplicates and {again.new} new on re-ingest",
    )
