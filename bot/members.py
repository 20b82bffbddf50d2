"""The profile service: what a member follows, mutes and votes on, and their settings.

Every function is keyed by (team_id, user_id), so a member edits only their own profile.
Each change is stored at once and takes effect in the next search or digest. Errors a member
can fix raise `ProfileError` with a message fit to show them verbatim. Reading the profile
(`profile`, `load_profile`) lives in `bot.profile_view`; this module owns the edits.
"""

from __future__ import annotations

from typing import Any, Literal

from bot import profile_view
from bot.context import Context
from bot.library import PaperView, SearchHit
from bot.profile_view import MemberView, PaperRef, ProfileView, load_profile, member_view, profile
from bot.profiles import AUTHOR_PREFIX, ProfileError, validate_interest, validate_settings
from bot.store import members as store

__all__ = [
    "MemberView",
    "PaperRef",
    "ProfileError",
    "ProfileView",
    "add_keyword",
    "add_seed",
    "ensure_member",
    "follow",
    "load_profile",
    "more_like_this",
    "mute",
    "profile",
    "record_feedback",
    "remove_keyword",
    "remove_seed",
    "reset_feedback",
    "search_for_member",
    "unfollow",
    "unmute",
    "update_settings",
]

_VOTES = {"up": ("vote", 1), "down": ("vote", -1), "save": ("save", 1)}


def ensure_member(
    ctx: Context, team_id: str, user_id: str, *, timezone: str | None = None
) -> MemberView:
    """The member, created with the workspace defaults on first contact.

    Args:
        ctx: the process context.
        team_id: the Slack workspace.
        user_id: the Slack user.
        timezone: the user's IANA zone from Slack, used when creating (ignored if unknown).

    Returns:
        The member's settings.
    """
    return member_view(profile_view.ensure_row(ctx, team_id, user_id, timezone=timezone))


def follow(ctx: Context, team_id: str, user_id: str, text: str) -> str:
    """Add an interest line (stored as typed, mentions and emoji included).

    Returns:
        The stored text.

    Raises:
        ProfileError: empty, over 300 characters, or already followed.
    """
    state = profile_view.state(ctx, team_id, user_id)
    text = validate_interest(text, [i.text for i in state.interests])
    store.add_interest(ctx.db, _id(state), text)
    return text


def unfollow(ctx: Context, team_id: str, user_id: str, ref: str) -> str:
    """Remove an interest by its 1-based number in the profile or by its text.

    Returns:
        The removed interest's text.

    Raises:
        ProfileError: no such number or text (the message lists the member's interests).
    """
    state = profile_view.state(ctx, team_id, user_id)
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


def add_seed(ctx: Context, team_id: str, user_id: str, ref: str) -> PaperRef:
    """Add a "more like this" paper, named by arXiv id, URL or title.

    Raises:
        ProfileError: no stored paper matches, several do, or it already is a seed.
    """
    paper = _find_paper(ctx, ref)
    state = profile_view.state(ctx, team_id, user_id)
    if not store.add_seed(ctx.db, _id(state), paper.id):
        raise ProfileError(f"*{paper.title}* is already one of your seed papers")
    return paper


def remove_seed(ctx: Context, team_id: str, user_id: str, ref: str) -> PaperRef:
    """Remove a seed paper, by its 1-based number in the profile or by reference."""
    state = profile_view.state(ctx, team_id, user_id)
    ref = ref.strip()
    if ref.isdigit() and 1 <= int(ref) <= len(state.seed_ids):
        paper_id = state.seed_ids[int(ref) - 1]
    else:
        paper_id = _find_paper(ctx, ref).id
    if not store.delete_seed(ctx.db, _id(state), paper_id):
        raise ProfileError(f"“{ref}” is not one of your seed papers")
    return profile_view.paper_refs(ctx, [paper_id])[0]


def mute(ctx: Context, team_id: str, user_id: str, term: str) -> str:
    """Never deliver papers with this word, or by this author ("author:Name", or a name
    that appears among stored authors).

    Returns:
        The stored mute: the word, or "author:Name".
    """
    state = profile_view.state(ctx, team_id, user_id)
    stored = _mute_term(ctx, term)
    if not store.add_filter(ctx.db, _id(state), "mute", stored):
        raise ProfileError(f"you already mute “{stored}”")
    return stored


