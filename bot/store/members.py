"""Every query on members and what they own: interests, seeds, feedback, filters (keywords,
mutes, followed authors), deliveries.

Reads come back as `MemberState`, one plain snapshot per member loaded in a handful of
queries (batched for many members). Writes take effect at once, each in its own
transaction, except `record_deliveries`, which takes the caller's session so that it joins
the outbox transaction. Paper look-ups by reference (arXiv id, URL, title) for seeds live
here too, read-only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from bot.db import Database
from bot.models import (
    Delivery,
    Feedback,
    Interest,
    Member,
    MemberFilter,
    PaperRow,
    SeedPaper,
    utcnow,
)
from bot.paper import extract_arxiv_id, normalize_title
from bot.store.papers import unrecorded_paper_ids

__all__ = [
    "MemberState",
    "add_filter",
    "add_interest",
    "add_seed",
    "delete_filter",
    "delete_interest",
    "delete_seed",
    "ensure_member",
    "find_papers",
    "is_known_author",
    "load_states",
    "record_deliveries",
    "replace_library",
    "reset_votes",
    "set_feedback",
    "teams",
    "unpaused_members",
    "unsave",
    "update_member",
]


@dataclass
class MemberState:
    """A member's row and everything attached to it, detached from any session."""

    member: Member
    interests: list[Interest] = field(default_factory=list)
    seed_ids: list[int] = field(default_factory=list)  # added and imported, oldest first
    library_ids: set[int] = field(default_factory=set)  # the seeds an import brought
    votes: dict[int, int] = field(default_factory=dict)  # paper id → +1 / -1
    saved: list[int] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    mutes: list[str] = field(default_factory=list)
    authors: list[MemberFilter] = field(default_factory=list)  # followed, oldest first
    delivered: set[int] = field(default_factory=set)


def ensure_member(db: Database, team_id: str, user_id: str, **defaults: Any) -> Member:
    """The member's row, created with `defaults` when it does not exist yet.

    Insert-or-get: the insert does nothing when a concurrent request created the row
    first (the `(team_id, user_id)` unique constraint decides), so two first commands of
    a new member never fail each other, on SQLite or PostgreSQL.
    """
    dialect = postgresql if db.is_postgres else sqlite
    values = Member(team_id=team_id, user_id=user_id, **defaults).model_dump(exclude={"id"})
    statement = (
        dialect.insert(Member)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["team_id", "user_id"])
    )
    with db.session() as session:
        session.execute(statement)
        row = _member(session, team_id, user_id)
        assert row is not None
        return row


def teams(db: Database, user_id: str | None = None) -> list[str]:
    """The workspaces paperboy has members in (those of `user_id` alone when given)."""
    query = select(Member.team_id).distinct().order_by(col(Member.team_id))
    if user_id is not None:
        query = query.where(col(Member.user_id) == user_id)
    with db.session() as session:
        return list(session.exec(query))


def unpaused_members(db: Database) -> list[Member]:
    """Every member whose digest is not paused (the delivery job's recipients)."""
    with db.session() as session:
        query = select(Member).where(col(Member.paused).is_(False)).order_by(col(Member.id))
        return list(session.exec(query))


def update_member(db: Database, member_id: int, **values: Any) -> Member:
    """Set columns of one member row and return it."""
    with db.session() as session:
        row = session.get(Member, member_id)
        assert row is not None, f"member {member_id} vanished"
        for key, value in values.items():
            setattr(row, key, value)
        session.add(row)
        return row


