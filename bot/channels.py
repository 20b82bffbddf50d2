"""The channel digest service: switch a channel's team digest (and its weekly "what the
lab is reading" post) on or off, and report it.

Keyed by (team_id, channel_id). Errors a member can fix raise `ChannelError` (a
`ValueError`) with a message fit to show them verbatim. Whether the bot is in the channel
is Slack's to say, so the listener checks that before calling here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bot.context import Context
from bot.models import Channel, utcnow
from bot.schedule import Schedule, parse_time, parse_zone
from bot.slack_ids import is_channel
from bot.store import channels as store
from bot.store import outbox

__all__ = [
    "ChannelError",
    "ChannelState",
    "channel_status",
    "disable_channel",
    "enable_channel",
    "set_hot_weekly",
]

USE_IN_CHANNEL = "Run `/papers channel on` in the channel that should get the team digest."


class ChannelError(ValueError):
    """A channel digest change that cannot be made; `str(error)` is for the member."""


@dataclass(frozen=True)
class ChannelState:
    """A channel's digest: on or off, when, and the next one (None when off).

    `next_digest_at` is aware, in the channel's zone (UTC when the stored zone is unknown).
    """

    team_id: str
    channel_id: str
    enabled: bool
    delivery_time: str
    timezone: str
    days: tuple[str, ...]
    next_digest_at: datetime | None
    last_digest_at: datetime | None
    stopped_by: str | None = None  # Slack's error when the last digest failed and it is off
    hot_weekly: bool = False  # the weekly "Hot in #channel" post, on its last digest day


def enable_channel(
    ctx: Context,
    team_id: str,
    channel_id: str,
    *,
    time: str | None = None,
    tz: str | None = None,
    now: datetime | None = None,
) -> ChannelState:
    """Switch the channel's digest on, optionally at a new time or in a new zone, and return
    its state after the change.

    `time` is a time of day ("9:30", "09:30") and `tz` an IANA zone such as "Europe/Paris";
    None keeps the stored value, or for a new channel takes the workspace's defaults
    (`DEFAULT_DELIVERY_TIME`, `DEFAULT_TIMEZONE`). `now` (naive UTC; tests) dates the next
    digest.

    Raises:
        ChannelError: a DM.
        ScheduleError: a malformed time or an unknown time zone.
    """
    _check_channel(channel_id)
    changes: dict[str, str] = {}
    if store.get_channel(ctx.db, team_id, channel_id) is None:
        changes["delivery_time"] = ctx.settings.default_delivery_time
        changes["timezone"] = ctx.settings.default_timezone
    if time is not None:
        changes["delivery_time"] = parse_time(time)
    if tz is not None:
        changes["timezone"] = parse_zone(tz)
    row = store.set_channel(ctx.db, team_id, channel_id, enabled=True, **changes)
    return _state(row, team_id, channel_id, now)


def disable_channel(
    ctx: Context, team_id: str, channel_id: str, *, now: datetime | None = None
) -> ChannelState:
    """Switch the channel's digest off (its settings are kept for the next `on`) and return
    its state after the change.

    Raises:
        ChannelError: `channel_id` is a DM.
    """
    _check_channel(channel_id)
    if store.get_channel(ctx.db, team_id, channel_id) is None:
        return _state(None, team_id, channel_id, now)
    row = store.set_channel(ctx.db, team_id, channel_id, enabled=False)
    return _state(row, team_id, channel_id, now)


def channel_status(
    ctx: Context, team_id: str, channel_id: str, *, now: datetime | None = None
) -> ChannelState:
    """Whether the channel gets a digest, when, and when the next one is due (off, with the
    defaults, when it never had a digest).

    Raises:
        ChannelError: `channel_id` is a DM.
    """
    _check_channel(channel_id)
    state = _state(store.get_channel(ctx.db, team_id, channel_id), team_id, channel_id, now)
    if state.enabled:
        return state
    return replace(state, stopped_by=outbox.last_failure(ctx.db, "channel", channel_id))


def set_hot_weekly(
    ctx: Context, team_id: str, channel_id: str, enabled: bool, *, now: datetime | None = None
) -> ChannelState:
    """Switch the weekly "Hot in #channel" post on or off (sent at the digest's time on the
    last of its days, ranking what the channel's sharing members 👍'd and saved that week).

    Raises:
        ChannelError: a DM, or (switching on) a channel without the digest.
    """
    _check_channel(channel_id)
    row = store.get_channel(ctx.db, team_id, channel_id)
    if enabled and (row is None or not row.enabled):
        raise ChannelError("Turn this channel's digest on first: `/papers channel on`.")
    if row is not None:
        row = store.set_channel(ctx.db, team_id, channel_id, hot_weekly=enabled)
    return _state(row, team_id, channel_id, now)


def _state(
    row: Channel | None, team_id: str, channel_id: str, now: datetime | None
) -> ChannelState:
    row = row or Channel(team_id=team_id, channel_id=channel_id, enabled=False)
    schedule = Schedule.stored(row.delivery_time, row.timezone, row.days)
    upcoming = schedule.next(now or utcnow()) if row.enabled else None
    return ChannelState(
        team_id=team_id,
        channel_id=channel_id,
        enabled=row.enabled,
        delivery_time=row.delivery_time,
        timezone=row.timezone,
        days=schedule.days,
        next_digest_at=upcoming[1].astimezone(schedule.tzinfo) if upcoming else None,
        last_digest_at=row.last_digest_at,
        hot_weekly=row.hot_weekly,
    )


def _check_channel(channel_id: str) -> None:
    if not is_channel(channel_id):
        raise ChannelError(USE_IN_CHANNEL)
