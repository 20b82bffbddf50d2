"""`paperboy ingest [PATH ...]`: ingest source files (or the inbox) and report per file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from bot.context import Context
from cli import app
from cli.context import context
from cli.output import fail, print_json
from jobs.ingest import IngestReport, ingest_paths

__all__ = ["ingest"]


@app.command("ingest")
def ingest(
    cli: typer.Context,
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Source files or folders; default: the inbox.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Parse, deduplicate, embed and store source files; files seen before are skipped."""
    missing = [str(p) for p in paths or [] if not p.exists()]
    if missing:
        fail(f"no such file or folder: {', '.join(missing)}")
    ctx = context(cli)
    if as_json or not sys.stdout.isatty():
        report = ingest_paths(ctx, paths or None, index=False)
    else:
        report = _with_progress_bar(ctx, paths or None)
    if as_json:
        print_json(_as_json(report))
    else:
        _print_table(report)


def _with_progress_bar(ctx: Context, paths: list[Path] | None) -> IngestReport:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, transient=True) as bar:
        tasks: dict[str, int] = {}

        def progress(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(f"embedding {name}", total=total)
            bar.update(tasks[name], completed=done)

        return ingest_paths(ctx, paths, progress=progress, index=False)


def _as_json(report: IngestReport) -> dict:
    files = [
        {
            "path": f.path,
            "format": f.format,
            "papers": f.papers,
            "new": f.new,
            "duplicates": f.duplicates,
            "revised": f.revised,
            "error": f.error,
            "skipped": f.skipped,
            "problems": f.problems,
        }
        for f in report.files
    ]
    return {
        "files": files,
        "new": report.new,
        "duplicates": report.duplicates,
        "revised": report.revised,
        "failed": report.failed,
    }


def _print_table(report: IngestReport) -> None:
    table = Table("file", "format", "papers", "new", "duplicates", "note")
    for f in report.files:
        note = f.error or ("seen before, skipped" if f.skipped else f.problem_summary(2))
        table.add_row(
            Path(f.path).name,
            f.format or "-",
            str(f.papers),
            str(f.new),
            str(f.duplicates),
            note,
            style="red" if f.error else "yellow" if f.problems else None,
        )
    console = Console()
    console.print(table)
    console.print(
        f"{report.new} new, {report.duplicates} duplicates, {report.failed} failed "
        f"in {report.seconds:.1f}s"
    )
