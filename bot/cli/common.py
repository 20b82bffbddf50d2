"""What every CLI command shares: building the context, printing JSON, failing cleanly."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer

from bot.context import Context, build_context
from bot.settings import Settings

__all__ = ["fail", "load_context", "print_json"]


def load_context() -> Context:
    """The process context from the environment and `.env`."""
    return build_context(Settings())


def print_json(data: Any) -> None:
    """Print `data` as JSON on stdout (dates and paths as strings)."""
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def fail(message: str, *, code: int = 2) -> NoReturn:
    """Print a one-line error on stderr and exit with `code`."""
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code)
