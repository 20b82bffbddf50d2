"""Putting small sets of papers into a test database through the real ingest job.

The matching tests (profiles, digest, CLI) write a JSONL digest into `tmp_path` and ingest
it, so papers get ids, vectors and `ingested_at` exactly as in production.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import update

from bot.context import Context
from bot.models import PaperRow
from jobs.ingest import ingest_paths

__all__ = ["CORPUS", "add_papers", "set_ingested_at"]


def add_papers(
    ctx: Context, folder: Path, papers: list[dict[str, Any]], *, name: str = "d"
) -> dict[str, int]:
    """Ingest `papers` (dicts with title, abstract, …) and return their ids by title."""
    path = folder / f"{name}-{len(list(folder.glob('*.jsonl')))}.jsonl"
    path.write_text("\n".join(json.dumps(p) for p in papers), encoding="utf-8")
    report = ingest_paths(ctx, [path])
    assert report.failed == 0, report.files
    titles = {p["title"] for p in papers}
    views = ctx.library.papers(report.new_paper_ids)
    return {v.title: v.id for v in views.values() if v.title in titles}


def set_ingested_at(ctx: Context, paper_ids: list[int], when: datetime) -> None:
    """Move papers' ingestion time (to test digest windows)."""
    with ctx.db.session() as session:
        session.exec(update(PaperRow).where(PaperRow.id.in_(paper_ids)).values(ingested_at=when))  # type: ignore[call-overload,union-attr]


def _paper(
    title: str, abstract: str, authors: list[str], upvotes: int = 0, **extra: Any
) -> dict[str, Any]:
    return {"title": title, "abstract": abstract, "authors": authors, "upvotes": upvotes, **extra}


CORPUS = [
    _paper(
        "Frame interpolation for large motion video",
        "Video frame interpolation synthesizes intermediate frames. Large motion breaks optical "
        "flow estimators. We propose a multi-scale interpolation network for video frames.",
        ["Ann Lee", "Bo Chen"],
        30,
        arxiv_id="2202.04901",
    ),
    _paper(
        "Real-time intermediate flow estimation for video frame interpolation",
        "Intermediate flow is estimated in real time for video frame interpolation. We present "
        "a fast flow network. Interpolated frames are sharp.",
        ["Jane Doe"],
        5,
        url="https://example.org/rife",
    ),
    _paper(
        "Protein structure prediction with language models",
        "Protein structure prediction from sequence remains hard. We introduce a protein "
        "language model for structure prediction. Accuracy improves on hard targets.",
        ["Carl Smith"],
        12,
    ),
    _paper(
        "Protein folding dynamics at scale",
        "Protein folding dynamics are simulated at scale. Structure prediction of folding "
        "intermediates is compared. Protein structure ensembles emerge.",
        ["Dana White"],
        1,
    ),
    _paper(
        "Graph neural networks for molecule property regression",
        "Graph neural networks regress molecule properties. Message passing over bonds is used. "
        "We present a benchmark of graph models.",
        ["Eve Black"],
        3,
    ),
    _paper(
        "Reinforcement learning for robot grasping",
        "Robots learn grasping with reinforcement learning. Rewards are sparse. We design a "
        "curriculum for grasping policies.",
        ["Finn Gray"],
        0,
    ),
    _paper(
        "Tool use in large language model agents",
        "Large language model agents call tools. We study LLM tool use across tasks. Agents "
        "improve with retrieval.",
        ["Gil Ray"],
        50,
    ),
]
