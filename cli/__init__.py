"""The `paperboy` command line: one sub-module per group of commands, registered here."""

from __future__ import annotations

import typer

__all__ = ["app", "main"]

app = typer.Typer(
    name="paperboy",
    help="Personalized research-paper alerts for Slack teams.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


_COMMAND_MODULES = (
    "parse",
    "ingest",
    "fetch",
    "search",
    "members",
    "reading",
    "digest",
    "serve",
    "delivery",
    "dbcmd",
    "demo",
)


def _register() -> None:
    import importlib

    for name in _COMMAND_MODULES:  # each module adds its commands to `app`
        importlib.import_module(f"cli.{name}")


def main() -> None:
    """Console-script entry point."""
    _register()
    app()
