"""Shared fixtures: clean environment, settings, a temporary database and a fake embedder.

Area-specific fixtures live beside their tests (`tests/scenario/conftest.py` has the fake
Slack Web API and the running app).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.context import Context, build_context
from bot.settings import Settings
from tests.fakes import FakeEmbedder

SEEDS_DIR = Path(__file__).resolve().parents[2] / "shared" / "seeds"
FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test reads the developer's environment or `.env`: settings are passed explicitly."""
    for key in list(os.environ):
        if key.startswith(("SLACK_", "DATABASE_URL", "DIGEST_", "EMBEDDING_")):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path)
    yield


@pytest.fixture
def seeds_dir() -> Path:
    """`../shared/seeds`, the real digests; tests that need them skip when absent."""
    if not SEEDS_DIR.is_dir() or not any(SEEDS_DIR.glob("*.txt")):
        pytest.skip("../shared/seeds is not present")
    return SEEDS_DIR


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """A fresh SQLite file per test (PostgreSQL runs are parametrized in their own tests)."""
    return f"sqlite:///{tmp_path / 'paperboy.db'}"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings for a test: temp database and inbox, fake Slack credentials."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    return Settings(
        _env_file=None,
        database_url=database_url,
        digest_inbox=inbox,
        slack_bot_token="xoxb-test-token",
        slack_signing_secret="test-signing-secret",
        slack_post_interval_seconds=0,
    )


@pytest.fixture
def embedder() -> FakeEmbedder:
    """The deterministic hashing embedder (no model load)."""
    return FakeEmbedder()


@pytest.fixture
def ctx(settings: Settings, embedder: FakeEmbedder) -> Iterator[Context]:
    """A wired context over the temp database and the fake embedder."""
    context = build_context(settings, embedder=embedder)
    yield context
    context.db.dispose()
