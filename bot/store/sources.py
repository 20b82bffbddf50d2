"""Every query on `source_fetch`: what the last fetch of each configured source did.

One row per source name (`hf-daily`, `arxiv:cs.CV+cs.LG`), written after each fetch and
read by the fetch job (validators for a conditional request, whether the source is due)
and by `paperboy sources`. Rows of sources no longer configured are kept, not shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlmodel import col, select

from bot.db import Database
from bot.models import SourceFetch

__all__ = ["fetch_states", "record_fetch"]


def fetch_states(db: Database, names: Iterable[str]) -> dict[str, SourceFetch]:
    """The last fetch of each named source that has been fetched, by name."""
    wanted = list(names)
    if not wanted:
        return {}
    with db.session() as session:
        rows = session.exec(select(SourceFetch).where(col(SourceFetch.name).in_(wanted)))
        return {row.name: row for row in rows}


def record_fetch(db: Database, name: str, **values: Any) -> None:
    """Write what a fetch of `name` did (any `SourceFetch` columns), creating its row on
    the first fetch."""
    with db.session() as session:
        row = session.get(SourceFetch, name) or SourceFetch(name=name)
        for key, value in values.items():
            setattr(row, key, value)
        session.add(row)
