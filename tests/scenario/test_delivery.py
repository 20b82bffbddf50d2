"""Delivery end to end: schedule → digest → outbox → fake Slack, under a controllable clock."""

from __future__ import annotations

import json
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot import members
from bot.channels import channel_status
from bot.context import Context
from bot.models import utcnow
from bot.slack import blocks
from bot.slack.sender import Sender
from bot.store import channels as channel_store
from bot.store import outbox
from jobs import deliver
from jobs.ingest import ingest_paths
from tests.clock import FakeClock
from tests.fake_slack import FakeSlack

PAPERS = [
    (
        "Graph neural networks for molecule property prediction",
        "Graph neural networks on molecules.",
    ),
    ("Message passing graph neural networks at scale", "Scaling graph neural networks."),
    ("Protein folding with diffusion models", "Diffusion folds proteins."),
]


@pytest.fixture
def clock(fake_slack: FakeSlack) -> FakeClock:
    """Tomorrow 08:00 UTC (after the papers' real ingest time); Slack ts follow this clock."""
    start = (utcnow() + timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)
    fake_slack.set_clock(start.replace(tzinfo=UTC).timestamp())
    return FakeClock(start)


@pytest.fixture
def papers(ctx: Context, tmp_path: Path) -> None:
    path = tmp_path / "source.jsonl"
    path.write_text("\n".join(json.dumps({"title": t, "abstract": a}) for t, a in PAPERS))
    assert ingest_paths(ctx, [path]).new == len(PAPERS)


def join(ctx: Context, user_id: str, **settings: Any) -> None:
    members.ensure_member(ctx, "T1", user_id, timezone=settings.pop("timezone", "UTC"))
    members.follow(ctx, "T1", user_id, "graph neural networks")
    members.update_settings(ctx, "T1", user_id, days="daily", threshold=0.1, **settings)


async def tick(ctx: Context, client: AsyncWebClient, clock: FakeClock, **kwargs: Any):
    sender = Sender(ctx, client, clock=clock.now, sleep=clock.sleep)
    return await deliver.run(ctx, client, now=clock.now(), sender=sender, **kwargs)


def dms(fake: FakeSlack, user_id: str = "U1") -> list[dict[str, Any]]:
    return fake.messages("D" + user_id)


@pytest.mark.usefixtures("papers")
async def test_digest_arrives_at_local_delivery_time_once(ctx, fake_slack, client, clock) -> None:
    join(ctx, "U1", delivery_time="09:00")
    join(ctx, "U2", delivery_time="09:00", timezone="America/New_York")
    assert (await tick(ctx, client, clock)).due == 0
    clock.advance(hours=1)  # 09:00 UTC
    report = await tick(ctx, client, clock)
    assert (report.enqueued, report.sent) == (1, 1)
    (message,) = dms(fake_slack)
    assert "Graph neural networks" in message["text"] and dms(fake_slack, "U2") == []
    clock.advance(minutes=1)
    assert (await tick(ctx, client, clock)).due == 0
    clock.advance(hours=5)  # 14:00 UTC is 09:00 in New York
    assert (await tick(ctx, client, clock)).sent == 1
    assert len(dms(fake_slack)) == 1 and len(dms(fake_slack, "U2")) == 1


@pytest.mark.usefixtures("papers")
async def test_papers_are_never_offered_twice(ctx, fake_slack, client, clock) -> None:
    join(ctx, "U1")
    clock.advance(hours=1)
    assert (await tick(ctx, client, clock)).sent == 1
    clock.advance(days=1)
    report = await tick(ctx, client, clock)
    assert (report.due, report.skipped, report.sent) == (1, 1, 0)
    assert len(dms(fake_slack)) == 1
    clock.advance(minutes=1)
    assert (await tick(ctx, client, clock)).due == 0  # the empty day is not rebuilt every tick


@pytest.mark.usefixtures("papers")
async def test_settings_change_applies_at_the_next_tick(ctx, fake_slack, client, clock) -> None:
    join(ctx, "U1", delivery_time="09:00")
    members.update_settings(ctx, "T1", "U1", delivery_time="11:30")
    clock.advance(hours=2)  # 10:00
    assert (await tick(ctx, client, clock)).due == 0
    clock.advance(hours=1, minutes=30)
    assert (await tick(ctx, client, clock)).sent == 1


@pytest.mark.usefixtures("papers")
async def test_catch_up_after_downtime_fires_once(ctx, fake_slack, client, clock) -> None:
    join(ctx, "U1", delivery_time="09:00")
    clock.advance(hours=4)  # the process was down from 08:00 to 12:00
    assert (await tick(ctx, client, clock)).sent == 1
    clock.advance(minutes=1)
    assert (await tick(ctx, client, clock)).due == 0
    assert len(dms(fake_slack)) == 1


@pytest.mark.usefixtures("papers")
async def test_paused_members_get_nothing(ctx, fake_slack, client, clock) -> None:
    join(ctx, "U1", paused=True)
    clock.advance(hours=1)
    assert (await tick(ctx, client, clock)).due == 0
    assert fake_slack.calls("chat.postMessage") == []


@pytest.mark.usefixtures("papers")
async def test_two_jobs_racing_write_one_row(ctx, fake_slack, client, clock) -> None:
    join(ctx, "U1")
    clock.advance(hours=1)
    planned = await deliver.build_due(ctx, client, now=clock.now())
    twice = await deliver.build_due(ctx, client, now=clock.now())
    assert deliver.write(ctx, planned[0], now=clock.now())
    assert not deliver.write(ctx, twice[0], now=clock.now())
    assert (await Sender(ctx, client, clock=clock.now).send_round()).sent == 1
    assert len(dms(fake_slack)) == 1


@pytest.mark.usefixtures("papers")
async def test_cold_start_note_only_for_show_closest(ctx, fake_slack, client, clock) -> None:
    members.ensure_member(ctx, "T1", "U1")
    members.ensure_member(ctx, "T1", "U2")
    for user_id, closest in (("U1", False), ("U2", True)):
        members.update_settings(ctx, "T1", user_id, days="daily", show_closest=closest)
    clock.advance(hours=1)
    report = await tick(ctx, client, clock)
    assert (report.skipped, report.sent) == (1, 1)
    assert dms(fake_slack) == [] and len(dms(fake_slack, "U2")) == 1


@pytest.mark.usefixtures("papers")
async def test_channel_digest_mentions_members_and_records_posts(
    ctx, fake_slack, client, clock
) -> None:
    join(ctx, "U1")
    join(ctx, "U2", paused=True)
    channel_store.set_channel(
        ctx.db, "T1", "C1", days="mon,tue,wed,thu,fri,sat,sun", delivery_time="09:30"
    )
    fake_slack.set_channel("C1", members=["U1", "U3"])
    clock.advance(hours=1, minutes=30)
    report = await tick(ctx, client, clock)
    assert report.sent == 2  # U1's DM and the channel
    (post,) = fake_slack.messages("C1")
    assert "<@U1>" in json.dumps(post["blocks"]) and "<@U3>" not in json.dumps(post["blocks"])
    channel = channel_store.get_channel(ctx.db, "T1", "C1")
    assert channel is not None and channel.last_digest_at is not None
    assert set(channel_store.posted_ts(ctx.db, channel.id, [1, 2]).values()) == {post["ts"]}


