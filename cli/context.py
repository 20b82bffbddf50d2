"""The CLI's dependencies: each command asks `context(cli)` for the process `Context`.

Built from `Settings` (the environment and `.env`) on first use and disposed when the
command ends; a caller that already has one (tests, `CliRunner().invoke(app, ..., obj=ctx)`)
hands it in as Click's `obj`, and it is used as it is.
"""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import make_url
from sqlalchemy.exc import DBAPIError

from bot.context import Context, build_context
from bot.settings import Settings
from cli.output import fail, settings_error

__all__ = ["TeamOption", "context", "open_context"]

TeamOption = Annotated[
    str | None,
    typer.Option(
        "--team",
        help="Slack workspace (team) id; default: the member's, or the one paperboy serves.",
    ),
]


def context(cli: typer.Context) -> Context:
    """The `Context` for this command: the one handed in, or one built from settings."""
    root = cli.find_root()
    if not isinstance(root.obj, Context):
        try:
            settings = Settings()
        except ValueError as error:  # a malformed setting: one line naming it, no traceback
            fail(settings_error(error))
        root.obj = open_context(settings)
        root.call_on_close(root.obj.db.dispose)
    return root.obj


def open_context(settings: Settings) -> Context:
    """`build_context`, or one line naming `DATABASE_URL` when the database cannot be
    reached or migrated (the password never shown)."""
    try:
        return build_context(settings)
    except DBAPIError as error:
        where = make_url(settings.database_url).render_as_string(hide_password=True)
        reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
        fail(f"DATABASE_URL ({where}) cannot be used: {reason}")
