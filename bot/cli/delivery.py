"""`paperboy deliver` and `paperboy outbox`: one delivery round by hand, and what was sent.

The service that delivers on schedule is `paperboy run` (in `serve.py`).
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from bot.cli import app
from bot.cli.context import context
from bot.cli.output import fail, print_json
from bot.store import outbox as outbox_store
from jobs import deliver as deliver_job

__all__ = ["deliver", "outbox"]


@app.command("deliver")
def deliver(
    cli: typer.Context,
    now: Annotated[bool, typer.Option("--now", help="Ignore delivery times: due today.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show; write, send nothing.")] = False,
    member: Annotated[list[str] | None, typer.Option("--member", help="Only this user id.")] = None,
    channel: Annotated[
        list[str] | None, typer.Option("--channel", help="Only this channel.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Run one delivery round by hand: enqueue due digests, then send the outbox."""
    ctx = context(cli)
    if not dry_run and ctx.settings.slack_bot_token is None:
        fail("SLACK_BOT_TOKEN is not set (the bot token, xoxb-…)")
    from bot.slack.app import build_client

    report = asyncio.run(deliver_job.run(
        ctx, build_client(ctx), users=member, channels=channel, force=now, dry_run=dry_run
    ))  # fmt: skip
    planned = [
        {"key": p.due.key, "state": p.state, "error": p.error,
         "papers": len(p.payload.paper_ids), "text": p.payload.text}
        for p in report.planned
    ]  # fmt: skip
    counts = {k: v for k, v in vars(report).items() if k != "planned"}
    if as_json:
        print_json({"dry_run": dry_run, **counts, "digests": planned})
        return
    for item in planned:
        typer.echo(f"{item['key']}  {item['state']}  {item['papers']} papers  {item['text'][:70]}")
    typer.echo(" ".join(f"{k}={v}" for k, v in counts.items()) + (" (dry run)" if dry_run else ""))


@app.command("outbox")
def outbox(
    cli: typer.Context,
    failed: Annotated[bool, typer.Option("--failed", help="Only failed messages.")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many rows.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print the rows as JSON.")] = False,
) -> None:
    """List outbox messages, newest first: sent, pending, sending and failed."""
    states = ["failed"] if failed else ["pending", "sending", "sent", "failed"]
    rows = outbox_store.list_rows(context(cli).db, states=states, limit=limit)
    if as_json:
        print_json([vars(row) for row in rows])
        return
    if not rows:
        typer.echo("the outbox is empty")
    for row in rows:
        when = row.sent_at or row.created_at
        detail = row.last_error or (f"ts {row.ts}" if row.ts else "")
        typer.echo(f"{row.id:>5}  {row.state:<8} {when:%Y-%m-%d %H:%M}  {row.key}  "
                   f"{row.papers} papers  attempts={row.attempts}  {detail}")  # fmt: skip
