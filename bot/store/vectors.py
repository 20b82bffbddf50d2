"""The embedding cache: float32 vectors stored as bytes, keyed by `embedding_key(model, text)`.

Used by ingest (inside its per-file transaction) and by `Library.embed`; a key stored
concurrently by another process is kept, never overwritten.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from bot.db import Database
from bot.models import Embedding

__all__ = ["existing_keys", "insert_vectors", "load_vectors", "save_vectors"]

_CHUNK = 500  # bound on SQL parameters per statement


def load_vectors(db: Database, keys: Sequence[str]) -> dict[str, np.ndarray]:
    """Stored vectors by key (missing keys are left out)."""
    out: dict[str, np.ndarray] = {}
    with db.session() as session:
        for chunk in _chunks(list(dict.fromkeys(keys))):
            query = select(Embedding.key, Embedding.vector).where(col(Embedding.key).in_(chunk))
            for key, blob in session.exec(query):
                out[key] = np.frombuffer(blob, dtype=np.float32)
    return out


def save_vectors(db: Database, model: str, vectors: dict[str, np.ndarray]) -> None:
    """Store vectors by key; a key stored meanwhile by another process is kept as it is."""
    with db.session() as session:
        insert_vectors(session, model, vectors)


def existing_keys(session: Session, keys: Sequence[str]) -> Iterator[str]:
    """The keys among `keys` that already have a stored vector (within `session`)."""
    for chunk in _chunks(list(dict.fromkeys(keys))):
        yield from session.exec(select(Embedding.key).where(col(Embedding.key).in_(chunk)))


def insert_vectors(session: Session, model: str, vectors: dict[str, np.ndarray]) -> None:
    """Insert vectors by key within `session`, skipping keys that exist already."""
    if not vectors:
        return
    rows = [
        {
            "key": key,
            "model": model,
            "dim": int(np.size(v)),
            "vector": np.asarray(v, dtype=np.float32).tobytes(),
        }
        for key, v in vectors.items()
    ]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    # one executemany of one cached statement (the driver batches it), not a multi-row
    # VALUES statement compiled afresh per chunk; Core on the table, so no ORM bulk path
    statement = insert(Embedding.__table__).on_conflict_do_nothing(index_elements=["key"])
    session.execute(statement, rows)


def _chunks(values: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), _CHUNK):
        yield list(values[start : start + _CHUNK])
