"""jobs.schedule: local wall-clock delivery across zones and DST, days, catch-up."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from jobs.schedule import (
    Recipient,
    due_recipients,
    next_occurrence,
    outbox_key,
    parse_days,
    parse_time,
    today_occurrence,
)

CATCH_UP = timedelta(hours=6)
BERLIN = Recipient("dm", "T1", "U1", "Europe/Berlin", "09:00", "mon,tue,wed,thu,fri,sat,sun")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def due_at(recipient: Recipient, now: datetime, **kwargs: object) -> list[str]:
    return [d.key for d in due_recipients([recipient], now, catch_up=CATCH_UP, **kwargs)]


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [
        (date(2026, 3, 28), 8),  # CET, UTC+1: the day before spring-forward
        (date(2026, 3, 29), 7),  # CEST, UTC+2: the day clocks jump
        (date(2026, 3, 30), 7),
        (date(2026, 10, 24), 7),  # CEST: the day before fall-back
        (date(2026, 10, 25), 8),  # CET again
    ],
)
def test_nine_berlin_arrives_at_nine_local_across_dst(day: date, utc_hour: int) -> None:
    nine_local = utc(day.year, day.month, day.day, utc_hour)
    assert due_at(BERLIN, nine_local - timedelta(minutes=1)) == []
    assert due_at(BERLIN, nine_local) == [outbox_key("dm", "T1", "U1", day)]


def test_next_occurrence_crosses_the_dst_change_at_local_nine() -> None:
    after_saturday = next_occurrence(BERLIN, utc(2026, 3, 28, 10))
    assert after_saturday is not None
    assert after_saturday.scheduled_at == utc(2026, 3, 29, 7)
    assert after_saturday.local_date == date(2026, 3, 29)


def test_time_in_a_dst_gap_fires_once_after_the_jump() -> None:
    early = replace(BERLIN, delivery_time="02:30")  # 02:30 does not exist on 2026-03-29
    occurrence = next_occurrence(early, utc(2026, 3, 28, 23))
    assert occurrence is not None and occurrence.local_date == date(2026, 3, 29)
    assert occurrence.scheduled_at == utc(2026, 3, 29, 1, 30)  # 03:30 CEST


def test_zones_use_their_own_local_date() -> None:
    tokyo = replace(BERLIN, recipient_id="U2", timezone="Asia/Tokyo")
    now = utc(2026, 11, 26, 0, 30)  # 09:30 on the 26th in Tokyo
    assert due_at(tokyo, now) == ["dm:T1:U2:2026-11-26"]
    assert due_at(BERLIN, now) == []  # 01:30 in Berlin


def test_only_listed_days() -> None:
    weekdays = replace(BERLIN, days="mon,tue,wed,thu,fri")
    assert due_at(weekdays, utc(2026, 11, 28, 8, 5)) == []  # Saturday
    assert due_at(weekdays, utc(2026, 11, 30, 8, 5)) == ["dm:T1:U1:2026-11-30"]  # Monday
    assert today_occurrence(weekdays, utc(2026, 11, 28, 8, 5)) is None


def test_paused_and_dayless_recipients_never_fire() -> None:
    assert due_at(replace(BERLIN, active=False), utc(2026, 11, 26, 8, 5)) == []
    assert due_at(replace(BERLIN, days=""), utc(2026, 11, 26, 8, 5)) == []
    assert next_occurrence(replace(BERLIN, days=""), utc(2026, 11, 26)) is None


def test_existing_outbox_row_means_done_for_the_day() -> None:
    now = utc(2026, 11, 26, 8, 5)
    assert due_at(BERLIN, now, existing_keys={"dm:T1:U1:2026-11-26"}) == []


def test_settings_change_moves_the_next_digest() -> None:
    now = utc(2026, 11, 26, 8, 30)  # 09:30 Berlin
    assert due_at(BERLIN, now) == ["dm:T1:U1:2026-11-26"]
    later = replace(BERLIN, delivery_time="14:00")
    assert due_at(later, now) == []
    assert due_at(later, utc(2026, 11, 26, 13)) == ["dm:T1:U1:2026-11-26"]
    moved = replace(BERLIN, timezone="America/New_York")
    occurrence = next_occurrence(moved, now)
    assert occurrence is not None and occurrence.scheduled_at == utc(2026, 11, 26, 14)


def test_catch_up_after_downtime_fires_once_for_the_latest_run_only() -> None:
    nightly = replace(BERLIN, delivery_time="23:00")
    now = utc(2026, 11, 27, 1, 0)  # 02:00 Berlin: yesterday's 23:00 was missed by 3 hours
    keys = due_at(nightly, now)
    assert keys == ["dm:T1:U1:2026-11-26"]
    assert due_at(nightly, now + timedelta(minutes=1), existing_keys=set(keys)) == []


def test_a_missed_run_older_than_catch_up_is_skipped() -> None:
    now = utc(2026, 11, 26, 15, 1)  # 16:01 Berlin: 09:00 was seven hours ago
    assert due_at(BERLIN, now) == []
    days_later = utc(2026, 11, 30, 8, 10)  # back after a long outage: only today's
    assert due_at(BERLIN, days_later) == ["dm:T1:U1:2026-11-30"]


def test_parsers_are_lenient() -> None:
    assert parse_days("Mon, TUE,sunday,xyz") == frozenset({0, 1, 6})
    assert parse_time("7:05").hour == 7
    assert parse_time("garbage").hour == 9
    unknown_zone = replace(BERLIN, timezone="Mars/Olympus")
    assert due_at(unknown_zone, utc(2026, 11, 26, 9, 0)) == ["dm:T1:U1:2026-11-26"]
