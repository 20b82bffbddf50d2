"""The ingest job: inbox files → parsed papers → vectors → stored papers → the index.

Files are remembered by the hash of the very bytes that were parsed, so a file seen before
(ingested, or failed for a reason in its content) is skipped at once; an unusable file is
reported and recorded as failed without stopping the run, while one that could not be read
(gone since it was listed, locked) is only reported and tried again next scan. Records a
parser skipped (bad lines of a JSONL file) are reported with the file.

Files are taken in groups of up to `GROUP_PAPERS` parsed papers. A group's new texts (not
stored, not in an earlier file of the group, no vector yet) are encoded in one call, longest
batches together, outside any transaction; then each file is written in its own short
transaction with the vectors it needs (`bot.store.papers.save_papers`). A crash leaves no
half-written file, and a re-run finishes the job.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bot.context import Context
from bot.paper import Paper
from bot.sources import (
    FileUnavailable,
    ParseError,
    ParseResult,
    decode_bytes,
    parse_text,
    read_source_bytes,
)
from bot.store import papers as paper_store
from bot.store.papers import InboxRecord, MissingVectors, SaveResult

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


@dataclass
class _Parsed:
    """A file read and parsed, waiting for its group's vectors."""

    report: FileReport
    record: InboxRecord
    result: ParseResult


def discover(root: Path) -> list[Path]:
    """Source files under `root` (a file or a folder, recursively), in name order, leaving
    out dotfiles, dot-folders and partial downloads."""
    if root.is_file():
        return [root]
    if not root.is_dir():
        return []
    return sorted(
        path
        for path in root.rglob("*")
        if path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(root).parts)
        and not path.name.endswith(_PARTIAL_SUFFIXES)
    )


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
        index: also add the new papers to `ctx.library`, the in-memory index a serving
            process searches; the one-shot `paperboy ingest` has no use for it.
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


def _targets(roots: list[Path], *, report_missing: bool) -> Iterator[Path | FileReport]:
    """The files to ingest, in order; a missing root given explicitly becomes its report."""
    for root in roots:
        if not root.exists():
            if report_missing:
                yield FileReport(str(root), error=f"{root}: no such file")
            continue
        yield from discover(root)


def _groups(
    ctx: Context, targets: Iterator[Path | FileReport], seen: set[str], *, dry_run: bool
) -> Iterator[list[_Parsed | FileReport]]:
    """The files in order, parsed, in groups of about `GROUP_PAPERS` papers; a file that
    needs no storing (missing, unreadable, seen before, unusable) is already its report."""
    group: list[_Parsed | FileReport] = []
    papers = 0
    for target in targets:
        item = _read(ctx, target, seen, dry_run) if isinstance(target, Path) else target
        group.append(item)
        papers += len(item.result.papers) if isinstance(item, _Parsed) else 0
        if papers >= GROUP_PAPERS:
            yield group
            group, papers = [], 0
    if group:
        yield group


def _read(ctx: Context, path: Path, seen: set[str], dry_run: bool) -> _Parsed | FileReport:
    """Read, hash and parse one file; a `FileReport` when there is nothing to store."""
    report = FileReport(path=str(path))
    try:
        data = read_source_bytes(path)
    except FileUnavailable as exc:  # gone or locked: not its content's fault
        report.error = f"{path.name}: {exc}, will retry"
        log.warning("ingest %s: not read, will retry next scan: %s", path, exc)
        return report
    except ParseError as exc:  # too large: remembered under the hash of what is there
        record = InboxRecord(_hash_file(path), str(path), "")
        return _failed(ctx, report, record, exc, dry_run=dry_run)
    record = InboxRecord(hashlib.sha256(data).hexdigest(), str(path), "")
    known = paper_store.find_inbox_file(ctx.db, record.content_hash)
    if known is not None or record.content_hash in seen:
        report.skipped = True
        if known is not None:
            report.format = known.format
            report.error = f"{path.name}: {known.error}" if known.status == "failed" else None
        log.info("ingest %s: skipped (seen before)", path)
        return report
    seen.add(record.content_hash)
    try:
        result = parse_text(decode_bytes(data), source=path.name)
    except ParseError as exc:
        return _failed(ctx, report, record, exc, dry_run=dry_run)
    report.format, report.papers = result.format, len(result.papers)
    report.problems = list(result.problems)
    return _Parsed(report, InboxRecord(record.content_hash, str(path), result.format), result)


def _failed(
    ctx: Context, report: FileReport, record: InboxRecord, error: ParseError, *, dry_run: bool
) -> FileReport:
    report.error = f"{Path(record.path).name}: {error}"
    if not dry_run:
        paper_store.record_failed_file(ctx.db, record, error=str(error))
    log.warning("ingest %s: failed: %s", record.path, error)
    return report


def _ingest_group(
    ctx: Context,
    group: list[_Parsed | FileReport],
    report: IngestReport,
    *,
    progress: Progress | None,
    dry_run: bool,
) -> None:
    """Encode the group's new texts at once, then store each file in its own transaction."""
    parsed = [item for item in group if isinstance(item, _Parsed)]
    vectors: dict[str, np.ndarray] = {}
    crash: Exception | None = None
    if parsed and not dry_run:
        files = [p.result.papers for p in parsed]
        texts = paper_store.texts_to_embed(ctx.db, files, model=ctx.embedder.name)
        label = Path(parsed[0].record.path).name
        if len(parsed) > 1:
            label += f" and {len(parsed) - 1} more"
        try:
            vectors = _encode(ctx, texts, label, progress)
        except Exception as exc:  # the model failed: every file of the group waits
            crash = exc
    for item in group:
        if isinstance(item, FileReport):
            report.add(item)
        elif crash is not None:
            report.add(_crashed(item, crash))
        else:
            report.add(*_store_file(ctx, item, vectors, progress=progress, dry_run=dry_run))


def _store_file(
    ctx: Context,
    parsed: _Parsed,
    vectors: dict[str, np.ndarray],
    *,
    progress: Progress | None,
    dry_run: bool,
) -> tuple[FileReport, list[int]]:
    file, path = parsed.report, parsed.record.path
    if not dry_run and paper_store.find_inbox_file(ctx.db, parsed.record.content_hash):
        file.skipped = True  # another process took the same content meanwhile
        return file, []
    try:
        saved = store_papers(
            ctx,
            parsed.result.papers,
            record=parsed.record,
            vectors=vectors,
            progress=progress,
            dry_run=dry_run,
        )
    except Exception as exc:  # not the file's fault: nothing recorded, retried next scan
        return _crashed(parsed, exc), []
    file.new, file.duplicates, file.revised = len(saved.new_ids), saved.duplicates, saved.revised
    log.info(
        "ingest %s: %s, %d papers, %d new, %d duplicates, %d enriched, %d revised, %d problems",
        path, file.format, file.papers, file.new, file.duplicates, saved.enriched,
        saved.revised, len(file.problems),
    )  # fmt: skip
    if file.problems:
        log.warning("ingest %s: %s", path, file.problem_summary(_LOGGED_PROBLEMS))
    return file, [] if dry_run else saved.new_ids


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


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


async def run(ctx: Context, *, dry_run: bool = False) -> IngestReport:
    """The scheduled job: ingest every new file in the inbox, off the event loop."""
    return await asyncio.to_thread(ingest_paths, ctx, None, dry_run=dry_run)
