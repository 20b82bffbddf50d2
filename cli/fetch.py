"""`paperboy fetch` and `paperboy sources`: fetch the configured sources now, and show what
each one's last fetch did.

`fetch` asks every source in `SOURCES` (or `--source NAME`) now, whether due or not;
`--since YYYY-MM-DD` backfills Hugging Face one day per request. The answers go into the
inbox, then the inbox is ingested (unless `--no-ingest`). It exits 1 when a fetch failed.
`sources` lists each configured source: its last fetch, the result, its papers and when
the scheduler fetches it next.
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from bot.context import Context
from bot.sources.feeds import SourcesError, parse_sources
from bot.sources.fetch import FetchOutcome
from bot.store import sources as source_store
from cli import app
from cli.context import context
from cli.output import counted, fail, print_json
from jobs import fetch as fetch_job
from jobs.ingest import IngestReport, ingest_paths

__all__ = ["fetch", "sources"]


@app.command("fetch")
def fetch(
    cli: typer.Context,
    source: Annotated[
        str | None, typer.Option("--source", help="Only this source (as named in SOURCES).")
    ] = None,
    since: Annotated[
        datetime | None,
        typer.Option("--since", formats=["%Y-%m-%d"], help="Backfill Hugging Face from this day."),
    ] = None,
    ingest: Annotated[
        bool, typer.Option("--ingest/--no-ingest", help="Ingest the inbox afterwards.")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Fetch the configured sources into the inbox now, then ingest it."""
    ctx = context(cli)
    if not ctx.settings.sources.strip():
        fail('no sources configured: set SOURCES, e.g. SOURCES="hf-daily arxiv:cs.CV+cs.LG"')
    day = since.date() if since else None
    if day is not None and day > datetime.now(UTC).date():
        fail(f"--since {day} is in the future: nothing has been published yet")
    feeds = [f for f in parse_sources(ctx.settings.sources) if source in (None, f.name)]
    if day is not None and feeds and not any(f.by_day for f in feeds):
        fail("--since backfills Hugging Face only: arXiv's feeds serve just their latest day")
    try:
        if as_json or not sys.stdout.isatty():
            report = fetch_job.fetch_sources(ctx, only=source, since=day)
        else:
            report = _with_progress_bar(ctx, source, day)
    except SourcesError as error:
        fail(str(error))
    ingested = ingest_paths(ctx, index=False) if ingest else None
    if as_json:
        print_json(_as_json(report, ingested))
    else:
        _print_report(report, ingested)
    if report.failed:
        raise typer.Exit(1)


def _with_progress_bar(
    ctx: Context, source: str | None, since: date | None
) -> fetch_job.FetchReport:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("fetching", total=None)

        def progress(outcome: FetchOutcome, done: int, total: int) -> None:
            label = f"{outcome.feed.name} {outcome.day.isoformat()}: {outcome.result}"
            bar.update(task, completed=done, total=total, description=label)

        return fetch_job.fetch_sources(ctx, only=source, since=since, progress=progress)


def _outcome_json(outcome: FetchOutcome) -> dict[str, Any]:
    return {
        "source": outcome.feed.name,
        "day": outcome.day.isoformat(),
        "url": outcome.url,
        "result": outcome.result,
        "papers": outcome.papers,
        "file": str(outcome.file) if outcome.file else None,
        "error": outcome.error,
        "requests": outcome.requests,
        "bytes": outcome.bytes,
    }


def _as_json(report: fetch_job.FetchReport, ingested: IngestReport | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "fetched": [_outcome_json(o) for o in report.outcomes],
        "requests": report.requests,
        "bytes": report.bytes,
        "written": report.written,
        "failed": report.failed,
    }
    if ingested is not None:
        data["ingest"] = {
            "new": ingested.new,
            "duplicates": ingested.duplicates,
            "failed": ingested.failed,
        }
    return data


def _print_report(report: fetch_job.FetchReport, ingested: IngestReport | None) -> None:
    table = Table("source", "day", "result", "papers", "note")
    for o in report.outcomes:
        note = o.error or (o.file.name if o.file else "")
        style = "red" if o.result == "failed" else None
        paper_count = "" if o.papers is None else str(o.papers)
        table.add_row(o.feed.name, o.day.isoformat(), o.result, paper_count, note, style=style)
    console = Console()
    console.print(table)
    console.print(
        f"{counted(report.requests, 'request')}, {report.bytes / 1024:.0f} KiB, "
        f"{counted(report.written, 'file')} written, {report.failed} failed in "
        f"{report.seconds:.1f}s"
    )
    if ingested is not None:
        console.print(
            f"ingest: {ingested.new} new, {ingested.duplicates} duplicates, "
            f"{ingested.failed} failed"
        )


def _when(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") + "Z" if value else None


@app.command("sources")
def sources(
    cli: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the sources as JSON.")] = False,
) -> None:
    """Show each configured source: its last fetch, result, papers and next run."""
    ctx = context(cli)
    feeds = parse_sources(ctx.settings.sources)
    states = source_store.fetch_states(ctx.db, [feed.name for feed in feeds])
    rows = []
    for feed in feeds:
        state = states.get(feed.name)
        rows.append(
            {
                "name": feed.name,
                "last_fetch": _when(state.attempted_at) if state else None,
                "result": state.result if state else None,
                "papers": state.papers if state else None,
                "file": state.file if state else None,
                "error": state.error if state else None,
                "next_run": _when(state.next_run_at) if state else None,
            }
        )
    if as_json:
        print_json(rows)
        return
    console = Console()
    if not rows:
        console.print("No sources configured (SOURCES is empty): paperboy reads only the inbox.")
        return
    table = Table("source", "last fetch (UTC)", "result", "papers", "next run (UTC)", "note")
    for row in rows:
        table.add_row(
            row["name"],
            row["last_fetch"] or "never",
            row["result"] or "-",
            "" if row["papers"] is None else str(row["papers"]),
            row["next_run"] or "at the next scan",
            row["error"] or row["file"] or "",
            style="red" if row["result"] == "failed" else None,
        )
    console.print(table)
