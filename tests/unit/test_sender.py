"""bot.slack.sender against the fake Slack Web API: posts, retries, failures, idempotency."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.context import Context
from bot.slack.sender import EVENT_TYPE, Sender
from bot.store import outbox
from bot.store.outbox import OutboxPayload
from tests.clock import FakeClock, until
from tests.fake_slack import FakeSlack

START = datetime(2023, 11, 14, 9, 0)  # before the fake's first message ts, like real life


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def sender(ctx: Context, fake_slack: FakeSlack, clock: FakeClock) -> Sender:
    client = AsyncWebClient(token="xoxb-test-token", base_url=fake_slack.url)
    return Sender(ctx, client, clock=clock.now, sleep=clock.sleep, worker="test")


def enqueue(
    ctx: Context, clock: FakeClock, recipient: str = "U1", kind: str = "dm", key: str | None = None
) -> int:
    row_id = outbox.enqueue(
        ctx.db,
        key=key or f"{kind}:T1:{recipient}:2023-11-14",
        kind=kind,
        recipient=recipient,
        period="2023-11-14",
        payload=OutboxPayload("3 papers"),
        now=clock.now(),
    )
    assert row_id is not None
    return row_id


def rows(ctx: Context) -> dict[str, tuple[Any, ...]]:
    return {r.key: (r.state, r.attempts, r.last_error) for r in outbox.list_rows(ctx.db)}


def posted(fake: FakeSlack, channel: str = "DU1") -> list[dict[str, Any]]:
    return fake.messages(channel)


async def test_dm_is_posted_with_its_key_and_marked_sent(ctx, fake_slack, sender, clock) -> None:
    enqueue(ctx, clock)
    report = await sender.send_round()
    assert report.sent == 1
    assert fake_slack.calls("conversations.open")[0]["users"] == "U1"
    (message,) = posted(fake_slack)
    assert message["metadata"] == {
        "event_type": EVENT_TYPE,
        "event_payload": {"key": "dm:T1:U1:2023-11-14"},
    }
    (row,) = outbox.list_rows(ctx.db)
    assert (row.state, row.ts) == ("sent", message["ts"])
    assert (await sender.send_round()).sent == 0


async def test_429_waits_retry_after_then_posts_once(ctx, fake_slack, sender, clock) -> None:
    enqueue(ctx, clock)
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=7)
    report = await sender.send_round()
    assert report.sent == 1 and clock.slept == [7.0]
    assert len(posted(fake_slack)) == 1


async def test_permanent_error_fails_once_and_is_recorded(ctx, fake_slack, sender, clock) -> None:
    enqueue(ctx, clock)
    fake_slack.fail_next("chat.postMessage", error="account_inactive")
    assert (await sender.send_round()).failed == 1
    clock.advance(days=1)
    assert (await sender.send_round()).failed == 0
    assert len(fake_slack.calls("chat.postMessage")) == 1
    assert rows(ctx) == {"dm:T1:U1:2023-11-14": ("failed", 1, "account_inactive")}
    with ctx.db.session() as session:
        assert [f.last_error for f in outbox.recent_failures(session, "U1")] == ["account_inactive"]


async def test_transient_errors_back_off_then_give_up(ctx, fake_slack, sender, clock) -> None:
    ctx.settings = ctx.settings.model_copy(update={"max_send_attempts": 3})
    enqueue(ctx, clock)
    fake_slack.fail_next("chat.postMessage", error="service_unavailable", status=503, times=3)
    assert (await sender.send_round()).retried == 1
    clock.advance(seconds=29)
    assert (await sender.send_round()).retried == 0  # backing off for 30 s
    clock.advance(seconds=1)
    assert (await sender.send_round()).retried == 1  # then 60 s
    clock.advance(seconds=60)
    assert (await sender.send_round()).failed == 1
    assert rows(ctx)["dm:T1:U1:2023-11-14"][:2] == ("failed", 3)
    assert posted(fake_slack) == []


async def test_timeout_is_retried_after_checking_history(ctx, fake_slack, sender, clock) -> None:
    enqueue(ctx, clock)
    fake_slack.fail_next("conversations.open", error="request_timeout")
    assert (await sender.send_round()).retried == 1
    clock.advance(minutes=1)
    assert (await sender.send_round()).sent == 1
    assert len(fake_slack.calls("conversations.history")) == 1
    assert len(posted(fake_slack)) == 1


async def test_crash_after_slack_accepted_adopts_instead_of_reposting(
    ctx, fake_slack, sender, clock, monkeypatch
) -> None:
    enqueue(ctx, clock)
    real_mark_sent = outbox.mark_sent

    def crash_once(*args: Any, **kwargs: Any) -> None:
        monkeypatch.setattr(outbox, "mark_sent", real_mark_sent)
        raise RuntimeError("process killed before the state was saved")

    monkeypatch.setattr(outbox, "mark_sent", crash_once)
    with pytest.raises(RuntimeError):
        await sender.send_round()
    assert rows(ctx)["dm:T1:U1:2023-11-14"][0] == "sending"
    assert (await sender.send_round()).adopted == 0  # the claim has not expired yet
    clock.advance(minutes=6)
    report = await sender.send_round()
    assert (report.adopted, report.sent) == (1, 0)
    (message,) = posted(fake_slack)
    (row,) = outbox.list_rows(ctx.db)
    assert (row.state, row.ts) == ("sent", message["ts"])


async def test_cancelled_mid_post_is_sent_exactly_once_later(
    ctx, fake_slack, sender, clock
) -> None:
    enqueue(ctx, clock)
    fake_slack.delay("chat.postMessage", 0.3)
    task = asyncio.create_task(sender.send_round())
    await until(lambda: fake_slack.calls("chat.postMessage"))
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await until(lambda: posted(fake_slack))  # Slack finishes the request the client gave up on
    fake_slack.delay("chat.postMessage", 0)
    clock.advance(seconds=1)
    report = await sender.send_round()
    assert report.adopted == 1
    assert len(posted(fake_slack)) == 1


async def test_posts_to_one_channel_are_paced(ctx, fake_slack, sender, clock) -> None:
    ctx.settings = ctx.settings.model_copy(update={"slack_post_interval_seconds": 1.0})
    enqueue(ctx, clock, "C1", "channel", key="channel:T1:C1:a")
    enqueue(ctx, clock, "C1", "channel", key="channel:T1:C1:b")
    enqueue(ctx, clock, "C2", "channel", key="channel:T1:C2:a")
    assert (await sender.send_round()).sent == 3
    assert clock.slept == [1.0]
    assert len(posted(fake_slack, "C1")) == 2 and len(posted(fake_slack, "C2")) == 1


async def test_dropped_connection_after_the_post_never_posts_twice(
    ctx, fake_slack, sender, clock
) -> None:
    enqueue(ctx, clock)
    fake_slack.drop_next("chat.postMessage")  # Slack posted it; the answer was lost
    assert (await sender.send_round()).retried == 1
    assert len(fake_slack.calls("chat.postMessage")) == 1  # the client did not re-post
    assert rows(ctx)["dm:T1:U1:2023-11-14"][0] == "pending"
    clock.advance(minutes=5)
    assert (await sender.send_round()).adopted == 1  # found in history, not posted again
    assert len(posted(fake_slack)) == 1 and len(fake_slack.calls("chat.postMessage")) == 1


def test_sender_posts_without_client_retry_handlers(ctx, fake_slack) -> None:
    client = AsyncWebClient(token="xoxb-test-token", base_url=fake_slack.url)
    sender = Sender(ctx, client)
    assert sender.client.retry_handlers == []
    assert (sender.client.token, sender.client.base_url) == (client.token, client.base_url)
    assert client.retry_handlers  # the app's own client (Bolt's listeners) keeps its own
