"""What the listeners share: who is asking, the member's Slack time zone, and answering
with a service's result or its error (never a stack trace in Slack)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import SOMETHING_WENT_WRONG, Message, error_message

__all__ = ["answer", "slack_timezone"]

log = logging.getLogger("bot.slack")


async def slack_timezone(client: AsyncWebClient, user_id: str) -> str | None:
    """The user's `tz` from `users.info` (None when Slack cannot tell us).

    Args:
        client: the app's Web API client.
        user_id: the Slack user.

    Returns:
        An IANA zone name such as "Europe/Berlin", or None.
    """
    try:
        response = await client.users_info(user=user_id)
    except SlackApiError as error:
        log.warning("users.info failed for %s: %s", user_id, error.response.get("error"))
        return None
    return (response.get("user") or {}).get("tz")


async def answer(
    reply: Callable[..., Awaitable[Any]], work: Awaitable[Message | None], **options: Any
) -> None:
    """Await `work` and send its message with `reply`; errors become a member-facing reply.

    `ValueError`s (ProfileError, EmptyQueryError, CommandError) carry their message to the
    member; anything else is logged with its traceback and answered "something went wrong".

    Args:
        reply: Bolt's `respond` (or a function taking `text`/`blocks` keyword arguments).
        work: produces the message to send, or None when it already answered.
        **options: passed to `reply` with the message (e.g. `replace_original=False`).
    """
    try:
        message = await work
    except ValueError as error:
        message = error_message(str(error))
    except Exception:
        log.exception("listener failed")
        message = error_message(SOMETHING_WENT_WRONG)
    if message is not None:
        await reply(**message.to_kwargs(), **options)
