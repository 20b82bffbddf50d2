"""`paperboy`'s command table: every command is listed with the module that adds it, so a
one-shot command imports that module alone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cli
from cli import COMMANDS, app


def _names() -> set[str]:
    commands = {c.name for c in app.registered_commands}
    groups = {g.name for g in app.registered_groups}
    return {n for n in commands | groups if n}


def test_every_command_is_listed_with_its_module() -> None:
    cli._register()
    assert _names() == set(COMMANDS)
    for name, module in COMMANDS.items():
        source = sys.modules[f"cli.{module}"].__file__
        assert source and f'"{name}"' in Path(source).read_text(encoding="utf-8"), name


def test_a_one_shot_command_imports_its_module_alone() -> None:
    code = (
        "import sys; from cli import _register; _register('ingest'); "
        "print(sorted(m for m in sys.modules if m.startswith(('cli.', 'bot.slack', 'scipy'))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "cli.ingest" in loaded
    assert "cli.serve" not in loaded and "bot.slack" not in loaded and "scipy" not in loaded
