"""The ingest job: inbox files → parsed papers → vectors → stored papers → the index.

Files are remembered by the hash of the very bytes that were parsed, so a file seen before
(ingested, or failed for a reason in its content) is skipped at once; an unusable file is
reported and recorded as failed without stopping the run, while one that could not be read
(gone since it was listed, locked) is only reported and tried again next scan. Records a
parser skipped (bad lines of a JSONL file) are reported with the file.

Only regular files that live under the folder being scanned are read: a link pointing
outside the inbox (to `/etc/passwd`), a FIFO or a device is refused with one line and
remembered, unread, by what it is.

Files are taken in groups of up to `GROUP_PAPERS` parsed papers, and a larger file is cut
into chunks of that many. A group's new texts (not stored, not in an earlier chunk of the
group, no vector yet) are encoded in one call, longest batches together, outside any
transaction; then each chunk is written in its own short transaction with the vectors it
needs (`bot.store.papers.save_papers`), the file's last chunk recording the file. A crash
or a stop loses at most the chunk in flight: the file, not yet recorded, is parsed again
on the next scan, its stored papers count as duplicates, and the rest is stored.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from bot.context import Context
from bot.paper import Paper
from bot.sources import (
    FileUnavailable,
    ParseError,
    ParseResult,
    Refused,
    decode_bytes,
    parse_text,
    read_source_bytes,
)
from bot.store import papers as paper_store
from bot.store.papers import FileCounts, InboxRecord, MissingVectors, SaveResult

__all__ = [
    "FileReport",
    "IngestReport",
    "Progress",
    "discover",
    "ingest_paths",
    "run",
    "store_papers",
]

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]  # (what is being embedded, done so far, total)

GROUP_PAPERS = 2000  # parsed papers whose new texts are encoded in one call
_PARTIAL_SUFFIXES = (".part", ".tmp", ".partial", ".crdownload", ".download", "~")
_LOGGED_PROBLEMS = 10  # per file: a broken 50 MB file must not write a 50 MB log line
_SAVE_TRIES = 3  # a write that found papers new since the look-up encodes them and retries


@dataclass
class FileReport:
    """What ingest did with one file."""

    path: str
    format: str | None = None
    papers: int = 0
    new: int = 0
    duplicates: int = 0
    revised: int = 0  # known papers whose truncated abstract this file's fuller copy replaced
    error: str | None = None
    skipped: bool = False
    problems: list[str] = field(default_factory=list)  # the parser's, e.g. bad lines skipped
    papers_saved: int = 0  # papers of the chunks stored so far

    def problem_summary(self, limit: int) -> str:
        """A one-line count of the problems with the first `limit` of them ("" if none)."""
        if not self.problems:
            return ""
        shown = "; ".join(self.problems[:limit])
        more = "; …" if len(self.problems) > limit else ""
        plural = "" if len(self.problems) == 1 else "s"
        return f"{len(self.problems)} problem{plural}: {shown}{more}"


@dataclass
class IngestReport:
    """Totals over one ingest run, with a report per file."""

    files: list[FileReport] = field(default_factory=list)
    new: int = 0
    duplicates: int = 0
    revised: int = 0
    failed: int = 0
    new_paper_ids: list[int] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, file: FileReport, new_ids: Sequence[int] = ()) -> None:
        """Count one file's outcome."""
        self.files.append(file)
        self.new += file.new
        self.duplicates += file.duplicates
        self.revised += file.revised
        self.failed += file.error is not None and not file.skipped
        self.new_paper_ids.extend(new_ids)


@dataclass(frozen=True)
class _Target:
    """A file to ingest and the folder it was found in, which it must live under."""

    path: Path
    within: Path | None


@dataclass
class _Parsed:
    """A file read and parsed, waiting for its chunks to be stored."""

    report: FileReport
    record: InboxRecord
    result: ParseResult
    done: bool = False  # its last chunk is stored, or a chunk failed
    enriched: int = 0


@dataclass
class _Chunk:
    """Up to `GROUP_PAPERS` papers of one file, stored in one transaction; the last chunk
    also records the file, so a file stopped midway is parsed again and resumed."""

    parsed: _Parsed
    papers: list[Paper]
    first: bool
    last: bool


