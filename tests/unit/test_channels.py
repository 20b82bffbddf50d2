"""bot.channels: switching a channel's digest on and off, its status and its refusals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import channels
from bot.context import Context
from bot.store import channels as store

MONDAY_5AM = datetime(2024, 5, 6, 5, 0)  # naive UTC, as the database keeps time


def test_enable_with_time_and_zone_reports_the_next_digest(ctx: Context):
    state = channels.enable_channel(
        ctx, "T1", "C7", time="08:30", tz="Europe/Paris", now=MONDAY_5AM
    )
    assert (state.enabled, state.delivery_time, state.timezone) == (True, "08:30", "Europe/Paris")
    assert state.days == ("mon", "tue", "wed", "thu", "fri")
    assert state.next_digest_at == datetime(2024, 5, 6, 6, 30, tzinfo=UTC)
    assert state.next_digest_at.strftime("%H:%M") == "08:30"  # shown in the channel's zone
    assert store.get_channel(ctx.db, "T1", "C7").enabled


def test_enable_again_keeps_time_and_zone_and_off_keeps_them_too(ctx: Context):
    channels.enable_channel(ctx, "T1", "C7", time="07:15", tz="Asia/Tokyo")
    off = channels.disable_channel(ctx, "T1", "C7", now=MONDAY_5AM)
    assert (off.enabled, off.next_digest_at, off.delivery_time) == (False, None, "07:15")
    on = channels.enable_channel(ctx, "T1", "C7", now=MONDAY_5AM)
    assert (on.delivery_time, on.timezone) == ("07:15", "Asia/Tokyo")
    # Monday 07:15 in Tokyo had passed (it is 14:00 there): Tuesday's, shown in Tokyo time
    assert on.next_digest_at == datetime(2024, 5, 6, 22, 15, tzinfo=UTC)
    assert on.next_digest_at.strftime("%a %H:%M") == "Tue 07:15"


def test_status_and_off_of_a_channel_that_never_had_a_digest(ctx: Context):
    state = channels.channel_status(ctx, "T1", "C9")
    assert (state.enabled, state.next_digest_at, state.last_digest_at) == (False, None, None)
    assert channels.disable_channel(ctx, "T1", "C9").enabled is False
    assert store.get_channel(ctx.db, "T1", "C9") is None  # nothing stored by asking


@pytest.mark.parametrize(
    ("channel_id", "options", "message"),
    [
        ("DU1", {}, "in the channel that should get the team digest"),
        ("", {}, "in the channel that should get the team digest"),
        ("C7", {"time": "25:00"}, "“25:00” is not a time"),
        ("C7", {"time": "9.30"}, "HH:MM on a 24-hour clock"),
        ("C7", {"tz": "Mars/Base"}, "unknown time zone “Mars/Base”"),
        ("C7", {"tz": "../../etc/passwd"}, "unknown time zone"),
    ],
)
def test_refusals_are_value_errors_for_the_member(ctx: Context, channel_id, options, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):  # Channel/ScheduleError
        channels.enable_channel(ctx, "T1", channel_id, **options)
    assert store.get_channel(ctx.db, "T1", channel_id) is None


def test_channels_read_times_as_members_do(ctx: Context) -> None:
    assert channels.enable_channel(ctx, "T1", "C7", time="9:30").delivery_time == "09:30"


@pytest.mark.parametrize("call", [channels.disable_channel, channels.channel_status])
def test_off_and_status_refuse_a_dm(ctx: Context, call):
    with pytest.raises(channels.ChannelError):
        call(ctx, "T1", "DU1")


def test_a_new_channel_starts_from_the_workspace_defaults(ctx: Context) -> None:
    ctx.settings = ctx.settings.model_copy(
        update={"default_delivery_time": "08:15", "default_timezone": "Europe/Oslo"}
    )
    state = channels.enable_channel(ctx, "T1", "C9")
    assert (state.delivery_time, state.timezone) == ("08:15", "Europe/Oslo")
    again = channels.enable_channel(ctx, "T1", "C9", time="10:00")
    assert (again.delivery_time, again.timezone) == ("10:00", "Europe/Oslo")
