"""Which digests are due at an instant: the pure half of the delivery job.

A recipient (a member's DM or a channel) is due when its schedule's latest occurrence has
passed, is at most `catch_up` old, the recipient is active, and no outbox row exists yet
for that occurrence's key. Only the latest occurrence counts, so a run missed during
downtime fires once on start and an older one is skipped rather than replayed. No
database, no Slack, no clock: the job passes everything in.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from bot.schedule import Schedule

__all__ = ["DueDigest", "Recipient", "due_digests", "due_today", "outbox_key"]

Kind = Literal["dm", "channel", "hot"]


@dataclass(frozen=True)
class Recipient:
    """A member (`kind="dm"`), a channel's digest (`kind="channel"`) or its weekly
    "what the lab is reading" post (`kind="hot"`) as the delivery job sees it."""

    kind: Kind
    team_id: str
    recipient_id: str
    schedule: Schedule = field(default_factory=Schedule)
    active: bool = True
    row_id: int | None = None


@dataclass(frozen=True)
class DueDigest:
    """One digest to build now: for whom, for which local date, scheduled when (aware UTC)."""

    recipient: Recipient
    local_date: date
    scheduled_at: datetime
    key: str


def outbox_key(kind: str, team_id: str, recipient_id: str, local_date: date) -> str:
    """The outbox key that makes a second digest for one recipient and local date
    impossible, e.g. `dm:T1:U1:2026-11-26`."""
    return f"{kind}:{team_id}:{recipient_id}:{local_date.isoformat()}"


def _due(recipient: Recipient, occurrence: tuple[date, datetime]) -> DueDigest:
    day, at = occurrence
    key = outbox_key(recipient.kind, recipient.team_id, recipient.recipient_id, day)
    return DueDigest(recipient, day, at, key)


def due_digests(
    recipients: Iterable[Recipient],
    now: datetime,
    *,
    catch_up: timedelta,
    existing_keys: Container[str] = (),
) -> list[DueDigest]:
    """The digests to build at `now` (naive means UTC), oldest first: each active
    recipient's latest occurrence, when at most `catch_up` old and not written yet."""
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    due = []
    for recipient in recipients:
        occurrence = recipient.schedule.last(now) if recipient.active else None
        if occurrence is None or now - occurrence[1] > catch_up:
            continue
        digest = _due(recipient, occurrence)
        if digest.key not in existing_keys:
            due.append(digest)
    return sorted(due, key=lambda d: d.scheduled_at)


def due_today(
    recipients: Iterable[Recipient], now: datetime, *, existing_keys: Container[str] = ()
) -> list[DueDigest]:
    """`paperboy deliver --now`: every active recipient whose days include their local
    today, whatever the time, unless today's digest was written already."""
    due = []
    for recipient in recipients:
        occurrence = recipient.schedule.today(now) if recipient.active else None
        if occurrence is not None and (digest := _due(recipient, occurrence)).key not in (
            existing_keys
        ):
            due.append(digest)
    return due
