"""End to end with the real model: ingest the seed digests, then find papers by search."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.context import Context, build_context
from bot.embedder import SentenceTransformerEmbedder
from bot.settings import Settings
from jobs.ingest import ingest_paths

pytestmark = pytest.mark.model


@pytest.fixture
def real_ctx(settings: Settings, real_embedder: SentenceTransformerEmbedder) -> Iterator[Context]:
    context = build_context(settings, embedder=real_embedder)
    yield context
    context.db.dispose()


def test_seeds_ingest_and_known_items_are_found_first(real_ctx: Context, seeds_dir: Path) -> None:
    report = ingest_paths(real_ctx, [seeds_dir])
    assert report.failed == 0 and report.new > 50
    papers = real_ctx.library.papers(report.new_paper_ids)

    by_title = [
        real_ctx.library.search(p.title, limit=1)[0].paper.id == i for i, p in papers.items()
    ]
    assert sum(by_title) / len(by_title) >= 0.95

    first_sentences = {
        i: re.split(r"(?<=\.)\s", p.abstract, maxsplit=1)[0]
        for i, p in papers.items()
        if p.abstract
    }
    by_abstract = [
        real_ctx.library.search(text, limit=1)[0].paper.id == i
        for i, text in first_sentences.items()
    ]
    assert sum(by_abstract) / len(by_abstract) >= 0.8

    again = ingest_paths(real_ctx, [seeds_dir])
    assert again.new == 0 and all(f.skipped for f in again.files)
