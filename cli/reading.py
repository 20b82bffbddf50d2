"""`paperboy saved` and `paperboy hot`: a member's reading list (as text, BibTeX or RIS, or
sent into their DM), and what a channel's members are reading."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Annotated

import typer

from bot import reading
from bot.context import Context
from bot.members import workspace_of
from cli import app
from cli.context import TeamOption, context
from cli.output import fail, print_json

__all__ = ["hot", "saved"]


@app.command("saved")
def saved(
    cli: typer.Context,
    user_id: Annotated[str, typer.Argument(help="Slack user id, e.g. U123.")],
    format: Annotated[str, typer.Option("--format", "-f", help="text, bibtex or ris.")] = "text",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the export to this file.")
    ] = None,
    dm: Annotated[
        bool, typer.Option("--dm", help="Send the export into the member's DM (Slack).")
    ] = False,
    team: TeamOption = None,
) -> None:
    """A member's saved papers, newest first: listed, or exported as BibTeX or RIS.

    An export goes to stdout, a file (--output) or their Slack DM (--dm), as `/papers saved
    export` does.
    """
    ctx = context(cli)
    team = workspace_of(ctx, user_id, team)
    if format not in ("text", "bibtex", "ris"):
        fail(f"--format must be text, bibtex or ris, not {format!r}")
    if format == "text":
        if dm or output:
            fail("--dm and --output need --format bibtex or ris")
        page = reading.saved_papers(ctx, team, user_id, limit=1_000_000)
        for n, paper in enumerate(page.papers, 1):
            typer.echo(f"{n}. {paper.title}  {paper.url}")
        typer.echo(f"{page.total} saved", err=True)
        return
    try:
        export = reading.export_saved(ctx, team, user_id, (format,))
    except ValueError as error:
        fail(str(error))
    (file,) = export.files
    if dm:
        _send(ctx, user_id, export)
        typer.echo(f"sent {export.papers} saved papers to {user_id}'s DM as {file.filename}")
    elif output:
        output.write_text(file.text, encoding="utf-8")
        typer.echo(f"wrote {export.papers} saved papers to {output}")
    else:
        typer.echo(file.text, nl=False)


def _send(ctx: Context, user_id: str, export: reading.SavedExport) -> None:
    if ctx.settings.slack_bot_token is None:
        fail("SLACK_BOT_TOKEN is not set (the bot token, xoxb-…)")
    from bot.slack.app import build_client
    from bot.slack.files import send_to_dm

    comment = f"Your {export.papers} saved papers, as you asked."
    asyncio.run(send_to_dm(build_client(ctx), user_id, export.files, comment=comment))


@app.command("hot")
def hot(
    cli: typer.Context,
    channel_id: Annotated[str, typer.Argument(help="Slack channel id, e.g. C123.")],
    days: Annotated[int, typer.Option("--days", help="The period: 7 or 30 days.")] = 7,
    member: Annotated[
        list[str] | None,
        typer.Option("--member", help="A channel member (repeatable; default: ask Slack)."),
    ] = None,
    team: TeamOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON.")] = False,
) -> None:
    """What a channel's members 👍'd and saved lately (only those who share it)."""
    ctx = context(cli)
    team = workspace_of(ctx, None, team)
    if days not in reading.HOT_PERIODS:
        fail(f"--days must be one of {', '.join(map(str, reading.HOT_PERIODS))}")
    members = list(member or _members(ctx, channel_id))
    try:
        found = reading.hot_papers(ctx, team, channel_id, members, days=days)
    except ValueError as error:
        fail(str(error))
    if as_json:
        print_json(dataclasses.asdict(found))
        return
    for n, item in enumerate(found.papers, 1):
        who = ", ".join(item.people)
        typer.echo(f"{n}. {item.paper.title}  👍 {item.upvotes}  🔖 {item.saves}  by {who}")
    typer.echo(f"{found.sharing} of {len(members)} members share their 👍", err=True)


def _members(ctx: Context, channel_id: str) -> set[str]:
    if ctx.settings.slack_bot_token is None:
        fail("name the members with --member, or set SLACK_BOT_TOKEN to ask Slack")
    from bot.slack.app import build_client
    from bot.slack.conversations import channel_members

    return asyncio.run(channel_members(build_client(ctx), channel_id))
