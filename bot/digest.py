"""The digest service: which new papers each member (or a channel's members) should see.

`build_member_digest` picks a member's papers for one window (new since their last digest):
first every paper by an author they follow (whatever its score), then the best matches,
each with a plain-text reason and an extractive summary; it records nothing
(the delivery job calls `bot.store.members.record_deliveries` in the outbox transaction).
`build_channel_digest` does the same for a channel, listing every member each paper matched.
A window holds the papers ingested in it, less arXiv replacements (a new version of older
work is searchable, never delivered as a new paper).

Picks are spread (`bot.matcher.spread`): every origin of a member's (each followed
interest, seed paper, 👍 group or lone 👍) with a paper above the member's threshold gets
its best such paper in before the rest are taken by score, as long as the digest has room;
in a channel digest every matching member does. A reason shows the cosine of the vector
that matched, with a word for its band: never the ranking score, whose lexical bonus would
read "1.00".
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from bot.authors import surname_keys
from bot.context import Context
from bot.library import PaperView
from bot.matcher import (
    Match,
    MemberVectors,
    lexical_bonus,
    match,
    match_by_origin,
    popularity_bonus,
    spread,
)
from bot.members import matching_profile
from bot.models import utcnow
from bot.paper import REPLACED
from bot.profiles import MemberProfile, Origin, query_text
from bot.store import channels as channel_store
from bot.store import members as store
from bot.summaries import GIST_CHARS, gist, split_sentences, summarize, truncate

__all__ = [
    "ChannelDigest",
    "ChannelDigestItem",
    "ChannelMatch",
    "DigestItem",
    "MemberDigest",
    "build_channel_digest",
    "build_member_digest",
    "build_member_digests",
]

COLD_START_NOTE = (
    "You don't follow anything yet, so there is nothing to match. Tell me what you read, "
    "e.g. `/papers follow diffusion for video`, or add a paper you liked with "
    "`/papers seed <arXiv id>`."
)
_CANDIDATES_PER_SLOT = 4
# The word beside a reason's cosine. Interest-length queries against papers of their topic
# have a median cosine of 0.44-0.50, against other papers a 99th percentile of 0.48-0.52
# (bench/bench_matching_quality.py, "reason bands"): "strong" is above 99 % of unrelated
# pairs, "good" above 94 %; a third of relevant pairs fall in each band.
STRONG_MATCH, GOOD_MATCH = 0.55, 0.40
SAME_WORDS = 0.15  # a lexical bonus this large (half the interest's words) is mentioned


@dataclass
class DigestItem:
    """One paper in a member's digest, with why it was picked and what it says."""

    paper: PaperView
    score: float
    reason: str
    summary: str
    gist: str


@dataclass
class MemberDigest:
    """A member's papers for the window [since, until); `note` explains an empty digest."""

    team_id: str
    user_id: str
    items: list[DigestItem]
    note: str | None
    since: datetime
    until: datetime
    timezone: str = "UTC"  # the member's, for the date their message shows


@dataclass
class ChannelMatch:
    """A channel member a paper matched, and why."""

    user_id: str
    reason: str
    score: float


@dataclass
class ChannelDigestItem:
    """One paper for a channel; `earlier_ts` is the thread where it was posted before."""

    paper: PaperView
    matches: list[ChannelMatch]
    earlier_ts: str | None


@dataclass
class ChannelDigest:
    """A channel's papers for the window [since, until)."""

    team_id: str
    channel_id: str
    items: list[ChannelDigestItem]
    since: datetime
    until: datetime
    timezone: str = "UTC"  # the channel digest's, for the date the post shows


def build_member_digest(
    ctx: Context,
    team_id: str,
    user_id: str,
    *,
    now: datetime | None = None,
    since: datetime | None = None,
) -> MemberDigest:
    """Pick a member's papers ingested since their last digest (first: the last N days).

    The window ends at `now` (naive UTC, default the real clock); `since` (naive UTC)
    overrides the member's watermark. Papers by followed authors come first, all of them;
    then, up to `max_papers` items in all, papers above the member's threshold, best first.
    Never one already delivered, 👎'd, muted or missing a keyword; near-duplicates count
    once.
    """
    return build_member_digests(ctx, team_id, [user_id], now=now, since=since)[0]


