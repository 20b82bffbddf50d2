"""`/papers` text → command, with specific errors for bad arguments."""

from __future__ import annotations

from datetime import date

import pytest

from bot.slack.slash_syntax import (
    ChannelHot,
    ChannelOff,
    ChannelOn,
    ChannelStatus,
    CommandError,
    DigestNow,
    Follow,
    FollowAuthor,
    Help,
    Hot,
    ImportHelp,
    Interests,
    Mute,
    OpenSettings,
    Saved,
    SavedExport,
    Search,
    Seed,
    Since,
    Unfollow,
    UnfollowAuthor,
    Unmute,
    parse_command,
)

TODAY = date(2024, 6, 10)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Help()),
        ("help", Help()),
        ("graph neural networks", Search("graph neural networks")),
        ("search payload compression", Search("payload compression")),
        ("sparse attention --since 2024-05-01", Search("sparse attention", since=date(2024, 5, 1))),
        ("diffusion --since=7d", Search("diffusion", since=date(2024, 6, 3))),
        ("follow &lt;@U123&gt; diffusion &amp; video", Follow("<@U123> diffusion & video")),
        ('follow "graph networks"', Follow("graph networks")),
        ("unfollow 2", Unfollow(2)),
        ("unfollow graph networks", Unfollow("graph networks")),
        ("interests", Interests()),
        ("seed https://arxiv.org/abs/2401.01234", Seed("https://arxiv.org/abs/2401.01234")),
        ("mute author:Jane Doe", Mute("author:Jane Doe")),
        ("unmute quantum", Unmute("quantum")),
        ("digest", DigestNow()),
        ("since yesterday", Since(date(2024, 6, 9))),
        ("since 2w", Since(date(2024, 5, 27))),
        ("settings", OpenSettings()),
        ("channel on", ChannelOn()),
        ("channel on 8:30 Europe/Paris", ChannelOn("08:30", "Europe/Paris")),
        ("channel off", ChannelOff()),
        ("channel status", ChannelStatus()),
        ("channel", ChannelStatus()),
        ("グラフ 🎬", Search("グラフ 🎬")),
        ('follow author:"Jane Doe"', FollowAuthor("Jane Doe")),
        ("follow author: “Jané Doe”", FollowAuthor("Jané Doe")),
        ("follow Author:Doe, Jane", FollowAuthor("Doe, Jane")),
        ("unfollow author:'J. Doe'", UnfollowAuthor("J. Doe")),
        ("follow authorship attribution", Follow("authorship attribution")),
        ("saved", Saved()),
        ("saved export", SavedExport()),
        ("saved export BibTeX", SavedExport(("bibtex",))),
        ("saved export ris", SavedExport(("ris",))),
        ("saved models for compression", Search("saved models for compression")),
        ("hot", Hot(7)),
        ("hot 30d", Hot(30)),
        ("hot 7d", Hot(7)),
        ("hot dog detection", Search("hot dog detection")),
        ("import", ImportHelp()),
        ("channel hot on", ChannelHot(True)),
        ("channel hot off", ChannelHot(False)),
    ],
)
def test_parses(text, expected):
    assert parse_command(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("since 31/02", "unknown date '31/02'"),
        ("search graphs --since 2024-02-31", "unknown date '2024-02-31'"),
        ("graphs --since", "`--since` needs a date"),
        ("follow", "tell me what to follow"),
        ("unfollow", "say which interest"),
        ("seed", "arXiv id"),
        ("mute", "say what to mute"),
        ("search", "type a few words"),
        ("channel on 25:00", "“25:00” is not a time"),
        ("channel on Mars/Base", "unknown time zone “Mars/Base”"),
        ("channel sideways", "use `/papers channel on"),
        ("follow author:", "name the author"),
        ('unfollow author:""', "name the author"),
        ("saved export pdf", "saved export bibtex"),
        ("saved export bibtex ris", "saved export bibtex"),
        ("channel hot", "channel hot on"),
        ("channel hot maybe", "channel hot on"),
    ],
)
def test_errors_are_specific(text, message):
    with pytest.raises(ValueError) as raised:  # CommandError, or ScheduleError for times
        parse_command(text, today=TODAY)
    assert message in str(raised.value)


def test_command_error_is_a_value_error():
    assert issubclass(CommandError, ValueError)
