"""Fetching a source politely and keeping its answer in the inbox, where ingest reads it.

`Fetcher.fetch(feed, base_url, day, inbox)` asks for one day of a source and writes the
answer as `inbox/<source>_<date>.<ext>` (atomically: a dot-file renamed into place), so
ingest stays the one way in. It is polite as the services ask: a User-Agent naming
paperboy (and a contact, when configured), at most one request every 3 s to an arXiv host
(1 s to others), conditional requests (`If-None-Match` / `If-Modified-Since`) so an
unchanged feed costs nothing, a timeout, a size limit, only configured hosts. A 429, a
5xx, a timeout or a truncated body is retried with backoff, waiting what `Retry-After`
(or Hugging Face's `RateLimit` reset) asks; a wait longer than `max_wait` ends this try
and the next run takes it up. A 200 whose body is not the source's format (CloudFront's
HTML error page, JSON cut short) is a failure, never written.

No database here: the caller keeps each source's validators and last outcome
(`jobs/fetch.py`). `clock`, `sleep` and `get` are parameters, so tests neither wait nor
touch the network.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date
from importlib import metadata
from pathlib import Path

from bot.sources import arxiv, parse_text
from bot.sources.base import ParseError
from bot.sources.feeds import Feed
from bot.sources.http import (
    FetchError,
    Response,
    cache_seconds,
    host_of,
    http_get,
    retry_after_seconds,
)
from bot.sources.reader import decode_bytes

__all__ = [
    "ARXIV_INTERVAL_S",
    "FetchOutcome",
    "Fetcher",
    "Validators",
    "user_agent",
]

ARXIV_INTERVAL_S = 3.0  # arXiv's terms: no more than one request every three seconds
OTHER_INTERVAL_S = 1.0
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
Get = Callable[..., Response]


def user_agent(contact: str = "") -> str:
    """`paperboy/<version> (research-paper alerts for Slack[; contact])`."""
    try:
        version = metadata.version("paperboy")
    except metadata.PackageNotFoundError:  # pragma: no cover - a source checkout
        version = "dev"
    extra = f"; {contact.strip()}" if contact.strip() else ""
    return f"paperboy/{version} (research-paper alerts for Slack{extra})"


@dataclass(frozen=True)
class Validators:
    """What the last answer for a URL said about itself, for a conditional request."""

    url: str | None = None
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class FetchOutcome:
    """What one fetch of one source did.

    `result` is "ok" (a file written), "empty" (written, no papers: arXiv on a weekend),
    "unchanged" (304, or the same bytes as the kept file) or "failed" (`error` says why,
    in one line). `wait_s` is how long the server asked us to wait, or how long its answer
    stays fresh (`Cache-Control: max-age`).
    """

    feed: Feed
    day: date
    url: str
    result: str = "failed"
    papers: int | None = None
    file: Path | None = None
    error: str | None = None
    validators: Validators = field(default_factory=Validators)
    wait_s: float | None = None
    requests: int = 0
    bytes: int = 0


class Fetcher:
    """Fetches sources into an inbox, pacing requests per host; one per process or run."""

    def __init__(
        self,
        *,
        allowed_hosts: Collection[str],
        user_agent: str,
        timeout: float = 30.0,
        max_bytes: int = 20 * 1024 * 1024,
        retries: int = 3,
        backoff_s: float = 2.0,
        max_wait_s: float = 120.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
        stopped: Callable[[], bool] = lambda: False,
        get: Get = http_get,
    ) -> None:
        self.allowed_hosts = frozenset(host.lower() for host in allowed_hosts)
        self.user_agent = user_agent
        self.timeout, self.max_bytes = timeout, max_bytes
        self.retries, self.backoff_s, self.max_wait_s = retries, backoff_s, max_wait_s
        self.clock, self.sleep, self.stopped, self.get = clock, sleep, stopped, get
        self._last: dict[str, float] = {}  # host → when its last request ended (clock)

    def _pace(self, host: str, interval: float) -> None:
        if host in self._last:
            wait = self._last[host] + interval - self.clock()
            if wait > 0:
                self.sleep(wait)

    def fetch(
        self,
        feed: Feed,
        base_url: str,
        day: date,
        inbox: Path,
        *,
        validators: Validators | None = None,
    ) -> FetchOutcome:
        """Ask for `day` of `feed` and keep a changed answer in `inbox`; never raises for
        what the network or the server did (see `FetchOutcome`)."""
        url = feed.url(base_url, day)
        outcome = FetchOutcome(feed, day, url)
        headers = {"User-Agent": self.user_agent}
        if validators is not None and validators.url == url:
            if validators.etag:
                headers["If-None-Match"] = validators.etag
            if validators.last_modified:
                headers["If-Modified-Since"] = validators.last_modified
        host = host_of(url)
        interval = ARXIV_INTERVAL_S if feed.kind == "arxiv" else OTHER_INTERVAL_S
        for attempt in range(self.retries + 1):
            if self.stopped():
                outcome.error = f"{outcome.error}; stopped" if outcome.error else "stopped"
                return outcome
            self._pace(host, interval)
            wait: float | None = None
            try:
                response = self.get(
                    url,
                    headers=headers,
                    timeout=self.timeout,
                    max_bytes=self.max_bytes,
                    allowed_hosts=self.allowed_hosts,
                )
            except FetchError as error:
                outcome.error, retryable = str(error), error.retryable
            else:
                outcome.requests += 1
                outcome.bytes += len(response.body)
                if response.status == 200:
                    return self._keep(outcome, response, inbox)
                if response.status == 304:
                    outcome.result, outcome.error = "unchanged", None
                    outcome.wait_s = cache_seconds(response)
                    return outcome
                outcome.error = f"HTTP {response.status}"
                retryable = response.status in RETRIED_STATUSES
                wait = retry_after_seconds(response) if retryable else None
            finally:
                self._last[host] = self.clock()
            if not retryable or attempt == self.retries:
                break
            delay = wait if wait is not None else self.backoff_s * 2**attempt
            if delay > self.max_wait_s:
                outcome.error += f"; asked to wait {delay:.0f} s, left to the next run"
                outcome.wait_s = delay
                return outcome
            self.sleep(delay)
        if attempt:
            outcome.error = f"{outcome.error} (after {attempt + 1} tries)"
        return outcome

    def _keep(self, outcome: FetchOutcome, response: Response, inbox: Path) -> FetchOutcome:
        """Check a 200's body is the source's format, then keep it (unless the same bytes
        are already kept)."""
        feed = outcome.feed
        try:
            text = decode_bytes(response.body)
            papers = parse_text(text, format=feed.format).papers
        except ParseError as error:
            outcome.error = f"not a valid {feed.format} answer: {error}"
            return outcome
        day = outcome.day if feed.by_day else (arxiv.feed_day(text) or outcome.day)
        path = inbox / feed.file_name(day)
        outcome.validators = Validators(
            outcome.url, response.header("ETag"), response.header("Last-Modified")
        )
        outcome.papers, outcome.file, outcome.error = len(papers), path, None
        outcome.wait_s = cache_seconds(response)
        try:
            if path.is_file() and path.read_bytes() == response.body:
                outcome.result = "unchanged"
                return outcome
            _write_atomically(path, response.body)
        except OSError as error:
            outcome.file, outcome.error = None, f"cannot keep {path}: {error.strerror or error}"
            return outcome
        outcome.result = "ok" if papers else "empty"
        return outcome


def _write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a dot-file that ingest ignores, renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
