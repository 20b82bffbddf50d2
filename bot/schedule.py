"""When a digest goes out: a local time, an IANA time zone and days of the week.

The one home of those rules. Members, channels, the `/papers` parser, the settings modal
and the delivery job all read and validate them through `Schedule` and the `parse_*`
functions here, so "9:30", "Europe/Paris" or "weekdays" mean the same everywhere. Input
from a person is validated strictly (`ScheduleError`, a message fit to show them); values
already stored are read leniently (`Schedule.stored`: an unknown zone counts as UTC), so
one bad row never stops a delivery round. Occurrences are computed with `zoneinfo`, so a
09:00 digest arrives at 09:00 local time on both sides of a DST change.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "DAYS",
    "WEEKDAYS",
    "Schedule",
    "ScheduleError",
    "known_zone",
    "parse_days",
    "parse_time",
    "parse_zone",
]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAYS = DAYS[:5]
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_DAY_WORDS = {
    "weekdays": WEEKDAYS,
    "workdays": WEEKDAYS,
    "weekend": DAYS[5:],
    "weekends": DAYS[5:],
    "daily": DAYS,
    "everyday": DAYS,
    "all": DAYS,
}
_LOOKAROUND_DAYS = 8  # a week and a day: enough to find the nearest occurrence either way


class ScheduleError(ValueError):
    """A time, zone or day that cannot be used; the message says what is allowed."""


def parse_time(text: str) -> str:
    """A 24-hour "HH:MM" from what a person typed ("9:30" and "09:30" alike).

    Raises:
        ScheduleError: not a time of day.
    """
    match = _HHMM.match(text.strip())
    if not match:
        raise ScheduleError(
            f"“{text.strip()}” is not a time; use HH:MM on a 24-hour clock, e.g. 09:30"
        )
    return f"{int(match[1]):02d}:{match[2]}"


def parse_zone(name: str) -> str:
    """An IANA zone name, checked against the zone database.

    Raises:
        ScheduleError: unknown zone.
    """
    name = name.strip()
    if known_zone(name) is None:
        raise ScheduleError(
            f"unknown time zone “{name}”; use an IANA name such as Europe/Paris or UTC"
        )
    return name


def known_zone(name: str | None) -> str | None:
    """`name` when it is a zone `zoneinfo` knows, else None (e.g. a Slack profile's `tz`)."""
    if not name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def parse_days(value: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Days of the week from "mon,wed", "Monday Friday", "weekdays", "daily" or a list, in
    week order, e.g. ("mon", "wed").

    Raises:
        ScheduleError: an unknown day name, or no day at all.
    """
    items = value.replace(" ", ",").split(",") if isinstance(value, str) else list(value)
    picked: set[str] = set()
    for raw in (item.strip().lower() for item in items):
        if raw in ("", "and"):
            continue
        if raw in _DAY_WORDS:
            picked.update(_DAY_WORDS[raw])
        elif raw[:3] in DAYS:
            picked.add(raw[:3])
        else:
            raise ScheduleError(
                f"unknown day “{raw}”; use mon, tue, wed, thu, fri, sat, sun or weekdays"
            )
    if not picked:
        raise ScheduleError("pick at least one day, e.g. mon,wed,fri")
    return tuple(day for day in DAYS if day in picked)


@dataclass(frozen=True)
class Schedule:
    """A local delivery time on some days of the week, in one time zone."""

    time: str = "09:00"  # "HH:MM", 24-hour, local to `zone`
    zone: str = "UTC"
    days: tuple[str, ...] = WEEKDAYS

    @classmethod
    def stored(cls, time: str, zone: str, days: str) -> Schedule:
        """The schedule of a stored row ("mon,tue" days); what cannot be read falls back to
        09:00, UTC and no days, so a bad row costs its own digest and nothing else."""
        try:
            at = parse_time(time)
        except ScheduleError:
            at = "09:00"
        names = {part.strip().lower()[:3] for part in days.split(",")}
        return cls(at, known_zone(zone) or "UTC", tuple(d for d in DAYS if d in names))

    @property
    def days_text(self) -> str:
        """The days as stored: "mon,tue,wed"."""
        return ",".join(self.days)

    @property
    def tzinfo(self) -> ZoneInfo:
        """The zone as a `ZoneInfo`."""
        return ZoneInfo(known_zone(self.zone) or "UTC")

    def local_date(self, now: datetime) -> date:
        """The date it is in this schedule's zone at `now` (naive means UTC)."""
        return _aware(now).astimezone(self.tzinfo).date()

    def at(self, day: date) -> datetime:
        """The instant (aware, UTC) of the delivery time on a local `day`; a time skipped by a
        DST gap resolves, as `zoneinfo` does (fold=0), to the same instant an hour later."""
        hours, minutes = self.time.split(":")
        local = datetime.combine(day, time(int(hours), int(minutes)), tzinfo=self.tzinfo)
        return local.astimezone(UTC)

    def last(self, now: datetime) -> tuple[date, datetime] | None:
        """The latest occurrence at or before `now`: (local date, instant), or None (no days)."""
        now = _aware(now)
        return next(((d, at) for d, at in self._around(now, forward=False) if at <= now), None)

    def next(self, now: datetime) -> tuple[date, datetime] | None:
        """The first occurrence strictly after `now`: (local date, instant), or None."""
        now = _aware(now)
        return next(((d, at) for d, at in self._around(now, forward=True) if at > now), None)

    def today(self, now: datetime) -> tuple[date, datetime] | None:
        """The occurrence on the local today, past or future; None when today is not a day."""
        day = self.local_date(now)
        return (day, self.at(day)) if DAYS[day.weekday()] in self.days else None

    def _around(self, now: datetime, *, forward: bool) -> Iterator[tuple[date, datetime]]:
        today = self.local_date(now)
        steps = range(-1, _LOOKAROUND_DAYS) if forward else range(1, -_LOOKAROUND_DAYS, -1)
        for step in steps:
            day = today + timedelta(days=step)
            if DAYS[day.weekday()] in self.days:
                yield day, self.at(day)


def _aware(now: datetime) -> datetime:
    return now if now.tzinfo else now.replace(tzinfo=UTC)
