"""What the listeners share: who is asking, the member's Slack time zone, running their
work behind Slack's acks, and answering with a service's result or its error (never a stack
trace in Slack).

The time zone only seeds a new member's settings, so each app keeps every user's `users.info`
answer for `TIMEZONE_TTL_S` (`timezones(app)`): a burst of commands costs no Web API call
per command. Replies to a `response_url` go over the client's pooled HTTP session when it
has one (`responder`).

Slack waits at most 3 s for an ack, and on a small machine the work behind earlier requests
(query embedding, the database) competes with the event loop for the GIL and the cores. So
listener work runs through the app's `AckFirst` (`ack_first(app)`): it starts only while no
request is waiting for its ack (or after `ACK_FIRST_MAX_DEFER_S`), a few at a time.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from typing import Any, ParamSpec, TypeVar

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.slack.blocks import SOMETHING_WENT_WRONG, Message, error_message

__all__ = [
    "ACK_FIRST_MAX_DEFER_S",
    "ACK_FIRST_WORKERS",
    "TIMEZONE_TTL_S",
    "AckFirst",
    "TimezoneCache",
    "ack_first",
    "answer",
    "responder",
    "timezones",
]

log = logging.getLogger("bot.slack")

TIMEZONE_TTL_S = 3600.0
ACK_FIRST_WORKERS = 2  # listener work items running at once (2 cores: more only contend)
ACK_FIRST_MAX_DEFER_S = 0.25  # the longest a work item waits for a quiet moment

P = ParamSpec("P")
T = TypeVar("T")


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


# what the listeners of one app share (Bolt hands each request its own client and context,
# so shared state hangs on the app): one instance per app of each kind
_SHARED: weakref.WeakKeyDictionary[AsyncApp, dict[type, Any]] = weakref.WeakKeyDictionary()


def _one_per_app(app: AsyncApp, kind: type[T]) -> T:
    shared = _SHARED.setdefault(app, {})
    if kind not in shared:
        shared[kind] = kind()
    return shared[kind]


def timezones(app: AsyncApp) -> TimezoneCache:
    """The app's time-zone cache, shared by its listeners."""
    return _one_per_app(app, TimezoneCache)


class AckFirst:
    """Runs listener work in worker threads, but only while no request awaits its ack.

    The HTTP endpoint marks each request with `acking()` until its ack is written; `run`
    holds new work while any is marked (at most `max_defer_s`, so a steady stream of
    requests cannot starve the answers) and runs at most `workers` items at once.
    """

    def __init__(
        self, *, workers: int = ACK_FIRST_WORKERS, max_defer_s: float = ACK_FIRST_MAX_DEFER_S
    ) -> None:
        self._unacked = 0
        self._quiet = asyncio.Event()
        self._quiet.set()
        self._slots = asyncio.Semaphore(workers)
        self._max_defer_s = max_defer_s

    @asynccontextmanager
    async def acking(self) -> AsyncIterator[None]:
        """Mark one incoming request for as long as the block runs (until its ack)."""
        self._unacked += 1
        self._quiet.clear()
        try:
            yield
        finally:
            self._unacked -= 1
            if not self._unacked:
                self._quiet.set()

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`fn(*args, **kwargs)` in a worker thread, once no ack is pending.

        Returns:
            What `fn` returned (its exception is raised here).
        """
        async with self._slots:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._quiet.wait(), self._max_defer_s)
            return await asyncio.to_thread(fn, *args, **kwargs)


def ack_first(app: AsyncApp) -> AckFirst:
    """The app's `AckFirst`, shared by its listeners and its HTTP endpoint."""
    return _one_per_app(app, AckFirst)


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
