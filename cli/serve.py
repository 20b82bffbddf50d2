"""`paperboy run` and `paperboy serve`: the long-running service, with or without scheduler.

Both serve the Bolt app over HTTP (aiohttp: `/slack/events` and `GET /healthz`) or Socket
Mode (`SLACK_APP_TOKEN`). `run` also holds the scheduler (inbox scans, member and channel
digests) whenever this replica is the elected leader; `serve` answers Slack alone. On
SIGTERM/SIGINT both stop taking work, let the message in flight finish, close the server
and dispose the database, then exit 0. Missing or malformed credentials end with a
one-line error naming the variable (exit 2); no token is ever printed.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from slack_sdk.errors import SlackApiError

from bot.context import Context
from bot.logs import configure_logging, log_event
from bot.settings import Settings, SettingsError
from bot.slack.errors import classify
from bot.text_index import IndexPackageMissing, require_all
from cli import app
from cli.context import open_context
from cli.output import fail, settings_error

if TYPE_CHECKING:
    from aiohttp import ClientSession
    from slack_sdk.web.async_client import AsyncWebClient

__all__ = ["run", "serve"]

log = logging.getLogger("paperboy.run")

HttpOption = Annotated[
    bool, typer.Option("--http/--socket", help="Requests over HTTP, or Socket Mode.")
]
HostOption = Annotated[str, typer.Option("--host", help="HTTP bind address.")]
PortOption = Annotated[
    int, typer.Option("--port", min=0, max=65535, help="HTTP port (0: any free one).")
]
Closer = Callable[[], Awaitable[Any]]
T = TypeVar("T")
WEB_API_TIMEOUT_S = 30.0  # slack_sdk's default per-call timeout, for the pooled session
SHUTDOWN_GRACE_SECONDS = 20.0  # how long a SIGTERM waits for replies already acknowledged
GIL_SWITCH_SECONDS = 0.001  # Python's default is 0.005: the loop gets the GIL back sooner


@app.command("run")
def run(http: HttpOption = True, host: HostOption = "127.0.0.1", port: PortOption = 3000) -> None:
    """Run paperboy: the Slack app and the scheduler (deliver tick, ingest) on one loop."""
    _main(http=http, host=host, port=port, with_scheduler=True)


@app.command("serve")
def serve(http: HttpOption = True, host: HostOption = "127.0.0.1", port: PortOption = 3000) -> None:
    """Serve the Slack app alone: /papers, App Home and buttons (no scheduled delivery)."""
    _main(http=http, host=host, port=port, with_scheduler=False)


def _main(*, http: bool, host: str, port: int, with_scheduler: bool) -> None:
    try:
        settings = Settings()
        settings.require_slack(socket_mode=not http)
    except (SettingsError, ValueError) as error:
        fail(settings_error(error))
    try:
        require_all()
    except IndexPackageMissing as error:
        fail(str(error), code=1)
    configure_logging(settings)
    sys.setswitchinterval(GIL_SWITCH_SECONDS)  # the loop acks while workers hold the GIL
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # jobs log their own line
    ctx = open_context(settings)
    try:
        asyncio.run(_serve(ctx, http=http, host=host, port=port, with_scheduler=with_scheduler))
    except SettingsError as error:
        fail(str(error))
    finally:
        ctx.db.dispose()


async def _serve(ctx: Context, **options: Any) -> None:
    """Serve over one pooled HTTP session: every Web API call and `respond` reuses its
    kept-alive connections instead of opening one per call (closed last, on every exit)."""
    import aiohttp

    timeout = aiohttp.ClientTimeout(total=WEB_API_TIMEOUT_S)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        await _serve_with(ctx, session, **options)


async def _serve_with(
    ctx: Context,
    session: ClientSession,
    *,
    http: bool,
    host: str,
    port: int,
    with_scheduler: bool,
) -> None:
    from bot.slack.app import build_app, build_client
    from jobs.leader import LeaderElector
    from jobs.scheduler import build_scheduler

    client = build_client(ctx, session=session)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await _check_bot_token(client)
    bolt = build_app(ctx, client=client)
    if http:
        close, where = await _start_http(bolt, ctx, host, port)
    else:
        close, where = await _start_socket_mode(bolt, ctx.settings)
    elector = scheduler = None
    if with_scheduler:
        elector = LeaderElector(ctx.db, lease_seconds=ctx.settings.leader_lease_seconds)
        await asyncio.to_thread(elector.start)
        scheduler = build_scheduler(ctx, client, is_leader=elector.is_leader)
        scheduler.start()
    log_event(log, "started", mode="http" if http else "socket", scheduler=with_scheduler, **where)
    warming = asyncio.create_task(_keep_warm(ctx))
    try:
        await stop.wait()
    finally:
        log_event(log, "stopping")
        warming.cancel()  # a model still loading or an index poll is not worth waiting for
        if scheduler is not None:
            await scheduler.drain()
        await close()
        await _finish_acknowledged_work()
        if elector is not None:
            await asyncio.to_thread(elector.stop)
        log_event(log, "stopped")


async def _keep_warm(ctx: Context) -> None:
    """Warm up (`_warm_up`), then keep following the library (`_follow_library`)."""
    await _warm_up(ctx)
    await _follow_library(ctx)


async def _follow_library(ctx: Context) -> None:
    """Poll the papers' watermark every `INDEX_SYNC_SECONDS`, so that papers another replica
    ingested are in this one's index before a member searches (the search would otherwise
    catch up itself, and wait for it)."""
    while True:
        await asyncio.sleep(ctx.settings.index_sync_seconds)
        try:
            await _discardable(ctx.library.refresh)
        except Exception:
            log.warning("index refresh failed; the next poll tries again", exc_info=True)


async def _warm_up(ctx: Context) -> None:
    """Load the model and open the paper index (its pages read once) now rather than in the
    first member's search, then freeze the heap (`gc.freeze`): every later full collection
    would otherwise walk the model's objects, pausing the event loop on some ack."""
    try:
        await _discardable(ctx.embedder.encode, ["warm up"])
        await _discardable(ctx.library.warm)
    except Exception:
        log.exception("warm-up failed; the first search loads the model instead")
    gc.freeze()
    log_event(log, "warmed up", model_loaded=bool(getattr(ctx.embedder, "loaded", False)))


