"""One HTTP GET to a source's server, and what its headers say about waiting and caching.

`http_get` is the only network call of paperboy's fetching (the stdlib's `urllib`, no
retries: `bot.sources.fetch` paces, retries and backs off). It refuses hosts that are not
configured, follows redirects only to those hosts, never reads more than `max_bytes`
(also after gzip), and turns every failure into a `FetchError` whose message is one line:
a timeout, a refused connection, a body cut short of its Content-Length. Any HTTP status
is a `Response` (a 304, a 429 and a 503 included), for the caller to judge.
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
import zlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

__all__ = [
    "FetchError",
    "Response",
    "cache_seconds",
    "host_of",
    "http_get",
    "retry_after_seconds",
]

_CHUNK = 64 * 1024
_MAX_REDIRECTS = 5


class FetchError(Exception):
    """A request that got no usable response; `str(error)` is one line. `retryable` says
    whether trying again may help (a timeout, a dropped connection, a cut body)."""

    def __init__(self, reason: str, *, retryable: bool = True) -> None:
        super().__init__(" ".join(reason.split()))
        self.retryable = retryable


@dataclass(frozen=True)
class Response:
    """A response: status, headers (names case-insensitive) and the (decoded) body."""

    status: int
    headers: Message
    body: bytes
    url: str

    def header(self, name: str) -> str | None:
        """A header's value, or None."""
        value = self.headers.get(name)
        return None if value is None else str(value)


def host_of(url: str) -> str:
    """The lower-cased host of a URL ("" when it has none)."""
    return (urlsplit(url).hostname or "").lower()


def _check_host(url: str, allowed_hosts: Collection[str]) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"refused {url}: not an http(s) URL", retryable=False)
    if host_of(url) not in allowed_hosts:
        raise FetchError(f"refused {url}: host is not a configured source", retryable=False)


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to a configured host, and only a few times."""

    max_redirections = _MAX_REDIRECTS

    def __init__(self, allowed_hosts: Collection[str]) -> None:
        self.allowed_hosts = allowed_hosts

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        _check_host(newurl, self.allowed_hosts)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _read(stream: object, *, limit: int, declared: int | None, gzipped: bool) -> bytes:
    """The body, at most `limit` bytes after decompression."""
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzipped else None
    raw = out = 0
    parts: list[bytes] = []
    while True:
        try:
            block = stream.read(_CHUNK)  # type: ignore[attr-defined]
        except http.client.IncompleteRead as cut:
            got = raw + len(cut.partial)
            expected = f" of {declared}" if declared is not None else ""
            raise FetchError(f"truncated response: {got}{expected} bytes arrived") from None
        if not block:
            break
        raw += len(block)
        if inflate is not None:
            block = inflate.decompress(block, limit + 1 - out)
        out += len(block)
        parts.append(block)
        if out > limit:
            raise FetchError(f"response larger than {limit} bytes", retryable=False)
    if declared is not None and raw < declared:
        raise FetchError(f"truncated response: {raw} of {declared} bytes arrived")
    return b"".join(parts)


def http_get(
    url: str,
    *,
    headers: Mapping[str, str],
    timeout: float,
    max_bytes: int,
    allowed_hosts: Collection[str],
) -> Response:
    """GET `url` once, with `headers` (User-Agent, conditional validators, ...).

    Raises:
        FetchError: the host is not allowed, the connection failed or timed out, the body
            was cut short or is larger than `max_bytes`.
    """
    _check_host(url, allowed_hosts)
    opener = urllib.request.build_opener(_Redirects(allowed_hosts))
    request = urllib.request.Request(url, headers={**headers, "Accept-Encoding": "gzip"})
    try:
        try:
            stream = opener.open(request, timeout=timeout)
        except urllib.error.HTTPError as error:  # 304, 4xx, 5xx: a response all the same
            stream = error
        with stream:
            declared = stream.headers.get("Content-Length")
            size = int(declared) if declared and declared.isdigit() else None
            if size is not None and size > max_bytes:
                raise FetchError(f"response larger than {max_bytes} bytes", retryable=False)
            gzipped = (stream.headers.get("Content-Encoding") or "").lower() == "gzip"
            body = _read(stream, limit=max_bytes, declared=size, gzipped=gzipped)
            return Response(stream.status or 0, stream.headers, body, stream.geturl() or url)
    except FetchError:
        raise
    except TimeoutError:
        raise FetchError(f"timed out after {timeout:g} s") from None
    except zlib.error:
        raise FetchError("body is not valid gzip") from None
    except urllib.error.URLError as error:
        reason = error.reason if isinstance(error.reason, str) else type(error.reason).__name__
        if isinstance(error.reason, TimeoutError):
            reason = f"timed out after {timeout:g} s"
        raise FetchError(f"cannot connect: {reason}") from None
    except (http.client.HTTPException, OSError) as error:
        raise FetchError(f"connection failed: {type(error).__name__}: {error}") from None


def retry_after_seconds(response: Response, *, now: datetime | None = None) -> float | None:
    """How long the server asks us to wait: `Retry-After` (seconds or an HTTP date), else
    the reset time of Hugging Face's `RateLimit: "api";r=0;t=<seconds>` header."""
    value = (response.header("Retry-After") or "").strip()
    if value.isdigit():
        return float(value)
    if value:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            now = now or datetime.now(UTC)
            return max(0.0, (when - now.replace(tzinfo=when.tzinfo or UTC)).total_seconds())
    limit = response.header("RateLimit") or ""
    for part in limit.split(";"):
        key, _, number = part.strip().partition("=")
        if key == "t" and number.strip().isdigit():
            return float(number)
    return None


def cache_seconds(response: Response) -> float | None:
    """`Cache-Control: max-age` in seconds (arXiv sets it to the next announcement), or None."""
    for part in (response.header("Cache-Control") or "").split(","):
        key, _, value = part.strip().partition("=")
        if key.lower() == "max-age" and value.strip().isdigit():
            return float(value)
    return None
