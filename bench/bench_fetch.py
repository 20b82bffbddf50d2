"""Fetch + ingest of a 30-day Hugging Face backfill from a local server, beside raw ingest.

Thirty days of `daily_papers` answers (`PER_DAY` papers a day, in the API's shape, pseudo-word
texts) are served by the local fake of Hugging Face's API (`tests/fake_sources.py`).
Raw ingest: the same thirty files dropped into an empty inbox and ingested with the real
model into a fresh database. Fetch + ingest: `fetch_sources(--since)` from an empty inbox
into a fresh database, then ingest. Each is run twice, alternately, and the faster run of
each counts (the machine is shared, and embedding dominates both). The target is the ratio
of the throughputs, measured in the same run; the
fetcher's politeness waits (one request a second to Hugging Face) are reported but not
counted, since they are a choice, not a cost of the code.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

from bench.common import Figure, Report, timed
from bot.context import Context, build_context
from bot.embedder import SentenceTransformerEmbedder
from bot.settings import Settings
from jobs.fetch import build_fetcher, fetch_sources
from jobs.ingest import ingest_paths
from tests.fake_sources import HF_PATH, FakeSources, Recorded

from .synthetic import vocabulary, words

SECTION = "Fetch"
DAYS = 30
PER_DAY = 10
ROUNDS = 2
FIRST = date(2024, 6, 1)


def _days() -> dict[str, bytes]:
    """A `daily_papers` answer per day: compact JSON as the API sends it."""
    rng = np.random.default_rng(11)
    vocab = vocabulary(rng, 20_000)
    bodies = {}
    for n in range(DAYS):
        day = FIRST + timedelta(days=n)
        items = []
        for k in range(PER_DAY):
            paper = {
                "id": f"2406.{n * PER_DAY + k:05d}",
                "authors": [{"name": words(rng, vocab, 2).title()} for _ in range(4)],
                "publishedAt": f"{day.isoformat()}T09:00:00.000Z",
                "submittedOnDailyAt": f"{day.isoformat()}T00:00:00.000Z",
                "title": words(rng, vocab, 10).capitalize(),
                "summary": words(rng, vocab, 170).capitalize() + ".",
                "upvotes": int(rng.integers(0, 80)),
            }
            items.append({"paper": paper, "title": paper["title"], "numComments": 0})
        bodies[day.isoformat()] = json.dumps(items, ensure_ascii=False, separators=(",", ":"))
    return {day: body.encode() for day, body in bodies.items()}


def _context(folder: Path, name: str, embedder: SentenceTransformerEmbedder, **extra) -> Context:
    inbox = folder / f"{name}-inbox"
    inbox.mkdir()
    settings = Settings(
        _env_file=None, database_url=f"sqlite:///{folder}/{name}.db", inbox_dir=inbox, **extra
    )
    return build_context(settings, embedder=embedder)


def _raw_rate(folder: Path, name: str, embedder: SentenceTransformerEmbedder, bodies) -> float:
    """Papers per second of ingesting the days dropped into an empty inbox."""
    ctx = _context(folder, name, embedder)
    for day, body in bodies.items():
        (ctx.settings.inbox_dir / f"hf-daily_{day}.json").write_bytes(body)
    with timed() as elapsed:
        report = ingest_paths(ctx)
    seconds = elapsed()
    ctx.db.dispose()
    return report.new / seconds


@dataclass
class _Backfill:
    papers_per_s: float
    fetch_s: float
    requests: int
    bytes: int
    written: int
    waits_s: float


def _backfill(
    folder: Path, name: str, embedder: SentenceTransformerEmbedder, url: str
) -> _Backfill:
    """Fetch thirty days from the local server into an empty inbox, then ingest them."""
    ctx = _context(folder, name, embedder, sources="hf-daily", hf_api_url=url)
    waits: list[float] = []
    fetcher = build_fetcher(ctx.settings, sleep=waits.append)
    now = datetime.combine(FIRST + timedelta(days=DAYS - 1), datetime.min.time())
    with timed() as elapsed:
        fetched = fetch_sources(ctx, since=FIRST, now=now, fetcher=fetcher)
        fetch_s = elapsed()
        ingested = ingest_paths(ctx)
    total_s = elapsed()
    ctx.db.dispose()
    return _Backfill(
        ingested.new / total_s, fetch_s, fetched.requests, fetched.bytes, fetched.written,
        sum(waits),
    )  # fmt: skip


def run(report: Report) -> None:
    """Measure a 30-day backfill's fetch + ingest throughput against raw ingest."""
    embedder = SentenceTransformerEmbedder()
    embedder.encode(["warm up the model"] * 32)
    bodies = _days()
    raw_rates: list[float] = []
    backfills: list[_Backfill] = []
    with tempfile.TemporaryDirectory() as tmp, FakeSources() as fake:
        fake.serve(HF_PATH, lambda query: Recorded.of(bodies[query["date"]]))
        for n in range(ROUNDS):
            raw_rates.append(_raw_rate(Path(tmp), f"raw-{n}", embedder, bodies))
            backfills.append(_backfill(Path(tmp), f"fetch-{n}", embedder, fake.url))
    raw_rate = max(raw_rates)
    best = max(backfills, key=lambda b: b.papers_per_s)
    report.check(
        SECTION,
        "30-day HF backfill: fetch + ingest throughput ÷ raw ingest",
        best.papers_per_s / raw_rate,
        target=0.9,
        higher_is_better=True,
        fmt="{:.2f}",
        baseline=f"fetch+ingest {best.papers_per_s:.1f} vs raw ingest {raw_rate:.1f} papers/s",
    )
    report.add(SECTION, Figure("requests made (30 days)", str(best.requests), "= 30"))
    report.add(SECTION, Figure("bytes fetched", f"{best.bytes / 1024:.0f} KiB"))
    report.add(SECTION, Figure("fetch alone", f"{best.fetch_s:.2f} s ({best.written} files)"))
    papers = DAYS * PER_DAY
    report.note(
        SECTION,
        f"{papers} papers ({DAYS} days × {PER_DAY}), best of {ROUNDS} alternating runs each; "
        f"politeness waits not counted: {best.waits_s:.0f} s (one request a second to "
        f"Hugging Face), so a real 30-day backfill takes about "
        f"{papers / best.papers_per_s + best.waits_s:.0f} s here",
    )