def discover(root: Path) -> list[Path]:
    """Entries under `root` (a file or a folder, recursively, never following a link to a
    folder), in name order, leaving out dotfiles, dot-folders and partial downloads.

    Links, FIFOs and other special files are listed too: reading refuses what is not a
    regular file living under `root` (`read_source_bytes(..., within=root)`), saying so.
    """
    if not root.is_dir():
        return [root] if root.exists() or root.is_symlink() else []
    found: list[Path] = []
    for folder, folders, names in os.walk(root):
        folders[:] = [name for name in folders if not name.startswith(".")]
        found += [Path(folder) / name for name in names if not name.startswith(".")]
        found += [Path(folder) / name for name in folders if (Path(folder) / name).is_symlink()]
    return sorted(path for path in found if not path.name.endswith(_PARTIAL_SUFFIXES))


def ingest_paths(
    ctx: Context,
    paths: Iterable[Path] | None = None,
    *,
    progress: Progress | None = None,
    dry_run: bool = False,
    index: bool = True,
) -> IngestReport:
    """Ingest source files, then bring the library's index up to date.

    Args:
        paths: files or folders; None means every file in `settings.inbox_dir`.
        progress: told how the embedding of each group advances.
        dry_run: parse and count, but write and embed nothing.
        index: also add the new papers to `ctx.library`'s search index now (a serving
            process); the one-shot `paperboy ingest` leaves that to the next process
            that searches, which tops the index's files up from the database.
    """
    started = time.perf_counter()
    roots = [ctx.settings.inbox_dir] if paths is None else [Path(p) for p in paths]
    report = IngestReport()
    seen: set[str] = set()  # hashes taken in this run: a copy in the same run is skipped
    targets = _targets(roots, report_missing=paths is not None)
    for group in _groups(ctx, targets, seen, dry_run=dry_run):
        _ingest_group(ctx, group, report, progress=progress, dry_run=dry_run)
        if (report.new_paper_ids or report.revised) and index and not dry_run:
            ctx.library.refresh()
    report.seconds = time.perf_counter() - started
    return report


def store_papers(
    ctx: Context,
    papers: Sequence[Paper],
    *,
    record: InboxRecord | None = None,
    vectors: dict[str, np.ndarray] | None = None,
    progress: Progress | None = None,
    dry_run: bool = False,
) -> SaveResult:
    """Store papers with the vectors of the new ones: those in `vectors`, and whatever else
    the store finds missing, encoded here. The one way papers enter the store."""
    vectors = dict(vectors or {})
    for _ in range(_SAVE_TRIES):
        try:
            return paper_store.save_papers(
                ctx.db,
                papers,
                model=ctx.embedder.name,
                vectors=vectors,
                record=record,
                dry_run=dry_run,
            )
        except MissingVectors as missing:
            label = record.path if record else "papers"
            vectors.update(_encode(ctx, missing.texts, label, progress))
    raise RuntimeError(f"papers kept changing while they were stored ({_SAVE_TRIES} tries)")


def _targets(roots: list[Path], *, report_missing: bool) -> Iterator[_Target | FileReport]:
    """The files to ingest, in order, each with the folder it must live under (None for a
    file named explicitly); a missing root given explicitly becomes its report."""
    for root in roots:
        if not root.exists() and not root.is_symlink():
            if report_missing:
                yield FileReport(str(root), error=f"{root}: no such file")
            continue
        within = root if root.is_dir() else None
        yield from (_Target(path, within) for path in discover(root))


def _groups(
    ctx: Context, targets: Iterator[_Target | FileReport], seen: set[str], *, dry_run: bool
) -> Iterator[list[_Chunk | FileReport]]:
    """The files in order, parsed and cut into chunks of at most `GROUP_PAPERS` papers, in
    groups of about `GROUP_PAPERS` papers; a file that needs no storing (missing,
    unreadable, refused, seen before, unusable) is already its report."""
    group: list[_Chunk | FileReport] = []
    papers = 0
    for target in targets:
        item = _read(ctx, target, seen, dry_run) if isinstance(target, _Target) else target
        for part in _chunks(item, whole=dry_run) if isinstance(item, _Parsed) else [item]:
            group.append(part)
            papers += len(part.papers) if isinstance(part, _Chunk) else 0
            if papers >= GROUP_PAPERS:
                yield group
                group, papers = [], 0
    if group:
        yield group