def build_member_digests(
    ctx: Context,
    team_id: str,
    user_ids: Sequence[str],
    *,
    now: datetime | None = None,
    since: datetime | None = None,
) -> list[MemberDigest]:
    """`build_member_digest` for many members at once, as the delivery job needs it.

    The papers of every member's window are loaded once (the union of the windows), and one
    `match` call scores them against all members' vectors; each member's own window start,
    delivered, 👎'd and muted papers become excluded cells, not separate queries.

    Returns one digest per user id, in order (unknown or cold members get the cold-start
    note); `now` and `since` (naive UTC) are as in `build_member_digest`, for every window.
    """
    until = now or utcnow()
    states = store.load_states(ctx.db, team_id, user_ids)
    first = until - timedelta(days=ctx.settings.first_digest_days)
    digests, scored = [], []
    for user_id in user_ids:
        state = states.get(user_id)
        start = since or (state.member.last_digest_at if state else None) or first
        zone = state.member.timezone if state else "UTC"
        digest = MemberDigest(team_id, user_id, [], None, start, until, zone)
        digests.append(digest)
        member = matching_profile(ctx, state) if state else None
        if member is None or member.is_cold:
            digest.note = COLD_START_NOTE
        else:
            scored.append((digest, member))
    if scored:
        _score_members(ctx, scored, until)
    return digests


def _score_members(
    ctx: Context, scored: list[tuple[MemberDigest, MemberProfile]], until: datetime
) -> None:
    """Fill each digest's items (or its note) from one product over the union window (the
    popularity bonus is relative to the most upvoted paper of that window)."""
    views, vectors = _window(ctx, min(d.since for d, _ in scored), until)
    ids = np.array([v.id for v in views], dtype=np.int64)
    arrived = np.array([v.ingested_at for v in views], dtype="datetime64[us]")
    queries, eligible = [], []
    for digest, member in scored:
        ok = arrived >= np.datetime64(digest.since, "us")
        if member.excluded_ids:
            ok &= ~np.isin(ids, np.fromiter(member.excluded_ids, np.int64))
        if member.mutes or member.keywords:
            ok &= np.array([_allowed(member, v) for v in views], dtype=bool)
        eligible.append(ok)
        queries.append(_vectors(member, np.flatnonzero(~ok), lexical=_lexical(ctx, member, views)))
    k = max(m.max_papers for _, m in scored) * _CANDIDATES_PER_SLOT + 5
    bonus = popularity_bonus([v.upvotes for v in views])
    floors = [m.threshold for _, m in scored]
    found = (
        match_by_origin(vectors, queries, k=k, popularity=bonus, min_scores=floors)
        if views
        else [[[] for _ in m.origins] for _, m in scored]
    )
    chosen, by_authors = [], _ByAuthor(views)
    for (_, member), lists, ok in zip(scored, found, eligible, strict=True):
        followed = by_authors.picks(member, ok)  # first, whatever their score
        chosen.append((followed, _after_followed(followed, lists, vectors, member.max_papers)))
    rows = [row for followed, picks in chosen for row in [*followed, *(m.paper for m in picks)]]
    texts = _Sentences(ctx, [views[row] for row in rows])
    closest = []  # members to tell what came closest: their digest is empty and they asked
    for (digest, member), query, ok, lists, (followed, picks) in zip(
        scored, queries, eligible, found, chosen, strict=True
    ):
        if not ok.any():
            digest.note = f"No new papers for you since {digest.since:%b %d}."
            continue
        scores = {m.paper: m.score for matches in reversed(lists) for m in matches}
        digest.items = [
            _item(views[row], texts, _reason(origin), scores.get(row, 0.0))
            for row, origin in followed.items()
        ] + _items(member, query, views, vectors, picks, texts)
        if not digest.items:
            digest.note = "Nothing above your bar today."
            if member.show_closest:
                closest.append((digest, query))
    if closest:
        best = match(vectors, [q for _, q in closest], k=1, popularity=bonus)
        for (digest, _), top in zip(closest, best, strict=True):
            if top:
                title = truncate(views[top[0].paper].title, 90)
                digest.note = (
                    f"Nothing above your bar today; closest was *{title}* ({top[0].score:.2f})."
                )


