"""The deliver job: turn due digests into outbox rows, then send a round.

Channels with the weekly hot post on are also recipients of kind "hot": once a week, on the
last of the channel's digest days at its digest time, what its sharing members 👍'd and
saved that week (`bot.reading.hot_papers`).

Each due recipient's digest is built (`build_due`), then written as one outbox row together
with the deliveries it makes in a single transaction (`write`); the row's key (recipient +
local date) makes the write happen at most once, even with two jobs racing. Empty digests
leave a `skipped` row so the day is not rebuilt every tick. Which digests are due is
`jobs.due`'s business; sending is `bot.slack.sender`'s.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot import digest as digest_service
from bot import reading
from bot.context import Context
from bot.models import Channel, Member, utcnow
from bot.schedule import Schedule
from bot.slack import blocks
from bot.slack.blocks import Message
from bot.slack.conversations import channel_members
from bot.slack.errors import classify
from bot.slack.sender import Sender
from bot.store import channels as channels_store
from bot.store import members as members_store
from bot.store import outbox
from bot.store.outbox import OutboxPayload, OutboxView
from jobs.due import DueDigest, Recipient, due_digests, due_today

# member digests built together (one window load, one matrix product); it also bounds the
# batch's lexical-bonus arrays: members × their interest lines × window papers, float32
MEMBER_BATCH = 500

__all__ = ["DeliverReport", "PlannedDigest", "build_due", "due_now", "run", "write"]

log = logging.getLogger(__name__)


@dataclass
class PlannedDigest:
    """One digest ready to be written: the outbox row it becomes and what it records."""

    due: DueDigest
    payload: OutboxPayload
    state: str = "pending"  # pending | skipped | failed
    error: str | None = None
    member_id: int | None = None


@dataclass
class DeliverReport:
    """Counts for one deliver run (the job's structured log line)."""

    due: int = 0
    enqueued: int = 0
    skipped: int = 0  # empty digests: nothing to send today
    duplicate: int = 0  # another job wrote the same key first
    sent: int = 0
    adopted: int = 0
    retried: int = 0
    failed: int = 0
    seconds: float = 0.0
    planned: list[PlannedDigest] = field(default_factory=list, repr=False)
    held: list[OutboxView] = field(default_factory=list, repr=False)  # claimed by others


def _recipients(
    ctx: Context,
) -> tuple[list[Recipient], dict[str, dict[str, int]], dict[int, Member]]:
    """Every recipient; each workspace's members (user id → `Member.id`); members by id."""
    members = members_store.unpaused_members(ctx.db)
    channels = channels_store.enabled_channels(ctx.db)
    recipients = [_recipient("dm", m, m.user_id, not m.paused) for m in members]
    recipients += [_recipient("channel", c, c.channel_id, c.enabled) for c in channels]
    recipients += [_weekly_hot(c) for c in channels if c.hot_weekly]
    known: dict[str, dict[str, int]] = {}
    for member in members:
        known.setdefault(member.team_id, {})[member.user_id] = member.id or 0
    return recipients, known, {m.id or 0: m for m in members}


def _recipient(kind: Any, row: Member | Channel, recipient_id: str, active: bool) -> Recipient:
    schedule = Schedule.stored(row.delivery_time, row.timezone, row.days)
    return Recipient(kind, row.team_id, recipient_id, schedule, active, row.id)


def _weekly_hot(channel: Channel) -> Recipient:
    """The channel's weekly hot post: its digest time, on the last of its days."""
    schedule = Schedule.stored(channel.delivery_time, channel.timezone, channel.days)
    weekly = Schedule(schedule.time, schedule.zone, schedule.days[-1:])
    return Recipient(
        "hot", channel.team_id, channel.channel_id, weekly, channel.enabled, channel.id
    )


def due_now(
    ctx: Context, recipients: Iterable[Recipient], *, now: datetime, force: bool = False
) -> list[DueDigest]:
    """The digests due at `now` (naive UTC) whose outbox row is not written yet; with
    `force`, everyone whose days include their local today, whatever the time."""
    tick = timedelta(seconds=2 * ctx.settings.tick_seconds)
    catch_up = max(timedelta(hours=ctx.settings.catch_up_hours), tick)
    existing = outbox.existing_keys(ctx.db, since=now - catch_up - timedelta(days=2))
    if force:
        return due_today(recipients, now, existing_keys=existing)
    return due_digests(recipients, now, catch_up=catch_up, existing_keys=existing)


async def build_due(
    ctx: Context,
    client: AsyncWebClient,
    *,
    now: datetime,
    users: Collection[str] | None = None,
    channels: Collection[str] | None = None,
    force: bool = False,
    stop: asyncio.Event | None = None,
) -> list[PlannedDigest]:
    """Build the digest of every due recipient (nothing is written).

    Args:
        client: Slack client, for `conversations.members` of channel digests.
        now: the current time, naive UTC.
        users: only these member user ids (with `channels`: the CLI's selection).
        channels: only these channel ids.
        force: ignore the delivery time (`paperboy deliver --now`).
        stop: set at shutdown; no further digest is built.

    Returns:
        One `PlannedDigest` per due recipient whose digest could be built. Member digests are built
        per workspace in batches of `MEMBER_BATCH` (one window load, one matrix product); a
        batch that raises is retried member by member, and a digest that still raises is
        logged and left for the next tick, never holding up the others.
    """
    recipients, known, members = await asyncio.to_thread(_recipients, ctx)
    if users is not None or channels is not None:
        wanted = {("dm", u) for u in users or ()}
        wanted |= {(kind, c) for c in channels or () for kind in ("channel", "hot")}
        recipients = [r for r in recipients if (r.kind, r.recipient_id) in wanted]
    due = await asyncio.to_thread(due_now, ctx, recipients, now=now, force=force)
    planned = []
    for batch in _member_batches([d for d in due if d.recipient.kind == "dm"]):
        if stop is not None and stop.is_set():
            return planned
        try:
            planned += await asyncio.to_thread(_plan_members, ctx, batch, members, now)
            continue
        except Exception:
            log.warning("a batch of %d digests failed; building them one by one", len(batch))
        for one in batch:  # so that one broken profile holds up nobody else
            try:
                planned += await asyncio.to_thread(_plan_members, ctx, [one], members, now)
            except Exception:
                log.exception("digest %s could not be built; the next tick tries again", one.key)
    for channel_due in (d for d in due if d.recipient.kind != "dm"):
        if stop is not None and stop.is_set():
            break
        team = known.get(channel_due.recipient.team_id, {})
        plan = _plan_hot if channel_due.recipient.kind == "hot" else _plan_channel
        try:
            item = await plan(ctx, client, channel_due, team, now)
        except Exception:
            log.exception(
                "digest %s could not be built; the next tick tries again", channel_due.key
            )
            continue
        if item is not None:
            planned.append(item)
    return planned


def _member_batches(due: list[DueDigest]) -> Iterable[list[DueDigest]]:
    """Due member digests by workspace, in batches of at most `MEMBER_BATCH`."""
    by_team: dict[str, list[DueDigest]] = {}
    for item in due:
        by_team.setdefault(item.recipient.team_id, []).append(item)
    for items in by_team.values():
        for start in range(0, len(items), MEMBER_BATCH):
            yield items[start : start + MEMBER_BATCH]


def _payload(message: Message | None, paper_ids: list[int], **extra: Any) -> OutboxPayload:
    body = message.to_kwargs() if message is not None else {"text": "", "blocks": []}
    return OutboxPayload(body["text"], body["blocks"], paper_ids, **extra)


def _plan_members(
    ctx: Context, due: list[DueDigest], members: dict[int, Member], now: datetime
) -> list[PlannedDigest]:
    """One workspace's due member digests, built together (`build_member_digests`)."""
    chosen = [members[d.recipient.row_id or 0] for d in due]
    digests = digest_service.build_member_digests(
        ctx, due[0].recipient.team_id, [m.user_id for m in chosen], now=now
    )
    planned = []
    for item, member, digest in zip(due, chosen, digests, strict=True):
        if not digest.items and not (digest.note and member.show_closest):
            planned.append(PlannedDigest(item, _payload(None, []), state="skipped"))
            continue
        paper_ids = [entry.paper.id for entry in digest.items]
        message = blocks.member_digest_message(digest)
        planned.append(PlannedDigest(item, _payload(message, paper_ids), member_id=member.id))
    return planned


async def _present(
    ctx: Context, client: AsyncWebClient, due: DueDigest
) -> set[str] | PlannedDigest | None:
    """The channel's members; else what to plan instead: nothing (a transient failure,
    the next tick tries again) or a failed row (the bot cannot see the channel any more,
    whose digest is then switched off)."""
    channel = due.recipient
    try:
        return await channel_members(client, channel.recipient_id)
    except Exception as error:
        failure = classify(error)
        if failure is None:
            raise
        if failure.transient:
            log.warning("channel %s: no member list (%s); next tick", channel.recipient_id,
                        failure.code)  # fmt: skip
            return None
        if failure.channel_gone:
            await asyncio.to_thread(channels_store.stop_channel, ctx.db, channel.row_id or 0)
        return PlannedDigest(due, _payload(None, []), state="failed", error=failure.code)


async def _plan_hot(
    ctx: Context, client: AsyncWebClient, due: DueDigest, _known: dict[str, int], now: datetime
) -> PlannedDigest | None:
    """The weekly "Hot in #channel" post; skipped when nobody shared a 👍 or save."""
    present = await _present(ctx, client, due)
    if not isinstance(present, set):
        return present
    channel = due.recipient
    hot = await asyncio.to_thread(
        reading.hot_papers, ctx, channel.team_id, channel.recipient_id, sorted(present), now=now
    )
    if not hot.papers:
        return PlannedDigest(due, _payload(None, []), state="skipped")
    message = blocks.hot_message(hot, weekly=True)
    return PlannedDigest(due, _payload(message, [item.paper.id for item in hot.papers]))


async def _plan_channel(
    ctx: Context, client: AsyncWebClient, due: DueDigest, known: dict[str, int], now: datetime
) -> PlannedDigest | None:
    channel = due.recipient
    present = await _present(ctx, client, due)
    if not isinstance(present, set):
        return present
    user_ids = [u for u in known if u in present]
    digest = await asyncio.to_thread(
        digest_service.build_channel_digest,
        ctx,
        channel.team_id,
        channel.recipient_id,
        user_ids,
        now=now,
    )
    if not digest.items:
        return PlannedDigest(due, _payload(None, []), state="skipped")
    paper_ids = [item.paper.id for item in digest.items]
    mentioned: dict[int, list[int]] = {}  # Member.id → papers the post names them for
    for item in digest.items:
        for match in item.matches:
            mentioned.setdefault(known[match.user_id], []).append(item.paper.id)
    message = blocks.channel_digest_message(digest)
    payload = _payload(message, paper_ids, channel_row_id=channel.row_id, mentioned=mentioned)
    return PlannedDigest(due, payload)


def write(ctx: Context, item: PlannedDigest, *, now: datetime) -> bool:
    """Write one planned digest as an outbox row with its deliveries, atomically: a DM's to
    its member, a channel post's to each member it mentions (so those papers never reach
    them again by DM). `item` comes from `build_due`; `now` is naive UTC. False when a row
    with the same key exists already (another job won the race).
    """
    due = item.due
    row_id = outbox.enqueue(
        ctx.db,
        key=due.key,
        kind=due.recipient.kind,
        recipient=due.recipient.recipient_id,
        period=due.local_date.isoformat(),
        payload=item.payload,
        now=now,
        state=item.state,
        error=item.error,
        member_id=item.member_id,
    )
    return row_id is not None


async def run(
    ctx: Context,
    client: AsyncWebClient,
    *,
    now: datetime | None = None,
    sender: Sender | None = None,
    stop: asyncio.Event | None = None,
    users: Collection[str] | None = None,
    channels: Collection[str] | None = None,
    force: bool = False,
    dry_run: bool = False,
) -> DeliverReport:
    """One deliver run: enqueue what is due, then send every sendable outbox row.

    Args:
        now: the current time, naive UTC (default: the real clock).
        sender: the sender to use (its clock and sleep are the tests' to control).
        stop: set at shutdown; the round stops between messages.
        users: only these members (the CLI's `--member`).
        channels: only these channels (the CLI's `--channel`).
        force: ignore the delivery time (`--now`).
        dry_run: only build and report what would be sent; write and send nothing.

    Returns:
        The counts, and in `planned` the digests that were built.
    """
    started = time.monotonic()
    now = now or utcnow()
    planned = await build_due(
        ctx, client, now=now, users=users, channels=channels, force=force, stop=stop
    )
    report = DeliverReport(due=len(planned), planned=planned)
    if not dry_run:
        for item in planned:
            written = await asyncio.to_thread(write, ctx, item, now=now)
            counter = (
                {"pending": "enqueued"}.get(item.state, item.state) if written else "duplicate"
            )
            setattr(report, counter, getattr(report, counter) + 1)
        sender = sender or Sender(ctx, client)
        sent = await sender.send_round(stop=stop)
        report.sent, report.adopted, report.retried = sent.sent, sent.adopted, sent.retried
        report.failed += sent.failed
        report.held = await asyncio.to_thread(outbox.held_rows, ctx.db, now=now)
    report.seconds = round(time.monotonic() - started, 3)
    return report
