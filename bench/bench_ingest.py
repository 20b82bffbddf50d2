"""Ingest throughput against raw `model.encode`, and re-ingest of known papers.

New papers: the seed digests are ingested into an empty database with the real model, and
the texts ingest embedded are encoded straight with `SentenceTransformer.encode`; `ROUNDS`
rounds of each, alternated, each side's median compared (one run each swung the ratio by
±0.05 between two runs of the bench). Known papers: the same digests with one byte added (so
the content hash differs) are ingested again; nothing is embedded.

One-shot: `paperboy ingest SEEDS…` from a shell into an empty database, against a bare
script that loads the model and encodes the same texts in one call (the model's load on
both sides): what a cron job pays for a day's files, imports and schema checks included.
Median of `ROUNDS` rounds, alternated.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bench.common import Figure, Report, timed
from bot.context import build_context
from bot.embedder import SentenceTransformerEmbedder
from bot.paper import Paper
from bot.settings import Settings
from bot.sources import parse_file
from jobs.ingest import ingest_paths

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
SECTION = "Ingest"
ROUNDS = 3
_BARE = """
import json, sys
from bot.embedder import resolve_model_path
from sentence_transformers import SentenceTransformer
texts = json.loads(open(sys.argv[1], encoding="utf-8").read())
model = SentenceTransformer(resolve_model_path("bundled:all-MiniLM-L6-v2"), device="cpu")
model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
"""


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
    ingest_s, raw_s = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(ROUNDS):
            settings = Settings(
                _env_file=None,
                database_url=f"sqlite:///{tmp}/round{round_}.db",
                inbox_dir=Path(tmp) / "inbox",
            )
            ctx = build_context(settings, embedder=embedder)
            with timed() as elapsed:
                first = ingest_paths(ctx, seeds)
            ingest_s.append(elapsed())
            stored = ctx.library.papers(first.new_paper_ids).values()
            texts = [Paper(p.title, p.abstract).embedding_text for p in stored]
            raw_s.append(_raw_seconds(embedder, texts))
            if round_ < ROUNDS - 1:
                ctx.db.dispose()
        changed = []
        for seed in seeds:
            changed.append(Path(tmp) / f"again-{seed.name}")
            changed[-1].write_bytes(seed.read_bytes() + b"\n")
        with timed() as elapsed:
            again = ingest_paths(ctx, changed)
        again_s = elapsed()
        ctx.db.dispose()
    first_s = float(np.median(ingest_s))
    ingest_rate, raw_rate = first.new / first_s, len(texts) / float(np.median(raw_s))
    report.check(
        SECTION,
        "new papers: ingest throughput ÷ raw model.encode",
        ingest_rate / raw_rate,
        target=0.9,
        higher_is_better=True,
        fmt="{:.2f}",
        baseline=f"ingest {ingest_rate:.1f} vs raw {raw_rate:.1f} papers/s (median of {ROUNDS})",
    )
    report.check(
        SECTION,
        "known papers: re-ingest speed-up over first ingest",
        first_s / again_s,
        target=50,
        higher_is_better=True,
        fmt="{:.0f}×",
        baseline=f"first ingest {first_s:.1f}s, re-ingest {again_s:.3f}s",
    )
    report.add(
        SECTION,
        Figure(
            "papers re-embedded (a fuller copy replaced a truncated abstract)",
            str(first.revised + again.revised),
            baseline=f"of {first.duplicates + again.duplicates} duplicates met; the only case "
            "a stored paper is embedded again",
        ),
    )
    report.note(
        SECTION,
        f"{len(seeds)} seed digests: {first.new} new papers, then "
        f"{again.duplicates} duplicates and {again.new} new on re-ingest",
    )
    _one_shot(report, seeds, texts)


def _one_shot(report: Report, seeds: list[Path], texts: list[str]) -> None:
    """`paperboy ingest` from a shell against a bare load-and-encode script."""
    root = str(Path(__file__).resolve().parents[1])
    path = os.environ.get("PYTHONPATH", "")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": f"{root}:{path}" if path else root}
    paperboy = str(Path(sys.executable).with_name("paperboy"))
    ingest_s, bare_s = [], []
    with tempfile.TemporaryDirectory() as tmp:
        listed = Path(tmp) / "texts.json"
        listed.write_text(json.dumps(texts), encoding="utf-8")
        for round_ in range(ROUNDS):
            database = f"sqlite:///{tmp}/round{round_}.db"
            with timed() as elapsed:
                subprocess.run(
                    [paperboy, "ingest", *map(str, seeds)], cwd=tmp, capture_output=True,
                    check=True, env={**env, "DATABASE_URL": database},
                )  # fmt: skip
            ingest_s.append(elapsed())
            with timed() as elapsed:
                subprocess.run(
                    [sys.executable, "-c", _BARE, str(listed)], cwd=tmp, capture_output=True,
                    check=True, env=env,
                )  # fmt: skip
            bare_s.append(elapsed())
    ingest, bare = float(np.median(ingest_s)), float(np.median(bare_s))
    report.check(
        SECTION,
        "one-shot `paperboy ingest` ÷ bare (model load + encode), throughput",
        bare / ingest,
        target=0.9,
        higher_is_better=True,
        fmt="{:.2f}",
        baseline=f"ingest {ingest:.1f} s vs bare {bare:.1f} s for {len(texts)} papers "
        f"(median of {ROUNDS}); before: 0.83 (issue 14, 252 papers in 7 files)",
    )
