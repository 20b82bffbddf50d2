"""Reading a member's profile: the views the Slack layer shows, and the matcher's vectors.

Owns `MemberView`, `ProfileView` and friends, and `load_profile`, which turns a stored
`MemberState` into a `MemberProfile` (interest lines embedded through the library's cache,
seed and 👍 papers by their stored vectors, 👎 papers as negatives). The editing side of the
profile service is `bot.members`, which re-exports what it needs from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from bot.context import Context
from bot.matcher import source_counts
from bot.models import Member, utcnow
from bot.profiles import MemberProfile, Source, liked_vectors, query_text
from bot.store import history
from bot.store import members as store
from bot.store.history import LastDigest

__all__ = [
    "DeliveryFailure",
    "InterestView",
    "LastDigest",
    "MemberView",
    "PaperRef",
    "ProfileView",
    "load_profile",
    "member_view",
    "profile",
]

RECENT_DAYS = 7
_NO_VECTORS = np.zeros((0, 0), dtype=np.float32)  # stands for "none" whatever the dimension


@dataclass(frozen=True)
class MemberView:
    """A member's delivery and matching settings."""

    team_id: str
    user_id: str
    timezone: str
    delivery_time: str
    days: tuple[str, ...]
    max_papers: int
    threshold: float
    popularity_boost: bool
    paused: bool
    show_closest: bool
    last_digest_at: datetime | None


@dataclass(frozen=True)
class InterestView:
    """One interest line, numbered from 1, with the papers it brought in the last 7 days."""

    number: int
    text: str
    recent: int


@dataclass(frozen=True)
class PaperRef:
    """A paper named in a profile (a seed)."""

    id: int
    title: str
    url: str | None


@dataclass(frozen=True)
class DeliveryFailure:
    """A digest that did not reach the member: when, and why in plain words."""

    at: datetime
    reason: str  # e.g. "couldn't DM you: account_inactive"


@dataclass(frozen=True)
class ProfileView:
    """Everything `/papers profile` and the Home tab show."""

    member: MemberView
    interests: list[InterestView]
    seeds: list[PaperRef]
    keywords: list[str]
    mutes: list[str]
    upvotes: int
    downvotes: int
    saves: int
    last_digest: LastDigest | None = None  # its date, papers and the 👍/👎 on them
    delivery_failures: list[DeliveryFailure] = field(default_factory=list)  # newest first


def member_view(row: Member) -> MemberView:
    """The settings view of a member row."""
    return MemberView(
        row.team_id,
        row.user_id,
        row.timezone,
        row.delivery_time,
        tuple(d for d in row.days.split(",") if d),
        row.max_papers,
        row.threshold,
        row.popularity_boost,
        row.paused,
        row.show_closest,
        row.last_digest_at,
    )


def ensure_row(ctx: Context, team_id: str, user_id: str, *, timezone: str | None = None) -> Member:
    """The member's row, created with the configured defaults on first contact."""
    s = ctx.settings
    return store.ensure_member(
        ctx.db,
        team_id,
        user_id,
        timezone=_zone(timezone) or s.default_timezone,
        delivery_time=s.default_delivery_time,
        max_papers=s.default_max_papers,
        threshold=s.default_threshold,
    )


def state(ctx: Context, team_id: str, user_id: str) -> store.MemberState:
    """The member's stored state, creating the member on first contact."""
    found = store.load_states(ctx.db, team_id, [user_id]).get(user_id)
    return found or store.MemberState(ensure_row(ctx, team_id, user_id))


def paper_refs(ctx: Context, paper_ids: list[int]) -> list[PaperRef]:
    """References to these papers, in order (papers no longer stored are left out)."""
    views = ctx.library.papers(paper_ids)
    return [PaperRef(i, views[i].title, views[i].url) for i in paper_ids if i in views]


