"""The members service: what a member follows (topics and authors), mutes and votes on,
their settings, and the two ways of reading all that (the profile a member is shown, and
the vectors the matcher scores with).

Every function is keyed by (team_id, user_id), so a member edits only their own profile.
Reads never write: the profile of someone the bot has not met yet is the workspace's
defaults, and only a change creates the member (race-free, see
`bot.store.members.ensure_member`). Each change is stored at once and takes effect in the
next search or digest. Errors a member can fix raise `ProfileError` (or `ScheduleError`,
both `ValueError`s) with a message fit to show them verbatim.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

import numpy as np

from bot.context import Context
from bot.library import PaperView, SearchHit
from bot.matcher import origin_counts
from bot.models import Member, utcnow
from bot.profiles import (
    AUTHOR_PREFIX,
    MemberProfile,
    Origin,
    ProfileError,
    check_member_ids,
    liked_vectors,
    query_text,
    validate_author,
    validate_interest,
    validate_settings,
)
from bot.schedule import known_zone
from bot.store import history
from bot.store import members as store
from bot.store import reading as reading_store
from bot.store.history import LastDigest

__all__ = [
    "DeliveryFailure",
    "InterestView",
    "MemberSettings",
    "ProfileError",
    "ProfileView",
    "add_keyword",
    "add_seed",
    "ensure_member",
    "follow",
    "follow_author",
    "matching_profile",
    "more_like_this",
    "mute",
    "profile",
    "record_feedback",
    "remove_interest",
    "remove_keyword",
    "remove_seed",
    "remove_seed_paper",
    "reset_feedback",
    "search_for_member",
    "settings",
    "unfollow",
    "unfollow_author",
    "unmute",
    "update_settings",
    "workspace_of",
]

log = logging.getLogger(__name__)

RECENT_DAYS = 7
SAVED_ON_HOME = 5  # the newest saves the profile carries (the Home tab's "Saved")
_VOTES = {"up": ("vote", 1), "down": ("vote", -1), "save": ("save", 1)}
_NO_VECTORS = np.zeros((0, 0), dtype=np.float32)  # stands for "none" whatever the dimension


@dataclass(frozen=True)
class MemberSettings:
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
    share_votes: bool = False  # "show my 👍 to my team" (`/papers hot`), off by default


@dataclass(frozen=True)
class InterestView:
    """One interest line, numbered from 1, with the papers it brought in the last 7 days."""

    id: int
    number: int
    text: str
    recent: int


@dataclass(frozen=True)
class DeliveryFailure:
    """A digest that did not reach the member: when, and why in plain words."""

    at: datetime
    reason: str  # e.g. "couldn't DM you: account_inactive"


@dataclass(frozen=True)
class ProfileView:
    """Everything `/papers interests`, `paperboy member show` and the Home tab show."""

    member: MemberSettings
    interests: list[InterestView]
    seeds: list[PaperView]  # the ones the member added
    keywords: list[str]
    mutes: list[str]
    upvotes: int
    downvotes: int
    saves: int
    last_digest: LastDigest | None = None  # its date, papers and the 👍/👎 on them
    delivery_failures: list[DeliveryFailure] = field(default_factory=list)  # newest first
    authors: list[str] = field(default_factory=list)  # followed, as typed, oldest first
    library: list[PaperView] = field(default_factory=list)  # seeds from an imported library
    saved: list[PaperView] = field(default_factory=list)  # the newest `SAVED_ON_HOME` saves


# --- reading ------------------------------------------------------------------------------


def settings(
    ctx: Context, team_id: str, user_id: str, *, timezone: str | None = None
) -> MemberSettings:
    """The member's settings; for someone not met yet, the defaults (in their Slack
    `timezone` when it is a known zone)."""
    return _settings(_state(ctx, team_id, user_id, timezone=timezone).member)


def profile(
    ctx: Context,
    team_id: str,
    user_id: str,
    *,
    timezone: str | None = None,
    now: datetime | None = None,
) -> ProfileView:
    """The member's whole profile, with how many papers each interest brought in the last
    `RECENT_DAYS` days before `now` (naive UTC)."""
    state = _state(ctx, team_id, user_id, timezone=timezone)
    loaded = matching_profile(ctx, state)
    now = now or utcnow()
    recent_ids = ctx.library.ids_ingested_between(now - timedelta(days=RECENT_DAYS), now)
    counts = np.zeros(len(loaded.origins), dtype=int)
    if recent_ids and len(loaded.positives):
        counts = origin_counts(ctx.library.vectors(recent_ids), loaded.positives, loaded.threshold)
    votes = list(state.votes.values())
    past = history.member_history(ctx.db, state.member.id, user_id) if state.member.id else None
    saved_ids = (
        reading_store.saved_page(ctx.db, state.member.id, offset=0, limit=SAVED_ON_HOME)[0]
        if state.member.id
        else []
    )
    seeds = ctx.library.papers([*state.seed_ids, *saved_ids])
    return ProfileView(
        member=_settings(state.member),
        interests=[
            InterestView(i.id or 0, n, i.text, int(counts[n - 1]))
            for n, i in enumerate(state.interests, 1)
        ],
        seeds=[seeds[i] for i in state.seed_ids if i in seeds and i not in state.library_ids],
        keywords=list(state.keywords),
        mutes=list(state.mutes),
        upvotes=sum(v > 0 for v in votes),
        downvotes=sum(v < 0 for v in votes),
        saves=len(state.saved),
        last_digest=past.last_digest if past else None,
        delivery_failures=[
            DeliveryFailure(row.sent_at or row.created_at, failure_reason(row.kind, row.last_error))
            for row in (past.failures if past else [])
        ],
        authors=[a.term for a in state.authors],
        library=[seeds[i] for i in state.seed_ids if i in seeds and i in state.library_ids],
        saved=[seeds[i] for i in saved_ids if i in seeds],
    )


def matching_profile(ctx: Context, state: store.MemberState) -> MemberProfile:
    """The vectors and rules the matcher needs for one member: positives in the order
    interests, seeds (kind "library" for those of an imported library), 👍'd papers
    (mutually similar 👍s as one centroid, see `bot.profiles.liked_vectors`), each with its
    `Origin`; 👎'd papers as negatives; followed authors beside them."""
    liked = [p for p, v in state.votes.items() if v > 0 and p not in state.seed_ids]
    disliked = frozenset(p for p, v in state.votes.items() if v < 0)
    papers = ctx.library.papers([*state.seed_ids, *liked, *disliked])
    origins = [Origin("interest", i.text, i.id or 0) for i in state.interests]
    origins += [
        Origin("library" if p in state.library_ids else "seed", papers[p].title, p)
        for p in state.seed_ids
        if p in papers
    ]
    texts = [query_text(i.text) for i in state.interests]
    paper_ids = [s.ref for s in origins[len(texts) :]]
    parts = [ctx.library.embed(texts)] if texts else []
    parts += [ctx.library.vectors(paper_ids)] if paper_ids else []
    known = [p for p in liked if p in papers]
    if known:
        rows, groups, central = liked_vectors(ctx.library.vectors(known))
        parts.append(rows)
        for group, n in zip(groups, central, strict=True):
            kind = "liked" if len(group) == 1 else "liked_group"
            origins.append(Origin(kind, papers[known[n]].title, known[n], len(group)))
    bad = [p for p in disliked if p in papers]
    row = state.member
    return MemberProfile(
        member_id=row.id or 0,
        positives=np.vstack(parts) if parts else _NO_VECTORS,
        origins=origins,
        authors=tuple(Origin("author", a.term, a.id or 0) for a in state.authors),
        negatives=ctx.library.vectors(bad) if bad else _NO_VECTORS,
        threshold=row.threshold,
        max_papers=row.max_papers,
        popularity_boost=row.popularity_boost,
        show_closest=row.show_closest,
        keywords=tuple(state.keywords),
        mutes=tuple(state.mutes),
        disliked=disliked,
        excluded_ids=frozenset(state.delivered) | disliked | set(state.seed_ids) | set(liked),
    )


