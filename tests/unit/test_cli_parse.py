"""`paperboy parse`: JSON and table output, problems on stderr, exit code 2 on a bad file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner, Result

import cli.parse  # noqa: F401  (registers the command on `app`)
from cli import app
from tests.conftest import FIXTURES_DIR


def invoke(*args: str) -> Result:
    """Run `paperboy parse ARGS` on `cli.app`, which is a group once other modules register
    commands, and the `parse` command itself while it is the only one."""
    command = typer.main.get_command(app)
    prefix = ["parse"] if isinstance(command, TyperGroup) else []
    return CliRunner().invoke(app, [*prefix, *args])


def test_json_output_lists_papers() -> None:
    result = invoke(str(FIXTURES_DIR / "daily_papers.json"), "--json")
    assert result.exit_code == 0, result.output
    papers = json.loads(result.stdout)
    assert [paper["arxiv_id"] for paper in papers] == ["2403.01001", "2403.01002"]
    assert papers[0]["url"] == "https://arxiv.org/abs/2403.01001"
    assert papers[0]["published"] == "2024-03-01"
    assert "warning:" in result.stderr
    assert "item 3: missing title" in result.stderr


def test_seed_json_count(seeds_dir: Path) -> None:
    path = seeds_dir / "000_d5b14ec7ab7253f9.txt"
    result = invoke(str(path), "--json")
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)) == 55


def test_table_output() -> None:
    result = invoke(str(FIXTURES_DIR / "arxiv_atom.xml"))
    assert result.exit_code == 0, result.output
    assert "2 papers (arxiv)" in result.stdout
    assert "2402.00101" in result.stdout


def test_forced_format(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text('{"title": "Forced"}\n', encoding="utf-8")
    result = invoke(str(path), "--format", "jsonl", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)[0]["title"] == "Forced"


@pytest.mark.parametrize(
    ("content", "args", "reason"),
    [
        (b"", [], "empty file"),
        (b"[{", [], "truncated or invalid JSON at line 1 column 3"),
        (b'{"title": "x"}\n', ["--format", "pdf"], "unknown format 'pdf'"),
    ],
)
def test_bad_file_exits_2_with_one_line(
    tmp_path: Path, content: bytes, args: list[str], reason: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    result = invoke(str(path), *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: {path}: {reason}")
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_file(tmp_path: Path) -> None:
    result = invoke(str(tmp_path / "gone.txt"))
    assert result.exit_code == 2
    assert "file disappeared" in result.stderr


def test_parse_loads_no_database_or_model() -> None:
    code = (
        "import sys, cli.parse; "
        "print(sorted({'bot.context', 'bot.db', 'sentence_transformers'} & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