async def _discardable(fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` in a daemon thread: work the process may drop at shutdown (a model load,
    an index poll). `asyncio.to_thread` would make the exit wait for it, since `asyncio.run`
    joins the default executor's threads; a daemon thread is left to die with the process."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if done.done():  # cancelled meanwhile
            return
        if error is not None:
            done.set_exception(error)
        else:
            done.set_result(result)  # type: ignore[arg-type]

    def work() -> None:
        try:
            result, error = fn(*args), None
        except BaseException as exc:
            result, error = None, exc
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=work, name="discardable", daemon=True).start()
    return await done


async def _finish_acknowledged_work() -> None:
    """Let listener work that Slack already got an ack for finish (its reply is owed).

    Bolt runs a listener's work after `ack()` as detached tasks, which neither the HTTP
    runner's cleanup nor Socket Mode's close waits for; without this, a SIGTERM right after
    an ack would drop the reply.
    """
    current = asyncio.current_task()
    pending = [task for task in asyncio.all_tasks() if task is not current and not task.done()]
    if pending:
        log_event(log, "finishing", tasks=len(pending))
        await asyncio.wait(pending, timeout=SHUTDOWN_GRACE_SECONDS)


async def _check_bot_token(client: AsyncWebClient) -> None:
    """Ask Slack (`auth.test`) whether the bot token is good before serving anything.

    A refused token stops the process with one line naming `SLACK_BOT_TOKEN` (Bolt alone
    would start and answer every request with an install page). When Slack cannot be
    reached, start anyway with a warning: a network blip must not keep the app down.
    """
    from aiohttp import ClientError

    try:
        await client.auth_test()
    except SlackApiError as error:
        failure = classify(error)
        if failure is not None and failure.token_refused:
            raise SettingsError(f"SLACK_BOT_TOKEN was refused by Slack ({failure.code})") from None
        log.warning("auth.test failed (%s); starting anyway", error.response.get("error"))
    except (ClientError, OSError, TimeoutError) as error:
        log.warning("Slack unreachable at start (%s); starting anyway", type(error).__name__)


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
    try:  # the SDK would retry a refused token forever; fail fast, naming the variable
        await bolt.client.apps_connections_open(app_token=app_token)
    except SlackApiError as error:
        reason = error.response.get("error", "refused")
        raise SettingsError(f"SLACK_APP_TOKEN was refused by Slack ({reason})") from None
    handler = AsyncSocketModeHandler(bolt, app_token)
    await handler.connect_async()
    return handler.close_async, {}
