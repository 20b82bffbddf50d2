"""`paperboy search "QUERY"`: hybrid search over the stored papers from the terminal."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bot.cli import app
from bot.cli.context import context
from bot.cli.output import fail, print_json
from bot.library import EmptyQueryError, SearchHit

__all__ = ["search"]


@app.command("search")
def search(
    cli: typer.Context,
    query: Annotated[str, typer.Argument(help="Words, a title, or a topic description.")],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=100, help="Results.")] = 10,
    since: Annotated[
        str | None, typer.Option("--since", help="Only papers from YYYY-MM-DD on.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
) -> None:
    """Search the stored papers, best match first."""
    try:
        since_day = date.fromisoformat(since) if since else None
    except ValueError:
        fail(f"--since must be a date as YYYY-MM-DD (e.g. 2024-05-31), not {since!r}")
    try:
        hits = context(cli).library.search(query, limit=limit, since=since_day)
    except EmptyQueryError as exc:
        fail(str(exc))
    if as_json:
        print_json([_as_json(hit) for hit in hits])
    else:
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