def unmute(ctx: Context, team_id: str, user_id: str, term: str) -> str:
    """Remove a mute (a word or "author:Name"); returns what was removed."""
    state = profile_view.state(ctx, team_id, user_id)
    term = " ".join(term.split())
    for candidate in (term, AUTHOR_PREFIX + term):
        if store.delete_filter(ctx.db, _id(state), "mute", candidate):
            return candidate
    raise ProfileError(f"you don't mute “{term}”; your mutes: {', '.join(state.mutes) or 'none'}")


def add_keyword(ctx: Context, team_id: str, user_id: str, term: str) -> str:
    """Require every delivered paper to contain one of the member's keywords."""
    term = " ".join(term.split())
    if not term or len(term) > 100:
        raise ProfileError("a keyword is a word or short phrase (1–100 characters)")
    state = profile_view.state(ctx, team_id, user_id)
    if not store.add_filter(ctx.db, _id(state), "keyword", term):
        raise ProfileError(f"“{term}” is already one of your keywords")
    return term


def remove_keyword(ctx: Context, team_id: str, user_id: str, term: str) -> str:
    """Drop a must-match keyword."""
    term = " ".join(term.split())
    state = profile_view.state(ctx, team_id, user_id)
    if not store.delete_filter(ctx.db, _id(state), "keyword", term):
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
    state = profile_view.state(ctx, team_id, user_id)
    store.set_feedback(ctx.db, _id(state), paper_id, *_VOTES[kind])


def reset_feedback(ctx: Context, team_id: str, user_id: str) -> int:
    """Forget the member's 👍/👎 (interests, seeds, saves stay); returns how many."""
    return store.reset_votes(ctx.db, _id(profile_view.state(ctx, team_id, user_id)))


def update_settings(ctx: Context, team_id: str, user_id: str, **changes: Any) -> MemberView:
    """Change delivery or matching settings (see `bot.profiles.validate_settings`).

    Raises:
        ProfileError: an unknown setting or a bad value, saying what is allowed.
    """
    values = validate_settings(changes)
    row = profile_view.ensure_row(ctx, team_id, user_id)
    return member_view(store.update_member(ctx.db, row.id or 0, **values))


def more_like_this(
    ctx: Context, team_id: str, user_id: str, paper_id: int, limit: int = 5
) -> list[SearchHit]:
    """Papers nearest to one paper, leaving out the member's 👎'd and muted ones."""
    member = load_profile(ctx, profile_view.state(ctx, team_id, user_id))
    hits = ctx.library.similar(
        paper_id, limit=limit * 2 + 5, exclude_ids=[*member.disliked, paper_id]
    )
    return [h for h in hits if _allowed(member, h.paper)][:limit]


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
    member = load_profile(ctx, profile_view.state(ctx, team_id, user_id))
    want = offset + limit
    fetch = want * 2
    while True:
        hits = ctx.library.search(query, limit=fetch, since=since, exclude_ids=member.disliked)
        allowed = [h for h in hits if _allowed(member, h.paper)]
        if len(allowed) >= want or len(hits) < fetch:
            return allowed[offset:want]
        fetch *= 2


def _allowed(member: Any, paper: PaperView) -> bool:
    return member.allows(paper.title, paper.abstract, paper.authors)


def _find_paper(ctx: Context, ref: str) -> PaperRef:
    if not ref.strip():
        raise ProfileError("name a paper by arXiv id, URL or title")
    rows = store.find_papers(ctx.db, ref)
    if not rows:
        raise ProfileError(f"no paper matches “{ref.strip()}” — try an arXiv id or URL")
    if len(rows) > 1:
        titles = "; ".join(f"*{r.title}*" for r in rows[:3])
        raise ProfileError(f"several papers match “{ref.strip()}” ({titles}) — use its arXiv id")
    return profile_view.paper_refs(ctx, [rows[0].id or 0])[0]


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
