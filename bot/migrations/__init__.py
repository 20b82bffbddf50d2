"""Alembic, configured in code: the schema history of paperboy's tables and how to apply it.

This package owns `env.py`, `script.py.mako` and `versions/`; there is no `alembic.ini`.
`paperboy db upgrade` calls `upgrade()`, and `Database.create_all()` calls
`prepare_schema()` so that a fresh database ends up at the newest revision either way.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from bot import models  # noqa: F401  (registers the tables on SQLModel.metadata)

__all__ = ["alembic_config", "current", "head", "prepare_schema", "upgrade"]

HERE = Path(__file__).resolve().parent
# An arbitrary, fixed key: concurrent replicas starting on one PostgreSQL take turns migrating.
_MIGRATION_LOCK = 0x70617065  # "pape"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config for this package (no ini file), optionally bound to an open
    `connection`, which reaches `env.py` through `config.attributes["connection"]`."""
    config = Config()
    config.set_main_option("script_location", str(HERE))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head() -> str:
    """The newest revision id in `versions/`."""
    revision = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert revision is not None, "bot/migrations/versions is empty"
    return revision


def current(engine: Engine) -> str | None:
    """The revision the database is at (from `alembic_version`), or None when it has never
    been migrated."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Apply migrations up to `revision`, one replica at a time on PostgreSQL; returns the
    revision the database is at afterwards."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        command.upgrade(alembic_config(conn), revision)
    return current(engine)


def prepare_schema(engine: Engine) -> None:
    """Bring a database to the newest schema without a separate `paperboy db upgrade`.

    PostgreSQL is always migrated. SQLite takes the fast path its tests need: an empty
    database gets `create_all()` and is stamped at head (the migrations produce the same
    schema, which `tests/test_migrations.py` checks); a stamped one is upgraded.
    """
    if engine.dialect.name == "postgresql":
        upgrade(engine)
        return
    with engine.begin() as conn:
        tables = set(inspect(conn).get_table_names())
        if "alembic_version" in tables:
            command.upgrade(alembic_config(conn), "head")
            return
        SQLModel.metadata.create_all(conn)
        if not tables:
            command.stamp(alembic_config(conn), "head")