@pytest.mark.usefixtures("papers")
@pytest.mark.usefixtures("papers")
async def test_papers_a_channel_post_named_a_member_for_never_reach_their_dm(
    ctx, fake_slack, client, clock
) -> None:
    join(ctx, "U1", delivery_time="10:00")
    channel_store.set_channel(
        ctx.db, "T1", "C1", days="mon,tue,wed,thu,fri,sat,sun", delivery_time="09:00"
    )
    fake_slack.set_channel("C1", members=["U1"])
    clock.advance(hours=1)  # 09:00: the channel's digest
    assert (await tick(ctx, client, clock)).sent == 1
    (post,) = fake_slack.messages("C1")
    assert "<@U1>" in json.dumps(post["blocks"])
    clock.advance(hours=1)  # 10:00: U1's own digest
    await tick(ctx, client, clock)
    sent = " ".join(m["text"] for m in dms(fake_slack))
    assert "Graph neural networks" not in sent and "Message passing" not in sent


async def test_channel_the_bot_left_is_recorded_not_retried(ctx, fake_slack, client, clock) -> None:
    join(ctx, "U1", paused=True)
    channel_store.set_channel(ctx.db, "T1", "C9", days="mon,tue,wed,thu,fri,sat,sun")
    fake_slack.fail_next("conversations.members", error="not_in_channel")
    clock.advance(hours=1)
    assert (await tick(ctx, client, clock)).due == 1
    clock.advance(minutes=1)
    assert (await tick(ctx, client, clock)).due == 0
    (row,) = outbox.list_rows(ctx.db, states=["failed"])
    assert (row.recipient, row.last_error) == ("C9", "not_in_channel")
    status = channel_status(ctx, "T1", "C9")  # switched off, and says why
    assert not status.enabled and status.stopped_by == "not_in_channel"
    assert "/invite @paperboy" in blocks.channel_status_message(status).text


@pytest.mark.usefixtures("papers")
async def test_a_channel_post_refused_for_good_switches_the_digest_off(
    ctx, fake_slack, client, clock
) -> None:
    join(ctx, "U1")
    channel_store.set_channel(ctx.db, "T1", "C9", days="mon,tue,wed,thu,fri,sat,sun")
    fake_slack.set_channel("C9", members=["U1"])
    fake_slack.fail_next("chat.postMessage", error="is_archived")
    clock.advance(hours=1)
    await tick(ctx, client, clock, channels=["C9"])
    assert channel_status(ctx, "T1", "C9").stopped_by == "is_archived"


@pytest.mark.usefixtures("papers")
async def test_dry_run_touches_nothing(ctx, fake_slack, client, clock) -> None:
    join(ctx, "U1", delivery_time="17:00")
    report = await tick(ctx, client, clock, force=True, dry_run=True)
    assert report.due == 1 and report.planned[0].payload.paper_ids
    assert outbox.list_rows(ctx.db) == [] and fake_slack.calls("chat.postMessage") == []
    report = await tick(ctx, client, clock, force=True, users=["U1"])
    assert report.sent == 1
    clock.advance(hours=9)  # 17:00: today's digest already went out by hand
    assert (await tick(ctx, client, clock)).due == 0


@pytest.mark.usefixtures("papers")
async def test_one_broken_digest_does_not_hold_up_the_others(
    ctx, fake_slack, client, clock, monkeypatch, caplog
) -> None:
    join(ctx, "U1")
    join(ctx, "U2")
    real = deliver.digest_service.build_member_digests

    def broken_for_u1(ctx: Context, team_id: str, user_ids: list[str], **kwargs: Any) -> Any:
        if "U1" in user_ids:
            raise ValueError("corrupt profile")
        return real(ctx, team_id, user_ids, **kwargs)

    monkeypatch.setattr(deliver.digest_service, "build_member_digests", broken_for_u1)
    clock.advance(hours=1)
    assert (await tick(ctx, client, clock)).sent == 1
    assert "dm:T1:U1:" in caplog.text and len(dms(fake_slack, "U2")) == 1
    monkeypatch.setattr(deliver.digest_service, "build_member_digests", real)
    clock.advance(minutes=1)
    assert (await tick(ctx, client, clock)).sent == 1
    assert len(dms(fake_slack)) == 1 and len(dms(fake_slack, "U2")) == 1
