"""Ingest throughput against raw `model.encode`, and re-ingest of known papers.

New papers: the seed digests are ingested into an empty database with the real model, and
the same texts are encoded directly with `SentenceTransformer.encode` in the same run; the
figure is the ratio of the two throughputs. Known papers: the same digests with one byte
changed (so the content hash differs) are ingested again; nothing is embedded.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.common import Report, timed
from bot.context import build_context
from bot.digests import parse_file
from bot.embedder import SentenceTransformerEmbedder
from bot.papers import Paper
from bot.settings import Settings
from jobs.ingest import ingest_paths

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
SECTION = "Ingest"


def run(report: Report) -> None:
    """Measure ingest throughput and re-ingest speed on the seed digests."""
    seeds = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    if not seeds:
        report.note(SECTION, "skipped: ../shared/seeds is absent")
        return
    embedder = SentenceTransformerEmbedder()
    texts = [p.embedding_text for s in seeds for p in parse_file(s).papers]
    embedder.encode(texts[:64])  # load and warm the model outside the timings
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,
            database_url=f"sqlite:///{tmp}/bench.db",
            digest_inbox=Path(tmp) / "inbox",
        )
        ctx = build_context(settings, embedder=embedder)
        with timed() as elapsed:
            first = ingest_paths(ctx, seeds)
        ingest_s = elapsed()
        stored = ctx.library.papers(first.new_paper_ids).values()
        new_texts = [Paper(p.title, p.abstract).embedding_text for p in stored]
        with timed() as elapsed:  # the very texts ingest embedded, straight to the model
            embedder.model.encode(
                new_texts,
                batch_size=32,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        raw_s = elapsed()
        changed = []
        for seed in seeds:
            copy = Path(tmp) / f"again-{seed.name}"
            copy.write_bytes(seed.read_bytes() + b"\n")
            changed.append(copy)
        with timed() as elapsed:
            again = ingest_paths(ctx, changed)
        again_s = elapsed()
        ctx.db.dispose()
    report.note(
        SECTION,
        f"{len(seeds)} seed digests, {len(texts)} papers ({first.new} new); "
        f"raw encode {raw_s:.1f}s, ingest {ingest_s:.1f}s, re-ingest {again_s:.2f}s",
    )
    report.check(
        SECTION,
        "new papers: ingest throughput ÷ raw model.encode",
        raw_s / ingest_s,
        target=0.9,
        higher_is_better=True,
        fmt="{:.2f}",
        baseline=f"raw encode {len(texts) / raw_s:.1f} papers/s",
    )
    report.check(
        SECTION,
        "known papers: re-ingest speed-up over first ingest",
        ingest_s / again_s,
        target=50,
        higher_is_better=True,
        fmt="{:.0f}×",
        baseline=f"first ingest {ingest_s:.1f}s, re-ingest {again_s:.2f}s "
        f"({again.duplicates} duplicates, {again.new} new)",
    )
