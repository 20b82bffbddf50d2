"""Ids no Slack workspace would send, typed at the command line: refused with one line,
nobody created."""

from __future__ import annotations

import pytest

from bot.context import Context
from bot.store import members as member_store
from cli import app
from tests.cli_runner import ContextRunner


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["member", "add", ""], "is not a Slack user id"),
        (["member", "add", "U" + "X" * 5000], "is not a Slack user id"),
        (["member", "add", "<!channel>", "-i", "graphs"], "is not a Slack user id"),
        (["member", "add", "u123"], "is not a Slack user id"),
        (["member", "add", "U123", "--team", "'; DROP TABLE member; --"], "workspace id"),
    ],
    ids=["empty", "huge", "channel-mention", "lower-case", "sql-team"],
)
def test_a_member_id_slack_never_sends_is_refused(
    ctx: Context, args: list[str], message: str
) -> None:
    result = ContextRunner(ctx).invoke(app, args)
    assert result.exit_code == 2 and message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert member_store.unpaused_members(ctx.db) == []


def test_real_ids_are_taken(ctx: Context) -> None:
    result = ContextRunner(ctx).invoke(app, ["member", "add", "W0G3ABC", "--team", "T024BE7LD"])
    assert result.exit_code == 0, result.output
    assert member_store.load_states(ctx.db, "T024BE7LD", ["W0G3ABC"])


def test_an_unreachable_database_is_one_line_without_the_password() -> None:
    from typer.testing import CliRunner

    url = "postgresql+psycopg://bob:s3cret@127.0.0.1:1/nothing"
    result = CliRunner().invoke(app, ["member", "show", "U1"], env={"DATABASE_URL": url})
    assert result.exit_code == 2
    assert result.output.strip().startswith("error: DATABASE_URL (")
    assert len(result.output.strip().splitlines()) == 1 and "s3cret" not in result.output
