"""Building the Bolt app: one `PaperboyApp` per process, its client and its listeners.

Nothing imports a global app: `build_app(ctx)` makes one (tests pass a client pointed at
the fake Slack Web API), and `register_listeners` wires each kind of listener in turn.
What the listeners of one app share (its `AckFirst`, its time-zone cache) hangs on the app.
Bolt always gets the client (built from `Settings`) and the signing secret from here, never
from the environment; no log line carries either secret.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiohttp import ClientSession
from slack_bolt.async_app import AsyncApp
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.context import Context
from bot.slack import actions, files, home, slash_command
from bot.slack.ack_first import AckFirst
from bot.slack.timezones import TimezoneCache

__all__ = ["PaperboyApp", "build_app", "build_client", "register_listeners"]


class PaperboyApp(AsyncApp):
    """Bolt's `AsyncApp`, marking every dispatch (HTTP or Socket Mode alike) with its
    `AckFirst` until the ack is sent, and holding what its listeners share. It remembers
    the event types and commands it registers listeners for (`listened_events`,
    `commands`), so that the Slack app manifest can be checked against them."""

    def __init__(self, **options: Any) -> None:
        self.listened_events: set[str] = set()
        self.commands: set[str] = set()
        super().__init__(**options)
        self.work = AckFirst()
        self.timezones = TimezoneCache()

    def event(self, event: Any, *args: Any, **kwargs: Any) -> Any:
        """Bolt's `event`, noting the event type."""
        self.listened_events.add(event if isinstance(event, str) else str(event["type"]))
        return super().event(event, *args, **kwargs)

    def command(self, command: Any, *args: Any, **kwargs: Any) -> Any:
        """Bolt's `command`, noting the command."""
        self.commands.add(str(command))
        return super().command(command, *args, **kwargs)

    async def async_dispatch(self, req: AsyncBoltRequest) -> BoltResponse:
        async with self.work.acking():  # listener work waits until this request is acked
            return await super().async_dispatch(req)


def build_client(ctx: Context, *, session: ClientSession | None = None) -> AsyncWebClient:
    """The Web API client: the bot token, and `SLACK_API_URL` when set (else slack.com).

    `session` is a long-lived aiohttp session whose kept-alive connections every call (and
    every `respond`, see `answers.responder`) reuses; the caller closes it. Without one,
    slack_sdk opens a session and a connection per call.
    """
    settings = ctx.settings
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    base_url = settings.slack_api_url or AsyncWebClient.BASE_URL
    return AsyncWebClient(token=token, base_url=base_url, session=session)


def build_app(ctx: Context, *, client: AsyncWebClient | None = None) -> PaperboyApp:
    """The Bolt app with every listener registered; requests are verified with
    `SLACK_SIGNING_SECRET` (HTTP mode). `client` defaults to `build_client` (tests pass one
    pointed at the fake)."""
    secret = ctx.settings.slack_signing_secret
    logger = logging.getLogger("bot.slack.bolt")
    if not any(isinstance(f, _UnhandledInOneLine) for f in logger.filters):
        logger.addFilter(_UnhandledInOneLine())
    with _dropped(logger, warning_client_prioritized_and_token_skipped()):
        app = PaperboyApp(
            name="paperboy",
            client=client or build_client(ctx),
            signing_secret=secret.get_secret_value() if secret else "",
            logger=logger,
        )
    register_listeners(app, ctx)
    return app


class _UnhandledInOneLine(logging.Filter):
    """Bolt's warning for a signed request no listener takes comes with a page of code
    suggestions; anyone holding the signing secret could fill the log with it. One line."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith("Unhandled request") and "\n" in message:
            record.msg, record.args = message.split("\n", 1)[0], None
        return True


@contextmanager
def _dropped(logger: logging.Logger, message: str) -> Iterator[None]:
    """Drop one exact log message while Bolt's constructor runs.

    `AsyncApp` reads `SLACK_BOT_TOKEN` from the environment even when given a client, and
    then warns that the token is unused. Our client is built from `Settings`, which read
    that same variable, so the warning is noise; every other record passes.
    """

    def keep(record: logging.LogRecord) -> bool:
        return record.getMessage() != message

    logger.addFilter(keep)
    try:
        yield
    finally:
        logger.removeFilter(keep)


def register_listeners(app: PaperboyApp, ctx: Context) -> None:
    """Register listeners by kind: the slash command, App Home, message buttons, files
    shared with the bot."""
    slash_command.register(app, ctx)
    home.register(app, ctx)
    actions.register(app, ctx)
    files.register(app, ctx)