def search_for_member(
    ctx: Context,
    team_id: str,
    user_id: str,
    query: str,
    *,
    limit: int = 5,
    offset: int = 0,
    since: Any = None,
) -> list[SearchHit]:
    """Library search as this member sees it: no 👎'd papers, none that their mutes hide."""
    member = matching_profile(ctx, _state(ctx, team_id, user_id))
    want = offset + limit
    fetch = want * 2
    while True:
        hits = ctx.library.search(query, limit=fetch, since=since, exclude_ids=member.disliked)
        allowed = [h for h in hits if _allowed(member, h.paper)]
        if len(allowed) >= want or len(hits) < fetch:
            return allowed[offset:want]
        fetch *= 2


def more_like_this(
    ctx: Context, team_id: str, user_id: str, paper_id: int, limit: int = 5
) -> list[SearchHit]:
    """Papers nearest to one paper, leaving out the member's 👎'd and muted ones.

    Raises:
        ProfileError: the paper is not (or no longer) in the library.
    """
    if paper_id not in ctx.library.papers([paper_id]):
        log.warning("more like this: paper %d is not in the library", paper_id)
        raise ProfileError("that paper is no longer in the library")
    member = matching_profile(ctx, _state(ctx, team_id, user_id))
    hits = ctx.library.similar(
        paper_id, limit=limit * 2 + 5, exclude_ids=[*member.disliked, paper_id]
    )
    return [h for h in hits if _allowed(member, h.paper)][:limit]