def build_channel_digest(
    ctx: Context,
    team_id: str,
    channel_id: str,
    member_user_ids: list[str],
    *,
    now: datetime | None = None,
    since: datetime | None = None,
    limit: int = 10,
) -> ChannelDigest:
    """Papers for a channel: those that match at least one of its (unpaused) members.

    Unknown or paused members are skipped. The window ends at `now` (naive UTC, default the
    real clock); `since` (naive UTC) overrides the channel's watermark (first: the last N
    days). At most `limit` papers, best first, each with every member it matched (their own
    threshold, mutes, keywords and 👎) and the earlier thread ts when the channel already
    had it. A paper by an author a member follows is in, naming that member, whatever its
    score (as in their own digest); such papers are chosen before matches fill the rest.
    """
    until = now or utcnow()
    channel = channel_store.get_channel(ctx.db, team_id, channel_id)
    first = until - timedelta(days=ctx.settings.first_digest_days)
    start = since or (channel.last_digest_at if channel else None) or first
    zone = channel.timezone if channel else "UTC"
    digest = ChannelDigest(team_id, channel_id, [], start, until, zone)
    states = store.load_states(ctx.db, team_id, member_user_ids)
    members = [(uid, matching_profile(ctx, s)) for uid, s in states.items() if not s.member.paused]
    members = [(uid, m) for uid, m in members if not m.is_cold]
    views, vectors = _window(ctx, start, until)
    if not members or not views:
        return digest
    eligible = [
        np.array([v.id not in m.disliked and _allowed(m, v) for v in views], dtype=bool)
        for _, m in members
    ]
    queries = [
        _vectors(m, np.flatnonzero(~ok), lexical=_lexical(ctx, m, views))
        for (_, m), ok in zip(members, eligible, strict=True)
    ]
    found = match(
        vectors,
        queries,
        k=limit * 2,
        popularity=popularity_bonus([v.upvotes for v in views]),
        min_scores=[m.threshold for _, m in members],
    )
    by_paper: dict[int, dict[str, ChannelMatch]] = {}  # row → user id → why
    followed: dict[int, None] = {}  # rows by an author some member follows, in order found
    by_authors = _ByAuthor(views)
    for (uid, member), query, matches, ok in zip(members, queries, found, eligible, strict=True):
        for m in matches:
            reason = _reason(member.origins[m.origin], _shown(query, vectors, m))
            by_paper.setdefault(m.paper, {})[uid] = ChannelMatch(uid, reason, m.score)
        for row, origin in by_authors.picks(member, ok).items():
            matched = by_paper.setdefault(row, {})
            score = matched[uid].score if uid in matched else 0.0
            matched[uid] = ChannelMatch(uid, _reason(origin), score)
            followed[row] = None
    rest = _after_followed(followed, found, vectors, limit)
    picked = list(followed)[:limit] + [m.paper for m in rest]
    kept = sorted(picked, key=lambda p: (-max(c.score for c in by_paper[p].values()), p))
    earlier = (
        channel_store.posted_ts(ctx.db, channel.id or 0, [views[p].id for p in kept])
        if channel
        else {}
    )
    digest.items = [
        ChannelDigestItem(
            views[p], sorted(by_paper[p].values(), key=lambda c: -c.score), earlier.get(views[p].id)
        )
        for p in kept
    ]
    return digest


def _after_followed(
    followed: Collection[int], lists: list[list[Match]], vectors: np.ndarray, limit: int
) -> list[Match]:
    """The matches `spread` picks for the places left of `limit` once the followed authors'
    papers (`followed`, rows) took theirs; never one of those papers again."""
    rest = [[m for m in matches if m.paper not in followed] for matches in lists]
    return spread(rest, vectors, limit=max(limit - len(followed), 0))


def _window(ctx: Context, start: datetime, until: datetime) -> tuple[list[PaperView], np.ndarray]:
    """The papers ingested in [start, until) that are new work (not arXiv replacements)."""
    ids = ctx.library.ids_ingested_between(start, until)
    papers = ctx.library.papers(ids)
    ids = [i for i in ids if i in papers and papers[i].announce not in REPLACED]
    vectors = ctx.library.vectors(ids) if ids else np.zeros((0, 0), np.float32)
    return [papers[i] for i in ids], vectors


def _allowed(member: MemberProfile, paper: PaperView) -> bool:
    return member.allows(paper.title, paper.abstract, paper.authors)


def _vectors(
    member: MemberProfile,
    excluded: Sequence[int] | np.ndarray,
    *,
    lexical: np.ndarray | None = None,
) -> MemberVectors:
    """The member's side of `match`, never returning the paper rows in `excluded`."""
    rows = np.asarray(excluded, dtype=int) if len(excluded) else None
    return MemberVectors(member.positives, member.negatives, member.popularity_boost, rows, lexical)


def _lexical(ctx: Context, member: MemberProfile, views: list[PaperView]) -> np.ndarray | None:
    """The lexical bonus of each positive row against each paper: BM25 coverage of the
    interest line, squashed (`bot.matcher.lexical_bonus`); 0 for seed and 👍 rows."""
    rows = [n for n, s in enumerate(member.origins) if s.kind == "interest"]
    if not rows or not views:
        return None
    texts = [query_text(member.origins[n].label) for n in rows]
    bonus = np.zeros((len(member.origins), len(views)), dtype=np.float32)
    bonus[rows] = lexical_bonus(ctx.library.lexical_coverage(texts, [v.id for v in views]))
    return bonus


