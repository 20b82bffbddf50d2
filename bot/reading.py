"""The reading service: a member's reading list (what they saved), and what a channel's
members are reading (their 👍 and saves in a period).

The reading list is the member's 🔖 saves, newest first, paged; a paper leaves it by
`unsave`, and the whole list leaves paperboy as BibTeX and RIS (`export_saved`) for a
reference manager. The hot list of a channel ranks the papers its members 👍'd or saved in
the last days; only members who turned on "show my 👍 to my team" (`share_votes`) are
counted or named, so nobody's reading is shown without their consent. Both read only;
errors a member can fix raise `ProfileError` / `ChannelError` (`ValueError`s).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.channels import ChannelError
from bot.citations import FORMATS, ExportFormat, export, filename
from bot.context import Context
from bot.library import PaperView
from bot.models import utcnow
from bot.profiles import ProfileError
from bot.store import channels as channel_store
from bot.store import members as member_store
from bot.store import reading as store

__all__ = [
    "HOT_PERIODS",
    "SAVED_PAGE",
    "ExportFile",
    "HotList",
    "HotPaper",
    "SavedExport",
    "SavedPage",
    "export_saved",
    "hot_papers",
    "saved_papers",
    "unsave",
]

SAVED_PAGE = 10
HOT_PERIODS = (7, 30)  # days `/papers hot` accepts
HOT_LIMIT = 10
EXPORT_STEM = "paperboy-saved"
_NOTHING_SAVED = "you haven't saved any papers yet: press 🔖 Save on a paper in your digest"


@dataclass(frozen=True)
class SavedPage:
    """One page of a member's saved papers, newest save first."""

    papers: list[PaperView]
    total: int
    offset: int
    page_size: int = SAVED_PAGE

    @property
    def has_more(self) -> bool:
        """Whether saves older than this page exist."""
        return self.offset + len(self.papers) < self.total


@dataclass(frozen=True)
class ExportFile:
    """One export of a reading list: its file name, title, format and text."""

    filename: str
    title: str
    format: ExportFormat
    text: str


@dataclass(frozen=True)
class SavedExport:
    """A reading list as files, one per format, and how many papers each holds."""

    files: list[ExportFile]
    papers: int


@dataclass(frozen=True)
class HotPaper:
    """A paper a channel's members are reading: how many 👍'd and saved it, and who."""

    paper: PaperView
    upvotes: int
    saves: int
    people: list[str]  # Slack user ids, in the order they first 👍'd or saved it
    earlier_ts: str | None = None  # the channel thread where it was posted before


@dataclass(frozen=True)
class HotList:
    """What a channel's sharing members 👍'd and saved in [since, until)."""

    team_id: str
    channel_id: str
    days: int
    since: datetime
    until: datetime
    papers: list[HotPaper] = field(default_factory=list)
    sharing: int = 0  # how many of the channel's members share their 👍 and saves


def saved_papers(
    ctx: Context, team_id: str, user_id: str, *, offset: int = 0, limit: int = SAVED_PAGE
) -> SavedPage:
    """One page of the member's reading list (empty for someone not met yet)."""
    offset = max(offset, 0)
    state = member_store.load_states(ctx.db, team_id, [user_id]).get(user_id)
    if state is None or state.member.id is None:
        return SavedPage([], 0, offset, limit)
    ids, total = store.saved_page(ctx.db, state.member.id, offset=offset, limit=limit)
    papers = ctx.library.papers(ids)
    return SavedPage([papers[i] for i in ids if i in papers], total, offset, limit)


def unsave(ctx: Context, team_id: str, user_id: str, paper_id: int) -> bool:
    """Take a paper off the member's reading list; False when it was not on it (a repeated
    click)."""
    state = member_store.load_states(ctx.db, team_id, [user_id]).get(user_id)
    if state is None or state.member.id is None:
        return False
    return member_store.unsave(ctx.db, state.member.id, paper_id)


def export_saved(
    ctx: Context, team_id: str, user_id: str, formats: Sequence[str] = FORMATS
) -> SavedExport:
    """The member's whole reading list, newest save first, as one file per format.

    Raises:
        ProfileError: nothing saved yet.
    """
    state = member_store.load_states(ctx.db, team_id, [user_id]).get(user_id)
    ids: list[int] = []
    if state is not None and state.member.id is not None:
        ids, _ = store.saved_page(ctx.db, state.member.id, offset=0, limit=1_000_000)
    papers = ctx.library.papers(ids)
    listed = [papers[i] for i in ids if i in papers]
    if not listed:
        raise ProfileError(_NOTHING_SAVED)
    titles = {"bibtex": "Saved papers (BibTeX)", "ris": "Saved papers (RIS)"}
    chosen = [f for f in FORMATS if f in formats]
    if not chosen:
        raise ProfileError(f"export as {' or '.join(FORMATS)}")
    files = [ExportFile(filename(EXPORT_STEM, f), titles[f], f, export(listed, f)) for f in chosen]
    return SavedExport(files, len(listed))


def hot_papers(
    ctx: Context,
    team_id: str,
    channel_id: str,
    member_user_ids: list[str],
    *,
    days: int = 7,
    now: datetime | None = None,
    limit: int = HOT_LIMIT,
) -> HotList:
    """The papers the channel's members 👍'd or saved in the last `days` days before `now`
    (naive UTC), most people first, for a channel whose digest is on; only members who
    share their 👍 are counted. A paper posted in the channel before carries that thread.

    Raises:
        ChannelError: the channel has no digest.
    """
    channel = channel_store.get_channel(ctx.db, team_id, channel_id)
    if channel is None or not channel.enabled:
        raise ChannelError(
            "What the lab is reading is for channels with the digest on: run "
            "`/papers channel on` here first."
        )
    until = now or utcnow()
    since = until - timedelta(days=days)
    signals = store.team_signals(ctx.db, team_id, member_user_ids, since=since, until=until)
    counts: dict[int, dict[str, list[str]]] = {}
    latest: dict[int, datetime] = {}
    for signal in signals:
        kinds = counts.setdefault(signal.paper_id, {"up": [], "save": []})
        kinds[signal.kind].append(signal.user_id)
        latest[signal.paper_id] = signal.at
    papers = ctx.library.papers(counts)

    def rank(paper_id: int) -> tuple[int, int, datetime]:
        up, save = counts[paper_id]["up"], counts[paper_id]["save"]
        return (len(up) + len(save), len(set(up) | set(save)), latest[paper_id])

    top = sorted((p for p in counts if p in papers), key=rank, reverse=True)[:limit]
    earlier = channel_store.posted_ts(ctx.db, channel.id or 0, top)
    found = []
    for paper_id in top:
        up, save = counts[paper_id]["up"], counts[paper_id]["save"]
        people = list(dict.fromkeys(s.user_id for s in signals if s.paper_id == paper_id))
        found.append(HotPaper(papers[paper_id], len(up), len(save), people, earlier.get(paper_id)))
    sharing = len(store.sharing_members(ctx.db, team_id, member_user_ids))
    return HotList(team_id, channel_id, days, since, until, found, sharing)
