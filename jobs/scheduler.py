"""The process's scheduled work on the bot's event loop: the deliver tick and ingest.

`build_scheduler` adds two interval jobs to an `AsyncIOScheduler` (APScheduler 3.x): the
deliver tick every `tick_seconds` (it decides who is due, so member settings apply at the
next tick and a missed run is caught up on start) and ingest every
`ingest_interval_minutes`. Each run is skipped unless `is_leader()` says this replica leads,
and logs one structured line. `drain()` lets the message in flight finish at shutdown.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from slack_sdk.web.async_client import AsyncWebClient

from bot.context import Context
from bot.logs import log_event
from bot.models import utcnow
from bot.slack.sender import Sender
from jobs import deliver, ingest

__all__ = ["JobScheduler", "build_scheduler"]

log = logging.getLogger(__name__)


class JobScheduler(AsyncIOScheduler):
    """An `AsyncIOScheduler` whose jobs can be asked to stop and awaited (`drain`)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.stopping = asyncio.Event()
        self._running: set[asyncio.Task[Any]] = set()

    async def drain(self, *, grace: float = 30.0) -> None:
        """Stop starting jobs, let running ones finish (the send round stops between
        messages) for up to `grace` seconds, then cancel the rest and shut the scheduler
        down."""
        self.stopping.set()
        if self.running:
            self.pause()
        if self._running:
            await asyncio.wait(set(self._running), timeout=grace)
        if self.running:
            self.shutdown(wait=False)  # cancels whatever is still running
            await asyncio.sleep(0)  # AsyncIOScheduler shuts down on the next loop turn

    async def run_job(
        self, name: str, job: Callable[[], Awaitable[Any]], is_leader: Callable[[], bool]
    ) -> None:
        """Run one job if this replica leads, logging `job name=… counts… seconds=…`."""
        if self.stopping.is_set() or not is_leader():
            return
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        started = time.monotonic()
        try:
            report = await job()
        except Exception:
            log.exception("job %s failed", name)
            return
        finally:
            if task is not None:
                self._running.discard(task)
        seconds = round(time.monotonic() - started, 3)
        log_event(log, "job", job=name, **_counts(report), seconds=seconds)


def _counts(report: Any) -> dict[str, int]:
    if not dataclasses.is_dataclass(report):
        return {}
    values = {f.name: getattr(report, f.name) for f in dataclasses.fields(report)}
    return {k: v for k, v in values.items() if type(v) is int}


def build_scheduler(
    ctx: Context,
    client: AsyncWebClient,
    *,
    clock: Callable[[], datetime] = utcnow,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    is_leader: Callable[[], bool] = lambda: True,
) -> JobScheduler:
    """The scheduler with the deliver tick and ingest jobs; call `start()` on the running
    loop, and both jobs first fire at once.

    `clock` (naive UTC) and `sleep` (what the sender awaits for pacing and Retry-After) are
    for tests to control; `is_leader` is asked before each run, so only the leader replica
    does scheduled work.
    """
    settings = ctx.settings
    scheduler = JobScheduler(timezone=UTC)
    sender = Sender(ctx, client, clock=clock, sleep=sleep)

    def deliver_round() -> Awaitable[deliver.DeliverReport]:
        return deliver.run(ctx, client, now=clock(), sender=sender, stop=scheduler.stopping)

    def ingest_inbox() -> Awaitable[ingest.IngestReport]:
        return ingest.run(ctx)

    jobs = (
        ("deliver", deliver_round, timedelta(seconds=settings.tick_seconds)),
        ("ingest", ingest_inbox, timedelta(minutes=settings.ingest_interval_minutes)),
    )
    for name, job, every in jobs:
        scheduler.add_job(
            scheduler.run_job,
            "interval",
            args=(name, job, is_leader),
            seconds=every.total_seconds(),
            next_run_time=datetime.now(UTC),
            id=name,
            name=name,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )
    return scheduler
