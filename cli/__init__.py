"""The `paperboy` command line: one sub-module per group of commands, registered here.

A one-shot command imports its own module only (`COMMANDS` says which module adds it), so
that `paperboy ingest` does not pay for the Slack client, the matcher or scipy; `--help`,
or a name not listed, imports them all.
"""

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


# top-level command (or group) → the module that adds it to `app`
COMMANDS = {
    "parse": "parse",
    "ingest": "ingest",
    "fetch": "fetch",
    "sources": "fetch",
    "search": "search",
    "member": "members",
    "saved": "reading",
    "hot": "reading",
    "digest": "digest",
    "run": "serve",
    "serve": "serve",
    "deliver": "delivery",
    "outbox": "delivery",
    "db": "dbcmd",
    "demo": "demo",
}


@app.callback()
def _commands() -> None:
    """Personalized research-paper alerts for Slack teams."""


def _register(command: str | None = None) -> None:
    """Import the module that adds `command`, or every command module (None, unknown)."""
    import importlib

    modules = [COMMANDS[command]] if command in COMMANDS else dict.fromkeys(COMMANDS.values())
    for name in modules:  # each module adds its commands to `app`
        importlib.import_module(f"cli.{name}")


def main() -> None:
    """Console-script entry point."""
    import sys

    from bot.text_index import IndexPackageMissing

    _register(sys.argv[1] if len(sys.argv) > 1 else None)
    try:
        app()
    except IndexPackageMissing as error:  # a broken install: one line, no traceback
        typer.secho(f"error: {error}", err=True, fg=typer.colors.RED)
        raise SystemExit(1) from None
