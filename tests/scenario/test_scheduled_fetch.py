"""The scheduler's ingest round with sources configured: what is in the inbox is ingested
first, a source that keeps failing delays nothing else, and shutdown ends its waits."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from bot.context import Context
from bot.store import papers as paper_store
from bot.store import sources as source_store
from jobs.scheduler import build_scheduler
from tests.clock import until
from tests.fake_sources import HF_PATH, FakeSources, Recorded


@pytest.fixture
def failing_source(ctx: Context) -> Iterator[FakeSources]:
    with FakeSources() as fake:
        fake.serve(HF_PATH, Recorded.load("hf_daily_papers_503"))
        ctx.settings = ctx.settings.model_copy(
            update={"sources": "hf-daily arxiv:cs.CV+cs.LG", "hf_api_url": fake.url,
                    "arxiv_rss_url": fake.url}
        )  # fmt: skip
        yield fake


async def test_a_failing_source_delays_neither_the_inbox_nor_shutdown(
    ctx: Context, client, failing_source: FakeSources
) -> None:
    dropped = ctx.settings.inbox_dir / "reading_list.jsonl"
    dropped.write_text(json.dumps({"title": "Dropped by hand", "abstract": "Already here."}))
    scheduler = build_scheduler(ctx, client)
    scheduler.start()
    await until(lambda: paper_store.count_papers(ctx.db) == 1)  # before any fetch answered
    await until(lambda: len(failing_source.requests(HF_PATH)) >= 2)  # retrying with backoff
    await scheduler.drain(grace=30)  # ends the backoff wait instead of sitting it out
    assert not scheduler.running
    states = source_store.fetch_states(ctx.db, ["hf-daily", "arxiv:cs.CV+cs.LG"])
    assert states["hf-daily"].result == "failed" and "HTTP 503" in states["hf-daily"].error
    assert "arxiv:cs.CV+cs.LG" not in states  # never asked: nothing recorded
