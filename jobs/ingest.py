"""The ingest job: digest files → parsed papers → deduplicated rows and vectors → the index.

Each file is one transaction: a crash leaves no half-ingested file, and a re-run finishes
the job. Files are remembered by content hash, so a file seen before (ingested, or failed
for a reason in its content) is skipped at once; an unusable file is reported and recorded
as failed without stopping the batch. New papers are embedded in one batch per file.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bot.context import Context
from bot.digests import DigestError, parse_file
from bot.store import papers as paper_store

__all__ = ["FileReport", "IngestReport", "Progress", "discover", "ingest_paths", "run"]

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]  # (file name, papers embedded so far, to embed)
_PARTIAL_SUFFIXES = (".part", ".tmp", ".partial", ".crdownload", ".download", "~")


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
) -> IngestReport:
    """Ingest digest files, one transaction each, then refresh the library.

    Args:
        ctx: the process context.
        paths: files or folders; None means every file in `settings.digest_inbox`.
        progress: called as `progress(file name, embedded, total)` while embedding.
        dry_run: parse and count, but write and embed nothing.

    Returns:
        The per-file reports and totals.
    """
    started = time.perf_counter()
    roots = [ctx.settings.digest_inbox] if paths is None else [Path(p) for p in paths]
    report = IngestReport()
    for root in roots:
        if not root.exists():
            if paths is not None:
                report.files.append(FileReport(str(root), error=f"{root}: no such file"))
                report.failed += 1
            continue
        for path in discover(root):
            result = _ingest_file(ctx, path, progress=progress, dry_run=dry_run)
            report.files.append(result.file)
            report.new += result.file.new
            report.duplicates += result.file.duplicates
            report.failed += result.file.error is not None and not result.file.skipped
            report.new_paper_ids.extend(result.new_ids)
    if report.new_paper_ids:
        ctx.library.refresh()
    report.seconds = time.perf_counter() - started
    return report


@dataclass
class _Outcome:
    file: FileReport
    new_ids: list[int] = field(default_factory=list)


def _ingest_file(ctx: Context, path: Path, *, progress: Progress | None, dry_run: bool) -> _Outcome:
    report = FileReport(path=str(path))
    try:
        content_hash = _content_hash(path)
    except OSError as exc:
        report.error = f"{path}: cannot read ({exc.strerror or exc})"
        log.warning("ingest %s: failed: %s", path, report.error)
        return _Outcome(report)
    if (seen := paper_store.find_digest_file(ctx.db, content_hash)) is not None:
        report.format, report.skipped = seen.format, True
        report.error = f"{path.name}: {seen.error}" if seen.status == "failed" else None
        log.info("ingest %s: skipped (seen before as %s)", path, seen.path)
        return _Outcome(report)
    try:
        parsed = parse_file(path)
        report.format, report.papers = parsed.format, len(parsed.papers)
        saved = paper_store.save_digest(
            ctx.db,
            parsed.papers,
            model=ctx.embedder.name,
            content_hash=content_hash,
            path=str(path),
            format=parsed.format,
            dry_run=dry_run,
            encode=lambda texts: _encode(ctx, path.name, texts, progress),
        )
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
    return _Outcome(report, [] if dry_run else saved.new_ids)


def _encode(ctx: Context, name: str, texts: list[str], progress: Progress | None) -> np.ndarray:
    if progress is None:
        return ctx.embedder.encode(texts)
    done = 0
    progress(name, 0, len(texts))

    def advance(count: int) -> None:
        nonlocal done
        done += count
        progress(name, done, len(texts))

    return ctx.embedder.encode(texts, progress=advance)


def _content_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


async def run(ctx: Context, *, dry_run: bool = False) -> IngestReport:
    """The scheduled job: ingest every new file in the inbox, off the event loop.

    Args:
        ctx: the process context.
        dry_run: parse and count only.

    Returns:
        The ingest report.
    """
    return await asyncio.to_thread(ingest_paths, ctx, None, dry_run=dry_run)
