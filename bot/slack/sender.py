"""The one place that posts outbox rows to Slack: pacing, retries and idempotency.

A round claims rows one at a time, resolves the DM conversation, posts with metadata that
carries the outbox key and records the `ts`. A row whose earlier attempt may have reached
Slack (a crash after the post, before the state was saved) is first looked up in
`conversations.history` by that key and adopted instead of posted twice. 429s wait for
`Retry-After` here, once and only here; other transient errors back off through
`next_attempt_at`; permanent errors fail the row with Slack's reason.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.context import Context
from bot.models import utcnow
from bot.slack.errors import classify
from bot.store import channels as channels_store
from bot.store import outbox

__all__ = ["EVENT_TYPE", "SendReport", "Sender", "holder_is_dead", "without_retries", "worker_id"]

log = logging.getLogger(__name__)

EVENT_TYPE = "paperboy_digest"
CLAIM_LEASE = timedelta(minutes=5)
MAX_INLINE_WAIT = 60.0  # longer Retry-After values go through next_attempt_at instead
BACKOFF_BASE, BACKOFF_CAP = 30.0, 3600.0
_HISTORY_PAGES = 5


class _Retry(Exception):
    """A transient failure: try again later, possibly not before `after` seconds."""

    def __init__(self, reason: str, after: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.after = reason, after


class _Permanent(Exception):
    """Slack refused for good (`code`); `channel_gone`: the bot cannot post there any more."""

    def __init__(self, code: str, channel_gone: bool) -> None:
        super().__init__(code)
        self.code, self.channel_gone = code, channel_gone


@dataclass
class SendReport:
    """What one round did."""

    sent: int = 0
    adopted: int = 0
    retried: int = 0
    failed: int = 0


class Sender:
    """Posts claimed outbox rows; tests inject the client, clock and sleep.

    Database calls run in a worker thread, so a slow write never delays Slack's acks. The
    sender posts through a copy of `client` without slack_sdk's retry handlers: a post whose
    connection dropped may have reached Slack, and only the sender can check that first.
    """

    def __init__(
        self,
        ctx: Context,
        client: AsyncWebClient,
        *,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        worker: str | None = None,
    ) -> None:
        self.ctx, self.clock, self.sleep = ctx, clock, sleep
        self.client = without_retries(client)
        self.worker = worker or worker_id()
        self._last_post: dict[str, datetime] = {}

    async def send_round(self, *, stop: asyncio.Event | None = None) -> SendReport:
        """Send every sendable row, one at a time, until none is left or `stop` is set
        (checked between messages, so a shutdown never abandons one half-sent); "adopted"
        counts rows found already posted."""
        report = SendReport()
        while not (stop and stop.is_set()):
            row = await asyncio.to_thread(
                outbox.claim_next, self.ctx.db, worker=self.worker, now=self.clock(),
                lease=CLAIM_LEASE,
            )  # fmt: skip
            if row is None:
                break
            try:
                outcome = await self.send(row)
            except asyncio.CancelledError:
                outbox.release(self.ctx.db, row.id, now=self.clock())
                raise
            setattr(report, outcome, getattr(report, outcome) + 1)
        return report

    async def send(self, row: outbox.Claimed) -> str:
        """Deliver one row claimed by `outbox.claim_next` and record the outcome: "sent",
        "adopted", "retried" or "failed"."""
        db = self.ctx.db
        try:
            conversation = row.conversation or await self._conversation(row)
            ts = await self._find_posted(row, conversation) if row.recovered else None
            outcome = "adopted" if ts else "sent"
            ts = ts or await self._post(row, conversation)
        except _Retry as retry:
            if row.attempts >= self.ctx.settings.max_send_attempts:
                error = f"gave up after {row.attempts} attempts: {retry}"
                await asyncio.to_thread(outbox.mark_failed, db, row.id, error=error)
                return "failed"
            delay = retry.after or min(BACKOFF_BASE * 2 ** (row.attempts - 1), BACKOFF_CAP)
            retry_at = self.clock() + timedelta(seconds=delay)
            await asyncio.to_thread(
                outbox.reschedule, db, row.id, error=retry.reason, next_attempt_at=retry_at
            )
            return "retried"
        except _Permanent as failure:
            log.warning("outbox %s failed for good: %s", row.key, failure.code)
            await asyncio.to_thread(outbox.mark_failed, db, row.id, error=failure.code)
            channel_row_id = row.payload.channel_row_id
            if row.kind == "channel" and channel_row_id and failure.channel_gone:
                await asyncio.to_thread(channels_store.stop_channel, db, channel_row_id)
            return "failed"
        await asyncio.to_thread(
            outbox.mark_sent, db, row.id, ts=ts, conversation=conversation, now=self.clock()
        )
        return outcome

    async def _conversation(self, row: outbox.Claimed) -> str:
        if row.kind != "dm":
            return row.recipient
        response = await self._call(self.client.conversations_open, users=row.recipient)
        conversation = str(response["channel"]["id"])
        await asyncio.to_thread(outbox.set_conversation, self.ctx.db, row.id, conversation)
        return conversation

    async def _find_posted(self, row: outbox.Claimed, conversation: str) -> str | None:
        oldest = (row.created_at - timedelta(days=1)).replace(tzinfo=UTC).timestamp()
        cursor = None
        for _ in range(_HISTORY_PAGES):
            page = await self._call(
                self.client.conversations_history,
                channel=conversation,
                oldest=f"{max(oldest, 0):.6f}",
                include_all_metadata=True,
                limit=200,
                cursor=cursor,
            )
            for message in page.get("messages") or []:
                payload = (message.get("metadata") or {}).get("event_payload") or {}
                if payload.get("key") == row.key:
                    log.info(
                        "outbox %s was already posted (ts %s); adopting", row.key, message["ts"]
                    )
                    return str(message["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
        return None

    async def _post(self, row: outbox.Claimed, conversation: str) -> str:
        await self._pace(conversation)
        response = await self._call(
            self.client.chat_postMessage,
            channel=conversation,
            text=row.payload.text,
            blocks=row.payload.blocks or None,
            unfurl_links=False,
            metadata={"event_type": EVENT_TYPE, "event_payload": {"key": row.key}},
        )
        self._last_post[conversation] = self.clock()
        return str(response["ts"])

    async def _pace(self, conversation: str) -> None:
        last = self._last_post.get(conversation)
        interval = self.ctx.settings.slack_post_interval_seconds
        if last is not None and interval > 0:
            wait = interval - (self.clock() - last).total_seconds()
            if wait > 0:
                await self.sleep(wait)

    async def _call(self, method: Callable[..., Awaitable[Any]], **kwargs: Any) -> Any:
        """One Web API call; 429s wait Retry-After (bounded), transient failures raise
        `_Retry`, permanent ones `_Permanent`."""
        for _ in range(3):
            try:
                return await method(**kwargs)
            except Exception as error:
                failure = classify(error)
                if failure is None:
                    raise
                if failure.rate_limited and (failure.retry_after or 0) <= MAX_INLINE_WAIT:
                    await self.sleep(failure.retry_after or 0)
                    continue
                if failure.transient:
                    raise _Retry(failure.code, failure.retry_after) from error
                raise _Permanent(failure.code, failure.channel_gone) from error
        raise _Retry("ratelimited")


def worker_id() -> str:
    """This process as an outbox claim names it: `host:pid`."""
    return f"{socket.gethostname()}:{os.getpid()}"


def holder_is_dead(holder: str) -> bool | None:
    """Whether the process behind a claim's `holder` (a `worker_id`) is gone: True or False
    for one on this host; None for another host's (or an unreadable id): nobody can tell
    from here."""
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, OverflowError):
        return True
    except PermissionError:  # it runs, as another user
        return False
    return False


def without_retries(client: AsyncWebClient) -> AsyncWebClient:
    """A copy of `client` that never re-sends a request on its own (`retry_handlers=[]`).

    slack_sdk's default handler repeats a call after a dropped connection, which could post
    a digest twice; the sender's `_Retry` and history check replace it. `client` is unchanged
    (Bolt's listeners keep its handlers); the shallow copy shares token, base URL, session
    and headers.
    """
    clone = copy.copy(client)
    clone.retry_handlers = []
    return clone
