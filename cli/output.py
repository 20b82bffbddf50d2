"""How commands print: JSON on stdout, and one-line errors that end the command."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer
from pydantic import ValidationError

__all__ = ["counted", "fail", "print_json", "settings_error"]


def print_json(data: Any) -> None:
    """Print `data` as JSON on stdout (dates and paths as strings)."""
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def fail(message: str, *, code: int = 2) -> NoReturn:
    """Print a one-line error on stderr and exit with `code`."""
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


def counted(count: int, noun: str) -> str:
    """ "1 paper", "2 papers": a count with its noun in the right number."""
    return f"{count} {noun}" + ("" if count == 1 else "s")


def settings_error(error: ValueError) -> str:
    """One line naming the variable a bad setting came from ("SOURCES: unknown source …"),
    for a pydantic `ValidationError`; the first line of any other error."""
    if isinstance(error, ValidationError) and error.errors():
        first = error.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        message = str(first["msg"]).removeprefix("Value error, ")
        return message if message.startswith(f"{name}:") else f"{name}: {message}"
    return str(error).splitlines()[0]
