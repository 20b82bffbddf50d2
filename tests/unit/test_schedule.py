"""bot.schedule: local wall-clock delivery across zones and DST, days, and input rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from bot.schedule import Schedule, ScheduleError, known_zone, parse_days, parse_time, parse_zone

BERLIN = Schedule("09:00", "Europe/Berlin", ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_next_occurrence_crosses_the_dst_change_at_local_nine() -> None:
    after_saturday = BERLIN.next(utc(2026, 3, 28, 10))
    assert after_saturday == (date(2026, 3, 29), utc(2026, 3, 29, 7))


def test_time_in_a_dst_gap_fires_once_after_the_jump() -> None:
    early = replace(BERLIN, time="02:30")  # 02:30 does not exist on 2026-03-29
    occurrence = early.next(utc(2026, 3, 28, 23))
    assert occurrence == (date(2026, 3, 29), utc(2026, 3, 29, 1, 30))  # 03:30 CEST


def test_last_and_today_use_the_local_date() -> None:
    tokyo = replace(BERLIN, zone="Asia/Tokyo")
    now = utc(2026, 11, 26, 0, 30)  # 09:30 on the 26th in Tokyo, 01:30 in Berlin
    assert tokyo.last(now) == (date(2026, 11, 26), utc(2026, 11, 26, 0))
    assert BERLIN.last(now) == (date(2026, 11, 25), utc(2026, 11, 25, 8))
    weekdays = replace(BERLIN, days=("mon", "tue", "wed", "thu", "fri"))
    assert weekdays.today(utc(2026, 11, 28, 8, 5)) is None  # Saturday
    assert weekdays.today(utc(2026, 11, 30, 8, 5)) == (date(2026, 11, 30), utc(2026, 11, 30, 8))


def test_a_schedule_without_days_never_occurs() -> None:
    never = replace(BERLIN, days=())
    assert never.next(utc(2026, 11, 26)) is None and never.last(utc(2026, 11, 26)) is None


def test_input_from_people_is_checked_strictly() -> None:
    assert parse_time("9:30") == "09:30" == parse_time(" 09:30 ")
    for bad in ("9:5", "24:00", "garbage", "9.30"):
        with pytest.raises(ScheduleError, match="HH:MM"):
            parse_time(bad)
    assert parse_zone("Europe/Paris") == "Europe/Paris"
    with pytest.raises(ScheduleError, match="IANA"):
        parse_zone("Mars/Olympus")
    assert known_zone("Mars/Olympus") is None and known_zone("") is None


def test_days_accept_names_lists_and_words() -> None:
    assert parse_days("weekdays") == ("mon", "tue", "wed", "thu", "fri")
    assert parse_days(["sat", "sunday"]) == ("sat", "sun")
    assert len(parse_days("daily")) == 7
    assert parse_days("Friday and Monday") == ("mon", "fri")
    with pytest.raises(ScheduleError, match="at least one day"):
        parse_days(" , ")
    with pytest.raises(ScheduleError, match="unknown day"):
        parse_days("mon,someday")


def test_stored_values_are_read_leniently() -> None:
    stored = Schedule.stored("7:05", "Mars/Olympus", "Mon, TUE,sunday,xyz")
    assert stored == Schedule("07:05", "UTC", ("mon", "tue", "sun"))
    assert Schedule.stored("garbage", "UTC", "").time == "09:00"
    assert stored.days_text == "mon,tue,sun"
