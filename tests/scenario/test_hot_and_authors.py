"""What the lab is reading and followed authors, over HTTP and through the delivery job:
`/papers hot`, `/papers channel hot on` and the weekly post (consent, counts, who, earlier
threads), and `/papers follow author:"…"` with its digest reason."""

from __future__ import annotations

import json
from datetime import UTC, timedelta

from slack_sdk.web.async_client import AsyncWebClient

from bot import channels, members
from bot.context import Context
from bot.models import utcnow
from bot.schedule import DAYS
from bot.slack.sender import Sender
from bot.store import channels as channel_store
from bot.store import outbox
from jobs import deliver
from tests.clock import FakeClock
from tests.fake_slack import FakeSlack
from tests.scenario.support import block_texts
from tests.scenario.test_commands import papers

GRAPHS = "Graph neural networks for molecule property prediction"
SPARSE = "Sparse attention for long context transformers"


def reading(ctx: Context, slack_papers: dict[str, int]) -> None:
    """U1 and U2 share their 👍; U3 does not. U1 saves and U2 👍s GRAPHS; U3 👍s SPARSE."""
    for user in ("U1", "U2"):
        members.update_settings(ctx, "T1", user, share_votes=True)
    members.record_feedback(ctx, "T1", "U1", slack_papers[GRAPHS], "save")
    members.record_feedback(ctx, "T1", "U2", slack_papers[GRAPHS], "up")
    members.record_feedback(ctx, "T1", "U3", slack_papers[SPARSE], "up")


async def test_hot_ranks_what_sharing_members_read(http, fake_slack, ctx: Context, slack_papers):
    reading(ctx, slack_papers)
    channels.enable_channel(ctx, "T1", "C1")
    fake_slack.set_channel("C1", members=["U1", "U2", "U3"])
    reply = await papers(http, fake_slack, "hot")
    text = block_texts(reply)
    assert "What this channel is reading this week" in text
    assert f"1. *<https://arxiv.org/abs/2405.00001|{GRAPHS}>*" in text
    assert "👍 1 · 🔖 1 — <@U1>, <@U2>" in text
    assert SPARSE not in text and "<@U3>" not in text  # U3 did not consent
    assert "Counting 2 members who share" in text
    assert "in the last 30 days" in block_texts(await papers(http, fake_slack, "hot 30d"))


async def test_a_paper_discussed_in_the_channel_links_its_thread(
    http, fake_slack, ctx: Context, slack_papers
):
    reading(ctx, slack_papers)
    row = channels.enable_channel(ctx, "T1", "C1")
    assert row.enabled
    channel = channel_store.get_channel(ctx.db, "T1", "C1")
    with ctx.db.session() as session:
        ts = "1700000001.000001"
        channel_store.record_channel_posts(session, channel.id, [slack_papers[GRAPHS]], ts)
    fake_slack.set_channel("C1", members=["U1", "U2"])
    text = block_texts(await papers(http, fake_slack, "hot"))
    assert "_Discussed here before:_ <https://slack.com/archives/C1/p1700000001000001|" in text


async def test_hot_needs_a_channel_with_the_bot_and_the_digest(http, fake_slack, ctx: Context):
    dm = await papers(http, fake_slack, "hot", channel_id="DU1")
    assert "in a channel that gets the team digest" in block_texts(dm)
    fake_slack.set_channel("C2", is_member=False)
    assert "/invite @paperboy" in block_texts(
        await papers(http, fake_slack, "hot", channel_id="C2")
    )
    fake_slack.set_channel("C3", members=["U1"])
    off = await papers(http, fake_slack, "hot", channel_id="C3")
    assert "`/papers channel on` here first" in block_texts(off)
    refused = await papers(http, fake_slack, "channel hot on", channel_id="C3")
    assert "digest on first" in block_texts(refused)


