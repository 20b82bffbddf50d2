"""Every outbox query: enqueue once per key, claim, and record how each send ended.

The outbox row is written before Slack is called, in the same transaction as whatever
must happen with it (the member's deliveries), and its unique `key` turns a second insert
for the same recipient and local date into a no-op. Claims use `FOR UPDATE SKIP LOCKED`
on PostgreSQL and a compare-and-set update everywhere, so two workers never take one row.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.db import Database
from bot.models import Outbox
from bot.store.channels import record_channel_posts
from bot.store.members import record_deliveries

__all__ = [
    "Claimed",
    "OutboxPayload",
    "OutboxView",
    "claim_next",
    "enqueue",
    "existing_keys",
    "held_rows",
    "last_failure",
    "list_rows",
    "mark_failed",
    "mark_sent",
    "recent_failures",
    "release",
    "release_claims",
    "reschedule",
    "set_conversation",
]


@dataclass(frozen=True)
class OutboxPayload:
    """What one outbox row carries to Slack, stored as JSON (written and read only here)."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    paper_ids: list[int] = field(default_factory=list)
    channel_row_id: int | None = None  # a channel post: `Channel.id`, to record its papers
    mentioned: dict[int, list[int]] = field(default_factory=dict)  # Member.id → papers named

    def to_json(self) -> str:
        """The payload as the row stores it."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: str) -> OutboxPayload:
        """The payload of a stored row (JSON object keys are strings: ids come back int)."""
        data = json.loads(raw)
        mentioned = {int(k): [int(p) for p in v] for k, v in (data.get("mentioned") or {}).items()}
        return cls(
            text=data.get("text") or "",
            blocks=list(data.get("blocks") or []),
            paper_ids=[int(p) for p in data.get("paper_ids") or []],
            channel_row_id=data.get("channel_row_id"),
            mentioned=mentioned,
        )


@dataclass(frozen=True)
class Claimed:
    """An outbox row taken by one worker; `recovered` means an earlier attempt may have posted."""

    id: int
    key: str
    kind: str
    recipient: str
    payload: OutboxPayload
    attempts: int
    conversation: str | None
    created_at: datetime
    recovered: bool


@dataclass(frozen=True)
class OutboxView:
    """An outbox row as `paperboy outbox` and the Home tab show it."""

    id: int
    key: str
    kind: str
    recipient: str
    state: str
    attempts: int
    last_error: str | None
    ts: str | None
    created_at: datetime
    sent_at: datetime | None
    papers: int
    claimed_by: str | None = None  # while `sending`: the worker that holds the row
    claimed_until: datetime | None = None  # … until then; another worker may recover it after


def _view(row: Outbox) -> OutboxView:
    papers = len(OutboxPayload.from_json(row.payload).paper_ids)
    return OutboxView(
        row.id or 0,
        row.key,
        row.kind,
        row.recipient,
        row.state,
        row.attempts,
        row.last_error,
        row.ts,
        row.created_at,
        row.sent_at,
        papers,
        row.claimed_by if row.state == "sending" else None,
        row.claimed_until if row.state == "sending" else None,
    )


def existing_keys(db: Database, *, since: datetime) -> set[str]:
    """Keys of outbox rows created at or after `since` (the schedule's recent memory)."""
    with db.session() as session:
        return set(session.exec(select(Outbox.key).where(col(Outbox.created_at) >= since)))


def enqueue(
    db: Database,
    *,
    key: str,
    kind: str,
    recipient: str,
    period: str,
    payload: OutboxPayload,
    now: datetime,
    state: str = "pending",
    error: str | None = None,
    member_id: int | None = None,
) -> int | None:
    """Write one outbox row and, in the same transaction, the deliveries it makes: its
    papers to `member_id` (a DM), and each paper a channel post names a member for
    (`payload.mentioned`: never again in their DMs, and their own digest's watermark stays).

    `key` is unique per recipient and local date (`period`); `kind` is "dm", "channel" or
    "hot"; `now` is naive UTC. `state` is "pending" to send, or "skipped" / "failed" (with
    its `error`) to only remember the period. Returns the new row id, or None when a row
    with this key already exists.
    """
    row = Outbox(
        key=key,
        kind=kind,
        recipient=recipient,
        period=period,
        state=state,
        payload=payload.to_json(),
        last_error=error,
        created_at=now,
        next_attempt_at=now,
    )
    with db.session() as session:
        session.add(row)
        try:
            session.flush()
        except IntegrityError:  # the key exists: written by an earlier or a racing job
            session.rollback()
            return None
        if member_id is not None:
            record_deliveries(session, member_id, payload.paper_ids, outbox_id=row.id, at=now)
        for mentioned_id, papers in payload.mentioned.items():
            record_deliveries(
                session, mentioned_id, papers, outbox_id=row.id, at=now, watermark=False
            )
    return row.id


def claim_next(db: Database, *, worker: str, now: datetime, lease: timedelta) -> Claimed | None:
    """Take the next sendable row: pending and due, or `sending` with an expired claim.

    `worker` is stored in `claimed_by`; `now` is naive UTC; the claim holds for `lease`
    before another worker may recover the row. Returns the claimed row (attempts already
    counted), or None when nothing is sendable.
    """
    ready = or_(
        and_(col(Outbox.state) == "pending", col(Outbox.next_attempt_at) <= now),
        and_(col(Outbox.state) == "sending", col(Outbox.claimed_until) < now),
    )
    query = (
        select(Outbox)
        .where(ready)
        .order_by(col(Outbox.next_attempt_at), col(Outbox.id))
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    with db.session() as session:
        row = session.exec(query).first()
        if row is None:
            return None
        claimed = Claimed(
            row.id or 0,
            row.key,
            row.kind,
            row.recipient,
            OutboxPayload.from_json(row.payload),
            row.attempts + 1,
            row.conversation,
            row.created_at,
            recovered=row.attempts > 0,
        )
        taken = session.execute(
            update(Outbox)
            .where(
                col(Outbox.id) == row.id,
                col(Outbox.state) == row.state,
                col(Outbox.attempts) == row.attempts,
            )
            .values(
                state="sending",
                claimed_by=worker,
                claimed_until=now + lease,
                attempts=claimed.attempts,
            )
        )
        return claimed if taken.rowcount == 1 else None  # 0: another worker won the race


def _set(db: Database, row_id: int, **values: Any) -> None:
    with db.session() as session:
        session.execute(update(Outbox).where(col(Outbox.id) == row_id).values(**values))


def set_conversation(db: Database, row_id: int, conversation: str) -> None:
    """Remember the resolved conversation (the DM channel) before posting to it."""
    _set(db, row_id, conversation=conversation)


def mark_sent(
    db: Database,
    row_id: int,
    *,
    ts: str,
    conversation: str,
    now: datetime,
) -> None:
    """Record Slack's `ts` and mark the row sent; a channel digest's papers are remembered
    with that thread in the same commit (`record_channel_posts`), so a later digest links it
    instead of posting them again."""
    with db.session() as session:
        row = session.get(Outbox, row_id)
        if row is None:
            return
        row.state, row.ts, row.conversation, row.sent_at = "sent", ts, conversation, now
        row.last_error = row.claimed_by = row.claimed_until = None
        session.add(row)
        payload = OutboxPayload.from_json(row.payload)
        if row.kind == "channel" and payload.channel_row_id is not None:
            record_channel_posts(
                session, payload.channel_row_id, payload.paper_ids, ts, at=row.created_at
            )


def reschedule(db: Database, row_id: int, *, error: str, next_attempt_at: datetime) -> None:
    """Return the row to pending after a transient error, to be retried at `next_attempt_at`."""
    _set(
        db,
        row_id,
        state="pending",
        last_error=error,
        next_attempt_at=next_attempt_at,
        claimed_by=None,
        claimed_until=None,
    )


def mark_failed(db: Database, row_id: int, *, error: str) -> None:
    """Give up on the row for good, keeping the reason."""
    _set(db, row_id, state="failed", last_error=error, claimed_by=None, claimed_until=None)


def release(db: Database, row_id: int, *, now: datetime) -> None:
    """Expire the claim of a row interrupted mid-send, so the next round verifies it first."""
    _set(db, row_id, claimed_until=now)


def held_rows(db: Database, *, now: datetime) -> list[OutboxView]:
    """Rows another worker holds right now (`sending`, claim not expired), oldest first:
    what a delivery round cannot send yet, and whose claim it waits out."""
    query = (
        select(Outbox)
        .where(col(Outbox.state) == "sending", col(Outbox.claimed_until) >= now)
        .order_by(col(Outbox.id))
    )
    with db.session() as session:
        return [_view(row) for row in session.exec(query)]


def release_claims(db: Database, holders: Iterable[str], *, now: datetime) -> int:
    """Expire the claims of `holders` (workers known to be dead), so that the next round
    recovers their rows: it checks Slack's history for each first, so a message the dead
    worker did post is adopted, never posted twice. Returns how many rows were released."""
    with db.session() as session:
        released = session.execute(
            update(Outbox)
            .where(
                col(Outbox.state) == "sending",
                col(Outbox.claimed_until) >= now,
                col(Outbox.claimed_by).in_(list(holders)),
            )
            .values(claimed_until=now - timedelta(seconds=1))
        )
        return int(released.rowcount or 0)


def list_rows(
    db: Database, *, states: Iterable[str] | None = None, limit: int = 50
) -> list[OutboxView]:
    """Outbox rows, newest first, optionally only in `states`."""
    query = select(Outbox).order_by(col(Outbox.id).desc()).limit(limit)
    if states is not None:
        query = query.where(col(Outbox.state).in_(list(states)))
    with db.session() as session:
        return [_view(row) for row in session.exec(query)]


def last_failure(db: Database, kind: str, recipient: str) -> str | None:
    """Slack's reason when the recipient's latest row failed, else None (sent or pending)."""
    query = (
        select(Outbox.state, Outbox.last_error)
        .where(col(Outbox.kind) == kind, col(Outbox.recipient) == recipient)
        .order_by(col(Outbox.id).desc())
        .limit(1)
    )
    with db.session() as session:
        latest = session.exec(query).first()
    return latest[1] if latest is not None and latest[0] == "failed" else None


def recent_failures(session: Session, recipient: str, *, limit: int = 5) -> list[OutboxView]:
    """The recipient's (user id for DMs, or channel id) failed digests, newest first, for
    the Home tab; `last_error` holds Slack's reason, e.g. "channel_not_found"."""
    query = (
        select(Outbox)
        .where(col(Outbox.recipient) == recipient, col(Outbox.state) == "failed")
        .order_by(col(Outbox.id).desc())
        .limit(limit)
    )
    return [_view(row) for row in session.exec(query)]
