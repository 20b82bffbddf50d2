"""Ingest's read-ahead: files hashed, parsed and (on an accelerator) embedded ahead.

While one file's transaction is written, the next files are parsed on a worker thread and
the papers that look new are encoded on another, so on a GPU the CPU work hides behind the
model (which releases the GIL). Everything here is a guess made early: each file's own
transaction still deduplicates against what is committed and encodes whatever was missed.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bot.context import Context
from bot.digests import FileUnavailable, ParseResult, parse_file
from bot.library import Library
from bot.models import DigestFile
from bot.store import papers as paper_store

__all__ = [
    "Batch",
    "Job",
    "Progress",
    "Read",
    "content_hash",
    "encode",
    "parse_as_hashed",
    "prepare",
    "refresh_quietly",
    "vectors_for",
]

log = logging.getLogger("jobs.ingest")

Progress = Callable[[str, int, int], None]  # (file name, papers embedded so far, to embed)


@dataclass
class Ahead:
    """Vectors being encoded for a file before its transaction, for the texts guessed new."""

    texts: list[str]
    vectors: Future[np.ndarray]


@dataclass
class Read:
    """A parsed file, with the vectors being encoded ahead for it (if any)."""

    parsed: ParseResult
    ahead: Ahead | None = None


@dataclass
class Job:
    """A file on its way in: hashed, looked up, and (unless seen before) being read."""

    path: Path
    content_hash: str = ""
    unreadable: str | None = None
    seen: DigestFile | None = None
    read: Future[Read] | None = None

    def discard(self) -> None:
        """Stop the work started for a file that will not be stored."""
        if self.read is None or self.read.cancel() or self.read.exception() is not None:
            return
        if (ahead := self.read.result().ahead) is not None:
            ahead.vectors.cancel()


@dataclass
class Batch:
    """What the reader thread carries from file to file of one ingest run."""

    progress: Progress | None
    embedder: ThreadPoolExecutor | None  # None: no encoding ahead (CPU model, dry run, …)
    arxiv_ids: set[str] = field(default_factory=set)
    title_keys: set[str] = field(default_factory=set)


def prepare(ctx: Context, worker: ThreadPoolExecutor, batch: Batch, path: Path) -> Job:
    """Hash the file and, unless it was seen before, start reading it on the worker."""
    job = Job(path)
    try:
        job.content_hash = content_hash(path)
    except OSError as exc:
        job.unreadable = f"{path.name}: cannot read ({exc.strerror or exc}), will retry"
        return job
    job.seen = paper_store.find_digest_file(ctx.db, job.content_hash)
    if job.seen is None:
        job.read = worker.submit(read_file, ctx, path, batch, job.content_hash)
    return job


def parse_as_hashed(path: Path, expected: str) -> ParseResult:
    """Parse the file, making sure it still has the content it was hashed with: a file
    rewritten in between would otherwise be stored, and remembered, under the old hash.

    Raises:
        FileUnavailable: the file changed (or vanished) since it was hashed; the next scan
            takes it as it is then.
    """
    parsed = parse_file(path)
    try:
        unchanged = content_hash(path) == expected
    except OSError:
        unchanged = False
    if not unchanged:
        raise FileUnavailable("file changed while it was being read")
    return parsed


def read_file(ctx: Context, path: Path, batch: Batch, expected: str) -> Read:
    """Parse a file (on the worker) and start encoding the papers that look new."""
    read = Read(parse_as_hashed(path, expected))
    if batch.embedder is None:
        return read
    try:
        texts = paper_store.texts_to_embed(
            ctx.db,
            read.parsed.papers,
            model=ctx.embedder.name,
            arxiv_ids=batch.arxiv_ids,
            title_keys=batch.title_keys,
        )
        if texts:
            texts.sort(key=len)  # the order `save_digest` encodes in
            vectors = batch.embedder.submit(encode, ctx, path.name, texts, batch.progress)
            read.ahead = Ahead(texts, vectors)
    except Exception:  # only a guess: the file's transaction encodes what it needs
        log.warning("ingest %s: could not embed ahead", path, exc_info=True)
    return read


def refresh_quietly(library: Library) -> None:
    """Index committed papers early; a failure is left to the refresh after the batch."""
    try:
        library.refresh()
    except Exception:
        log.warning("ingest: background library refresh failed", exc_info=True)


def vectors_for(
    ctx: Context, name: str, texts: list[str], ahead: Ahead | None, progress: Progress | None
) -> np.ndarray:
    """Vectors for `texts`: those encoded ahead (waiting for them), the rest encoded now."""
    if ahead is None:
        return encode(ctx, name, texts, progress)
    vectors = ahead.vectors.result()  # the model's error, if it failed, fails this file
    if texts == ahead.texts:
        return vectors
    found = dict(zip(ahead.texts, vectors, strict=True))
    rest = [t for t in texts if t not in found]
    if rest:
        found.update(zip(rest, encode(ctx, name, rest, progress), strict=True))
    return np.stack([found[t] for t in texts])


def encode(ctx: Context, name: str, texts: list[str], progress: Progress | None) -> np.ndarray:
    """Embed `texts` with the context's model, reporting progress per file if asked."""
    if progress is None:
        return ctx.embedder.encode(texts)
    done = 0
    progress(name, 0, len(texts))

    def advance(count: int) -> None:
        nonlocal done
        done += count
        progress(name, done, len(texts))

    return ctx.embedder.encode(texts, progress=advance)


def content_hash(path: Path) -> str:
    """The sha256 of a file's bytes: how ingest remembers a digest it has seen."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
