"""The fetch job: each configured source (`SOURCES`) that is due → a file in the inbox.

What a source answered is written into the inbox (`bot.sources.fetch`), and ingest takes it
from there like any dropped file: fetching never touches papers. Which days are asked for:
an arXiv feed serves only its latest announcement; Hugging Face's list is asked for today
and every day since its last good fetch (at most `CATCH_UP_DAYS`; today's list grows during
the day, so it is asked again each run and dedup drops what was seen), or for each day
since `--since` when backfilling. After each answer the source's row in `source_fetch`
says when, what came of it, how many papers, the validators for the next conditional
request, and when it is due again: after `FETCH_INTERVAL_MINUTES`, or later when the
server said its answer stays fresh longer (arXiv's `Cache-Control` runs to its next
announcement) or asked us to wait. A failure is one log line and is tried again next run;
it never stops the other sources, nor the ingest that follows.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.context import Context
from bot.logs import log_event
from bot.models import SourceFetch, utcnow
from bot.settings import Settings
from bot.sources.feeds import Feed, SourcesError, parse_sources
from bot.sources.fetch import Fetcher, FetchOutcome, Validators, user_agent
from bot.sources.http import host_of
from bot.sources.reader import DEFAULT_MAX_BYTES
from bot.store import sources as source_store

__all__ = ["CATCH_UP_DAYS", "FetchReport", "build_fetcher", "fetch_sources", "plan", "run"]

log = logging.getLogger(__name__)

CATCH_UP_DAYS = 3  # a scheduled run asks Hugging Face for at most this many past days
MAX_FRESH = timedelta(hours=24)  # a server's "fresh for" is believed up to this long
Progress = Callable[[FetchOutcome, int, int], None]  # (what was fetched, done, total)


@dataclass
class FetchReport:
    """What one fetch run did: an outcome per request made, and totals."""

    outcomes: list[FetchOutcome] = field(default_factory=list)
    requests: int = 0
    bytes: int = 0
    written: int = 0  # files written into the inbox (new or changed answers)
    papers: int = 0  # papers in the answers written
    failed: int = 0
    seconds: float = 0.0


def build_fetcher(
    settings: Settings,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], object] = time.sleep,
    stopped: Callable[[], bool] = lambda: False,
) -> Fetcher:
    """A `Fetcher` for the configured base URLs, User-Agent, timeout and size limit."""
    hosts = {host_of(settings.hf_api_url), host_of(settings.arxiv_rss_url)}
    return Fetcher(
        allowed_hosts=hosts,
        user_agent=user_agent(settings.fetch_contact),
        timeout=settings.fetch_timeout_seconds,
        max_bytes=DEFAULT_MAX_BYTES,
        clock=clock,
        sleep=sleep,
        stopped=stopped,
    )


def _base_url(settings: Settings, feed: Feed) -> str:
    return settings.hf_api_url if feed.kind == "hf-daily" else settings.arxiv_rss_url


def plan(
    feeds: list[Feed],
    states: dict[str, SourceFetch],
    *,
    now: datetime,
    since: date | None = None,
    due_only: bool = False,
) -> list[tuple[Feed, date]]:
    """The requests to make, in order: (feed, day) pairs.

    `since` backfills Hugging Face one day at a time (arXiv feeds have no past);
    `due_only` (the scheduler) leaves out sources whose next run is still ahead.
    """
    today = now.date()
    requests: list[tuple[Feed, date]] = []
    for feed in feeds:
        state = states.get(feed.name)
        if due_only and state and state.next_run_at and state.next_run_at > now:
            continue
        if not feed.by_day:
            requests.append((feed, today))
            continue
        if since is not None:
            first = min(since, today)
        elif state and state.succeeded_at:
            first = max(state.succeeded_at.date(), today - timedelta(days=CATCH_UP_DAYS))
        else:
            first = today - timedelta(days=1)  # early in a UTC day, today's list is short
        days = (today - first).days
        requests += [(feed, first + timedelta(days=n)) for n in range(days + 1)]
    return requests


def fetch_sources(
    ctx: Context,
    *,
    only: str | None = None,
    since: date | None = None,
    now: datetime | None = None,
    due_only: bool = False,
    fetcher: Fetcher | None = None,
    progress: Progress | None = None,
) -> FetchReport:
    """Fetch the configured sources (or the one named `only`) into the inbox and record
    each outcome; `now` is naive UTC.

    Raises:
        SourcesError: `only` is not one of the configured sources.
    """
    started = time.perf_counter()
    feeds = parse_sources(ctx.settings.sources)
    if only is not None:
        feeds = [feed for feed in feeds if feed.name == only]
        if not feeds:
            configured = ", ".join(f.name for f in parse_sources(ctx.settings.sources))
            raise SourcesError(f"{only!r} is not configured (SOURCES: {configured or 'empty'})")
    now = now or utcnow()
    states = source_store.fetch_states(ctx.db, [feed.name for feed in feeds])
    requests = plan(feeds, states, now=now, since=since, due_only=due_only)
    fetcher = fetcher or build_fetcher(ctx.settings)
    report = FetchReport()
    for done, (feed, day) in enumerate(requests, start=1):
        if fetcher.stopped():  # shutting down: what was not asked stays as it was
            break
        state = states.get(feed.name)
        validators = Validators(state.url, state.etag, state.last_modified) if state else None
        outcome = fetcher.fetch(
            feed,
            _base_url(ctx.settings, feed),
            day,
            ctx.settings.inbox_dir,
            validators=validators,
        )
        states[feed.name] = _record(ctx, outcome, now=now)
        _count(report, outcome)
        if progress is not None:
            progress(outcome, done, len(requests))
    report.seconds = time.perf_counter() - started
    return report


def _record(ctx: Context, outcome: FetchOutcome, *, now: datetime) -> SourceFetch:
    """Write the outcome into the source's row and log it in one line."""
    interval = timedelta(minutes=ctx.settings.fetch_interval_minutes)
    asked = timedelta(seconds=outcome.wait_s or 0)
    values: dict[str, object] = {
        "url": outcome.url,
        "attempted_at": now,
        "result": outcome.result,
        "error": outcome.error,
        "next_run_at": now + max(interval, min(asked, MAX_FRESH)),
    }
    if outcome.result != "failed":
        values["succeeded_at"] = now
        if outcome.validators.url:
            values["etag"] = outcome.validators.etag
            values["last_modified"] = outcome.validators.last_modified
    if outcome.papers is not None:
        values["papers"] = outcome.papers
    if outcome.file is not None:
        values["file"] = str(outcome.file)
    source_store.record_fetch(ctx.db, outcome.feed.name, **values)
    fields = {
        "source": outcome.feed.name,
        "day": outcome.day.isoformat(),
        "result": outcome.result,
        "papers": outcome.papers,
        "requests": outcome.requests,
    }
    if outcome.error:  # one line, no traceback: the next run tries again
        fields["error"] = outcome.error
        text = " ".join(f"{key}={value}" for key, value in fields.items())
        log.warning("fetch failed %s", text, extra={"fields": {"event": "fetch failed", **fields}})
    else:
        log_event(log, "fetch", **fields)
    return SourceFetch(name=outcome.feed.name, **values)  # type: ignore[arg-type]


def _count(report: FetchReport, outcome: FetchOutcome) -> None:
    report.outcomes.append(outcome)
    report.requests += outcome.requests
    report.bytes += outcome.bytes
    report.failed += outcome.result == "failed"
    if outcome.result in ("ok", "empty"):
        report.written += 1
        report.papers += outcome.papers or 0


async def run(ctx: Context, *, stop: threading.Event | None = None) -> FetchReport:
    """The scheduled job: fetch the sources that are due, off the event loop; `stop` (set
    at shutdown) ends its waits between requests."""
    if not ctx.settings.sources.strip():
        return FetchReport()
    stop = stop or threading.Event()
    fetcher = build_fetcher(ctx.settings, sleep=stop.wait, stopped=stop.is_set)
    return await asyncio.to_thread(fetch_sources, ctx, due_only=True, fetcher=fetcher)
