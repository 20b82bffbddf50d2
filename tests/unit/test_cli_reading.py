"""`paperboy saved`, `paperboy hot`, `paperboy member import` and `member add --author` over
a test context (and, for `saved --dm`, the fake Slack Web API)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot import channels, members
from bot.context import Context, build_context
from bot.settings import Settings
from cli import app
from tests.cli_runner import ContextRunner
from tests.fake_slack import FakeSlack
from tests.fakes import FakeEmbedder
from tests.paper_files import CORPUS, add_papers

T = "T1"


@pytest.fixture
def ids(ctx: Context, tmp_path: Path) -> list[int]:
    by_title = add_papers(ctx, tmp_path, CORPUS)
    return [by_title[p["title"]] for p in CORPUS]


@pytest.fixture
def runner(ctx: Context) -> ContextRunner:
    return ContextRunner(ctx)


def save(ctx: Context, paper_ids: list[int]) -> None:
    for paper_id in paper_ids:
        members.record_feedback(ctx, T, "U1", paper_id, "save")


def test_saved_lists_and_exports(runner, ctx, ids, tmp_path: Path) -> None:
    save(ctx, ids[:2])
    listed = runner.invoke(app, ["saved", "U1", "--team", T])
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.splitlines()[0].startswith(f"1. {CORPUS[1]['title']}  https://")
    bib = runner.invoke(app, ["saved", "U1", "--team", T, "--format", "bibtex"])
    assert bib.exit_code == 0 and bib.stdout.count("@misc{") == 2
    assert "eprint = {2202.04901}" in bib.stdout
    out = tmp_path / "saved.ris"
    written = runner.invoke(app, ["saved", "U1", "--team", T, "-f", "ris", "-o", str(out)])
    assert written.exit_code == 0 and out.read_text().count("ER  - ") == 2
    nothing = runner.invoke(app, ["saved", "U2", "--team", T, "--format", "bibtex"])
    assert nothing.exit_code == 2 and "haven't saved" in nothing.output
    bad = runner.invoke(app, ["saved", "U1", "--format", "pdf"])
    assert bad.exit_code == 2 and "text, bibtex or ris" in bad.output


def test_saved_dm_uploads_through_slack(ctx, ids, settings: Settings) -> None:
    save(ctx, ids[:3])
    with FakeSlack() as fake:
        slack = build_context(
            settings.model_copy(update={"slack_api_url": fake.url}), embedder=FakeEmbedder()
        )
        result = ContextRunner(slack).invoke(
            app, ["saved", "U1", "--team", T, "--format", "bibtex", "--dm"]
        )
        slack.db.dispose()
        assert result.exit_code == 0, result.output
        (upload,) = fake.uploads()
    assert upload["channel"] == "DU1" and upload["filename"] == "paperboy-saved.bib"
    assert upload["content"].decode().count("@misc{") == 3


def test_member_import_a_bibtex_library(runner, ctx, ids, tmp_path: Path) -> None:
    path = tmp_path / "library.bib"
    path.write_text(
        "@article{a, title={Protein structure prediction with language models}, year={2024}}\n"
        "@misc{b, title={Anything}, eprint={2202.04901}, archivePrefix={arXiv}, year={2023}}\n"
        "@misc{c, title={Never heard of it}, year={2022}}\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["member", "import", "U1", str(path), "--team", T])
    assert result.exit_code == 0, result.output
    assert "read 3 (bibtex) · found 2 · used 2 as seeds" in result.stdout
    assert "1 not in the library" in result.stdout
    as_json = runner.invoke(app, ["member", "import", "U1", str(path), "--team", T, "--json"])
    assert json.loads(as_json.stdout)["used"] == 2
    shown = runner.invoke(app, ["member", "show", "U1", "--team", T])
    assert "2 seeds from an imported library" in shown.stdout
    missing = runner.invoke(app, ["member", "import", "U1", str(tmp_path / "nope.bib")])
    assert missing.exit_code == 2 and "couldn't read nope.bib" in missing.output


def test_member_add_follows_authors(runner, ctx) -> None:
    result = runner.invoke(app, ["member", "add", "U1", "--team", T, "--author", "Jane Doe"])
    assert result.exit_code == 0 and "U1 follows author: Jane Doe" in result.stdout
    assert members.profile(ctx, T, "U1").authors == ["Jane Doe"]
    refused = runner.invoke(app, ["member", "add", "U1", "--team", T, "--author", "Doe"])
    assert refused.exit_code == 2 and "first name or initial" in refused.output


def test_hot_with_named_members(runner, ctx, ids) -> None:
    channels.enable_channel(ctx, T, "C1")
    members.update_settings(ctx, T, "U1", share_votes=True)
    members.record_feedback(ctx, T, "U1", ids[0], "up")
    result = runner.invoke(app, ["hot", "C1", "--team", T, "--member", "U1", "--member", "U2"])
    assert result.exit_code == 0, result.output
    assert f"1. {CORPUS[0]['title']}  👍 1  🔖 0  by U1" in result.stdout
    as_json = runner.invoke(app, ["hot", "C1", "--team", T, "--member", "U1", "--json"])
    assert json.loads(as_json.stdout)["papers"][0]["people"] == ["U1"]
    off = runner.invoke(app, ["hot", "C9", "--team", T, "--member", "U1"])
    assert off.exit_code == 2 and "channel on" in off.output
    bad = runner.invoke(app, ["hot", "C1", "--days", "3", "--member", "U1"])
    assert bad.exit_code == 2 and "--days" in bad.output
