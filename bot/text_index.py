"""TextIndex: BM25 over paper texts on disk, in tantivy, fed paperboy's own terms.

tantivy (tantivy-py) is an embedded full-text engine: segments on disk that a process
memory-maps, block-max WAND for top-k, and the same BM25 as `bot.lexical` (Lucene's IDF,
k1 1.2, b 0.75; document lengths are kept to one byte, which reorders near-ties only).
Its own tokenizers would split "Re^2TAL" or "GPT-4", so documents and queries go through
`bot.lexical.tokenize` and reach tantivy as whitespace-separated terms; it never sees the
raw text. A document is a paper id (indexed, so that a revised paper can be deleted and
added again), its day (for `since`) and its terms, with frequencies but no positions.

One process at a time may write a directory (tantivy locks it for its writer; the caller
holds its own lock too, see `bot.index`); others open it read-only and see new commits only
when they `reload()`, so that what they search stays in step with the vectors they mapped.
The SQLite FTS5 and PostgreSQL tsvector engines were measured and not chosen: their cost
grows with every row an OR-ed query matches (no top-k pruning), about 1 s per query at a
million papers, and PostgreSQL's ranking has no IDF.
"""

from __future__ import annotations

import importlib
from collections.abc import Collection, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from bot.lexical import CorpusStats, tokenize

__all__ = ["IndexPackageMissing", "TextIndex", "require", "require_all"]

_WRITER_HEAP = 64_000_000  # bytes tantivy buffers before it writes a segment
_WRITER_THREADS = 1  # our tokenizer, in Python, is the slower half of indexing anyway


class IndexPackageMissing(RuntimeError):
    """A package the search index is built on is not installed; the message says which."""


def require(name: str) -> ModuleType:
    """Import one of the index's packages (tantivy, numkong), or fail with one line."""
    try:
        return importlib.import_module(name)
    except ImportError as error:
        raise IndexPackageMissing(
            f"paperboy's search index needs the {name} package, which is not installed "
            f"(pip install -e . installs it): {error}"
        ) from None


def require_all() -> None:
    """Fail now, with one line, if a package the index needs is missing (at a server's
    start rather than at its first search)."""
    for name in ("tantivy", "numkong"):
        require(name)


class TextIndex:
    """The papers' terms in a tantivy index at `path`: writable by one process, read by any."""

    def __init__(self, path: Path, *, writable: bool) -> None:
        tantivy = require("tantivy")
        self._tantivy = tantivy
        self.path = path
        builder = tantivy.SchemaBuilder()
        builder.add_unsigned_field("id", indexed=True, fast=True)
        builder.add_integer_field("day", indexed=True, fast=True)
        builder.add_text_field("terms", tokenizer_name="whitespace", index_option="freq")
        self._schema = builder.build()
        if writable:
            path.mkdir(parents=True, exist_ok=True)
            self._index = tantivy.Index(self._schema, path=str(path))
            self._writer: Any = self._index.writer(_WRITER_HEAP, _WRITER_THREADS)
        else:
            self._index = tantivy.Index.open(str(path))
            self._writer = None
        self._index.config_reader(reload_policy="manual")
        self._searcher = self._index.searcher()

    @property
    def writable(self) -> bool:
        return self._writer is not None

    def __len__(self) -> int:
        return int(self._searcher.num_docs)

    def add(self, ids: Sequence[int], texts: Sequence[str], days: Sequence[int]) -> int:
        """Add papers (seen after the next `commit`); returns how many terms they hold."""
        tantivy, writer = self._tantivy, self._writer
        total = 0
        for paper_id, text, day in zip(ids, texts, days, strict=True):
            terms = tokenize(text)
            total += len(terms)
            document = tantivy.Document()
            document.add_unsigned("id", int(paper_id))
            document.add_integer("day", int(day))
            document.add_text("terms", " ".join(terms))
            writer.add_document(document)
        return total

    def delete(self, ids: Collection[int]) -> None:
        """Delete these papers (as of the next `commit`; papers added after this call stay)."""
        if ids:
            query = self._tantivy.Query.term_set_query(self._schema, "id", [int(i) for i in ids])
            self._writer.delete_documents_by_query(query)

    def delete_except(self, ids: Collection[int]) -> None:
        """Delete every paper but these (as of the next `commit`): what a crash between a
        commit here and the caller's own record of it left behind."""
        tantivy = self._tantivy
        keep = tantivy.Query.term_set_query(self._schema, "id", [int(i) for i in ids])
        others = tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, tantivy.Query.all_query()), (tantivy.Occur.MustNot, keep)]
        )
        self._writer.delete_documents_by_query(others)

    def commit(self) -> None:
        """Make what was added and deleted durable and searchable (here; others `reload`)."""
        self._writer.commit()
        self.reload()

    def reload(self) -> None:
        """Search the latest commit from now on."""
        self._index.reload()
        self._searcher = self._index.searcher()

    def corpus(self, total_terms: int) -> CorpusStats:
        """The index's BM25 statistics; `total_terms` (kept by the caller: tantivy does not
        tell) gives the average length."""
        searcher = self._searcher
        documents = int(searcher.num_docs)
        return CorpusStats(
            documents,
            total_terms / documents if documents else 0.0,
            lambda term: int(searcher.doc_freq("terms", term)),
        )

    def search(
        self,
        terms: Sequence[str],
        k: int,
        *,
        since: int | None = None,
        exclude_ids: Collection[int] = (),
    ) -> tuple[np.ndarray, np.ndarray]:
        """The `k` best papers by BM25 for any of `terms`: (int64 ids, float32 scores), best
        first. `since` keeps papers whose day is on or after it; `exclude_ids` leaves
        papers out."""
        if not terms or k <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        tantivy, schema = self._tantivy, self._schema
        query_type, occur = tantivy.Query, tantivy.Occur
        words = query_type.boolean_query(
            [(occur.Should, query_type.term_query(schema, "terms", term)) for term in terms]
        )
        clauses = []
        if since is not None:
            days = query_type.range_query(schema, "day", tantivy.FieldType.Integer, since, None)
            clauses.append((occur.Must, query_type.const_score_query(days, 0.0)))
        if exclude_ids:
            excluded = query_type.term_set_query(schema, "id", [int(i) for i in exclude_ids])
            clauses.append((occur.MustNot, excluded))
        query = query_type.boolean_query([(occur.Must, words), *clauses]) if clauses else words
        hits = self._searcher.search(query, k, count=False).hits
        if not hits:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        ids = self._searcher.fast_field_values("id", [address for _, address in hits])
        return np.array(ids, dtype=np.int64), np.array([s for s, _ in hits], dtype=np.float32)

    def close(self) -> None:
        """Let go of the writer (and tantivy's lock on the directory)."""
        self._writer = None
