"""`paperboy member add|show|import`: create and inspect member profiles from the terminal,
and import a member's library (BibTeX, RIS, Zotero CSV, …) as their seed papers."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer

from bot import imports, members
from bot.members import ProfileView
from bot.store import members as member_store
from cli import app
from cli.context import TeamOption, context
from cli.output import counted, fail, print_json

__all__ = ["add", "import_library", "member_app", "show"]

member_app = typer.Typer(help="Create and inspect member profiles.", no_args_is_help=True)
app.add_typer(member_app, name="member")


@member_app.command("add")
def add(
    cli: typer.Context,
    user_id: Annotated[str, typer.Argument(help="Slack user id, e.g. U123.")],
    interest: Annotated[
        list[str] | None, typer.Option("--interest", "-i", help="An interest line (repeatable).")
    ] = None,
    timezone: Annotated[str | None, typer.Option("--timezone", help="IANA time zone.")] = None,
    author: Annotated[
        list[str] | None, typer.Option("--author", "-a", help="An author to follow (repeatable).")
    ] = None,
    team: TeamOption = None,
) -> None:
    """Create a member (if new) and follow the given interests and authors."""
    ctx = context(cli)
    team = members.workspace_of(ctx, user_id, team)
    try:
        members.ensure_member(ctx, team, user_id, timezone=timezone)
        if timezone:
            members.update_settings(ctx, team, user_id, timezone=timezone)
        for text in interest or []:
            members.follow(ctx, team, user_id, text)
            typer.echo(f"{user_id} follows: {text}")
        for name in author or []:
            typer.echo(
                f"{user_id} follows author: {members.follow_author(ctx, team, user_id, name)}"
            )
    except ValueError as exc:
        fail(str(exc))


@member_app.command("import")
def import_library(
    cli: typer.Context,
    user_id: Annotated[str, typer.Argument(help="Slack user id.")],
    path: Annotated[Path, typer.Argument(help="The library: BibTeX, RIS, Zotero CSV, JSONL, CSV.")],
    format: Annotated[
        str, typer.Option("--format", help="The file's format (default: auto).")
    ] = "auto",
    team: TeamOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Make a member's library their seed papers: its most recent papers that paperboy
    has (matched by arXiv id or title), as a file dropped in the bot's DM does."""
    ctx = context(cli)
    team = members.workspace_of(ctx, user_id, team)
    try:
        report = imports.import_file(ctx, team, user_id, path, format=format)
    except ValueError as exc:
        fail(str(exc))
    if as_json:
        print_json(dataclasses.asdict(report))
        return
    typer.echo(
        f"read {report.read} ({report.format}) · found {report.matched} · used {report.used}"
        f" as seeds · skipped: {report.not_found} not in the library, {report.older} older"
        f" than the {report.limit} most recent, {report.duplicates} listed twice"
    )
    if report.unreadable:
        typer.echo(f"{report.unreadable} entries could not be read: {report.problems[0]}", err=True)


@member_app.command("show")
def show(
    cli: typer.Context,
    user_id: Annotated[str, typer.Argument(help="Slack user id.")],
    team: TeamOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the profile as JSON.")] = False,
) -> None:
    """Show a member's interests, seeds, filters and settings."""
    ctx = context(cli)
    team = members.workspace_of(ctx, user_id, team)
    if not member_store.load_states(ctx.db, team, [user_id]):
        fail(f"no member {user_id}; add one with `paperboy member add {user_id} --interest …`")
    view = members.profile(ctx, team, user_id)
    if as_json:
        print_json(dataclasses.asdict(view))
    else:
        _print(view)


def _print(view: ProfileView) -> None:
    m = view.member
    state = "paused" if m.paused else f"{','.join(m.days)} at {m.delivery_time} {m.timezone}"
    typer.echo(f"{m.user_id} ({m.team_id or 'no team'}): {state}")
    typer.echo(f"  up to {m.max_papers} papers above {m.threshold:.2f}")
    for i in view.interests:
        typer.echo(f"  {i.number}. {i.text}  ({counted(i.recent, 'paper')} in the last 7 days)")
    for name in view.authors:
        typer.echo(f"  author: {name}")
    for n, seed in enumerate(view.seeds, 1):
        typer.echo(f"  seed {n}: {seed.title}")
    if view.library:
        typer.echo(f"  {len(view.library)} seeds from an imported library")
    if view.keywords:
        typer.echo(f"  keywords: {', '.join(view.keywords)}")
    if view.mutes:
        typer.echo(f"  mutes: {', '.join(view.mutes)}")
    typer.echo(f"  👍 {view.upvotes}  👎 {view.downvotes}  saved {view.saves}")
