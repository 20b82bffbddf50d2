"""`paperboy member add|show`: create and inspect member profiles from the terminal."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import typer

from bot import members
from bot.cli import app
from bot.cli.context import context
from bot.cli.output import fail, print_json
from bot.members import ProfileView
from bot.store import members as member_store

__all__ = ["add", "member_app", "show"]

member_app = typer.Typer(help="Create and inspect member profiles.", no_args_is_help=True)
app.add_typer(member_app, name="member")

Team = Annotated[str, typer.Option("--team", help="Slack workspace (team) id.")]


@member_app.command("add")
def add(
    cli: typer.Context,
    user_id: Annotated[str, typer.Argument(help="Slack user id, e.g. U123.")],
    interest: Annotated[
        list[str] | None, typer.Option("--interest", "-i", help="An interest line (repeatable).")
    ] = None,
    timezone: Annotated[str | None, typer.Option("--timezone", help="IANA time zone.")] = None,
    team: Team = "",
) -> None:
    """Create a member (if new) and follow the given interests."""
    ctx = context(cli)
    try:
        members.ensure_member(ctx, team, user_id, timezone=timezone)
        if timezone:
            members.update_settings(ctx, team, user_id, timezone=timezone)
        for text in interest or []:
            members.follow(ctx, team, user_id, text)
            typer.echo(f"{user_id} follows: {text}")
    except ValueError as exc:
        fail(str(exc))


@member_app.command("show")
def show(
    cli: typer.Context,
    user_id: Annotated[str, typer.Argument(help="Slack user id.")],
    team: Team = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print the profile as JSON.")] = False,
) -> None:
    """Show a member's interests, seeds, filters and settings."""
    ctx = context(cli)
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
        typer.echo(f"  {i.number}. {i.text}  ({i.recent} papers in the last 7 days)")
    for n, seed in enumerate(view.seeds, 1):
        typer.echo(f"  seed {n}: {seed.title}")
    if view.keywords:
        typer.echo(f"  keywords: {', '.join(view.keywords)}")
    if view.mutes:
        typer.echo(f"  mutes: {', '.join(view.mutes)}")
    typer.echo(f"  👍 {view.upvotes}  👎 {view.downvotes}  saved {view.saves}")
