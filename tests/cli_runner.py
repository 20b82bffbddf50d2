"""Running `paperboy` commands in tests on the test's own context."""

from __future__ import annotations

from typing import Any

from click.testing import Result
from typer.testing import CliRunner

import cli
from bot.context import Context

__all__ = ["ContextRunner"]

cli._register()  # every command module adds its commands to `cli.app`


class ContextRunner(CliRunner):
    """A `CliRunner` whose commands run on `ctx` (handed in as Click's `obj`, which
    `cli.context.context` uses as it is) instead of building one from settings."""

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx = ctx

    def invoke(self, *args: Any, **kwargs: Any) -> Result:  # type: ignore[override]
        return super().invoke(*args, obj=self.ctx, **kwargs)
