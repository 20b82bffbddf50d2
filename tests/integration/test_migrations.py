"""Alembic migrations: `upgrade head` builds exactly `SQLModel.metadata`, on both backends."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, make_url
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel
from typer.testing import CliRunner

import cli.dbcmd  # noqa: F401  (registers `paperboy db`)
from bot import migrations
from bot.db import Database
from cli import app


@pytest.fixture
def engine(any_database_url: str) -> Iterator[Engine]:
    db = Database(any_database_url)
    yield db.engine
    db.dispose()


def _diff(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))


def test_upgrade_head_matches_the_models(engine: Engine) -> None:
    assert migrations.current(engine) is None
    assert migrations.upgrade(engine) == migrations.head()
    assert _diff(engine) == []


def test_downgrade_to_base_and_up_again(engine: Engine) -> None:
    migrations.upgrade(engine)
    with engine.begin() as conn:
        command.downgrade(migrations.alembic_config(conn), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrations.upgrade(engine)
    assert _diff(engine) == []


def test_create_all_leaves_a_fresh_database_at_head(engine: Engine) -> None:
    db = Database(engine.url.render_as_string(hide_password=False))
    db.create_all()
    db.create_all()  # idempotent
    assert migrations.current(db.engine) == migrations.head()
    assert _diff(db.engine) == []
    db.dispose()


@pytest.mark.postgres
def test_replicas_migrating_at_once_take_turns(postgres_url: str) -> None:
    dbs = [Database(postgres_url) for _ in range(3)]
    errors: list[BaseException] = []

    def migrate(db: Database) -> None:
        try:
            db.create_all()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=migrate, args=(db,)) for db in dbs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert migrations.current(dbs[0].engine) == migrations.head()
    for db in dbs:
        db.dispose()


def test_db_commands(any_database_url: str) -> None:
    url = make_url(any_database_url)
    if url.host:  # the test server trusts every password; this one must never be printed
        url = url.set(password="s3cret")
    runner = CliRunner()
    env = {"DATABASE_URL": url.render_as_string(hide_password=False)}
    behind = runner.invoke(app, ["db", "current"], env=env)
    assert behind.exit_code == 1
    assert "empty behind" in behind.output
    upgraded = runner.invoke(app, ["db", "upgrade"], env=env)
    assert upgraded.exit_code == 0, upgraded.output
    assert f"empty -> {migrations.head()}" in upgraded.output
    assert "s3cret" not in upgraded.output
    now = runner.invoke(app, ["db", "current"], env=env)
    assert now.exit_code == 0
    assert "up to date" in now.output
