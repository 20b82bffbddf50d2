"""Shared fixtures: clean environment, settings, a temporary database and a fake embedder.

Area-specific fixtures live beside their tests (`tests/scenario/conftest.py` has the fake
Slack Web API and the running app).

The suite runs on SQLite by default. With `PAPERBOY_TEST_DATABASE=postgresql` (and
`PAPERBOY_TEST_POSTGRES_URL`, exported by `.ci/postgres.sh`), `database_url` hands every
test a fresh, empty PostgreSQL database instead, and tests marked `sqlite_only` are skipped.
`make test` runs both passes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from bot.context import Context, build_context
from bot.embedder import SentenceTransformerEmbedder
from bot.settings import Settings
from tests.fake_slack import FakeSlack
from tests.fakes import FakeEmbedder

SEEDS_DIR = Path(__file__).resolve().parents[2] / "shared" / "seeds"
FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"

POSTGRES_URL_VAR = "PAPERBOY_TEST_POSTGRES_URL"
REQUIRE_SEEDS_VAR = "PAPERBOY_REQUIRE_SEEDS"
BACKEND_VAR = "PAPERBOY_TEST_DATABASE"


def _backend() -> str:
    """`PAPERBOY_TEST_DATABASE`: `` (unset), `sqlite` or `postgresql`."""
    value = os.environ.get(BACKEND_VAR, "").strip().lower()
    return {"postgres": "postgresql", "pg": "postgresql"}.get(value, value)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sqlite_only: checks SQLite itself; skipped when PAPERBOY_TEST_DATABASE=postgresql",
    )
    backend = _backend()
    if backend not in ("", "sqlite", "postgresql"):
        raise pytest.UsageError(f"{BACKEND_VAR}={backend!r}: expected sqlite or postgresql")
    if backend == "postgresql" and not os.environ.get(POSTGRES_URL_VAR):
        raise pytest.UsageError(
            f"{BACKEND_VAR}=postgresql needs {POSTGRES_URL_VAR} "
            "(source .ci/postgres.sh && start_postgres)"
        )


def pytest_report_header(config: pytest.Config) -> str:
    backend = _backend() or "sqlite (PAPERBOY_TEST_DATABASE unset)"
    return f"paperboy test database: {backend}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A pass on one backend skips what only the other pass tests (`make test` runs both);
    with `PAPERBOY_TEST_DATABASE` unset, everything runs (PostgreSQL tests when a server is
    configured)."""
    backend = _backend()
    if backend == "postgresql":
        for item in items:
            marker = item.get_closest_marker("sqlite_only")
            if marker is not None:
                why = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
                item.add_marker(
                    pytest.mark.skip(reason=f"SQLite only, {why}: the SQLite pass runs it")
                )
    elif backend == "sqlite":
        skip = pytest.mark.skip(reason="needs PostgreSQL: the PostgreSQL pass runs it")
        for item in items:
            if item.get_closest_marker("postgres") is not None:
                item.add_marker(skip)


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
    """`../shared/seeds`, the real Daily Papers pages. Tests that need them skip when they
    are absent, except where `PAPERBOY_REQUIRE_SEEDS=1` (CI sets it): there they fail, so
    that the real-model tests can never be skipped silently."""
    if not SEEDS_DIR.is_dir() or not any(SEEDS_DIR.glob("*.txt")):
        if os.environ.get(REQUIRE_SEEDS_VAR) == "1":
            pytest.fail(f"{SEEDS_DIR} is missing, and {REQUIRE_SEEDS_VAR}=1 requires it")
        pytest.skip("../shared/seeds is not present")
    return SEEDS_DIR


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database per test: a SQLite file, or with
    `PAPERBOY_TEST_DATABASE=postgresql` a PostgreSQL database (see `postgres_url`)."""
    if _backend() == "postgresql":
        return request.getfixturevalue("postgres_url")
    return f"sqlite:///{tmp_path / 'paperboy.db'}"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings for a test: temp database and inbox, fake Slack credentials."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    return Settings(
        _env_file=None,
        database_url=database_url,
        inbox_dir=inbox,
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


@pytest.fixture(scope="session")
def _postgres_admin() -> Iterator[tuple[Engine, str]]:
    """One autocommit engine on the test server for the session, plus the CREATE DATABASE
    options: FILE_COPY of the empty template (PostgreSQL 15+) is a few times faster than
    the default WAL_LOG copy on a throwaway, fsync-off server."""
    from sqlalchemy import create_engine

    server = os.environ.get(POSTGRES_URL_VAR)
    if not server:
        pytest.skip(f"{POSTGRES_URL_VAR} is not set (source .ci/postgres.sh)")
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        version = conn.exec_driver_sql("SHOW server_version_num").scalar_one()
    options = " TEMPLATE template0 STRATEGY FILE_COPY" if int(version) >= 150000 else ""
    try:
        yield admin, options
    finally:
        admin.dispose()


@pytest.fixture
def postgres_url(_postgres_admin: tuple[Engine, str]) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test, dropped afterwards.

    Skips when `PAPERBOY_TEST_POSTGRES_URL` (a server and a database to connect through,
    exported by `.ci/postgres.sh`) is unset. Every connection opened to it in this process
    is closed at teardown, engines the test disposed or not (an engine left to the garbage
    collector would make psycopg warn, as an error, in whichever test runs then), and the
    drop forces out the rest (child processes), so no test can hold another's database.
    """
    from uuid import uuid4

    from sqlalchemy import event, make_url
    from sqlalchemy.pool import Pool

    admin, options = _postgres_admin
    name = f"pb_test_{uuid4().hex[:12]}"
    opened: list[Any] = []

    def track(dbapi_connection: Any, _record: object) -> None:
        if getattr(getattr(dbapi_connection, "info", None), "dbname", None) == name:
            opened.append(dbapi_connection)

    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"{options}')
    event.listen(Pool, "connect", track)
    try:
        yield make_url(admin.url).set(database=name).render_as_string(hide_password=False)
    finally:
        event.remove(Pool, "connect", track)
        for dbapi_connection in opened:
            dbapi_connection.close()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(
    params=[
        pytest.param("sqlite", marks=pytest.mark.sqlite_only(reason="the SQLite case")),
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
def any_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each backend in turn: a temp SQLite file, then a fresh PostgreSQL database.

    Override `database_url` with it in a module to run its `ctx` tests on both. The SQLite
    case is `sqlite_only`: the PostgreSQL pass of `make test` runs only the other one.
    """
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'paperboy.db'}"
    return request.getfixturevalue("postgres_url")
