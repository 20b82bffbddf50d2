"""A crash at each step of delivery, then a restart: every recipient gets exactly one message."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot import members
from bot.context import Context
from bot.models import utcnow
from bot.slack.sender import Sender
from bot.store import outbox
from jobs import deliver
from jobs.ingest import ingest_paths
from jobs.scheduler import build_scheduler
from tests.clock import FakeClock, until
from tests.fake_slack import FakeSlack

USERS = ("U1", "U2", "U3")


@pytest.fixture
def clock(fake_slack: FakeSlack) -> FakeClock:
    """09:00 UTC tomorrow: everyone is due; Slack ts follow this clock."""
    start = (utcnow() + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    fake_slack.set_clock(start.replace(tzinfo=UTC).timestamp())
    return FakeClock(start)


@pytest.fixture(autouse=True)
def team(ctx: Context, tmp_path: Path) -> None:
    path = tmp_path / "source.jsonl"
    titles = ["Graph neural networks for chemistry", "Scaling graph neural networks"]
    path.write_text("\n".join(json.dumps({"title": t, "abstract": t}) for t in titles))
    ingest_paths(ctx, [path])
    for user_id in USERS:
        members.ensure_member(ctx, "T1", user_id)
        members.follow(ctx, "T1", user_id, "graph neural networks")
        members.update_settings(ctx, "T1", user_id, days="daily", threshold=0.1)


def crash_once(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, *, after: int = 0) -> None:
    """Make `owner.name` raise on its call number `after + 1`, then behave again."""
    real = getattr(owner, name)
    calls = {"n": 0}

    def maybe_crash(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == after + 1:
            raise RuntimeError(f"crash in {name}")
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, maybe_crash)


async def restart(ctx: Context, client: AsyncWebClient, clock: FakeClock) -> deliver.DeliverReport:
    """A fresh process after the claim lease ran out: one tick."""
    clock.advance(minutes=6)
    sender = Sender(ctx, client, clock=clock.now, sleep=clock.sleep, worker="restarted")
    return await deliver.run(ctx, client, now=clock.now(), sender=sender)


def assert_one_message_each(ctx: Context, fake: FakeSlack) -> None:
    assert [len(fake.messages("D" + u)) for u in USERS] == [1, 1, 1]
    assert {r.state for r in outbox.list_rows(ctx.db)} == {"sent"}


@pytest.mark.parametrize(
    ("owner", "name", "after"),
    [
        (deliver, "write", 1),  # while writing the outbox: one row in, the rest not
        (outbox, "claim_next", 0),  # after every outbox write, before any send
        (outbox, "set_conversation", 1),  # DM opened, not posted yet
        (outbox, "mark_sent", 0),  # Slack accepted, state not saved
        (outbox, "mark_sent", 2),  # the last one accepted, not saved
    ],
)
async def test_crash_then_restart_sends_exactly_once(
    ctx, fake_slack, client, clock, monkeypatch, owner, name, after
) -> None:
    crash_once(monkeypatch, owner, name, after=after)
    with pytest.raises(RuntimeError, match=f"crash in {name}"):
        await restart(ctx, client, clock)
    await restart(ctx, client, clock)
    assert_one_message_each(ctx, fake_slack)
    assert (await restart(ctx, client, clock)).due == 0


async def test_cancelled_round_resumes_exactly_once(ctx, fake_slack, client, clock) -> None:
    fake_slack.delay("chat.postMessage", 0.3)
    task = asyncio.create_task(restart(ctx, client, clock))
    await until(lambda: fake_slack.calls("chat.postMessage"))
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await until(lambda: fake_slack.messages("DU1"))  # Slack still completes the abandoned request
    fake_slack.delay("chat.postMessage", 0)
    report = await restart(ctx, client, clock)
    assert (report.adopted, report.sent) == (1, 2)
    assert_one_message_each(ctx, fake_slack)


async def test_shutdown_finishes_the_message_in_flight_and_loses_nothing(
    ctx, fake_slack, client, clock
) -> None:
    fake_slack.delay("chat.postMessage", 0.3)
    scheduler = build_scheduler(ctx, client, clock=clock.now, sleep=clock.sleep)
    scheduler.start()
    await until(lambda: fake_slack.calls("chat.postMessage"))
    await scheduler.drain()  # SIGTERM: stop between messages
    assert not scheduler.running
    states = sorted(r.state for r in outbox.list_rows(ctx.db))
    assert states == ["pending", "pending", "sent"]
    assert sum(len(fake_slack.messages("D" + u)) for u in USERS) == 1
    fake_slack.delay("chat.postMessage", 0)
    await restart(ctx, client, clock)
    assert_one_message_each(ctx, fake_slack)


async def test_a_follower_replica_does_nothing(ctx, fake_slack, client, clock) -> None:
    asked: list[str] = []
    scheduler = build_scheduler(
        ctx, client, clock=clock.now, is_leader=lambda: bool(asked.append("asked"))
    )
    scheduler.start()
    await until(lambda: len(asked) >= 2)  # both jobs fired and asked
    await scheduler.drain()
    assert outbox.list_rows(ctx.db) == [] and fake_slack.calls("chat.postMessage") == []
