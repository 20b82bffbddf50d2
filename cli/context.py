"""The CLI's dependencies: each command asks `context(cli)` for the process `Context`.

Built from `Settings` (the environment and `.env`) on first use and disposed when the
command ends; a caller that already has one (tests, `CliRunner().invoke(app, ..., obj=ctx)`)
hands it in as Click's `obj`, and it is used as it is.
"""

from __future__ import annotations

import typer

from bot.context import Context, build_context
from bot.settings import Settings
from cli.output import fail, settings_error

__all__ = ["context"]


def context(cli: typer.Context) -> Context:
    """The `Context` for this command: the one handed in, or one built from settings."""
    root = cli.find_root()
    if not isinstance(root.obj, Context):
        try:
            settings = Settings()
        except ValueError as error:  # a malformed setting: one line naming it, no traceback
            fail(settings_error(error))
        root.obj = build_context(settings)
        root.call_on_close(root.obj.db.dispose)
    return root.obj
