"""What real feeds contain (issue 11): arXiv announce types, dates from the feed, the old RDF
format, comparison signs in plain-text abstracts, empty feeds, and Hugging Face's extras."""

from __future__ import annotations

import json
import logging
import re
from datetime import date
from pathlib import Path

import pytest

from bot.context import Context
from bot.sources import parse_file, parse_text
from bot.store import papers as paper_store
from cli import app
from jobs.ingest import ingest_paths
from tests.cli_runner import ContextRunner
from tests.conftest import FIXTURES_DIR

SAMPLES = FIXTURES_DIR / "sources"
RSS = SAMPLES / "arxiv_rss_cs.CV+cs.LG.xml"
RDF = SAMPLES / "arxiv_rdf_cs.LG_2021.xml"
HF = SAMPLES / "hf_daily_papers_2024-06-18.json"


def test_rss_keeps_each_announce_type() -> None:
    papers = parse_file(RSS).papers
    assert [(p.arxiv_id, p.announce) for p in papers] == [
        ("2406.11654", "new"),
        ("2406.11903", "new"),
        ("2406.12031", "new"),
        ("2406.12149", "new"),
        ("2406.11522", "cross"),
        ("2406.11817", "cross"),
        ("2405.17321", "replace"),  # v2: a new version, keeps its old id
        ("2403.09114", "replace-cross"),
    ]
    assert {p.published for p in papers} == {date(2024, 6, 18)}  # "00:00:00 -0400" is the 18th


def test_parse_json_shows_the_announce_type(ctx: Context) -> None:
    runner = ContextRunner(ctx)
    rss = json.loads(runner.invoke(app, ["parse", str(RSS), "--json"]).stdout)
    assert [p["announce"] for p in rss][-2:] == ["replace", "replace-cross"]
    hf = json.loads(runner.invoke(app, ["parse", str(HF), "--json"]).stdout)
    assert {p["announce"] for p in hf} == {None}  # Hugging Face has no such notion


def test_comparison_signs_survive_where_the_field_is_plain_text() -> None:
    claim = "drops to < 50% for n > 3 agents"
    for path in (RSS, HF, SAMPLES / "semantic_scholar_search.json"):
        (paper,) = [p for p in parse_file(path).papers if p.arxiv_id == "2406.11817"]
        assert claim in paper.abstract, path.name
        assert "credit assignment & accountability" in paper.abstract
    (rdf,) = [p for p in parse_file(RDF).papers if p.arxiv_id == "2107.03419"]
    assert "(p < 0.01 against a permutation baseline)" in rdf.abstract  # markup, unescaped
    assert "Clothing1M & WebVision" in rdf.abstract and "<p>" not in rdf.abstract


def test_old_rdf_feed_titles_authors_markers_and_date() -> None:
    result = parse_file(RDF)
    assert (result.format, result.problems) == ("arxiv", [])
    papers = {p.arxiv_id: p for p in result.papers}
    study = papers["2107.03188"]
    assert (
        study.title
        == "A Large-Scale Study of Augmentation Policies for Self-Supervised Speech Models"
    )
    assert study.authors == ("Lucas Ramos", "Hannah Becker")
    assert study.author_count == 14  # "et al. (12 additional authors not shown)"
    assert papers["2107.03350"].authors == ("Thomas Müller", "Ana-Maria Popescu")
    assert {p: papers[p].announce for p in papers} == {
        "2107.03188": "new",
        "2107.03419": "new",
        "2107.03350": "cross",  # CROSS LISTED
        "2107.01234": "replace",  # UPDATED, primary cs.LG
        "2106.14437": "replace-cross",  # UPDATED, primary cs.CV in a cs.LG feed
    }
    assert all("arXiv:" not in p.title and "UPDATED" not in p.title for p in papers.values())
    # no item has a date: the channel's dc:date (20:30 -05:00 on 8 July) is every paper's
    assert {p.published for p in papers.values()} == {date(2021, 7, 8)}


def test_rss_items_without_a_date_take_the_channels() -> None:
    channel, items = RSS.read_text(encoding="utf-8").split("<item>", 1)
    undated = channel + "<item>" + re.sub(r"\s*<pubDate>[^<]*</pubDate>", "", items)
    assert undated.count("<pubDate>") == 1  # the channel's only
    assert {p.published for p in parse_text(undated).papers} == {date(2024, 6, 18)}


def test_atom_titles_are_unwrapped_and_have_no_announce_type() -> None:
    papers = parse_file(SAMPLES / "arxiv_atom_export_api.xml").papers
    assert papers[0].title == (
        "Sparse Reward Shaping from Natural-Language Critiques for Long-Horizon Web Agents"
    )
    assert {p.announce for p in papers} == {None}
    assert papers[-1].published == date(2024, 3, 14)  # v1's date, not this version's


@pytest.mark.parametrize(
    "name", ["arxiv_rss_empty_weekend.xml", "arxiv_atom_empty.xml", "hf_daily_papers_empty.json"]
)
def test_an_empty_feed_is_zero_papers_not_an_error(name: str) -> None:
    result = parse_file(SAMPLES / name)
    assert (result.papers, result.problems) == ([], [])


def test_an_empty_feed_is_recorded_once_and_never_retried(
    ctx: Context, caplog: pytest.LogCaptureFixture
) -> None:
    inbox = ctx.settings.inbox_dir
    for name in ("arxiv_rss_empty_weekend.xml", "hf_daily_papers_empty.json"):
        (inbox / name).write_bytes((SAMPLES / name).read_bytes())
    with caplog.at_level(logging.INFO):
        report = ingest_paths(ctx)
    assert [(Path(f.path).name, f.papers, f.error) for f in report.files] == [
        ("arxiv_rss_empty_weekend.xml", 0, None),
        ("hf_daily_papers_empty.json", 0, None),
    ]
    assert report.failed == 0 and not any(r.levelno >= logging.WARNING for r in caplog.records)
    for name in ("arxiv_rss_empty_weekend.xml", "hf_daily_papers_empty.json"):
        record = paper_store.find_inbox_file(ctx.db, _sha256(inbox / name))
        assert record is not None and (record.status, record.papers) == ("ok", 0)
    assert all(f.skipped for f in ingest_paths(ctx).files)


def test_hugging_face_ai_summary_is_the_gist_and_github_repo_the_code_link() -> None:
    papers = {p.arxiv_id: p for p in parse_file(HF).papers}
    lumaflow = papers["2406.12031"]
    assert lumaflow.gist and lumaflow.gist_source == "Hugging Face"
    assert lumaflow.code_url == "https://github.com/lumaflow-research/lumaflow"
    assert papers["2406.12260"].gist is None  # no ai_summary on this item
    assert papers["2406.11903"].code_url is None  # a github.com projectPage is not githubRepo
    assert papers["2406.11817"].title == (
        "When Do LLM Agents Cooperate? Emergent Reciprocity in Repeated Negotiation Games"
    )  # the wrapped title ("\n  ") is one line


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()
