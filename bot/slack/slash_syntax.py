"""The `/papers` syntax: text in, one command dataclass out. Pure: no Slack, no services.

`parse_command(text, today=...)` returns one of the dataclasses below or raises
`CommandError` with a message fit to show the member ("unknown date '31/02'").
Slack escapes `&`, `<` and `>` in command text; they are unescaped here so services see
what the member typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.schedule import parse_time, parse_zone

__all__ = [
    "ChannelHot",
    "ChannelOff",
    "ChannelOn",
    "ChannelStatus",
    "Command",
    "CommandError",
    "DigestNow",
    "Follow",
    "FollowAuthor",
    "Help",
    "Hot",
    "ImportHelp",
    "Interests",
    "Mute",
    "OpenSettings",
    "Saved",
    "SavedExport",
    "Search",
    "Seed",
    "Since",
    "Unfollow",
    "UnfollowAuthor",
    "Unmute",
    "parse_command",
    "parse_date",
]


class CommandError(ValueError):
    """The command text cannot be understood; the message says why, for the member."""


@dataclass(frozen=True)
class Search:
    query: str
    since: date | None = None
    offset: int = 0


@dataclass(frozen=True)
class Follow:
    text: str


@dataclass(frozen=True)
class Unfollow:
    target: int | str  # 1-based number from `interests`, or the interest's text


@dataclass(frozen=True)
class Interests:
    pass


@dataclass(frozen=True)
class Seed:
    ref: str  # arXiv id, URL or title


@dataclass(frozen=True)
class Mute:
    term: str


@dataclass(frozen=True)
class Unmute:
    term: str


@dataclass(frozen=True)
class DigestNow:
    pass


@dataclass(frozen=True)
class Since:
    since: date


@dataclass(frozen=True)
class OpenSettings:
    pass


@dataclass(frozen=True)
class ChannelOn:
    time: str | None = None
    timezone: str | None = None


@dataclass(frozen=True)
class ChannelOff:
    pass


@dataclass(frozen=True)
class ChannelStatus:
    pass


@dataclass(frozen=True)
class ChannelHot:
    enabled: bool  # the weekly "Hot in #channel" post


@dataclass(frozen=True)
class FollowAuthor:
    name: str


@dataclass(frozen=True)
class UnfollowAuthor:
    name: str


@dataclass(frozen=True)
class Saved:
    offset: int = 0


@dataclass(frozen=True)
class SavedExport:
    formats: tuple[str, ...] = ("bibtex", "ris")


@dataclass(frozen=True)
class Hot:
    days: int = 7


@dataclass(frozen=True)
class ImportHelp:
    pass


@dataclass(frozen=True)
class Help:
    pass


Command = (
    Search
    | Follow
    | Unfollow
    | FollowAuthor
    | UnfollowAuthor
    | Interests
    | Seed
    | Mute
    | Unmute
    | DigestNow
    | Since
    | OpenSettings
    | ChannelOn
    | ChannelOff
    | ChannelStatus
    | ChannelHot
    | Saved
    | SavedExport
    | Hot
    | ImportHelp
    | Help
)

_RELATIVE = re.compile(r"^(\d{1,3})\s*(d|day|days|w|week|weeks)$")
_SINCE_FLAG = re.compile(r"(?:^|\s)--since(?:=|\s+)(\S+)")
_NEEDS = {
    "follow": "tell me what to follow, e.g. `/papers follow diffusion for video`",
    "unfollow": "say which interest to drop: its number from `/papers interests` or its text",
    "seed": "give an arXiv id, a paper URL or a title, e.g. `/papers seed 2401.01234`",
    "mute": "say what to mute: a word, or `author:Name`",
    "unmute": "say what to unmute: a word, or `author:Name`",
    "search": "type a few words to search for, e.g. `/papers search sparse attention`",
    "since": "give a date: YYYY-MM-DD, yesterday, or 7d",
    "author": 'name the author, e.g. `/papers follow author:"Jane Doe"`',
}
_AUTHOR = "author:"
_EXPORT_FORMATS = {"bibtex": "bibtex", "bib": "bibtex", "ris": "ris"}
_HOT_DAYS = {"7d": 7, "week": 7, "7": 7, "30d": 30, "month": 30, "30": 30}


def unescape(text: str) -> str:
    """Undo Slack's escaping of `&`, `<`, `>` in command text."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def parse_date(raw: str, *, today: date) -> date:
    """Parse `YYYY-MM-DD`, `today`, `yesterday`, `last week`, `7d` or `2w`, relative forms
    counted back from `today` (the member's current date).

    Raises:
        CommandError: "unknown date '31/02'" (with the accepted forms).
    """
    word = raw.strip().lower()
    relative = _RELATIVE.match(word)
    if word in ("today", "yesterday", "last week", "lastweek"):
        return today - timedelta(days={"today": 0, "yesterday": 1}.get(word, 7))
    if relative:
        count = int(relative.group(1))
        return today - timedelta(days=count * (7 if relative.group(2)[0] == "w" else 1))
    try:
        return date.fromisoformat(word)
    except ValueError:
        raise CommandError(
            f"unknown date '{raw.strip()}'; use YYYY-MM-DD, today, yesterday, 7d or 2w"
        ) from None


