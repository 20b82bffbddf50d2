"""What every CLI command shares: building the context, printing JSON, failing cleanly."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer

from bot.context import Context, build_context
from bot.settings import Settings

__all__ = ["GIL_SWITCH_SECONDS", "fail", "load_context", "print_json", "short_gil_slices"]

GIL_SWITCH_SECONDS = 0.001  # Python's default is 0.005


def load_context() -> Context:
    """The process context from the environment and `.env`."""
    return build_context(Settings())


def short_gil_slices() -> None:
    """Hand the GIL between threads every millisecond instead of every five.

    `serve`/`run` ack Slack on the event loop while worker threads run the database and the
    model; the loop gets the GIL back sooner (bench_ack, PostgreSQL, paired runs: p99
    107/107 → 89/94 ms). Not used by `paperboy ingest`: on a GPU it made no difference
    beyond noise (bench/gpu_results.json).
    """
    sys.setswitchinterval(GIL_SWITCH_SECONDS)


def print_json(data: Any) -> None:
    """Print `data` as JSON on stdout (dates and paths as strings)."""
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def fail(message: str, *, code: int = 2) -> NoReturn:
    """Print a one-line error on stderr and exit with `code`."""
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code)
