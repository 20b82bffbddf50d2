"""Which digests are due at a given UTC instant: the pure half of the scheduler.

Owns the calendar rules, and nothing else (no database, no Slack, no clock): a recipient
is due when its local wall-clock time (IANA zone via `zoneinfo`, so DST-correct) has
passed its delivery time on one of its days, the recipient is active, that occurrence is
at most `catch_up` old, and no outbox row exists yet for its key. Only the most recent
occurrence is ever considered, so a run missed during downtime fires once on start and an
older one is skipped rather than replayed.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "DAY_NAMES",
    "Due",
    "Recipient",
    "due_recipients",
    "last_occurrence",
    "next_occurrence",
    "outbox_key",
    "parse_days",
    "parse_time",
    "today_occurrence",
]

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_LOOKBACK_DAYS = 8  # a week of days plus one: enough to find the last occurrence


@dataclass(frozen=True)
class Recipient:
    """A member (`kind="dm"`) or channel (`kind="channel"`) as the schedule sees it."""

    kind: str
    team_id: str
    recipient_id: str
    timezone: str = "UTC"
    delivery_time: str = "09:00"
    days: str = "mon,tue,wed,thu,fri"
    active: bool = True
    row_id: int | None = None


@dataclass(frozen=True)
class Due:
    """One digest to build now: who, for which local date, and when it was scheduled."""

    recipient: Recipient
    local_date: date
    scheduled_at: datetime  # aware UTC
    key: str


def outbox_key(kind: str, team_id: str, recipient_id: str, local_date: date) -> str:
    """The outbox key that makes a second digest for the same local date impossible.

    Args:
        kind: "dm" or "channel".
        team_id: the Slack workspace.
        recipient_id: the user or channel id.
        local_date: the recipient's local date of the digest.

    Returns:
        e.g. `dm:T1:U1:2026-11-26`.
    """
    return f"{kind}:{team_id}:{recipient_id}:{local_date.isoformat()}"


def parse_days(days: str) -> frozenset[int]:
    """Weekday numbers (Monday = 0) from a comma list like "mon,tue"; unknown names ignored."""
    names = {part.strip().lower()[:3] for part in days.split(",")}
    return frozenset(i for i, name in enumerate(DAY_NAMES) if name in names)


def parse_time(value: str) -> time:
    """A wall-clock time from "HH:MM"; malformed values fall back to 09:00."""
    try:
        hours, minutes = value.strip().split(":", 1)
        return time(int(hours), int(minutes))
    except ValueError:
        return time(9, 0)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _occurrences(recipient: Recipient, now_utc: datetime, *, forward: bool) -> Iterable[Due]:
    zone = _zone(recipient.timezone)
    at = parse_time(recipient.delivery_time)
    weekdays = parse_days(recipient.days)
    today = now_utc.astimezone(zone).date()
    steps = range(-1, _LOOKBACK_DAYS) if forward else range(1, -_LOOKBACK_DAYS, -1)
    for step in steps:
        day = today + timedelta(days=step)
        if day.weekday() not in weekdays:
            continue
        # A time skipped by a DST gap resolves (fold=0) to the same instant an hour later.
        scheduled = datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
        key = outbox_key(recipient.kind, recipient.team_id, recipient.recipient_id, day)
        yield Due(recipient, day, scheduled, key)


def today_occurrence(recipient: Recipient, now_utc: datetime) -> Due | None:
    """The occurrence on the recipient's local today, past or future (None: not a day of theirs)."""
    return next(
        (
            d
            for d in _occurrences(recipient, now_utc, forward=True)
            if d.local_date == now_utc.astimezone(_zone(recipient.timezone)).date()
        ),
        None,
    )


def last_occurrence(recipient: Recipient, now_utc: datetime) -> Due | None:
    """The most recent scheduled digest at or before `now_utc` (None when it has no days)."""
    return next(
        (d for d in _occurrences(recipient, now_utc, forward=False) if d.scheduled_at <= now_utc),
        None,
    )


def next_occurrence(recipient: Recipient, now_utc: datetime) -> Due | None:
    """The first scheduled digest strictly after `now_utc` (None when it has no days)."""
    return next(
        (d for d in _occurrences(recipient, now_utc, forward=True) if d.scheduled_at > now_utc),
        None,
    )


def due_recipients(
    recipients: Iterable[Recipient],
    now_utc: datetime,
    *,
    catch_up: timedelta,
    existing_keys: Container[str] = (),
) -> list[Due]:
    """The digests to build at `now_utc`.

    Args:
        recipients: members and channels as plain data.
        now_utc: the current instant (aware; naive is read as UTC).
        catch_up: how old a missed occurrence may be and still fire.
        existing_keys: outbox keys already written (those occurrences are done).

    Returns:
        One `Due` per recipient whose latest occurrence is due, oldest first.
    """
    if now_utc.tzinfo is None:
        now_utc = now_utc.replace(tzinfo=UTC)
    due = []
    for recipient in recipients:
        if not recipient.active:
            continue
        occurrence = last_occurrence(recipient, now_utc)
        if occurrence is None or now_utc - occurrence.scheduled_at > catch_up:
            continue
        if occurrence.key not in existing_keys:
            due.append(occurrence)
    return sorted(due, key=lambda d: d.scheduled_at)
