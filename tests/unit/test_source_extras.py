"""What a source says beyond title and abstract, from the store to the message: arXiv
replacements are stored and searchable but never delivered as new; Hugging Face's
`ai_summary` is the digest's gist and `githubRepo` a "code" link."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot import members
from bot.context import Context
from bot.digest import build_channel_digest, build_member_digest
from bot.slack import blocks
from bot.store import papers as paper_store
from bot.summaries import GIST_CHARS, truncate
from jobs.ingest import ingest_paths
from tests.conftest import FIXTURES_DIR

SAMPLES = FIXTURES_DIR / "sources"
REPLACED = {"2405.17321", "2403.09114"}
T = "T1"


@pytest.fixture
def feeds(ctx: Context) -> None:
    """The arXiv feed first (no gists, no code links), then Hugging Face's list of the day."""
    for name in ("arxiv_rss_cs.CV+cs.LG.xml", "hf_daily_papers_2024-06-18.json"):
        assert ingest_paths(ctx, [SAMPLES / name]).failed == 0


def _member(ctx: Context, user: str, *interests: str) -> None:
    members.ensure_member(ctx, T, user)
    for text in interests:
        members.follow(ctx, T, user, text)
    members.update_settings(ctx, T, user, threshold=0.0, max_papers=20)


@pytest.mark.usefixtures("feeds")
def test_replacements_are_searchable_but_never_delivered_as_new(ctx: Context) -> None:
    hits = ctx.library.search("Flat Minima Revisited sharpness generalization", limit=3)
    assert hits[0].paper.arxiv_id == "2405.17321" and hits[0].paper.announce == "replace"
    _member(ctx, "U1", "flat minima sharpness generalization fine-tuning",
            "radio interferometric imaging score-based priors", "conformal prediction")  # fmt: skip
    delivered = {i.paper.arxiv_id for i in build_member_digest(ctx, T, "U1").items}
    assert delivered and not delivered & REPLACED
    assert "2406.11522" in delivered  # a cross-list is a new paper for the category
    channel = build_channel_digest(ctx, T, "C1", ["U1"])
    assert channel.items and not {i.paper.arxiv_id for i in channel.items} & REPLACED


@pytest.mark.usefixtures("feeds")
def test_a_later_source_adds_the_gist_and_code_link(ctx: Context) -> None:
    rows = {r.arxiv_id: r for r in paper_store.get_papers(ctx.db, range(1, 50))}
    lumaflow = rows["2406.12031"]  # stored from the arXiv feed, enriched by Hugging Face
    assert lumaflow.announce == "new"
    assert lumaflow.gist and lumaflow.gist_source == "Hugging Face"
    assert lumaflow.code_url == "https://github.com/lumaflow-research/lumaflow"
    assert rows["2406.12260"].gist is None  # Hugging Face gave it no ai_summary


@pytest.mark.usefixtures("feeds")
def test_the_digest_shows_the_sources_gist_and_a_code_link(ctx: Context) -> None:
    _member(ctx, "U1", "relighting portrait video with rectified flow transformers")
    digest = build_member_digest(ctx, T, "U1")
    by_id = {i.paper.arxiv_id: i for i in digest.items}
    lumaflow = by_id["2406.12031"]
    assert lumaflow.paper.gist  # HF's line (cut to a line), not an extracted sentence
    assert lumaflow.gist == truncate(lumaflow.paper.gist, GIST_CHARS)
    assert lumaflow.gist.rstrip("…") not in lumaflow.paper.abstract
    others = [i for i in digest.items if not i.paper.gist]
    assert others and all(
        i.gist.rstrip("…") in i.paper.abstract for i in others
    )  # extracted as before
    message = json.dumps(blocks.member_digest_message(digest).to_kwargs(), ensure_ascii=False)
    assert "<https://github.com/lumaflow-research/lumaflow|code>" in message
    assert "(Hugging Face AI summary)" in message


def test_search_results_show_the_gist_and_code_link(ctx: Context, tmp_path: Path) -> None:
    ingest_paths(ctx, [SAMPLES / "hf_daily_papers_2024-06-18.json"])
    hits = ctx.library.search("relightable portrait video", limit=1)
    message = json.dumps(blocks.search_results_message("portrait", hits).to_kwargs())
    assert hits[0].paper.gist and json.dumps(hits[0].paper.gist)[1:40] in message
    assert "|code>" in message
