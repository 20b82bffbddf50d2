"""`paperboy digest --member U123`: build a member's digest without sending or recording it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated

import typer

from bot.digest import DigestItem, build_member_digest
from bot.members import workspace_of
from cli import app
from cli.context import TeamOption, context
from cli.output import fail, print_json

__all__ = ["digest"]


@app.command("digest")
def digest(
    cli: typer.Context,
    member: Annotated[str, typer.Option("--member", "-m", help="Slack user id.")],
    team: TeamOption = None,
    on: Annotated[
        str | None, typer.Option("--date", help="Build it as of the end of YYYY-MM-DD (UTC).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the items as JSON.")] = False,
) -> None:
    """Show the papers a member would get now (nothing is sent or recorded)."""
    try:
        now = datetime.combine(date.fromisoformat(on), time()) + timedelta(days=1) if on else None
    except ValueError:
        fail(f"--date must be a date like 2024-05-31, not {on!r}")
    ctx = context(cli)
    result = build_member_digest(ctx, workspace_of(ctx, member, team), member, now=now)
    if result.note:
        typer.echo(result.note, err=as_json)
    if as_json:
        print_json([_as_json(item) for item in result.items])
        return
    for n, item in enumerate(result.items, 1):
        typer.echo(f"{n}. {item.paper.title}  [{item.score:.2f}]  {item.paper.url}")
        typer.echo(f"   {item.gist}")
        typer.echo(f"   why: {item.reason}")
        typer.echo(f"   for you: {item.summary}")


def _as_json(item: DigestItem) -> dict[str, object]:
    return {
        "paper_id": item.paper.id,
        "title": item.paper.title,
        "score": item.score,
        "reason": item.reason,
        "summary": item.summary,
        "url": item.paper.url,
    }
