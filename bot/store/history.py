"""What a member's recent digests did, for the Home tab: the last one and failed sends.

The last digest is the newest *sent* DM outbox row that carried papers to the member
(found through `Delivery.outbox_id`), with the 👍/👎 the member gave those papers since.
Failures come from `bot.store.outbox.recent_failures`, read in the same session.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.db import Database
from bot.models import Delivery, Feedback, Outbox
from bot.store.outbox import OutboxView, recent_failures

__all__ = ["LastDigest", "MemberHistory", "member_history"]


@dataclass(frozen=True)
class LastDigest:
    """The member's last digest: when it was sent, its paper count and their 👍/👎."""

    at: datetime
    papers: int
    upvotes: int
    downvotes: int


@dataclass(frozen=True)
class MemberHistory:
    """The last digest (None before the first) and the newest failed deliveries."""

    last_digest: LastDigest | None
    failures: list[OutboxView] = field(default_factory=list)


def member_history(
    db: Database, member_id: int, recipient: str, *, failures: int = 5
) -> MemberHistory:
    """Read the member's last digest and recent failed deliveries in one transaction.

    `recipient` is the outbox recipient of their DMs (the Slack user id); `failures` bounds
    the failed rows, newest first.
    """
    with db.session() as session:
        return MemberHistory(
            _last_digest(session, member_id), recent_failures(session, recipient, limit=failures)
        )


def _last_digest(session: Session, member_id: int) -> LastDigest | None:
    newest = session.exec(
        select(Outbox.id, Outbox.sent_at, Outbox.created_at)
        .join(Delivery, col(Delivery.outbox_id) == col(Outbox.id))
        .where(
            col(Delivery.member_id) == member_id,
            col(Outbox.state) == "sent",
            col(Outbox.kind) == "dm",  # not a channel post that mentioned them
        )
        .order_by(col(Outbox.id).desc())
        .limit(1)
    ).first()
    if newest is None:
        return None
    outbox_id, sent_at, created_at = newest
    papers = select(Delivery.paper_id).where(
        col(Delivery.member_id) == member_id, col(Delivery.outbox_id) == outbox_id
    )
    count = session.exec(select(func.count()).select_from(papers.subquery())).one()
    votes = list(
        session.exec(
            select(Feedback.value).where(
                col(Feedback.member_id) == member_id,
                col(Feedback.kind) == "vote",
                col(Feedback.paper_id).in_(papers),
            )
        )
    )
    ups, downs = sum(v > 0 for v in votes), sum(v < 0 for v in votes)
    return LastDigest(sent_at or created_at, int(count), ups, downs)
