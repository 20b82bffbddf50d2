"""Answering a member: a service's message, or its error in words (never a stack trace in
Slack), sent over the client's pooled HTTP session when it has one."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.slack.blocks import SOMETHING_WENT_WRONG, Message, error_message

__all__ = ["answer", "responder"]

log = logging.getLogger("bot.slack")


def responder(client: AsyncWebClient, respond: Any) -> Callable[..., Awaitable[Any]]:
    """Bolt's `respond`, sent over `client`'s pooled HTTP session when it has one.

    Bolt's own `respond` opens (and closes) an HTTP session and connection per reply; with
    `client.session` set (`paperboy run/serve`) replies reuse its kept-alive connections
    to `respond`'s `response_url`. The result takes `respond`'s keyword arguments (`text`,
    `blocks`, `response_type`, …).
    """
    url = getattr(respond, "response_url", None)
    if client.session is None or not url:
        return respond
    session, ssl, proxy = client.session, client.ssl, client.proxy
    webhook = AsyncWebhookClient(url=url, session=session, ssl=ssl, proxy=proxy)
    return webhook.send


async def answer(
    reply: Callable[..., Awaitable[Any]],
    work: Awaitable[Message | None],
    *,
    error_options: dict[str, Any] | None = None,
    **options: Any,
) -> None:
    """Await `work` and send its message with `reply`; errors become a member-facing reply.

    `ValueError`s (ProfileError, EmptyQueryError, CommandError) carry their message to the
    member; anything else is logged with its traceback and answered "something went wrong".
    `reply` is Bolt's `respond` (or any function taking `text`/`blocks` keyword arguments);
    `work` yields None when it already answered; `options` go to `reply` with the message
    (e.g. `replace_original=False`), `error_options` (when given) instead of them with an
    error, so that an error can be a private note rather than replace what was shown.
    """
    failed = True
    try:
        message = await work
        failed = False
    except ValueError as error:
        message = error_message(str(error))
    except Exception:
        log.exception("listener failed")
        message = error_message(SOMETHING_WENT_WRONG)
    if message is not None:
        chosen = error_options if failed and error_options is not None else options
        await reply(**message.to_kwargs(), **chosen)
