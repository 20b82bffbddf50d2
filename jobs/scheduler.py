"""The process's scheduled work on the bot's event loop: the deliver tick and ingest.

`build_scheduler` adds two interval jobs to an `AsyncIOScheduler` (APScheduler 3.x): the
deliver tick every `tick_seconds` (it decides who is due, so member settings apply at the
next tick and a missed run is caught up on start) and ingest every
`ingest_interval_minutes`, which ingests the inbox, then fetches the configured sources
that are due (`jobs/fetch.py`) into it and ingests what they wrote at once (a slow or
failing source never delays what is already there). On start,
the first deliver tick waits for the first ingest round (at most `FIRST_TICK_WAIT`): a
digest due at start then holds what was already in the inbox or just fetched. Each run is
skipped unless `is_leader()` says this replica leads, and logs one structured line.
`drain()` lets the message in flight finish at shutdown, and ends a fetch's waits.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
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
from jobs import deliver, fetch, ingest

__all__ = ["FIRST_TICK_WAIT", "JobScheduler", "build_scheduler"]

log = logging.getLogger(__name__)

FIRST_TICK_WAIT = timedelta(minutes=5)  # a slow first ingest round delays delivery no longer


class JobScheduler(AsyncIOScheduler):
    """An `AsyncIOScheduler` whose jobs can be asked to stop and awaited (`drain`)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.stopping = asyncio.Event()
        self.stopping_threads = threading.Event()  # the same, for work in worker threads
        self._running: set[asyncio.Task[Any]] = set()
        self._delivering = False

    def start_delivering(self) -> None:
        """Run the deliver tick now if it still waits for its first run (called once the
        first ingest round is over)."""
        if self._delivering or self.stopping.is_set():
            return
        self._delivering = True
        job = self.get_job("deliver")
        now = datetime.now(UTC)
        if job is not None and job.next_run_time is not None and job.next_run_time > now:
            job.modify(next_run_time=now)

    async def drain(self, *, grace: float = 30.0) -> None:
        """Stop starting jobs, let running ones finish (the send round stops between
        messages) for up to `grace` seconds, then cancel the rest and shut the scheduler
        down."""
        self.stopping.set()
        self.stopping_threads.set()
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
    loop: ingest (with the fetch of due sources) fires at once, the deliver tick when that
    first round is over.

    `clock` (naive UTC) and `sleep` (what the sender awaits for pacing and Retry-After) are
    for tests to control; `is_leader` is asked before each run, so only the leader replica
    does scheduled work.
    """
    settings = ctx.settings
    scheduler = JobScheduler(timezone=UTC)
    sender = Sender(ctx, client, clock=clock, sleep=sleep)

    def deliver_round() -> Awaitable[deliver.DeliverReport]:
        return deliver.run(ctx, client, now=clock(), sender=sender, stop=scheduler.stopping)

    async def ingest_inbox() -> ingest.IngestReport:
        report = await ingest.run(ctx)  # what is there first: a slow source never delays it
        try:
            fetched = await fetch.run(ctx, stop=scheduler.stopping_threads)
        except Exception as error:  # one line; the next round tries again
            log.warning("fetch failed: %s: %s", type(error).__name__, error)
            return report
        if fetched.written:
            more = await ingest.run(ctx)
            for file in more.files:
                report.add(file)
            report.new_paper_ids += more.new_paper_ids
        return report

    async def ingest_round() -> None:
        try:
            await scheduler.run_job("ingest", ingest_inbox, is_leader)
        finally:
            scheduler.start_delivering()

    now = datetime.now(UTC)
    deliver_every = timedelta(seconds=settings.tick_seconds)
    ingest_every = timedelta(minutes=settings.ingest_interval_minutes)
    scheduler.add_job(
        scheduler.run_job,
        args=("deliver", deliver_round, is_leader),
        **_interval("deliver", deliver_every, first=now + FIRST_TICK_WAIT),
    )
    scheduler.add_job(ingest_round, **_interval("ingest", ingest_every, first=now))
    return scheduler


def _interval(name: str, every: timedelta, *, first: datetime) -> dict[str, Any]:
    """An interval job's options: one instance at a time, missed runs coalesced."""
    return {
        "trigger": "interval",
        "seconds": every.total_seconds(),
        "next_run_time": first,
        "id": name,
        "name": name,
        "replace_existing": True,
        "coalesce": True,
        "max_instances": 1,
        "misfire_grace_time": None,
    }
