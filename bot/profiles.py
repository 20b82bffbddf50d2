"""A member's interest profile as the matcher sees it, and the rules for editing it.

Owns `MemberProfile` (positive vectors with the origin each came from, 👎 vectors, keywords,
mutes, per-member knobs), the text filters (mutes and must-match keywords), and validation
of profile input and settings. Pure Python and numpy: no Slack, no database, no model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal, NoReturn

import numpy as np

from bot.authors import is_followable, name_matches, readings
from bot.schedule import parse_days, parse_time, parse_zone
from bot.slack_ids import is_team, is_user

__all__ = [
    "AUTHOR_PREFIX",
    "LIKED_GROUP_SIMILARITY",
    "MemberProfile",
    "Origin",
    "ProfileError",
    "check_member_ids",
    "liked_groups",
    "liked_vectors",
    "query_text",
    "term_filter",
    "validate_author",
    "validate_interest",
    "validate_settings",
]

AUTHOR_PREFIX = "author:"
MAX_INTEREST_CHARS = 300
MAX_AUTHOR_CHARS = 100
# 👍'd papers whose vectors are all pairwise at least this close (cosine) form one group,
# matched by their normalized centroid; the others stay separate positives. High enough
# that unrelated 👍s do not merge into one centroid (bench/liked_quality.py, bench/RESULTS.md).
LIKED_GROUP_SIMILARITY = 0.4
_SPACES = re.compile(r"\s+")
_SLACK_MARKUP = re.compile(r"<[@#!][^>]*>|:[a-z0-9_+-]+:")


class ProfileError(ValueError):
    """A profile change that cannot be made; the message is shown to the member verbatim."""


@dataclass(frozen=True)
class Origin:
    """Why a paper is picked for a member: a positive vector's origin (a typed interest, a
    seed paper, a paper of their imported library, a 👍'd paper, or a group of mutually
    similar 👍'd papers matched by their centroid), or a followed author (no vector: their
    papers are picked whatever the score)."""

    kind: Literal["interest", "seed", "library", "liked", "liked_group", "author"]
    label: str  # the interest text, the paper's title (a group: its most central paper's),
    # or the followed author's name as the member typed it
    ref: int  # Interest.id, paper id (a group: its most central paper), or the follow's id
    size: int = 1  # how many 👍'd papers the vector stands for


@dataclass
class MemberProfile:
    """Everything needed to score papers for one member, as plain arrays and strings."""

    member_id: int
    positives: np.ndarray  # (k, d) float32 unit rows, one per origin
    origins: list[Origin]
    negatives: np.ndarray  # (m, d) vectors of 👎'd papers
    threshold: float = 0.40  # Settings.default_threshold; see bench/RESULTS.md
    max_papers: int = 5
    popularity_boost: bool = True
    show_closest: bool = False
    keywords: tuple[str, ...] = ()
    mutes: tuple[str, ...] = ()  # words, or "author:Name"
    disliked: frozenset[int] = field(default_factory=frozenset)  # 👎'd paper ids
    excluded_ids: frozenset[int] = field(default_factory=frozenset)  # never deliver these
    authors: tuple[Origin, ...] = ()  # followed authors (kind "author"), beside the vectors

    @property
    def is_cold(self) -> bool:
        """True when the member has no interest, seed, 👍 or followed author to match."""
        return len(self.origins) == 0 and not self.authors

    def followed_author(self, authors: tuple[str, ...]) -> Origin | None:
        """The first followed author (in the order followed) among a paper's `authors`."""
        return next(
            (s for s in self.authors if any(name_matches(s.label, a) for a in authors)), None
        )

    def allows(self, title: str, abstract: str, authors: tuple[str, ...]) -> bool:
        """Whether a paper passes the mutes and, when any are set, the must-match keywords:
        False when a word mute occurs in the title/abstract or an author mute names an
        author, or when keywords are set and none occurs."""
        text = f"{title}\n{abstract}"
        for mute in self.mutes:
            if mute.lower().startswith(AUTHOR_PREFIX):
                name = mute[len(AUTHOR_PREFIX) :].strip()
                if any(term_filter(name).search(author) for author in authors):
                    return False
            elif term_filter(mute).search(text):
                return False
        return not self.keywords or any(term_filter(k).search(text) for k in self.keywords)


def liked_groups(
    vectors: np.ndarray, *, min_similarity: float = LIKED_GROUP_SIMILARITY
) -> list[list[int]]:
    """Group 👍'd papers so that every two papers in a group are at least `min_similarity`
    apart by cosine (complete link, so unrelated topics never chain into one group).

    `vectors` are (n, d) unit rows, taken in order: each paper joins the first group it is
    close to all of. Returns lists of row indices.
    """
    sims = vectors @ vectors.T if len(vectors) else np.zeros((0, 0), dtype=np.float32)
    groups: list[list[int]] = []
    for i in range(len(vectors)):
        home = next((g for g in groups if sims[i, g].min() >= min_similarity), None)
        if home is None:
            groups.append([i])
        else:
            home.append(i)
    return groups


