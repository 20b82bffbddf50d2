"""The database handle: one engine per process and the unit-of-work session scope.

Only `bot/store/` opens sessions through `Database.session()`; every other module calls
the store's functions. SQLite (the default) and PostgreSQL share this code.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

from bot import models  # noqa: F401  (registers the tables on SQLModel.metadata)

__all__ = ["Database"]


class Database:
    """An engine plus the session scope used for each unit of work."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _make_engine(url)

    @property
    def is_postgres(self) -> bool:
        """Whether row locks (`FOR UPDATE SKIP LOCKED`) and advisory locks are available."""
        return self.engine.dialect.name == "postgresql"

    @property
    def single_connection(self) -> bool:
        """Whether every session shares one connection (in-memory SQLite): then a second
        thread's reads would see, and interleave with, another thread's open transaction."""
        return isinstance(self.engine.pool, StaticPool)

    def create_all(self) -> None:
        """Bring the schema to the newest migration (SQLite: create missing tables, stamped)."""
        from bot.migrations import prepare_schema

        prepare_schema(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def ping(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except Exception:
            return False
        return True

    def dispose(self) -> None:
        """Close pooled connections (at shutdown)."""
        self.engine.dispose()


def _make_engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    if url in ("sqlite://", "sqlite:///:memory:"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, poolclass=StaticPool)
    else:
        path = url.split("///", 1)[1]
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if url not in ("sqlite://", "sqlite:///:memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine
