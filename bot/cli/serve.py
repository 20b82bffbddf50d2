"""`paperboy serve`: the Slack app alone (no scheduler), over HTTP or Socket Mode.

HTTP mode serves Bolt at `/slack/events` (commands, interactions, events) and `GET /healthz`
on aiohttp; Socket Mode connects with `SLACK_APP_TOKEN`. Missing or malformed credentials
end with a one-line error naming the variable (exit 2); no token is ever printed.
`paperboy run` (in `delivery.py`) serves the same app together with the scheduler.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import typer

from bot.cli import app
from bot.cli.common import fail
from bot.context import Context, build_context
from bot.logs import configure_logging, log_event
from bot.settings import Settings, SettingsError

__all__ = ["serve"]

log = logging.getLogger("paperboy.serve")


@app.command("serve")
def serve(
    http: Annotated[
        bool, typer.Option("--http/--socket", help="Requests over HTTP, or Socket Mode.")
    ] = True,
    host: Annotated[str, typer.Option("--host", help="HTTP bind address.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="HTTP port.")] = 3000,
) -> None:
    """Serve the Slack app: /papers, App Home and buttons (delivery runs in `paperboy run`)."""
    try:
        settings = Settings()
        settings.require_slack(socket_mode=not http)
    except (SettingsError, ValueError) as error:
        fail(str(error).splitlines()[0])
    configure_logging(settings)
    ctx = build_context(settings)
    try:
        asyncio.run(_serve_http(ctx, host, port) if http else _serve_socket(ctx))
    except KeyboardInterrupt:
        pass
    finally:
        ctx.db.dispose()


async def _serve_http(ctx: Context, host: str, port: int) -> None:
    from aiohttp import web

    from bot.slack.app import build_app
    from bot.slack.server import build_web_app

    runner = web.AppRunner(build_web_app(build_app(ctx), ctx))
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log_event(log, "serving", mode="http", url=f"http://{host}:{port}/slack/events")
    try:
        await asyncio.Event().wait()  # until interrupted
    finally:
        await runner.cleanup()


async def _serve_socket(ctx: Context) -> None:
    from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

    from bot.slack.app import build_app

    token = ctx.settings.slack_app_token
    handler = AsyncSocketModeHandler(build_app(ctx), token.get_secret_value() if token else "")
    log_event(log, "serving", mode="socket")
    await handler.start_async()