def failure_reason(kind: str, error: str | None) -> str:
    """Why a digest did not arrive, in words fit to show: "couldn't DM you: account_inactive"."""
    where = "couldn't DM you" if kind == "dm" else "couldn't post to the channel"
    return f"{where}: {error or 'unknown error'}"


# --- changing -----------------------------------------------------------------------------


def workspace_of(ctx: Context, user_id: str | None, team_id: str | None) -> str:
    """The workspace a command names a member in, for callers outside Slack (the CLI):
    `team_id` when given; else the one workspace a member with this id belongs to; else
    the one workspace paperboy serves; else "" (no workspace, as before any Slack request)."""
    if team_id is not None:
        return team_id
    found = (store.teams(ctx.db, user_id) if user_id else []) or store.teams(ctx.db)
    return found[0] if len(found) == 1 else ""


def ensure_member(
    ctx: Context, team_id: str, user_id: str, *, timezone: str | None = None
) -> MemberSettings:
    """Join the member (idempotent, safe against a second request racing this one), with
    the workspace's defaults in their Slack `timezone` when it is a known zone."""
    return _settings(_ensure(ctx, team_id, user_id, timezone=timezone))


def follow(
    ctx: Context, team_id: str, user_id: str, text: str, *, timezone: str | None = None
) -> str:
    """Add an interest line, stored as typed (mentions and emoji included); returns it.
    `timezone` (Slack's) seeds a member met for the first time, as in `ensure_member`.

    Raises:
        ProfileError: empty, over 300 characters, or already followed.
    """
    state = _state(ctx, team_id, user_id)
    text = validate_interest(text, [i.text for i in state.interests])
    ctx.library.embed([query_text(text)], store=True)  # so that reading it never encodes
    member_id = state.member.id or _member_id(ctx, team_id, user_id, timezone)
    if not store.add_interest(ctx.db, member_id, text):
        raise ProfileError(f"you already follow “{text}”")
    return text


def unfollow(ctx: Context, team_id: str, user_id: str, ref: str) -> str:
    """Remove an interest by its 1-based number in the profile or by its text; returns it.

    Raises:
        ProfileError: no such number or text (the message lists the member's interests).
    """
    state = _state(ctx, team_id, user_id)
    ref = ref.strip()
    texts = [i.text for i in state.interests]
    if not texts:
        raise ProfileError("you don't follow anything yet; try `/papers follow <topic>`")
    index = _pick(ref, texts)
    if index is None:
        listing = "; ".join(f"{n}. {t}" for n, t in enumerate(texts, 1))
        raise ProfileError(f"no interest matches “{ref}”; yours are: {listing}")
    store.delete_interest(ctx.db, _id(state), state.interests[index].id or 0)
    return texts[index]


def remove_interest(ctx: Context, team_id: str, user_id: str, interest_id: int) -> str | None:
    """Remove an interest by its id (what a button carries); returns its text, or None
    when it is gone already (a second click of the same button)."""
    state = _state(ctx, team_id, user_id)
    found = next((i for i in state.interests if i.id == interest_id), None)
    if found is None or not store.delete_interest(ctx.db, _id(state), interest_id):
        return None
    return found.text


def follow_author(
    ctx: Context, team_id: str, user_id: str, name: str, *, timezone: str | None = None
) -> str:
    """Follow an author: their papers reach the member whatever their score (names match
    tolerantly, see `bot.authors`); returns the name as stored. `timezone` as in `follow`.

    Raises:
        ProfileError: empty, a surname alone, too long, or already followed.
    """
    state = _state(ctx, team_id, user_id)
    name = validate_author(name, [a.term for a in state.authors])
    member_id = state.member.id or _member_id(ctx, team_id, user_id, timezone)
    if not store.add_filter(ctx.db, member_id, "author", name):
        raise ProfileError(f"you already follow {name}")
    return name


