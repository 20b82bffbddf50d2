"""Every `Lease` query: take or renew a named lease, release it, and read who holds it.

A lease is one row (name, holder, expires_at). Taking it is a single conditional UPDATE
(it is ours already, or it has expired) followed, when no row exists yet, by an INSERT
that ignores a conflict, so two replicas racing for the same lease cannot both win on
PostgreSQL (row lock, re-checked predicate) or SQLite (one writer at a time).
Expiry is judged by the database's clock on PostgreSQL, so replicas on machines whose
clocks disagree still agree on who holds the lease.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from bot.db import Database
from bot.models import Lease, utcnow

__all__ = ["current_holder", "release", "try_acquire"]


def _now(session: Session) -> datetime:
    if session.get_bind().dialect.name == "postgresql":
        return session.exec(select(func.timezone("UTC", func.clock_timestamp()))).one()
    return utcnow()


def try_acquire(
    db: Database, name: str, holder: str, *, ttl: timedelta, now: datetime | None = None
) -> bool:
    """Take the lease `name` (e.g. "scheduler") for `holder` (a replica's unique id), or
    renew it if `holder` has it already.

    `now` (naive UTC; tests) defaults to the database's clock. True when `holder` holds the
    lease until now + `ttl`; False when another does.
    """
    with db.session() as session:
        now = now or _now(session)
        renewed = session.execute(
            update(Lease)
            .where(col(Lease.name) == name)
            .where(or_(col(Lease.holder) == holder, col(Lease.expires_at) <= now))
            .values(holder=holder, expires_at=now + ttl)
        )
        if renewed.rowcount == 1:
            return True
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        inserted = session.execute(
            dialect.insert(Lease)
            .values(name=name, holder=holder, expires_at=now + ttl)
            .on_conflict_do_nothing(index_elements=["name"])
            .returning(col(Lease.name))
        )
        return inserted.first() is not None


def release(db: Database, name: str, holder: str) -> bool:
    """Give the lease up at once (orderly shutdown), if `holder` still has it; True when a
    lease row of `holder` was removed."""
    with db.session() as session:
        deleted = session.execute(
            delete(Lease).where(col(Lease.name) == name, col(Lease.holder) == holder)
        )
        return deleted.rowcount == 1


def current_holder(db: Database, name: str, *, now: datetime | None = None) -> str | None:
    """Who holds the lease `name` now: the holder's id, or None when it is free or expired.

    `now` (naive UTC; tests) defaults to the database's clock.
    """
    with db.session() as session:
        now = now or _now(session)
        query = select(Lease.holder).where(col(Lease.name) == name, col(Lease.expires_at) > now)
        return session.exec(query).first()
