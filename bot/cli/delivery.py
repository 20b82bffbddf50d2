"""`paperboy deliver`, `paperboy outbox` and `paperboy run`: delivery by hand and the service.

`run` starts the Slack app (HTTP via aiohttp, or Socket Mode) and the scheduler on one
event loop, and on SIGTERM/SIGINT stops taking jobs, lets the message in flight finish,
closes the server and disposes the database before exiting 0.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import typer

from bot.cli import app
from bot.cli.common import fail, load_context, print_json
from bot.context import Context, build_context
from bot.logs import configure_logging, log_event
from bot.settings import Settings, SettingsError
from bot.store import outbox as outbox_store
from jobs import deliver as deliver_job
from jobs.leader import LeaderElector
from jobs.scheduler import build_scheduler

__all__ = ["deliver", "outbox", "run"]

log = logging.getLogger("paperboy.run")


@app.command("deliver")
def deliver(
    now: Annotated[bool, typer.Option("--now", help="Ignore delivery times: due today.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show; write, send nothing.")] = False,
    member: Annotated[list[str] | None, typer.Option("--member", help="Only this user id.")] = None,
    channel: Annotated[
        list[str] | None, typer.Option("--channel", help="Only this channel.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Run one delivery round by hand: enqueue due digests, then send the outbox."""
    ctx = load_context()
    if not dry_run and ctx.settings.slack_bot_token is None:
        fail("SLACK_BOT_TOKEN is not set (the bot token, xoxb-…)")
    from bot.slack.app import build_client

    try:
        report = asyncio.run(deliver_job.run(
            ctx, build_client(ctx), users=member, channels=channel, force=now, dry_run=dry_run
        ))  # fmt: skip
    finally:
        ctx.db.dispose()
    planned = [
        {"key": p.due.key, "state": p.state, "error": p.error,
         "papers": len(p.payload["paper_ids"]), "text": p.payload["text"]}
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
    failed: Annotated[bool, typer.Option("--failed", help="Only failed messages.")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many rows.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print the rows as JSON.")] = False,
) -> None:
    """List outbox messages, newest first: sent, pending, sending and failed."""
    ctx = load_context()
    try:
        states = ["failed"] if failed else ["pending", "sending", "sent", "failed"]
        rows = outbox_store.list_rows(ctx.db, states=states, limit=limit)
    finally:
        ctx.db.dispose()
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


@app.command("run")
def run(
    http: Annotated[
        bool, typer.Option("--http/--socket", help="Events over HTTP, or Socket Mode.")
    ] = True,
    host: Annotated[str, typer.Option("--host", help="HTTP bind address.")] = "0.0.0.0",
    port: Annotated[int, typer.Option("--port", help="HTTP port (0: any free one).")] = 3000,
) -> None:
    """Run paperboy: the Slack app and the scheduler (deliver tick, ingest) on one loop."""
    settings = Settings()
    try:
        settings.require_slack(socket_mode=not http)
    except SettingsError as error:
        fail(str(error))
    configure_logging(settings)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # jobs log their own line
    ctx = build_context(settings)
    try:
        asyncio.run(_serve(ctx, http=http, host=host, port=port))
    finally:
        ctx.db.dispose()


async def _serve(ctx: Context, *, http: bool, host: str, port: int) -> None:
    from bot.slack.app import build_app, build_client

    settings = ctx.settings
    client = build_client(ctx)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    elector = LeaderElector(ctx.db, lease_seconds=settings.leader_lease_seconds)
    await asyncio.to_thread(elector.start)
    bolt = build_app(ctx, client=client)
    if http:
        close, where = await _start_http(bolt, ctx, host, port)
    else:
        close, where = await _start_socket_mode(bolt, settings)
    scheduler = build_scheduler(ctx, client, is_leader=elector.is_leader)
    scheduler.start()
    log_event(log, "started", mode="http" if http else "socket", **where)
    try:
        await stop.wait()
    finally:
        log_event(log, "stopping")
        await scheduler.drain()
        await close()
        await asyncio.to_thread(elector.stop)
        log_event(log, "stopped")


Closer = Callable[[], Awaitable[Any]]


async def _start_http(bolt: Any, ctx: Context, host: str, port: int) -> tuple[Closer, dict]:
    from aiohttp import web

    from bot.slack.server import build_web_app

    runner = web.AppRunner(build_web_app(bolt, ctx), handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    bound = runner.addresses[0] if runner.addresses else (host, port)
    return runner.cleanup, {"host": bound[0], "port": bound[1]}


async def _start_socket_mode(bolt: Any, settings: Settings) -> tuple[Closer, dict]:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    app_token = settings.slack_app_token.get_secret_value() if settings.slack_app_token else ""
    handler = AsyncSocketModeHandler(bolt, app_token)
    await handler.connect_async()
    return handler.close_async, {}
