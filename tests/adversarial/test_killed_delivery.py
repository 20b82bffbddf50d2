"""A worker killed (kill -9) while it held a message: the next `deliver --now` says what
waits and until when, `outbox` shows the holder, and `deliver --now --reclaim` sends it,
exactly once, even when the dead worker had posted it already."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot import members
from bot.context import Context
from bot.models import utcnow
from bot.slack.sender import EVENT_TYPE, worker_id
from bot.store import outbox
from cli import app
from jobs import deliver
from jobs.ingest import ingest_paths
from tests.cli_runner import ContextRunner
from tests.fake_slack import FakeSlack


@pytest.fixture
def cli(ctx: Context, fake_slack: FakeSlack, tmp_path: Path) -> ContextRunner:
    fake_slack.set_clock(time.time())  # message ts on the real clock, as Slack's are
    ctx.settings = ctx.settings.model_copy(update={"slack_api_url": fake_slack.url})
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps({"title": "Graph neural networks", "abstract": "graphs"}))
    ingest_paths(ctx, [path])
    members.follow(ctx, "T1", "U1", "graph neural networks")
    members.update_settings(ctx, "T1", "U1", days="daily", threshold=0.1)
    return ContextRunner(ctx)


def _dead_worker() -> str:
    """The id a worker that has just died would have had (a reaped child process)."""
    child = subprocess.Popen(["true"])
    child.wait()
    return f"{worker_id().rpartition(':')[0]}:{child.pid}"


def _claimed_by(ctx: Context, fake_slack: FakeSlack, holder: str, *, posted: bool) -> str:
    """U1's digest written to the outbox and claimed by `holder`, which then died (after
    posting it, when `posted`). Returns the row's key."""
    client = AsyncWebClient(token="xoxb-test-token", base_url=fake_slack.url)
    (planned,) = asyncio.run(deliver.build_due(ctx, client, now=utcnow(), force=True))
    assert deliver.write(ctx, planned, now=utcnow())
    claimed = outbox.claim_next(ctx.db, worker=holder, now=utcnow(), lease=timedelta(minutes=5))
    assert claimed is not None
    if posted:
        opened = asyncio.run(client.conversations_open(users="U1"))
        asyncio.run(
            client.chat_postMessage(
                channel=opened["channel"]["id"],
                text=claimed.payload.text,
                metadata={"event_type": EVENT_TYPE, "event_payload": {"key": claimed.key}},
            )
        )
    return claimed.key


@pytest.mark.parametrize("posted", [False, True], ids=["died-before-posting", "died-after"])
def test_a_killed_delivery_is_visible_and_recovered_once(
    cli: ContextRunner, ctx: Context, fake_slack: FakeSlack, posted: bool
) -> None:
    holder = _dead_worker()
    key = _claimed_by(ctx, fake_slack, holder, posted=posted)
    waiting = cli.invoke(app, ["deliver", "--now"])
    assert waiting.exit_code == 0, waiting.output
    assert f"waiting: {key} is held by {holder} until" in waiting.stdout
    assert "--reclaim" in waiting.stdout
    assert f"held by {holder}" in cli.invoke(app, ["outbox"]).stdout
    assert len(fake_slack.messages("DU1")) == (1 if posted else 0)
    reclaimed = cli.invoke(app, ["deliver", "--now", "--reclaim"])
    assert reclaimed.exit_code == 0, reclaimed.output
    assert f"reclaimed 1 message(s) from dead worker(s): {holder}" in reclaimed.stdout
    assert ("adopted=1" if posted else "sent=1") in reclaimed.stdout
    assert len(fake_slack.messages("DU1")) == 1  # never twice
    assert [row.state for row in outbox.list_rows(ctx.db)] == ["sent"]


def test_a_live_holder_is_never_reclaimed(
    cli: ContextRunner, ctx: Context, fake_slack: FakeSlack
) -> None:
    live = f"{worker_id().rpartition(':')[0]}:{os.getpid()}"  # this very process
    key = _claimed_by(ctx, fake_slack, live, posted=False)
    result = cli.invoke(app, ["deliver", "--now", "--reclaim", "--json"])
    report = json.loads(result.stdout)
    assert report["sent"] == 0 and report["held"][0]["key"] == key
    text = cli.invoke(app, ["deliver", "--now", "--reclaim"]).stdout
    assert f"not reclaimed: {live} is still running" in text
    elsewhere = "another-host:4242"
    with ctx.db.session() as session:
        from sqlmodel import update

        from bot.models import Outbox

        session.execute(update(Outbox).values(claimed_by=elsewhere))
    text = cli.invoke(app, ["deliver", "--now", "--reclaim"]).stdout
    assert f"not reclaimed: {elsewhere} runs on another host" in text
    assert fake_slack.messages("DU1") == []
