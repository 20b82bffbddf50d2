"""`paperboy deliver` and `paperboy outbox`: one delivery round by hand, and what was sent.

The service that delivers on schedule is `paperboy run` (in `serve.py`). A message claimed
by a worker that died (kill -9 mid-send) waits until its claim expires; `deliver` says so,
and `deliver --reclaim` releases the claims of workers known to be dead (on this host: their
process is gone), after which the round checks Slack's history before posting, so nothing
is posted twice.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from bot.db import Database
from bot.models import utcnow
from bot.slack.sender import holder_is_dead
from bot.store import outbox as outbox_store
from bot.store.outbox import OutboxView
from cli import app
from cli.context import context
from cli.output import fail, print_json
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
    reclaim: Annotated[
        bool, typer.Option("--reclaim", help="First release messages held by dead workers.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Run one delivery round by hand: enqueue due digests, then send the outbox."""
    ctx = context(cli)
    if not dry_run and ctx.settings.slack_bot_token is None:
        fail("SLACK_BOT_TOKEN is not set (the bot token, xoxb-…)")
    from bot.slack.app import build_client

    if reclaim and not dry_run:
        _reclaim(ctx.db, quiet=as_json)
    report = asyncio.run(deliver_job.run(
        ctx, build_client(ctx), users=member, channels=channel, force=now, dry_run=dry_run
    ))  # fmt: skip
    planned = [
        {"key": p.due.key, "state": p.state, "error": p.error,
         "papers": len(p.payload.paper_ids), "text": p.payload.text}
        for p in report.planned
    ]  # fmt: skip
    counts = {k: v for k, v in vars(report).items() if k not in ("planned", "held")}
    held = [_held(row) for row in report.held]
    if as_json:
        print_json({"dry_run": dry_run, **counts, "digests": planned, "held": held})
        return
    for item in planned:
        typer.echo(f"{item['key']}  {item['state']}  {item['papers']} papers  {item['text'][:70]}")
    typer.echo(" ".join(f"{k}={v}" for k, v in counts.items()) + (" (dry run)" if dry_run else ""))
    for row in held:
        typer.echo(
            f"waiting: {row['key']} is held by {row['holder']} until {row['until']} UTC; it is "
            "sent then, or now with `paperboy deliver --now --reclaim` if that process is dead"
        )


def _held(row: OutboxView) -> dict[str, object]:
    until = f"{row.claimed_until:%Y-%m-%d %H:%M:%S}" if row.claimed_until else "?"
    return {"key": row.key, "holder": row.claimed_by, "until": until}


def _reclaim(db: Database, *, quiet: bool) -> None:
    """Release the claims of dead workers on this host; say which ones could not be judged."""
    held = outbox_store.held_rows(db, now=utcnow())
    holders = sorted({row.claimed_by for row in held if row.claimed_by})
    dead = [h for h in holders if holder_is_dead(h)]
    released = outbox_store.release_claims(db, dead, now=utcnow()) if dead else 0
    if quiet:
        return
    if released:
        typer.echo(f"reclaimed {released} message(s) from dead worker(s): {', '.join(dead)}")
    for holder in holders:
        dead = holder_is_dead(holder)
        if dead is False:
            typer.echo(f"not reclaimed: {holder} is still running")
        elif dead is None:
            typer.echo(f"not reclaimed: {holder} runs on another host; stop it, then wait")


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
        if row.claimed_by:
            detail = f"held by {row.claimed_by} until {row.claimed_until:%H:%M:%S} UTC {detail}"
        typer.echo(f"{row.id:>5}  {row.state:<8} {when:%Y-%m-%d %H:%M}  {row.key}  "
                   f"{row.papers} papers  attempts={row.attempts}  {detail}")  # fmt: skip
