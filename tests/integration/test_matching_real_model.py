"""With the real model: interests about video frame interpolation surface seed 002's
interpolation papers above the unrelated ones."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import members
from bot.context import Context, build_context
from bot.digest import build_member_digest
from bot.embedder import SentenceTransformerEmbedder
from bot.settings import Settings
from jobs.ingest import ingest_paths

pytestmark = pytest.mark.model

EXPECTED = {
    "FILM: Frame Interpolation for Large Motion",
    "Real-Time Intermediate Flow Estimation for Video Frame Interpolation",
    "AMT: All-Pairs Multi-Field Transforms for Efficient Frame Interpolation",
    "Clearer Frames, Anytime: Resolving Velocity Ambiguity in Video Frame Interpolation",
    "Generalizable Implicit Motion Modeling for Video Frame Interpolation",
}


@pytest.fixture
def model_ctx(settings: Settings, real_embedder: SentenceTransformerEmbedder) -> Iterator[Context]:
    context = build_context(settings, embedder=real_embedder)
    yield context
    context.db.dispose()


def test_interpolation_interests_surface_interpolation_papers(
    model_ctx: Context, seeds_dir: Path
) -> None:
    report = ingest_paths(model_ctx, [seeds_dir / "002_3b9c3ad7818f651d.txt"])
    assert report.new > 50
    members.follow(model_ctx, "T1", "U1", "video frame interpolation")
    members.follow(model_ctx, "T1", "U1", "optical flow for synthesizing intermediate frames")
    members.update_settings(model_ctx, "T1", "U1", max_papers=10)
    digest = build_member_digest(model_ctx, "T1", "U1")
    titles = [item.paper.title for item in digest.items]
    assert len(EXPECTED & set(titles[:8])) >= 4, titles
    unrelated = [t for t in titles if "Graph" in t or "Pruning" in t]
    assert not unrelated, titles
    top = digest.items[0]
    assert "interest *" in top.reason and top.summary and top.gist
    assert all(s in top.paper.abstract for s in [top.gist.rstrip("…")])