def _chunks(parsed: _Parsed, *, whole: bool) -> list[_Chunk]:
    """A file's papers in chunks of `GROUP_PAPERS`, each stored in its own transaction (a
    dry run, which stores nothing, keeps the file whole so that duplicates count right)."""
    papers = parsed.result.papers
    size = (len(papers) or 1) if whole else GROUP_PAPERS
    starts = range(0, max(len(papers), 1), size)
    return [
        _Chunk(parsed, papers[i : i + size], first=i == 0, last=i + size >= len(papers))
        for i in starts
    ]


def _read(ctx: Context, target: _Target, seen: set[str], dry_run: bool) -> _Parsed | FileReport:
    """Read, hash and parse one file; a `FileReport` when there is nothing to store."""
    path = target.path
    report = FileReport(path=str(path))
    try:
        data = read_source_bytes(path, within=target.within)
    except FileUnavailable as exc:  # gone or locked: not its content's fault
        report.error = f"{path.name}: {exc}, will retry"
        log.warning("ingest %s: not read, will retry next scan: %s", path, exc)
        return report
    except Refused as exc:  # never read: remembered by what the path is, not its content
        record = InboxRecord(_refusal_key(path, exc), str(path), "")
        return _failed(ctx, report, record, exc, dry_run=dry_run, seen=seen)
    except ParseError as exc:  # too large: remembered under the hash of what is there
        record = InboxRecord(_hash_file(path), str(path), "")
        return _failed(ctx, report, record, exc, dry_run=dry_run, seen=seen)
    record = InboxRecord(hashlib.sha256(data).hexdigest(), str(path), "")
    if _seen_before(ctx, report, record, seen):
        return report
    seen.add(record.content_hash)
    try:
        result = parse_text(decode_bytes(data), source=path.name)
    except ParseError as exc:
        return _failed(ctx, report, record, exc, dry_run=dry_run)
    report.format, report.papers = result.format, len(result.papers)
    report.problems = list(result.problems)
    return _Parsed(report, InboxRecord(record.content_hash, str(path), result.format), result)


def _seen_before(ctx: Context, report: FileReport, record: InboxRecord, seen: set[str]) -> bool:
    """Whether this content was ingested (or refused) before, or earlier in this run; if so
    `report` says it was skipped, with the old failure's reason."""
    known = paper_store.find_inbox_file(ctx.db, record.content_hash)
    if known is None and record.content_hash not in seen:
        return False
    report.skipped = True
    if known is not None:
        report.format = known.format
        name = Path(record.path).name
        report.error = f"{name}: {known.error}" if known.status == "failed" else None
    log.info("ingest %s: skipped (seen before)", record.path)
    return True


def _failed(
    ctx: Context,
    report: FileReport,
    record: InboxRecord,
    error: ParseError,
    *,
    dry_run: bool,
    seen: set[str] | None = None,
) -> FileReport:
    """Report and remember an unusable file (a refused path is reported once, then
    skipped like any file seen before)."""
    if seen is not None and _seen_before(ctx, report, record, seen):
        return report
    if seen is not None:
        seen.add(record.content_hash)
    report.error = f"{Path(record.path).name}: {error}"
    if not dry_run:
        paper_store.record_failed_file(ctx.db, record, error=str(error))
    log.warning("ingest %s: failed: %s", record.path, error)
    return report