async def test_channel_hot_on_and_the_weekly_post(
    http, fake_slack: FakeSlack, ctx: Context, slack_papers
):
    reading(ctx, slack_papers)
    start = (utcnow() + timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)
    fake_slack.set_clock(start.replace(tzinfo=UTC).timestamp())
    clock = FakeClock(start)
    today = DAYS[start.weekday()]
    channel_store.set_channel(ctx.db, "T1", "C1", days=f"mon,{today}", delivery_time="09:00")
    fake_slack.set_channel("C1", members=["U1", "U2", "U3"])
    status = await papers(http, fake_slack, "channel hot on")
    assert f"Every {today} it also posts what the channel is reading" in block_texts(status)
    client = AsyncWebClient(token="xoxb-test-token", base_url=fake_slack.url)
    sender = Sender(ctx, client, clock=clock.now, sleep=clock.sleep)
    clock.advance(hours=1)
    await deliver.run(ctx, client, now=clock.now(), sender=sender, channels=["C1"])
    posts = fake_slack.messages("C1")
    hot = [p for p in posts if "Hot in" in json.dumps(p["blocks"], ensure_ascii=False)]
    assert len(hot) == 1
    text = block_texts(hot[0])
    assert "*🔥 Hot in <#C1> this week*" in text and "<@U1>, <@U2>" in text
    assert SPARSE not in text
    keys = [r.key for r in outbox.list_rows(ctx.db)]
    assert f"hot:T1:C1:{start.date().isoformat()}" in keys
    clock.advance(minutes=5)
    report = await deliver.run(ctx, client, now=clock.now(), sender=sender, channels=["C1"])
    assert report.due == 0  # once a week
    off = await papers(http, fake_slack, "channel hot off")
    assert "posts what the channel is reading" not in block_texts(off)


async def test_a_week_nobody_shared_posts_nothing(
    fake_slack: FakeSlack, ctx: Context, slack_papers
):
    members.record_feedback(ctx, "T1", "U3", slack_papers[SPARSE], "up")  # not shared
    start = (utcnow() + timedelta(days=1)).replace(hour=9, minute=1, second=0, microsecond=0)
    today = DAYS[start.weekday()]
    channel_store.set_channel(
        ctx.db, "T1", "C1", days=today, delivery_time="09:00", hot_weekly=True
    )
    fake_slack.set_channel("C1", members=["U3"])
    client = AsyncWebClient(token="xoxb-test-token", base_url=fake_slack.url)
    await deliver.run(ctx, client, now=start, channels=["C1"])
    (hot,) = [r for r in outbox.list_rows(ctx.db) if r.kind == "hot"]
    assert hot.state == "skipped"
    assert not any("Hot in" in json.dumps(m["blocks"]) for m in fake_slack.messages("C1"))


async def test_follow_an_author_by_slash_command(http, fake_slack, ctx: Context, slack_papers):
    reply = await papers(http, fake_slack, 'follow author:"Lovelace, Ada"')
    assert "Following *Lovelace, Ada*" in block_texts(reply)
    listing = block_texts(await papers(http, fake_slack, "interests"))
    assert "Authors you follow" in listing and "• Lovelace, Ada" in listing
    digest = block_texts(await papers(http, fake_slack, "digest"))
    assert "by *Lovelace, Ada*, whom you follow" in digest
    refused = await papers(http, fake_slack, "follow author:Lovelace")
    assert "first name or initial" in block_texts(refused)
    gone = await papers(http, fake_slack, "unfollow author:“lovelace, ada”")
    assert "Stopped following *Lovelace, Ada*" in block_texts(gone)
    assert members.profile(ctx, "T1", "U1").authors == []


async def test_a_channel_digest_mentions_who_follows_the_author(
    http, fake_slack: FakeSlack, ctx: Context, slack_papers
):
    await papers(http, fake_slack, 'follow author:"Ada Lovelace"', user_id="U1")
    start = (utcnow() + timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)
    fake_slack.set_clock(start.replace(tzinfo=UTC).timestamp())
    clock = FakeClock(start)
    days = DAYS[start.weekday()]
    channel_store.set_channel(ctx.db, "T1", "C1", days=days, delivery_time="09:00")
    fake_slack.set_channel("C1", members=["U1"])
    client = AsyncWebClient(token="xoxb-test-token", base_url=fake_slack.url)
    sender = Sender(ctx, client, clock=clock.now, sleep=clock.sleep)
    clock.advance(hours=1)
    await deliver.run(ctx, client, now=clock.now(), sender=sender, channels=["C1"])
    (post,) = fake_slack.messages("C1")
    assert "<@U1> (by *Ada Lovelace*, whom you follow)" in block_texts(post)
