"""`paperboy search "QUERY"` and `paperboy search --queries FILE`: hybrid search over the
stored papers from the terminal.

A batch (`--queries`) runs every line of a file through one process, so the model and the
index load once; with `--json` it prints one JSON list per query, one line each, in the
file's order, which evaluation scripts read line by line.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bot.library import EmptyQueryError, Library, SearchHit
from cli import app
from cli.context import context
from cli.output import fail, print_json

__all__ = ["search"]


@app.command("search")
def search(
    cli: typer.Context,
    query: Annotated[
        str | None, typer.Argument(help="Words, a title, or a topic description.")
    ] = None,
    queries: Annotated[
        Path | None,
        typer.Option(
            "--queries",
            help="A file of queries, one per line (blank lines skipped; - reads stdin).",
            dir_okay=False,
            allow_dash=True,
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=100, help="Results.")] = 10,
    since: Annotated[
        str | None, typer.Option("--since", help="Only papers from YYYY-MM-DD on.")
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print JSON (with --queries: one list per query a line)."),
    ] = False,
) -> None:
    """Search the stored papers, best match first."""
    if (query is None) == (queries is None):
        fail("give one query, or --queries FILE, not both")
    try:
        since_day = date.fromisoformat(since) if since else None
    except ValueError:
        fail(f"--since must be a date as YYYY-MM-DD (e.g. 2024-05-31), not {since!r}")
    library = context(cli).library
    if queries is not None:
        _search_batch(library, _read_queries(queries), limit, since_day, as_json)
        return
    try:
        hits = library.search(query or "", limit=limit, since=since_day)
    except EmptyQueryError as exc:
        fail(str(exc))
    if as_json:
        print_json([_as_json(hit) for hit in hits])
    else:
        _print_table(hits)


def _read_queries(path: Path) -> list[str]:
    """The non-blank lines of `path` (`-`: stdin), stripped, in order."""
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read --queries {path}: {exc}")
    return [line.strip() for line in text.splitlines() if line.strip()]


def _search_batch(
    library: Library, queries: list[str], limit: int, since: date | None, as_json: bool
) -> None:
    """Each query's results in order; a query without words gets an empty list (and a
    warning on stderr) so that output line n still answers query n."""
    for number, query in enumerate(queries, 1):
        try:
            hits = library.search(query, limit=limit, since=since)
        except EmptyQueryError:
            typer.echo(f"warning: query {number} has no words: {query!r}", err=True)
            hits = []
        if as_json:
            sys.stdout.write(json.dumps([_as_json(h) for h in hits], ensure_ascii=False) + "\n")
        else:
            typer.echo(f"{number}. {query}")
            _print_table(hits)


def _as_json(hit: SearchHit) -> dict[str, object]:
    paper = hit.paper
    return {
        "id": paper.id,
        "title": paper.title,
        "score": hit.score,
        "url": paper.url,
        "published": paper.published.isoformat() if paper.published else None,
    }


def _print_table(hits: list[SearchHit]) -> None:
    if not hits:
        typer.echo("No papers match.")
        return
    table = Table("score", "id", "title", "published")
    for hit in hits:
        published = hit.paper.published.isoformat() if hit.paper.published else ""
        table.add_row(f"{hit.score:.2f}", str(hit.paper.id), hit.paper.title, published)
    Console().print(table)
