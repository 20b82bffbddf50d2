"""A serving replica follows papers another replica ingests, before anyone searches."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from bot.context import build_context
from bot.settings import Settings
from cli.serve import _follow_library
from jobs.ingest import ingest_paths
from tests.fakes import FakeEmbedder


async def test_the_background_poll_indexes_papers_ingested_elsewhere(
    database_url: str, tmp_path: Path
) -> None:
    settings = Settings(_env_file=None, database_url=database_url, index_sync_seconds=1)
    ingester, server = (build_context(settings, embedder=FakeEmbedder()) for _ in range(2))
    try:
        assert server.library.refresh() == 0  # the server's index is loaded, and empty
        digest = tmp_path / "one.jsonl"
        digest.write_text(json.dumps({"title": "Quantum codes", "abstract": "Codes."}) + "\n")
        assert ingest_paths(ingester, [digest]).new == 1
        follow = asyncio.create_task(_follow_library(server))
        await asyncio.sleep(3)  # a poll a second
        follow.cancel()
        assert server.library.refresh() == 0  # nothing left to catch up: the poll indexed it
    finally:
        for ctx in (ingester, server):
            ctx.db.dispose()
