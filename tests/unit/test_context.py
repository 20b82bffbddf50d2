"""Where each database's search index lives (`bot.context.index_dir`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.context import index_dir
from bot.settings import Settings


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///data/paperboy.db", "data/paperboy.index"),
        ("sqlite:////srv/paperboy/lab.db", "/srv/paperboy/lab.index"),
        ("postgresql+psycopg://u:secret@db:5432/papers", "data/index/papers"),
    ],
)
def test_one_folder_per_database_made_absolute(
    url: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert index_dir(Settings(_env_file=None, database_url=url)) == tmp_path / expected


def test_an_explicit_folder_wins_and_memory_gets_a_private_one(tmp_path: Path) -> None:
    explicit = Settings(_env_file=None, database_url="sqlite://", index_dir=tmp_path / "ix")
    assert index_dir(explicit) == tmp_path / "ix"
    assert index_dir(Settings(_env_file=None, database_url="sqlite://")) is None
    assert index_dir(Settings(_env_file=None, database_url="sqlite:///:memory:")) is None
