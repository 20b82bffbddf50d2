"""The ingest job: digest files → parsed papers → deduplicated rows and vectors → the index.

Each file is one transaction: a crash leaves no half-ingested file, and a re-run finishes
the job. Files are remembered by content hash, so a file seen before (ingested, or failed
for a reason in its content) is skipped at once; an unusable file is reported and recorded
as failed without stopping the batch, while one that could not be read (gone since it was
listed, locked) is only reported and tried again next scan. Records a parser skipped (bad
lines of a JSONL file) are reported with the file. New papers are embedded in one batch per
file.

The files flow through a pipeline so that, on a GPU, the CPU work hides behind the model
(which releases the GIL): while file N is stored, a reader thread parses files N+1 and N+2
and guesses which of their papers are new (`papers.texts_to_embed`: not stored, not in an
earlier file of the batch), an embedder thread encodes those guesses (unless the model runs
on the CPU, where it has every core already), and the reader indexes committed files into
the library. Each file's transaction still does its own dedup
against everything committed before it and encodes whatever the guess missed (say, when
an earlier file failed), so the results are exactly those of one file after another. A
file seen before is asked about again just before it is stored (a copy in the same batch).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from bot.context import Context
from bot.digests import DigestError, FileUnavailable
from bot.store import papers as paper_store
from jobs.ingest_ahead import (
    Batch,
    Job,
    Progress,
    Read,
    parse_as_hashed,
    prepare,
    refresh_quietly,
    vectors_for,
)

__all__ = ["FileReport", "IngestReport", "Progress", "discover", "ingest_paths", "run"]

log = logging.getLogger(__name__)

_PARTIAL_SUFFIXES = (".part", ".tmp", ".partial", ".crdownload", ".download", "~")
_AHEAD = 2  # files parsed in the background while the current one is embedded
_LOGGED_PROBLEMS = 10  # per file: a broken 50 MB file must not write a 50 MB log line


@dataclass
class FileReport:
    """What ingest did with one file."""

    path: str
    format: str | None = None
    papers: int = 0
    new: int = 0
    duplicates: int = 0
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
    failed: int = 0
    new_paper_ids: list[int] = field(default_factory=list)
    seconds: float = 0.0


def discover(root: Path) -> list[Path]:
    """Digest files under `root` (a file or a folder, recursively), in name order.

    Args:
        root: a file or folder.

    Returns:
        Regular files, leaving out dotfiles, dot-folders and partial downloads.
    """
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
    """Ingest digest files, one transaction each, then refresh the library.

    Args:
        ctx: the process context.
        paths: files or folders; None means every file in `settings.digest_inbox`.
        progress: called as `progress(file name, embedded, total)` while embedding.
        dry_run: parse and count, but write and embed nothing.
        index: also add the new papers to `ctx.library`, the in-memory index a serving
            process searches; the one-shot `paperboy ingest` has no use for it and skips
            it (on a GPU, indexing abstracts was a quarter of ingest's Python time).

    Returns:
        The per-file reports and totals.
    """
    started = time.perf_counter()
    roots = [ctx.settings.digest_inbox] if paths is None else [Path(p) for p in paths]
    report = IngestReport()
    # the worker also refreshes the library after each file, unless it would share the
    # one connection of an in-memory database with the transaction being written
    concurrent = not dry_run and not ctx.db.single_connection
    # on the CPU the model already has every core: encoding beside the store only contends
    embed_ahead = concurrent and ctx.settings.embedding_device != "cpu"
    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-read")
    batch = Batch(progress, ThreadPoolExecutor(1, "ingest-embed") if embed_ahead else None)
    try:
        targets = _targets(roots, report_missing=paths is not None)
        queue: deque[Job | FileReport] = deque()
        _fill(ctx, worker, batch, targets, queue)
        while queue:
            item = queue.popleft()
            _fill(ctx, worker, batch, targets, queue)  # the next files are read meanwhile
            if isinstance(item, FileReport):  # a path given that does not exist
                report.files.append(item)
                report.failed += 1
                continue
            result = _ingest_file(ctx, item, progress=progress, dry_run=dry_run)
            report.files.append(result.file)
            report.new += result.file.new
            report.duplicates += result.file.duplicates
            report.failed += result.file.error is not None and not result.file.skipped
            report.new_paper_ids.extend(result.new_ids)
            if result.new_ids and concurrent and index:
                worker.submit(refresh_quietly, ctx.library)
    finally:
        worker.shutdown(wait=True, cancel_futures=True)
        if batch.embedder is not None:
            batch.embedder.shutdown(wait=True, cancel_futures=True)
    if report.new_paper_ids and index:
        ctx.library.refresh()  # what the worker has not indexed yet (usually nothing)
    report.seconds = time.perf_counter() - started
    return report


def _targets(roots: list[Path], *, report_missing: bool) -> Iterator[Path | FileReport]:
    """The files to ingest, in order; a missing root given explicitly becomes its report."""
    for root in roots:
        if not root.exists():
            if report_missing:
                yield FileReport(str(root), error=f"{root}: no such file")
            continue
        yield from discover(root)


def _fill(
    ctx: Context,
    worker: ThreadPoolExecutor,
    batch: Batch,
    targets: Iterator[Path | FileReport],
    queue: deque[Job | FileReport],
) -> None:
    """Queue the next targets, up to `_AHEAD`, each file's reading started on the worker."""
    while len(queue) < _AHEAD and (item := next(targets, None)) is not None:
        queue.append(item if isinstance(item, FileReport) else prepare(ctx, worker, batch, item))


@dataclass
class _Outcome:
    file: FileReport
    new_ids: list[int] = field(default_factory=list)


def _ingest_file(ctx: Context, job: Job, *, progress: Progress | None, dry_run: bool) -> _Outcome:
    path, content_hash = job.path, job.content_hash
    report = FileReport(path=str(path))
    if job.unreadable is not None:  # gone or locked before it was hashed: nothing recorded
        report.error = job.unreadable
        log.warning("ingest %s: not read, will retry next scan: %s", path, report.error)
        return _Outcome(report)
    # asked again now: an earlier file of this batch may have had the same content
    if (seen := job.seen or paper_store.find_digest_file(ctx.db, content_hash)) is not None:
        job.discard()
        report.format, report.skipped = seen.format, True
        report.error = f"{path.name}: {seen.error}" if seen.status == "failed" else None
        log.info("ingest %s: skipped (seen before as %s)", path, seen.path)
        return _Outcome(report)
    try:
        read = (
            job.read.result() if job.read is not None else Read(parse_as_hashed(path, content_hash))
        )
        parsed = read.parsed
        report.format, report.papers = parsed.format, len(parsed.papers)
        report.problems = list(parsed.problems)
        saved = paper_store.save_digest(
            ctx.db,
            parsed.papers,
            model=ctx.embedder.name,
            content_hash=content_hash,
            path=str(path),
            format=parsed.format,
            dry_run=dry_run,
            encode=lambda texts: vectors_for(ctx, path.name, texts, read.ahead, progress),
        )
    except FileUnavailable as exc:  # gone or locked since it was hashed: not its content
        report.error = f"{path.name}: {exc}, will retry"
        log.warning("ingest %s: not read, will retry next scan: %s", path, exc)
        return _Outcome(report)
    except DigestError as exc:
        report.error = f"{path.name}: {exc}"
        if not dry_run:
            paper_store.record_failed_file(
                ctx.db,
                content_hash=content_hash,
                path=str(path),
                format=report.format,
                error=str(exc),
            )
        log.warning("ingest %s: failed: %s", path, exc)
        return _Outcome(report)
    except Exception as exc:  # not the file's fault: nothing recorded, retried next scan
        report.error = f"{path.name}: ingest failed, will retry ({type(exc).__name__}: {exc})"
        log.exception("ingest %s: failed, rolled back", path)
        return _Outcome(report)
    report.new, report.duplicates = len(saved.new_ids), saved.duplicates
    log.info(
        "ingest %s: %s, %d papers, %d new, %d duplicates, %d enriched, %d problems",
        path,
        parsed.format,
        report.papers,
        report.new,
        report.duplicates,
        saved.enriched,
        len(parsed.problems),
    )
    if report.problems:
        log.warning("ingest %s: %s", path, report.problem_summary(_LOGGED_PROBLEMS))
    return _Outcome(report, [] if dry_run else saved.new_ids)


async def run(ctx: Context, *, dry_run: bool = False) -> IngestReport:
    """The scheduled job: ingest every new file in the inbox, off the event loop.

    Args:
        ctx: the process context.
        dry_run: parse and count only.

    Returns:
        The ingest report.
    """
    return await asyncio.to_thread(ingest_paths, ctx, None, dry_run=dry_run)