def _ingest_group(
    ctx: Context,
    group: list[_Chunk | FileReport],
    report: IngestReport,
    *,
    progress: Progress | None,
    dry_run: bool,
) -> None:
    """Encode the group's new texts at once, then store each chunk in its own transaction;
    a file is reported once its last chunk is in (or one of them failed)."""
    chunks = [item for item in group if isinstance(item, _Chunk)]
    vectors: dict[str, np.ndarray] = {}
    crash: Exception | None = None
    if chunks and not dry_run:
        texts = paper_store.texts_to_embed(
            ctx.db, [c.papers for c in chunks], model=ctx.embedder.name
        )
        files = list(dict.fromkeys(c.parsed.record.path for c in chunks))
        label = Path(files[0]).name + (f" and {len(files) - 1} more" if len(files) > 1 else "")
        try:
            vectors = _encode(ctx, texts, label, progress)
        except Exception as exc:  # the model failed: every file of the group waits
            crash = exc
    for item in group:
        if isinstance(item, FileReport):
            report.add(item)
        elif item.parsed.done:
            continue  # an earlier chunk of this file failed or found it taken
        elif crash is not None:
            item.parsed.done = True
            report.add(_crashed(item.parsed, crash))
        else:
            ids = _store_chunk(ctx, item, vectors, progress=progress, dry_run=dry_run)
            if item.parsed.done:
                report.add(item.parsed.report, ids)
            else:
                report.new_paper_ids.extend(ids)


def _store_chunk(
    ctx: Context,
    chunk: _Chunk,
    vectors: dict[str, np.ndarray],
    *,
    progress: Progress | None,
    dry_run: bool,
) -> list[int]:
    """Store one chunk of a file in one transaction (the last chunk also records the file)
    and count it in the file's report; the ids of the new papers."""
    parsed = chunk.parsed
    file, path = parsed.report, parsed.record.path
    if (
        chunk.first
        and not dry_run
        and paper_store.find_inbox_file(ctx.db, parsed.record.content_hash)
    ):
        file.skipped = parsed.done = True  # another process took the same content meanwhile
        return []
    earlier = FileCounts(file.papers_saved, file.new, file.duplicates)
    record = replace(parsed.record, earlier=earlier) if chunk.last else None
    try:
        saved = store_papers(
            ctx, chunk.papers, record=record, vectors=vectors, progress=progress, dry_run=dry_run
        )
    except Exception as exc:  # not the file's fault: retried next scan, stored chunks kept
        _crashed(parsed, exc)
        parsed.done = True
        return []
    file.papers_saved += len(chunk.papers)
    file.new += len(saved.new_ids)
    file.duplicates += saved.duplicates
    file.revised += saved.revised
    parsed.enriched += saved.enriched
    if chunk.last:
        parsed.done = True
        log.info(
            "ingest %s: %s, %d papers, %d new, %d duplicates, %d enriched, %d revised, "
            "%d problems",
            path, file.format, file.papers, file.new, file.duplicates, parsed.enriched,
            file.revised, len(file.problems),
        )  # fmt: skip
        if file.problems:
            log.warning("ingest %s: %s", path, file.problem_summary(_LOGGED_PROBLEMS))
    return [] if dry_run else saved.new_ids


def _crashed(parsed: _Parsed, error: Exception) -> FileReport:
    file = parsed.report
    name = Path(parsed.record.path).name
    file.error = f"{name}: ingest failed, will retry ({type(error).__name__}: {error})"
    log.error("ingest %s: failed, rolled back", parsed.record.path, exc_info=error)
    return file


def _encode(
    ctx: Context, texts: list[str], label: str, progress: Progress | None
) -> dict[str, np.ndarray]:
    """Vectors of `texts` by text, encoded shortest first (each batch pads little)."""
    if not texts:
        return {}
    ordered = sorted(texts, key=len)
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(label, done, len(ordered))

    if progress is not None:
        progress(label, 0, len(ordered))
    encoded = ctx.embedder.encode(ordered, progress=advance)
    return dict(zip(ordered, encoded, strict=True))


def _refusal_key(path: Path, refusal: Refused) -> str:
    """The key a refused path is remembered by: what it is (its path and why it was
    refused, e.g. where a link points), never its content, which is not read."""
    return hashlib.sha256(f"refused\0{path}\0{refusal}".encode()).hexdigest()


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


async def run(ctx: Context, *, dry_run: bool = False) -> IngestReport:
    """The scheduled job: ingest every new file in the inbox, off the event loop."""
    return await asyncio.to_thread(ingest_paths, ctx, None, dry_run=dry_run)