def load_states(db: Database, team_id: str, user_ids: Sequence[str]) -> dict[str, MemberState]:
    """Snapshots of these members (unknown users are left out), keyed by user id."""
    with db.session() as session:
        rows = session.exec(
            select(Member).where(Member.team_id == team_id, col(Member.user_id).in_(user_ids))
        ).all()
        states = {r.id: MemberState(r) for r in rows if r.id is not None}
        ids = list(states)
        for interest in session.exec(
            select(Interest).where(col(Interest.member_id).in_(ids)).order_by(col(Interest.id))
        ):
            states[interest.member_id].interests.append(interest)
        for seed in session.exec(
            select(SeedPaper).where(col(SeedPaper.member_id).in_(ids)).order_by(col(SeedPaper.id))
        ):
            states[seed.member_id].seed_ids.append(seed.paper_id)
            if seed.origin == "library":
                states[seed.member_id].library_ids.add(seed.paper_id)
        for fb in session.exec(
            select(Feedback).where(col(Feedback.member_id).in_(ids)).order_by(col(Feedback.id))
        ):
            if fb.kind == "save":
                states[fb.member_id].saved.append(fb.paper_id)
            elif fb.value:
                states[fb.member_id].votes[fb.paper_id] = fb.value
        for flt in session.exec(
            select(MemberFilter)
            .where(col(MemberFilter.member_id).in_(ids))
            .order_by(col(MemberFilter.id))
        ):
            state = states[flt.member_id]
            if flt.kind == "author":
                state.authors.append(flt)
            else:
                (state.keywords if flt.kind == "keyword" else state.mutes).append(flt.term)
        for member_id, paper_id in session.exec(
            select(Delivery.member_id, Delivery.paper_id).where(col(Delivery.member_id).in_(ids))
        ):
            states[member_id].delivered.add(paper_id)
    return {s.member.user_id: s for s in states.values()}


def add_interest(db: Database, member_id: int, text: str) -> bool:
    """Store a new interest line as typed; False when the member follows that text already
    (a concurrent request may have stored it first: insert-or-ignore)."""
    dialect = postgresql if db.is_postgres else sqlite
    statement = (
        dialect.insert(Interest)
        .values(member_id=member_id, text=text, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["member_id", "text"])
        .returning(col(Interest.id))
    )
    with db.session() as session:
        return session.execute(statement).first() is not None


def delete_interest(db: Database, member_id: int, interest_id: int) -> bool:
    """Remove one of the member's interests; False when it was gone already."""
    with db.session() as session:
        result = session.exec(  # type: ignore[call-overload]
            delete(Interest).where(
                col(Interest.member_id) == member_id, col(Interest.id) == interest_id
            )
        )
        return bool(result.rowcount)


def add_seed(db: Database, member_id: int, paper_id: int) -> bool:
    """Add a seed paper; False when it already was one (an imported seed the member now
    names becomes their own: a later import no longer replaces it)."""
    with db.session() as session:
        row = session.exec(
            select(SeedPaper).where(
                SeedPaper.member_id == member_id, SeedPaper.paper_id == paper_id
            )
        ).first()
        if row is not None:
            if row.origin != "library":
                return False
            row.origin = "added"
            session.add(row)
            return True
        session.add(SeedPaper(member_id=member_id, paper_id=paper_id))
        return True


def replace_library(db: Database, member_id: int, paper_ids: Sequence[int]) -> None:
    """Make `paper_ids` the member's imported library seeds, in one transaction: the seeds
    of an earlier import that are not among them go; seeds the member added stay as they
    are."""
    wanted = list(dict.fromkeys(paper_ids))
    dialect = postgresql if db.is_postgres else sqlite
    with db.session() as session:
        rows = session.exec(select(SeedPaper).where(SeedPaper.member_id == member_id)).all()
        present = {row.paper_id for row in rows}
        for row in rows:
            if row.origin == "library" and row.paper_id not in wanted:
                session.delete(row)
        new = [
            {"member_id": member_id, "paper_id": p, "origin": "library", "created_at": utcnow()}
            for p in wanted
            if p not in present
        ]
        if new:  # a concurrent import of the same file (a double share) inserts nothing twice
            session.execute(
                dialect.insert(SeedPaper)
                .values(new)
                .on_conflict_do_nothing(index_elements=["member_id", "paper_id"])
            )


def delete_seed(db: Database, member_id: int, paper_id: int) -> bool:
    """Remove a seed paper; False when it was not one."""
    with db.session() as session:
        result = session.exec(  # type: ignore[call-overload]
            delete(SeedPaper).where(
                col(SeedPaper.member_id) == member_id, col(SeedPaper.paper_id) == paper_id
            )
        )
        return bool(result.rowcount)


def set_feedback(db: Database, member_id: int, paper_id: int, kind: str, value: int) -> None:
    """Record a vote (+1/-1, kind "vote") or a save (kind "save"); the last one wins."""
    with db.session() as session:
        row = session.exec(
            select(Feedback).where(
                Feedback.member_id == member_id,
                Feedback.paper_id == paper_id,
                Feedback.kind == kind,
            )
        ).first() or Feedback(member_id=member_id, paper_id=paper_id, kind=kind)
        row.value = value
        row.created_at = utcnow()
        session.add(row)