def unfollow_author(
    ctx: Context, team_id: str, user_id: str, name: str, *, missing_ok: bool = False
) -> str | None:
    """Stop following an author, named as followed (any case and spacing); returns the
    stored name, or None when not followed and `missing_ok` (a repeated click).

    Raises:
        ProfileError: not followed (the message lists who is).
    """
    state = _state(ctx, team_id, user_id)
    key = " ".join(name.split()).strip("\"“”'").casefold()
    found = next((a.term for a in state.authors if a.term.casefold() == key), None)
    if found is not None and store.delete_filter(ctx.db, _id(state), "author", found):
        return found
    if missing_ok:
        return None
    listing = ", ".join(a.term for a in state.authors) or "nobody yet"
    raise ProfileError(f"you don't follow “{name.strip()}”; you follow: {listing}")


def add_seed(
    ctx: Context, team_id: str, user_id: str, ref: str, *, timezone: str | None = None
) -> PaperView:
    """Add a "more like this" paper, named by arXiv id, URL or title (`timezone` as in
    `follow`).

    Raises:
        ProfileError: no stored paper matches, several do, or it already is a seed.
    """
    paper = _find_paper(ctx, ref)
    if not store.add_seed(ctx.db, _member_id(ctx, team_id, user_id, timezone), paper.id):
        raise ProfileError(f"*{paper.title}* is already one of your seed papers")
    return paper


def remove_seed(ctx: Context, team_id: str, user_id: str, ref: str) -> PaperView:
    """Remove a seed paper, by its 1-based number among the seeds the member added (as
    the profile lists them) or by reference."""
    state = _state(ctx, team_id, user_id)
    ref = ref.strip()
    added = [p for p in state.seed_ids if p not in state.library_ids]
    if ref.isdigit() and 1 <= int(ref) <= len(added):
        paper_id = added[int(ref) - 1]
    else:
        paper_id = _find_paper(ctx, ref).id
    if not state.member.id or not store.delete_seed(ctx.db, state.member.id, paper_id):
        raise ProfileError(f"“{ref}” is not one of your seed papers")
    return ctx.library.papers([paper_id])[paper_id]


def remove_seed_paper(ctx: Context, team_id: str, user_id: str, paper_id: int) -> bool:
    """Remove a seed by its paper id (what a button carries); False when it is not (or no
    longer) one of the member's seeds."""
    state = _state(ctx, team_id, user_id)
    return bool(state.member.id) and store.delete_seed(ctx.db, _id(state), paper_id)


def mute(
    ctx: Context, team_id: str, user_id: str, term: str, *, timezone: str | None = None
) -> str:
    """Never deliver papers with this word, or by this author ("author:Name", or a name
    that appears among stored authors); returns the stored mute (`timezone` as in `follow`)."""
    stored = _mute_term(ctx, term)
    if not store.add_filter(ctx.db, _member_id(ctx, team_id, user_id, timezone), "mute", stored):
        raise ProfileError(f"you already mute “{stored}”")
    return stored


def unmute(
    ctx: Context, team_id: str, user_id: str, term: str, *, missing_ok: bool = False
) -> str | None:
    """Remove a mute (a word or "author:Name"); returns what was removed, or None when it
    was not muted and `missing_ok` (a repeated click).

    Raises:
        ProfileError: not muted (the message lists the member's mutes).
    """
    state = _state(ctx, team_id, user_id)
    term = " ".join(term.split())
    for candidate in (term, AUTHOR_PREFIX + term):
        if state.member.id and store.delete_filter(ctx.db, state.member.id, "mute", candidate):
            return candidate
    if missing_ok:
        return None
    raise ProfileError(f"you don't mute “{term}”; your mutes: {', '.join(state.mutes) or 'none'}")


def add_keyword(ctx: Context, team_id: str, user_id: str, term: str) -> str:
    """Require every delivered paper to contain one of the member's keywords."""
    term = " ".join(term.split())
    if not term or len(term) > 100:
        raise ProfileError("a keyword is a word or short phrase (1–100 characters)")
    if not store.add_filter(ctx.db, _member_id(ctx, team_id, user_id), "keyword", term):
        raise ProfileError(f"“{term}” is already one of your keywords")
    return term


def remove_keyword(ctx: Context, team_id: str, user_id: str, term: str) -> str:
    """Drop a must-match keyword."""
    term = " ".join(term.split())
    state = _state(ctx, team_id, user_id)
    if not state.member.id or not store.delete_filter(ctx.db, state.member.id, "keyword", term):
        listing = ", ".join(state.keywords) or "none"
        raise ProfileError(f"“{term}” is not one of your keywords; yours: {listing}")
    return term


def record_feedback(
    ctx: Context, team_id: str, user_id: str, paper_id: int, kind: Literal["up", "down", "save"]
) -> None:
    """Store a 👍, 👎 or save on a paper; a later vote replaces an earlier one.

    Raises:
        ProfileError: an unknown kind, or a paper that is not in the library.
    """
    if kind not in _VOTES:
        raise ProfileError(f"unknown feedback “{kind}”; use up, down or save")
    if paper_id not in ctx.library.papers([paper_id]):
        raise ProfileError("that paper is no longer in the library")
    store.set_feedback(ctx.db, _member_id(ctx, team_id, user_id), paper_id, *_VOTES[kind])


