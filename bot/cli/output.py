"""How commands print: JSON on stdout, and one-line errors that end the command."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer

__all__ = ["fail", "print_json"]


def print_json(data: Any) -> None:
    """Print `data` as JSON on stdout (dates and paths as strings)."""
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def fail(message: str, *, code: int = 2) -> NoReturn:
    """Print a one-line error on stderr and exit with `code`."""
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code)
