"""`make bench` is not run by CI, so a renamed module can break a bench script unseen:
every script must at least import and offer the `run(report)` that bench/run.py calls."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

BENCH_DIR = Path(__file__).resolve().parents[2] / "bench"
SCRIPTS = sorted(path.stem for path in BENCH_DIR.glob("bench_*.py"))


def test_there_are_bench_scripts() -> None:
    assert len(SCRIPTS) >= 10


@pytest.mark.parametrize("name", SCRIPTS)
def test_a_bench_script_imports_and_runs_through_run(name: str) -> None:
    module = importlib.import_module(f"bench.{name}")
    assert callable(module.run)