def parse_command(text: str, *, today: date) -> Command:
    """Turn the text after `/papers` (escaped, as Slack sends it) into a command: empty text
    and `help` give `Help`, text that is no subcommand a `Search`; `today` is the member's
    current date, for relative dates.

    Raises:
        CommandError: bad or missing arguments, with a specific message.
    """
    text = unescape(text).strip()
    head, _, rest = text.partition(" ")
    verb, rest = head.lower(), _strip_quotes(rest.strip())
    if not text or verb in ("help", "-h", "--help", "?"):
        return Help()
    if verb in ("interests", "digest", "settings", "import") and not rest:
        return {
            "interests": Interests(),
            "digest": DigestNow(),
            "settings": OpenSettings(),
            "import": ImportHelp(),
        }[verb]
    if verb == "channel":
        return _channel(rest)
    if verb == "saved" and (not rest or rest.lower().split()[0] == "export"):
        return _saved(rest)
    if verb == "hot" and (not rest or rest.strip().lower() in _HOT_DAYS):
        return Hot(_HOT_DAYS.get(rest.strip().lower(), 7))
    if verb in ("follow", "unfollow") and rest.lower().startswith(_AUTHOR):
        name = _need("author", _strip_quotes(rest[len(_AUTHOR) :].strip()))
        return FollowAuthor(name) if verb == "follow" else UnfollowAuthor(name)
    if verb == "since":
        return Since(parse_date(_need(verb, rest), today=today))
    if verb in ("follow", "seed", "mute", "unmute"):
        kind = {"follow": Follow, "seed": Seed, "mute": Mute, "unmute": Unmute}[verb]
        return kind(_need(verb, rest))
    if verb == "unfollow":
        target = _need(verb, rest)
        return Unfollow(int(target) if target.isdigit() else target)
    return _search(rest if verb == "search" else text, today=today)


def _search(text: str, *, today: date) -> Search:
    since = None
    flag = _SINCE_FLAG.search(text)
    if flag:
        since = parse_date(flag.group(1), today=today)
        text = (text[: flag.start()] + " " + text[flag.end() :]).strip()
    elif text.rstrip().endswith("--since"):
        raise CommandError("`--since` needs a date, e.g. `--since 2024-05-01`")
    return Search(_need("search", text.strip()), since=since)


def _saved(rest: str) -> Saved | SavedExport:
    """`saved` or `saved export [bibtex|ris]` (other words after `saved` are a search)."""
    words = rest.lower().split()
    if not words:
        return Saved()
    if len(words) == 1:
        return SavedExport()
    if len(words) == 2 and words[1] in _EXPORT_FORMATS:
        return SavedExport((_EXPORT_FORMATS[words[1]],))
    raise CommandError("use `/papers saved export`, `saved export bibtex` or `saved export ris`")


def _channel(rest: str) -> Command:
    action, *args = rest.split() or ["status"]
    action = action.lower()
    if action == "hot":
        switch = " ".join(args).lower()
        if switch not in ("on", "off"):
            raise CommandError("use `/papers channel hot on` or `/papers channel hot off`")
        return ChannelHot(switch == "on")
    if action == "off" and not args:
        return ChannelOff()
    if action == "status" and not args:
        return ChannelStatus()
    if action != "on" or len(args) > 2:
        raise CommandError(
            "use `/papers channel on [HH:MM] [time zone]`, `off`, `status` or `hot on|off`"
        )
    time = tz = None
    for arg in args:  # a time starts with a digit, a zone never does
        if arg[:1].isdigit():
            time = parse_time(arg)
        else:
            tz = parse_zone(arg)
    return ChannelOn(time=time, timezone=tz)


def _need(verb: str, value: str) -> str:
    if not value:
        raise CommandError(_NEEDS[verb])
    return value


def _strip_quotes(text: str) -> str:
    for left, right in (('"', '"'), ("“", "”"), ("'", "'")):
        if len(text) >= 2 and text.startswith(left) and text.endswith(right):
            return text[1:-1].strip()
    return text