def reset_feedback(ctx: Context, team_id: str, user_id: str) -> int:
    """Forget the member's 👍/👎 (interests, seeds, saves stay); returns how many."""
    state = _state(ctx, team_id, user_id)
    return store.reset_votes(ctx.db, state.member.id) if state.member.id else 0


def update_settings(
    ctx: Context, team_id: str, user_id: str, *, timezone_hint: str | None = None, **changes: Any
) -> MemberSettings:
    """Change delivery or matching settings (see `bot.profiles.validate_settings`); a new
    member starts from the defaults in `timezone_hint` (their Slack zone).

    Raises:
        ProfileError, ScheduleError: an unknown setting or a bad value, saying what is allowed.
    """
    values = validate_settings(changes)
    row = _ensure(ctx, team_id, user_id, timezone=timezone_hint)
    return _settings(store.update_member(ctx.db, row.id or 0, **values))


# --- helpers ------------------------------------------------------------------------------


def _defaults(ctx: Context, team_id: str, user_id: str, timezone: str | None) -> dict[str, Any]:
    s = ctx.settings
    return {
        "team_id": team_id,
        "user_id": user_id,
        "timezone": known_zone(timezone) or s.default_timezone,
        "delivery_time": s.default_delivery_time,
        "max_papers": s.default_max_papers,
        "threshold": s.default_threshold,
    }


def _state(
    ctx: Context, team_id: str, user_id: str, *, timezone: str | None = None
) -> store.MemberState:
    """The member's stored state; someone not met yet reads as an unsaved default member."""
    found = store.load_states(ctx.db, team_id, [user_id]).get(user_id)
    return found or store.MemberState(Member(**_defaults(ctx, team_id, user_id, timezone)))


def _ensure(ctx: Context, team_id: str, user_id: str, *, timezone: str | None = None) -> Member:
    check_member_ids(team_id, user_id)
    defaults = _defaults(ctx, team_id, user_id, timezone)
    return store.ensure_member(ctx.db, **defaults)


def _member_id(ctx: Context, team_id: str, user_id: str, timezone: str | None = None) -> int:
    """The member's row id, the member created first (in their Slack `timezone`) if the bot
    has not met them yet; called once a change is known to be valid, so that a refused one
    stores nothing."""
    return _ensure(ctx, team_id, user_id, timezone=timezone).id or 0


def _settings(row: Member) -> MemberSettings:
    return MemberSettings(
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
        row.share_votes,
    )


def _allowed(member: MemberProfile, paper: PaperView) -> bool:
    return member.allows(paper.title, paper.abstract, paper.authors)


def _find_paper(ctx: Context, ref: str) -> PaperView:
    if not ref.strip():
        raise ProfileError("name a paper by arXiv id, URL or title")
    rows = store.find_papers(ctx.db, ref)
    if not rows:
        raise ProfileError(f"no paper matches “{ref.strip()}” — try an arXiv id or URL")
    if len(rows) > 1:
        titles = "; ".join(f"*{r.title}*" for r in rows[:3])
        raise ProfileError(f"several papers match “{ref.strip()}” ({titles}) — use its arXiv id")
    return PaperView.from_row(rows[0])


def _mute_term(ctx: Context, term: str) -> str:
    term = " ".join(term.split())
    if term.lower().startswith(AUTHOR_PREFIX):
        name = term[len(AUTHOR_PREFIX) :].strip()
        if not name:
            raise ProfileError("name the author to mute, e.g. `author:Jane Doe`")
        return AUTHOR_PREFIX + name
    if not term or len(term) > 100:
        raise ProfileError("mute a word or an author (`author:Jane Doe`), 1–100 characters")
    if " " in term and store.is_known_author(ctx.db, term):
        return AUTHOR_PREFIX + term
    return term


def _pick(ref: str, texts: list[str]) -> int | None:
    if ref.isdigit():
        n = int(ref)
        return n - 1 if 1 <= n <= len(texts) else None
    key = " ".join(ref.split()).casefold()
    exact = [i for i, t in enumerate(texts) if " ".join(t.split()).casefold() == key]
    partial = [i for i, t in enumerate(texts) if key and key in t.casefold()]
    return exact[0] if exact else partial[0] if len(partial) == 1 else None


def _id(state: store.MemberState) -> int:
    return state.member.id or 0
