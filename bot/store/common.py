"""Query helpers shared by the store modules."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlmodel import Session, col, select

__all__ = ["unrecorded_paper_ids"]


def unrecorded_paper_ids(
    session: Session, paper_column: Any, owner_column: Any, owner_id: int, paper_ids: Iterable[int]
) -> list[int]:
    """The ids in `paper_ids` (deduplicated, in order) with no row yet for this owner.

    Args:
        session: the caller's transaction.
        paper_column: the table's paper id column, e.g. `Delivery.paper_id`.
        owner_column: the column the rows belong to, e.g. `Delivery.member_id`.
        owner_id: the owner's id.
        paper_ids: candidate papers.

    Returns:
        The candidates that have no row for `owner_id` yet.
    """
    ids = list(dict.fromkeys(paper_ids))
    query = select(paper_column).where(owner_column == owner_id, col(paper_column).in_(ids))
    known = set(session.exec(query))
    return [paper_id for paper_id in ids if paper_id not in known]