def load_profile(ctx: Context, member: store.MemberState) -> MemberProfile:
    """The vectors and rules the matcher needs for one member.

    Args:
        ctx: the process context (the library embeds interests, cached by text).
        member: the stored state.

    Returns:
        Positives in the order interests, seeds, 👍'd papers, each with its `Source`; 👍'd
        papers that are all mutually similar count as one vector, their normalized centroid
        (`bot.profiles.liked_vectors`).
    """
    liked = [p for p, v in member.votes.items() if v > 0 and p not in member.seed_ids]
    disliked = frozenset(p for p, v in member.votes.items() if v < 0)
    papers = ctx.library.papers([*member.seed_ids, *liked, *disliked])
    sources = [Source("interest", i.text, i.id or 0) for i in member.interests]
    sources += [Source("seed", papers[p].title, p) for p in member.seed_ids if p in papers]
    texts = [query_text(i.text) for i in member.interests]
    paper_ids = [s.ref for s in sources[len(texts) :]]
    parts = [ctx.library.embed(texts)] if texts else []
    parts += [ctx.library.vectors(paper_ids)] if paper_ids else []
    known = [p for p in liked if p in papers]
    if known:
        rows, groups, central = liked_vectors(ctx.library.vectors(known))
        parts.append(rows)
        for group, n in zip(groups, central, strict=True):
            kind = "liked" if len(group) == 1 else "liked_group"
            sources.append(Source(kind, papers[known[n]].title, known[n], len(group)))
    positives = np.vstack(parts) if parts else _NO_VECTORS
    bad = [p for p in disliked if p in papers]
    negatives = ctx.library.vectors(bad) if bad else _NO_VECTORS
    row = member.member
    return MemberProfile(
        member_id=row.id or 0,
        positives=positives,
        sources=sources,
        negatives=negatives,
        threshold=row.threshold,
        max_papers=row.max_papers,
        popularity_boost=row.popularity_boost,
        show_closest=row.show_closest,
        keywords=tuple(member.keywords),
        mutes=tuple(member.mutes),
        disliked=disliked,
        excluded_ids=frozenset(member.delivered) | disliked | set(member.seed_ids) | set(liked),
    )


def profile(
    ctx: Context, team_id: str, user_id: str, *, now: datetime | None = None
) -> ProfileView:
    """The member's whole profile, with how many papers each interest brought lately.

    Args:
        ctx: the process context.
        team_id: the workspace.
        user_id: the member.
        now: naive UTC "now" (tests); the last 7 days before it count as lately.

    Returns:
        The profile view.
    """
    member = state(ctx, team_id, user_id)
    loaded = load_profile(ctx, member)
    now = now or utcnow()
    recent_ids = ctx.library.ids_ingested_between(now - timedelta(days=RECENT_DAYS), now)
    counts = np.zeros(len(loaded.sources), dtype=int)
    if recent_ids and len(loaded.positives):
        vectors = ctx.library.vectors(recent_ids)
        counts = source_counts(vectors, loaded.positives, loaded.threshold)
    votes = list(member.votes.values())
    past = history.member_history(ctx.db, member.member.id or 0, user_id)
    return ProfileView(
        member=member_view(member.member),
        interests=[
            InterestView(n, i.text, int(counts[n - 1])) for n, i in enumerate(member.interests, 1)
        ],
        seeds=paper_refs(ctx, member.seed_ids),
        keywords=list(member.keywords),
        mutes=list(member.mutes),
        upvotes=sum(v > 0 for v in votes),
        downvotes=sum(v < 0 for v in votes),
        saves=len(member.saved),
        last_digest=past.last_digest,
        delivery_failures=[
            DeliveryFailure(row.sent_at or row.created_at, failure_reason(row.kind, row.last_error))
            for row in past.failures
        ],
    )


def failure_reason(kind: str, error: str | None) -> str:
    """Why a digest did not arrive, in words: "couldn't DM you: account_inactive".

    Args:
        kind: the outbox row's kind, "dm" or "channel".
        error: Slack's error code or the sender's reason (None: unknown).

    Returns:
        One line fit to show the member.
    """
    where = "couldn't DM you" if kind == "dm" else "couldn't post to the channel"
    return f"{where}: {error or 'unknown error'}"


def _zone(name: str | None) -> str | None:
    if not name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name
