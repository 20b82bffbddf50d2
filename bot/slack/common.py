"""What the listeners share: who is asking, the member's Slack time zone, and answering
with a service's result or its error (never a stack trace in Slack).

The time zone only seeds a new member's settings, so each app keeps every user's `users.info`
answer for `TIMEZONE_TTL_S` (`timezones(app)`): a burst of commands costs no Web API call
per command. Replies to a `response_url` go over the client's pooled HTTP session when it
has one (`responder`).
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.slack.blocks import SOMETHING_WENT_WRONG, Message, error_message

__all__ = [
    "TIMEZONE_TTL_S",
    "TimezoneCache",
    "answer",
    "responder",
    "timezones",
]

log = logging.getLogger("bot.slack")

TIMEZONE_TTL_S = 3600.0


class TimezoneCache:
    """Each user's Slack `tz` as `users.info` last gave it, kept for `ttl` seconds.

    A failed lookup (None from an API error) is not kept, so the next command asks again.
    """

    def __init__(
        self, *, ttl: float = TIMEZONE_TTL_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl, self._clock = ttl, clock
        self._known: dict[str, tuple[float, str | None]] = {}

    async def get(self, client: AsyncWebClient, user_id: str) -> str | None:
        """The user's `tz`, from the cache or `users.info`.

        Args:
            client: the request's Web API client.
            user_id: the Slack user.

        Returns:
            An IANA zone name such as "Europe/Berlin", or None when Slack cannot tell us.
        """
        hit = self._known.get(user_id)
        if hit is not None and hit[0] > self._clock():
            return hit[1]
        try:
            response = await client.users_info(user=user_id)
        except SlackApiError as error:
            log.warning("users.info failed for %s: %s", user_id, error.response.get("error"))
            return None
        zone = (response.get("user") or {}).get("tz")
        self._known[user_id] = (self._clock() + self._ttl, zone)
        return zone


_CACHES: weakref.WeakKeyDictionary[AsyncApp, TimezoneCache] = weakref.WeakKeyDictionary()


def timezones(app: AsyncApp) -> TimezoneCache:
    """The app's time-zone cache, shared by its listeners (Bolt hands each request its own
    client, so the cache hangs on the app)."""
    cache = _CACHES.get(app)
    if cache is None:
        cache = _CACHES[app] = TimezoneCache()
    return cache


def responder(client: AsyncWebClient, respond: Any) -> Callable[..., Awaitable[Any]]:
    """Bolt's `respond`, sent over `client`'s pooled HTTP session when it has one.

    Bolt's own `respond` opens (and closes) an HTTP session and connection per reply; with
    `client.session` set (`paperboy run/serve`) replies reuse its kept-alive connections.

    Args:
        client: the app's Web API client.
        respond: Bolt's `respond` for this request (its `response_url` is used).

    Returns:
        A function taking `respond`'s keyword arguments (`text`, `blocks`, `response_type`, …).
    """
    url = getattr(respond, "response_url", None)
    if client.session is None or not url:
        return respond
    session, ssl, proxy = client.session, client.ssl, client.proxy
    webhook = AsyncWebhookClient(url=url, session=session, ssl=ssl, proxy=proxy)
    return webhook.send


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
