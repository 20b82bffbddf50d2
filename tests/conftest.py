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
from bot.embedder import SentenceTransformerEmbedder
from bot.settings import Settings
from tests.fake_slack import FakeSlack
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


@pytest.fixture(scope="session")
def real_embedder() -> SentenceTransformerEmbedder:
    """The bundled all-MiniLM-L6-v2, loaded once per test session (integration tests only)."""
    model = SentenceTransformerEmbedder()
    model.encode(["warm up"])
    return model


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """A running fake Slack Web API (`tests/fake_slack/`); point clients at `fake_slack.url`."""
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test, dropped afterwards.

    Skips when `PAPERBOY_TEST_POSTGRES_URL` (a server and a database to connect through,
    exported by `.ci/postgres.sh`) is unset.
    """
    from uuid import uuid4

    from sqlalchemy import create_engine, make_url

    server = os.environ.get("PAPERBOY_TEST_POSTGRES_URL")
    if not server:
        pytest.skip("PAPERBOY_TEST_POSTGRES_URL is not set (source .ci/postgres.sh)")
    name = f"pb_test_{uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each backend in turn: a temp SQLite file, then a fresh PostgreSQL database.

    Override `database_url` with it in a module to run its `ctx` tests on both.
    """
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'paperboy.db'}"
    return request.getfixturevalue("postgres_url")
