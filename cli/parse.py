"""`paperboy parse PATH`: show what a source file parses to, touching no database or model.

Prints the papers as a table, or with `--json` as the JSON list ingest would store
(`Paper.to_json()`); per-record problems go to stderr. An unusable file prints
`error: <file>: <reason>` and exits 2.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bot.paper import Paper
from bot.sources import FORMATS, ParseError, ParseResult, parse_file
from cli import app
from cli.output import counted

__all__ = ["parse_command"]

_FORMAT_CHOICES = ("auto", *FORMATS)


def _table(result: ParseResult, path: Path) -> Table:
    table = Table(title=f"{path.name}: {counted(len(result.papers), 'paper')} ({result.format})")
    for column in ("#", "title", "authors", "published", "upvotes", "arXiv"):
        table.add_column(column, overflow="fold")
    for number, paper in enumerate(result.papers, start=1):
        table.add_row(
            str(number),
            paper.title,
            _authors(paper),
            paper.published.isoformat() if paper.published else "",
            "" if paper.upvotes is None else str(paper.upvotes),
            paper.arxiv_id or "",
        )
    return table


def _authors(paper: Paper) -> str:
    if paper.authors:
        more = len(paper.authors) - 1
        return paper.authors[0] + (f" +{more}" if more else "")
    if paper.author_count:
        return f"{paper.author_count} author{'s' if paper.author_count > 1 else ''}"
    return ""


@app.command("parse")
def parse_command(
    path: Annotated[Path, typer.Argument(help="The source file to parse.")],
    format: Annotated[
        str, typer.Option("--format", "-f", help=f"One of: {', '.join(_FORMAT_CHOICES)}.")
    ] = "auto",
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the papers as a JSON list.")
    ] = False,
) -> None:
    """Parse a source file and print its papers (nothing is stored)."""
    try:
        result = parse_file(path, format=format)
    except ParseError as error:
        typer.secho(f"error: {path}: {error}", err=True, fg=typer.colors.RED)
        raise typer.Exit(2) from None
    for problem in result.problems:
        typer.echo(f"warning: {path}: {problem}", err=True)
    if as_json:
        json.dump(
            [paper.to_json() for paper in result.papers], sys.stdout, ensure_ascii=False, indent=2
        )
        sys.stdout.write("\n")
    else:
        Console().print(_table(result, path))