def _shown(query: MemberVectors, vectors: np.ndarray, pick: Match) -> tuple[float, bool]:
    """What a reason shows of a match: the cosine of the vector that matched (not the
    ranking score), and whether that interest's words lifted it (a lexical bonus of at
    least `SAME_WORDS`)."""
    cosine = float(np.dot(query.positives[pick.origin], vectors[pick.paper]))
    bonus = 0.0 if query.lexical is None else float(query.lexical[pick.origin, pick.paper])
    return cosine, bonus >= SAME_WORDS


def _reason(origin: Origin, shown: tuple[float, bool] = (0.0, False)) -> str:
    """Why a paper matched: a followed author by name; else the vector that matched best,
    the band of its cosine and the cosine itself (`_shown`); the lexical bonus, popularity
    and 👎 penalty only move the rank, and a bonus large enough is said in words."""
    label = truncate(origin.label, 90)
    if origin.kind == "author":
        return f"by *{label}*, whom you follow"
    cosine, words = shown
    band = (
        "strong match"
        if cosine >= STRONG_MATCH
        else "good match"
        if cosine >= GOOD_MATCH
        else "partial match"
    )
    strength = f"{band} ({cosine:.2f})" + (", uses your words" if words else "")
    if origin.kind == "interest":
        return f"matches your interest *{label}*: {strength}"
    if origin.kind == "seed":
        return f"like your seed paper *{label}*: {strength}"
    if origin.kind == "library":
        return f"like *{label}* from your library: {strength}"
    if origin.kind == "liked_group":
        return f"like the {origin.size} papers you 👍'd, such as *{label}*: {strength}"
    return f"like *{label}* that you 👍'd: {strength}"


class _Sentences:
    """The sentences of the papers picked for a batch of digests, with their vectors and
    the title's, embedded in one call however many members share a paper."""

    def __init__(self, ctx: Context, papers: list[PaperView]) -> None:
        unique = list({p.id: p for p in papers}.values())
        self._sentences = {p.id: split_sentences(p.abstract) for p in unique}
        texts = [p.title for p in unique] + [s for p in unique for s in self._sentences[p.id]]
        vectors = ctx.library.embed(texts) if texts else np.zeros((0, 0), np.float32)
        self._title = dict(zip((p.id for p in unique), vectors[: len(unique)], strict=True))
        self._rows: dict[int, np.ndarray] = {}
        rest = vectors[len(unique) :]
        for paper in unique:
            count = len(self._sentences[paper.id])
            self._rows[paper.id], rest = rest[:count], rest[count:]

    def of(self, paper: PaperView) -> tuple[list[str], np.ndarray, np.ndarray]:
        """A paper's sentences, their vectors and its title's vector."""
        return self._sentences[paper.id], self._rows[paper.id], self._title[paper.id]


def _items(
    member: MemberProfile,
    query: MemberVectors,
    views: list[PaperView],
    vectors: np.ndarray,
    picks: list[Match],
    texts: _Sentences,
) -> list[DigestItem]:
    return [
        _item(
            views[pick.paper],
            texts,
            _reason(member.origins[pick.origin], _shown(query, vectors, pick)),
            pick.score,
            query=member.positives[pick.origin],
        )
        for pick in picks
    ]


def _item(
    paper: PaperView,
    texts: _Sentences,
    reason: str,
    score: float,
    *,
    query: np.ndarray | None = None,
) -> DigestItem:
    """One digest item; the summary is the sentences closest to `query` (the vector that
    picked the paper; its title when none did, as for a followed author's paper)."""
    group, rows, title = texts.of(paper)
    line = truncate(paper.gist, GIST_CHARS) if paper.gist else gist(group, rows, title)
    chosen = next((s for s in group if truncate(s, GIST_CHARS) == line), None)
    text = summarize(group, rows, title if query is None else query, avoid=chosen)
    return DigestItem(paper, round(score, 4), reason, text, line)


class _ByAuthor:
    """The window's papers by author surname, to find each member's followed authors'
    papers without comparing every name with every follow."""

    def __init__(self, views: list[PaperView]) -> None:
        self._views = views
        self._rows: dict[str, list[int]] | None = None

    def picks(self, member: MemberProfile, eligible: np.ndarray) -> dict[int, Origin]:
        """Rows of eligible papers by an author the member follows, in window order, each
        with the (first) followed author that brought it."""
        if not member.authors:
            return {}
        if self._rows is None:
            self._rows = {}
            for row, view in enumerate(self._views):
                for key in {k for name in view.authors for k in surname_keys(name)}:
                    self._rows.setdefault(key, []).append(row)
        keys = {k for origin in member.authors for k in surname_keys(origin.label)}
        rows = sorted({r for k in keys for r in self._rows.get(k, ()) if eligible[r]})
        found = {r: member.followed_author(self._views[r].authors) for r in rows}
        return {r: origin for r, origin in found.items() if origin is not None}