def liked_vectors(
    vectors: np.ndarray, *, min_similarity: float = LIKED_GROUP_SIMILARITY
) -> tuple[np.ndarray, list[list[int]], list[int]]:
    """The positive rows for 👍'd papers: a lone paper is its own vector; a group of mutually
    similar papers (`liked_groups`) is its centroid, normalized, which ranks the group's
    topic above the near neighbours of any one paper. Unrelated 👍s stay separate rows,
    each scored on its own: the best row wins. `min_similarity` is the grouping cut
    (`np.inf`: no groups, each 👍 alone).

    Returns (rows, groups, central): one float32 unit row per group, the groups' row
    indices, and for each group the index of its paper closest to the centroid (for the
    reason).
    """
    groups = liked_groups(vectors, min_similarity=min_similarity)
    rows = np.zeros((len(groups), vectors.shape[1]), dtype=np.float32)
    central = []
    for n, group in enumerate(groups):
        mean = vectors[group].mean(axis=0)
        rows[n] = mean / max(float(np.linalg.norm(mean)), 1e-12)
        central.append(group[int(np.argmax(vectors[group] @ rows[n]))])
    return rows, groups, central


def query_text(interest: str) -> str:
    """The text embedded for an interest: as typed, minus Slack mentions and :emoji: codes."""
    cleaned = _SPACES.sub(" ", _SLACK_MARKUP.sub(" ", interest)).strip()
    return cleaned or interest


def term_filter(term: str) -> re.Pattern[str]:
    """A case-insensitive pattern matching `term` as whole words (spacing-insensitive)."""
    words = [re.escape(w) for w in _SPACES.split(term.strip()) if w]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def check_member_ids(team_id: str, user_id: str) -> None:
    """Refuse ids Slack never sends (`""`, `<!channel>`, 5,000 characters) before a member
    is created under them, e.g. from `paperboy member add`.

    Raises:
        ProfileError: not a Slack user id (`U…`/`W…`) or workspace id (`T…`/`E…`).
    """
    if not is_user(user_id):
        shown = user_id if len(user_id) <= 40 else user_id[:40] + "…"
        _fail(f"“{shown}” is not a Slack user id (U or W, then capital letters and digits)")
    if not is_team(team_id):
        _fail(f"“{team_id[:40]}” is not a Slack workspace id (T, then capital letters and digits)")


def validate_interest(text: str, existing: list[str]) -> str:
    """Check a new interest line; return it stripped, as typed otherwise (mentions and emoji
    included).

    Raises:
        ProfileError: empty, longer than 300 characters, or already followed.
    """
    text = text.strip()
    if not text:
        _fail("tell me what to follow, e.g. `/papers follow diffusion for video`")
    if len(text) > MAX_INTEREST_CHARS:
        _fail(f"that interest is {len(text)} characters; keep it under {MAX_INTEREST_CHARS}")
    key = _SPACES.sub(" ", text).casefold()
    if any(_SPACES.sub(" ", e).casefold() == key for e in existing):
        _fail(f"you already follow “{text}”")
    return text


def validate_author(name: str, existing: list[str]) -> str:
    """Check an author to follow; return the name with its spacing collapsed.

    Raises:
        ProfileError: empty, too long, a surname alone, or already followed.
    """
    name = " ".join(name.split()).strip("\"“”'")
    if not name:
        _fail('name the author, e.g. `/papers follow author:"Jane Doe"`')
    if len(name) > MAX_AUTHOR_CHARS:
        _fail(f"an author's name is at most {MAX_AUTHOR_CHARS} characters")
    if not is_followable(name):
        _fail(f"give “{name}” a first name or initial too, so that not every {name} matches")
    if any(readings(name)[:1] == readings(e)[:1] for e in existing):
        _fail(f"you already follow {name}")
    return name


def validate_settings(changes: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalize member settings before they are stored.

    `changes` holds any of paused, delivery_time, timezone, days, max_papers, threshold,
    popularity_boost, show_closest, share_votes; the same keys come back with normalized
    values ("9:5" is rejected, "9:05" becomes "09:05").

    Raises:
        ProfileError: an unknown setting or a value out of range, with what is allowed.
        ScheduleError: a time, zone or day that is not one (`bot.schedule`).
    """
    out: dict[str, Any] = {}
    for key, value in changes.items():
        if key in ("paused", "popularity_boost", "show_closest", "share_votes"):
            out[key] = bool(value)
        elif key == "delivery_time":
            out[key] = parse_time(str(value))
        elif key == "timezone":
            out[key] = parse_zone(str(value))
        elif key == "days":
            out[key] = ",".join(parse_days(value))
        elif key == "max_papers":
            out[key] = _bounded(key, value, int, 1, 20, "papers per digest")
        elif key == "threshold":
            out[key] = _bounded(key, value, float, 0.0, 1.0, "match threshold")
        else:
            _fail(f"unknown setting “{key}”")
    return out


def _bounded(key: str, value: Any, kind: type, low: float, high: float, what: str) -> Any:
    try:
        number = kind(value)
    except (TypeError, ValueError):
        _fail(f"{what} must be a number between {low:g} and {high:g}, not “{value}”")
    if not low <= number <= high:
        _fail(f"{what} must be between {low:g} and {high:g}, not {value}")
    return number


def _fail(message: str) -> NoReturn:
    raise ProfileError(message)