def unsave(db: Database, member_id: int, paper_id: int) -> bool:
    """Take a paper off the member's reading list; False when it was not on it."""
    with db.session() as session:
        result = session.exec(  # type: ignore[call-overload]
            delete(Feedback).where(
                col(Feedback.member_id) == member_id,
                col(Feedback.paper_id) == paper_id,
                col(Feedback.kind) == "save",
            )
        )
        return bool(result.rowcount)


def reset_votes(db: Database, member_id: int) -> int:
    """Delete the member's 👍/👎 (saves stay); returns how many were removed."""
    with db.session() as session:
        result = session.exec(  # type: ignore[call-overload]
            delete(Feedback).where(
                col(Feedback.member_id) == member_id, col(Feedback.kind) == "vote"
            )
        )
        return int(result.rowcount or 0)


def add_filter(db: Database, member_id: int, kind: str, term: str) -> bool:
    """Add a keyword, mute or followed author; False when the same term (any case) is
    already there."""
    with db.session() as session:
        if _filter(session, member_id, kind, term) is not None:
            return False
        session.add(MemberFilter(member_id=member_id, kind=kind, term=term))
        return True


def delete_filter(db: Database, member_id: int, kind: str, term: str) -> bool:
    """Remove a keyword, mute or followed author (any case); False when there was none."""
    with db.session() as session:
        row = _filter(session, member_id, kind, term)
        if row is None:
            return False
        session.delete(row)
        return True


def record_deliveries(
    session: Session,
    member_id: int,
    paper_ids: Iterable[int],
    *,
    outbox_id: int | None = None,
    at: datetime | None = None,
    watermark: bool = True,
) -> None:
    """Remember that these papers reached the member, and move their digest watermark.

    `session` is the caller's transaction (the one that writes the outbox row `outbox_id`);
    papers already delivered are skipped; `at` (naive UTC, default now) becomes
    `last_digest_at`. `watermark=False` is for papers that reached the member in a channel
    post, which does not replace their own digest.
    """
    at = at or utcnow()
    for paper_id in unrecorded_paper_ids(
        session, Delivery.paper_id, Delivery.member_id, member_id, paper_ids
    ):
        session.add(
            Delivery(member_id=member_id, paper_id=paper_id, outbox_id=outbox_id, delivered_at=at)
        )
    member = session.get(Member, member_id) if watermark else None
    if member is not None:
        member.last_digest_at = at
        session.add(member)


def find_papers(db: Database, ref: str, *, limit: int = 5) -> list[PaperRow]:
    """Stored papers a member's reference names: an arXiv id (any version), an arXiv or
    other URL, an exact title, or title words. The exact match alone when there is one,
    else at most `limit` partial-title candidates."""
    ref = ref.strip().strip("<>")
    with db.session() as session:
        arxiv_id = extract_arxiv_id(ref)
        exact = (
            col(PaperRow.arxiv_id) == arxiv_id
            if arxiv_id
            else (col(PaperRow.url) == ref) | (col(PaperRow.title_key) == normalize_title(ref))
        )
        found = session.exec(select(PaperRow).where(exact)).first()
        if found is not None or arxiv_id or not normalize_title(ref):
            return [found] if found else []
        pattern = f"%{normalize_title(ref)}%"
        query = select(PaperRow).where(col(PaperRow.title_key).like(pattern)).limit(limit)
        return list(session.exec(query))


def is_known_author(db: Database, name: str) -> bool:
    """Whether some stored paper lists an author of this name (case-insensitive)."""
    with db.session() as session:
        pattern = f'%"{name.strip().lower()}"%'
        query = select(PaperRow.id).where(func.lower(PaperRow.authors).like(pattern)).limit(1)
        return session.exec(query).first() is not None


def _member(session: Session, team_id: str, user_id: str) -> Member | None:
    query = select(Member).where(Member.team_id == team_id, Member.user_id == user_id)
    return session.exec(query).first()


def _filter(session: Session, member_id: int, kind: str, term: str) -> MemberFilter | None:
    query = select(MemberFilter).where(
        MemberFilter.member_id == member_id,
        MemberFilter.kind == kind,
        func.lower(MemberFilter.term) == term.lower(),
    )
    return session.exec(query).first()
