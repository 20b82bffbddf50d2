"""Search latency at 10k and 100k papers, and the memory each stored paper takes.

Papers are synthetic (random unit vectors, Zipf-distributed pseudo-words for titles and
abstracts) and stored in a SQLite database; `Library.search` is timed end to end, which
includes embedding each (distinct) query with the real model, dense and BM25 ranking,
fusion and loading the hits from the database.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
from sqlalchemy import insert

from bench.common import Figure, Report, percentiles, timed
from bench.synthetic import rss_bytes, vocabulary, words
from bot.context import build_context
from bot.db import Database
from bot.embedder import SentenceTransformerEmbedder, embedding_key
from bot.models import Embedding, PaperRow
from bot.paper import normalize_title
from bot.settings import Settings

SECTION = "Search"
SIZES = ((10_000, 50.0), (100_000, 150.0))  # papers, p95 target in ms
QUERIES = 150


def _populate(
    db: Database, rng: np.random.Generator, vocab: np.ndarray, n: int, model: str, dim: int
) -> None:
    for start in range(0, n, 5000):
        papers, vectors = [], []
        for i in range(start, min(start + 5000, n)):
            title = f"{words(rng, vocab, 8)} {i}"
            key = embedding_key(model, title)
            vector = rng.normal(size=dim).astype(np.float32)
            vectors.append(
                {
                    "key": key,
                    "model": model,
                    "dim": dim,
                    "vector": (vector / np.linalg.norm(vector)).tobytes(),
                }
            )
            papers.append(
                {
                    "title": title,
                    "title_key": normalize_title(title),
                    "abstract": words(rng, vocab, 120),
                    "embedding_key": key,
                }
            )
        with db.engine.begin() as conn:
            conn.execute(insert(Embedding), vectors)
            conn.execute(insert(PaperRow), papers)


def run(report: Report) -> None:
    """Time `Library.search` over synthetic libraries of 10k and 100k papers."""
    embedder = SentenceTransformerEmbedder()
    embedder.encode(["warm up the model"])
    rng = np.random.default_rng(7)
    vocab = vocabulary(rng, 30_000)
    for n, target_ms in SIZES:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(
                _env_file=None, database_url=f"sqlite:///{tmp}/s.db", inbox_dir=Path(tmp)
            )
            ctx = build_context(settings, embedder=embedder)
            _populate(ctx.db, rng, vocab, n, embedder.name, embedder.dim)
            library = ctx.library
            before = rss_bytes()
            with timed() as elapsed:
                library.refresh()
            load_s, grown = elapsed(), rss_bytes() - before
            samples = []
            for q in range(QUERIES):
                query = f"{words(rng, vocab, 1 + q % 5)} {q}"
                with timed() as elapsed:
                    library.search(query, limit=10)
                samples.append(elapsed())
            pct = percentiles(samples)
            report.check(
                SECTION,
                f"p95 latency, {n:,} papers (query embedding included)",
                pct[95],
                target=target_ms,
                higher_is_better=False,
                fmt="{:.1f} ms",
                baseline=f"p50 {pct[50]:.1f} ms, p99 {pct[99]:.1f} ms",
            )
            per_paper = library.index.nbytes() / n
            report.add(
                SECTION,
                Figure(
                    f"memory per stored paper, {n:,} papers",
                    f"{per_paper / 1024:.2f} KiB (index)",
                    baseline=f"process RSS grew {grown / n / 1024:.2f} KiB/paper; "
                    f"index load {load_s:.1f}s",
                ),
            )
            ctx.db.dispose()
    report.note(
        SECTION,
        f"{QUERIES} distinct 1–5-word queries per size, limit 10, "
        f"{os.cpu_count()} CPUs; vectors are {embedder.dim}-d float32",
    )
