"""The dependencies every service takes, built once per process and passed in explicitly.

Services are plain functions `f(ctx, ...)`; the Slack listeners, the jobs and the CLI each
hold one `Context`. Tests build one with an in-memory database and a `FakeEmbedder`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.db import Database
from bot.embedder import Embedder, SentenceTransformerEmbedder
from bot.library import Library
from bot.settings import Settings

__all__ = ["Context", "build_context", "index_dir"]


@dataclass
class Context:
    """Settings, database, embedder and the in-memory paper library of one process."""

    settings: Settings
    db: Database
    embedder: Embedder
    library: Library


def build_context(
    settings: Settings, *, embedder: Embedder | None = None, create_tables: bool = True
) -> Context:
    """Wire the process's dependencies from settings.

    `embedder` replaces the configured model (tests; the default loads lazily);
    `create_tables` creates missing tables (a SQLite convenience; PostgreSQL uses migrations).
    The library loads its vectors from the database on first use.
    """
    db = Database(settings.database_url)
    if create_tables:
        db.create_all()
    embedder = embedder or SentenceTransformerEmbedder(
        settings.embedding_model,
        device=settings.embedding_device,
        batch_size=settings.embedding_batch_size,
        backend=settings.embedding_backend,
        onnx_dir=settings.embedding_onnx_dir,
    )
    library = Library(
        db, embedder, sync_seconds=settings.index_sync_seconds, index_dir=index_dir(settings)
    )
    return Context(settings=settings, db=db, embedder=embedder, library=library)


def index_dir(settings: Settings) -> Path | None:
    """Where the search index lives, as an absolute path (the working directory when the
    context is built): `INDEX_DIR`, else one folder per database (beside a SQLite file;
    under data/index/ for PostgreSQL), or None (a temporary folder) for an in-memory SQLite
    database."""
    if settings.index_dir is not None:
        return settings.index_dir.absolute()
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite":
        return (Path("data") / "index" / (url.database or "default")).absolute()
    if url.database in (None, "", ":memory:"):
        return None
    return Path(url.database).with_suffix(".index").absolute()
