"""`paperboy member add|show` and `paperboy digest --member` over a test context."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot import members
from bot.context import Context
from bot.store import members as member_store
from cli import app
from tests.cli_runner import ContextRunner
from tests.paper_files import CORPUS, add_papers


@pytest.fixture
def runner(ctx: Context, tmp_path: Path) -> CliRunner:
    add_papers(ctx, tmp_path, CORPUS)
    return ContextRunner(ctx)


def test_member_add_show_and_digest_json(runner: CliRunner) -> None:
    added = runner.invoke(
        app,
        [
            "member",
            "add",
            "U123",
            "--interest",
            "video frame interpolation",
            "--interest",
            "protein structure prediction",
            "--team",
            "T1",
        ],
    )
    assert added.exit_code == 0, added.output
    shown = runner.invoke(app, ["member", "show", "U123", "--team", "T1", "--json"])
    profile = json.loads(shown.stdout)
    assert [i["text"] for i in profile["interests"]] == [
        "video frame interpolation",
        "protein structure prediction",
    ]
    assert profile["member"]["user_id"] == "U123"
    result = runner.invoke(app, ["digest", "--member", "U123", "--team", "T1", "--json"])
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)
    assert len(items) == 4
    assert set(items[0]) == {"paper_id", "title", "score", "reason", "summary", "url"}
    assert items[0]["url"].startswith("https://")


def test_errors_and_notes_are_clear(runner: CliRunner) -> None:
    duplicate = runner.invoke(app, ["member", "add", "U1", "-i", "graphs", "-i", "Graphs"])
    assert duplicate.exit_code == 2 and "already follow" in duplicate.output
    bad_date = runner.invoke(app, ["digest", "--member", "U1", "--date", "yesterday"])
    assert bad_date.exit_code == 2
    assert "--date must be a date" in bad_date.output
    cold = runner.invoke(app, ["digest", "--member", "U9"])
    assert "/papers follow" in cold.output
    past = (date.today() - timedelta(days=30)).isoformat()
    empty = runner.invoke(app, ["digest", "--member", "U1", "--date", past, "--json"])
    assert json.loads(empty.stdout) == []


def test_showing_an_unknown_member_says_so_and_creates_nobody(runner: CliRunner) -> None:
    unknown = runner.invoke(app, ["member", "show", "U404", "--json"])
    assert unknown.exit_code == 2 and "no member U404" in unknown.output
    again = runner.invoke(app, ["member", "show", "U404"])
    assert again.exit_code == 2  # the first call did not create the member


def test_without_team_a_command_means_the_members_workspace(ctx: Context) -> None:
    members.follow(ctx, "T1", "U5", "graph neural networks")  # as `/papers follow` in T1 does
    runner = ContextRunner(ctx)
    shown = runner.invoke(app, ["member", "show", "U5", "--json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["member"]["team_id"] == "T1"
    added = runner.invoke(app, ["member", "add", "U6", "-i", "proteins"])  # the one workspace
    assert added.exit_code == 0, added.output
    assert member_store.load_states(ctx.db, "T1", ["U6"])
    members.follow(ctx, "T2", "U7", "x rays")  # a second workspace: now it must be named
    ambiguous = runner.invoke(app, ["member", "add", "U8", "-i", "lasers"])
    assert ambiguous.exit_code == 0 and member_store.load_states(ctx.db, "", ["U8"])
