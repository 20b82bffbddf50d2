"""`paperboy db …`: apply the schema migrations and show which revision a database is at.

Every schema change ships as an Alembic migration in `bot/migrations/versions/`. Run
`paperboy db upgrade` before starting new replicas on PostgreSQL (each replica also
migrates on start, one at a time, so a forgotten upgrade is not fatal).
"""

from __future__ import annotations

import typer
from sqlalchemy import make_url

from bot import migrations
from bot.db import Database
from bot.settings import Settings
from cli import app

__all__ = ["db_app"]

db_app = typer.Typer(help="Database schema: Alembic migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _open() -> tuple[Database, str]:
    url = Settings().database_url
    return Database(url), make_url(url).render_as_string(hide_password=True)


@db_app.command("upgrade")
def upgrade(
    revision: str = typer.Argument("head", help="Target revision; the newest by default."),
) -> None:
    """Apply the migrations up to REVISION on DATABASE_URL."""
    db, shown = _open()
    try:
        before = migrations.current(db.engine)
        after = migrations.upgrade(db.engine, revision)
    finally:
        db.dispose()
    typer.echo(f"{shown}: {before or 'empty'} -> {after}")


@db_app.command("current")
def current() -> None:
    """Print the revision DATABASE_URL is at; exit 1 when it is behind the newest."""
    db, shown = _open()
    try:
        revision = migrations.current(db.engine)
    finally:
        db.dispose()
    newest = migrations.head()
    state = "up to date" if revision == newest else f"behind (newest is {newest})"
    typer.echo(f"{shown}: {revision or 'empty'} {state}")
    if revision != newest:
        raise typer.Exit(1)
