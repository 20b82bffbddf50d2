"""What members read: a member's reading list (their saves) and a team's recent 👍 and saves.

The reading list is `Feedback` rows of kind "save", newest first; what a channel's members
are reading is their 👍 (`kind="vote"`, +1) and saves in a period, read only for members who
agreed to be shown to their team (`Member.share_votes`). Matching an imported library
against the stored papers (by arXiv id, else title key) lives here too. All read-only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select

from bot.db import Database
from bot.models import Feedback, Member

__all__ = ["TeamSignal", "saved_page", "sharing_members", "team_signals"]

_CHUNK = 500  # bound on SQL parameters per IN (...)


@dataclass(frozen=True)
class TeamSignal:
    """One member's 👍 ("up") or save ("save") of a paper, and when."""

    user_id: str
    paper_id: int
    kind: str
    at: datetime


def saved_page(db: Database, member_id: int, *, offset: int, limit: int) -> tuple[list[int], int]:
    """One page of the member's saved paper ids, newest save first, and how many they have."""
    with db.session() as session:
        where = (col(Feedback.member_id) == member_id, col(Feedback.kind) == "save")
        total = session.exec(select(func.count()).select_from(Feedback).where(*where)).one()
        query = (
            select(Feedback.paper_id)
            .where(*where)
            .order_by(col(Feedback.created_at).desc(), col(Feedback.id).desc())
            .offset(offset)
            .limit(limit)
        )
        return [int(p) for p in session.exec(query)], int(total)


def team_signals(
    db: Database, team_id: str, user_ids: Sequence[str], *, since: datetime, until: datetime
) -> list[TeamSignal]:
    """The 👍 and saves in [since, until) (naive UTC) of those of `user_ids` who share them
    with their team; the others' are never read."""
    if not user_ids:
        return []
    query = (
        select(Member.user_id, Feedback.paper_id, Feedback.kind, Feedback.created_at)
        .join(Member, col(Member.id) == col(Feedback.member_id))
        .where(
            col(Member.team_id) == team_id,
            col(Member.user_id).in_(list(user_ids)),
            col(Member.share_votes).is_(True),
            col(Feedback.created_at) >= since,
            col(Feedback.created_at) < until,
            ((col(Feedback.kind) == "vote") & (col(Feedback.value) > 0))
            | (col(Feedback.kind) == "save"),
        )
        .order_by(col(Feedback.created_at))
    )
    with db.session() as session:
        return [
            TeamSignal(user, int(paper), "save" if kind == "save" else "up", at)
            for user, paper, kind, at in session.exec(query)
        ]


def sharing_members(db: Database, team_id: str, user_ids: Sequence[str]) -> list[str]:
    """Those of `user_ids` who agreed to show their 👍 and saves to their team."""
    if not user_ids:
        return []
    query = select(Member.user_id).where(
        col(Member.team_id) == team_id,
        col(Member.user_id).in_(list(user_ids)),
        col(Member.share_votes).is_(True),
    )
    with db.session() as session:
        return [str(u) for u in session.exec(query)]
