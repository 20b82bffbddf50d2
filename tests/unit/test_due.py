"""jobs.due: which digests are due, with catch-up, outbox keys and inactive recipients."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.schedule import Schedule
from jobs.due import Recipient, due_digests, due_today, outbox_key

CATCH_UP = timedelta(hours=6)
EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
BERLIN = Recipient("dm", "T1", "U1", Schedule("09:00", "Europe/Berlin", EVERY_DAY))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def due_at(recipient: Recipient, now: datetime, **kwargs: object) -> list[str]:
    return [d.key for d in due_digests([recipient], now, catch_up=CATCH_UP, **kwargs)]


def rescheduled(recipient: Recipient, **changes: object) -> Recipient:
    return replace(recipient, schedule=replace(recipient.schedule, **changes))


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


def test_zones_use_their_own_local_date() -> None:
    tokyo = rescheduled(replace(BERLIN, recipient_id="U2"), zone="Asia/Tokyo")
    now = utc(2026, 11, 26, 0, 30)  # 09:30 on the 26th in Tokyo
    assert due_at(tokyo, now) == ["dm:T1:U2:2026-11-26"]
    assert due_at(BERLIN, now) == []  # 01:30 in Berlin


def test_only_listed_days() -> None:
    weekdays = rescheduled(BERLIN, days=("mon", "tue", "wed", "thu", "fri"))
    assert due_at(weekdays, utc(2026, 11, 28, 8, 5)) == []  # Saturday
    assert due_at(weekdays, utc(2026, 11, 30, 8, 5)) == ["dm:T1:U1:2026-11-30"]  # Monday
    assert due_today([weekdays], utc(2026, 11, 28, 8, 5)) == []


def test_paused_and_dayless_recipients_never_fire() -> None:
    assert due_at(replace(BERLIN, active=False), utc(2026, 11, 26, 8, 5)) == []
    assert due_at(rescheduled(BERLIN, days=()), utc(2026, 11, 26, 8, 5)) == []
    assert due_today([replace(BERLIN, active=False)], utc(2026, 11, 26, 8, 5)) == []


def test_existing_outbox_row_means_done_for_the_day() -> None:
    now = utc(2026, 11, 26, 8, 5)
    assert due_at(BERLIN, now, existing_keys={"dm:T1:U1:2026-11-26"}) == []
    assert due_today([BERLIN], now, existing_keys={"dm:T1:U1:2026-11-26"}) == []


def test_settings_change_moves_the_next_digest() -> None:
    now = utc(2026, 11, 26, 8, 30)  # 09:30 Berlin
    assert due_at(BERLIN, now) == ["dm:T1:U1:2026-11-26"]
    later = rescheduled(BERLIN, time="14:00")
    assert due_at(later, now) == []
    assert due_at(later, utc(2026, 11, 26, 13)) == ["dm:T1:U1:2026-11-26"]
    moved = rescheduled(BERLIN, zone="America/New_York")
    assert moved.schedule.next(now) == (date(2026, 11, 26), utc(2026, 11, 26, 14))


def test_catch_up_after_downtime_fires_once_for_the_latest_run_only() -> None:
    nightly = rescheduled(BERLIN, time="23:00")
    now = utc(2026, 11, 27, 1, 0)  # 02:00 Berlin: yesterday's 23:00 was missed by 3 hours
    keys = due_at(nightly, now)
    assert keys == ["dm:T1:U1:2026-11-26"]
    assert due_at(nightly, now + timedelta(minutes=1), existing_keys=set(keys)) == []


def test_a_missed_run_older_than_catch_up_is_skipped() -> None:
    now = utc(2026, 11, 26, 15, 1)  # 16:01 Berlin: 09:00 was seven hours ago
    assert due_at(BERLIN, now) == []
    days_later = utc(2026, 11, 30, 8, 10)  # back after a long outage: only today's
    assert due_at(BERLIN, days_later) == ["dm:T1:U1:2026-11-30"]


def test_a_stored_row_with_an_unknown_zone_is_delivered_in_utc() -> None:
    unknown_zone = replace(BERLIN, schedule=Schedule.stored("09:00", "Mars/Olympus", "mon,thu"))
    assert due_at(unknown_zone, utc(2026, 11, 26, 9, 0)) == ["dm:T1:U1:2026-11-26"]
