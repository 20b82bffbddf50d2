"""A local stand-in for Hugging Face's API and arXiv's RSS server, serving recorded responses.

`FakeSources` is a threaded stdlib HTTP server on port 0 (point `HF_API_URL` and
`ARXIV_RSS_URL` at `fake.url`). Each path answers with a recorded response from
`tests/fixtures/sources/http/` (status, headers as the service sends them, body), and
answers `If-None-Match` with a 304 when the ETag matches, as a conditional GET should.
Faults are queued per path and served before the normal answer: any recorded response
(429 with `RateLimit`, 503 CloudFront page, truncated body), a delay longer than the
client's timeout, or a redirect. Every request is recorded with its headers.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.conftest import FIXTURES_DIR

__all__ = ["FakeSources", "Recorded", "Seen"]

HTTP_DIR = FIXTURES_DIR / "sources" / "http"
HF_PATH = "/api/daily_papers"


@dataclass(frozen=True)
class Recorded:
    """One recorded response; `delay` holds it back (a timeout), `body=None` sends none."""

    status: int
    headers: dict[str, str]
    body: bytes | None = None
    delay: float = 0.0

    @classmethod
    def load(cls, name: str) -> Recorded:
        """A response recorded in `tests/fixtures/sources/http/<name>.json`."""
        data = json.loads((HTTP_DIR / f"{name}.json").read_text(encoding="utf-8"))
        body = (HTTP_DIR / data["body_file"]).read_bytes() if data["body_file"] else None
        return cls(data["status"], dict(data["headers"]), body)

    @classmethod
    def of(cls, body: bytes, *, status: int = 200, **headers: str) -> Recorded:
        """A response with this body and headers (names with `_` for `-`)."""
        named = {name.replace("_", "-"): value for name, value in headers.items()}
        return cls(status, {"Content-Length": str(len(body)), **named}, body)

    def delayed(self, seconds: float) -> Recorded:
        return Recorded(self.status, self.headers, self.body, seconds)


@dataclass(frozen=True)
class Seen:
    """A request the fake received."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]


Answer = Recorded | Callable[[dict[str, str]], Recorded]


@dataclass
class _State:
    answers: dict[str, Answer] = field(default_factory=dict)
    faults: dict[str, deque[Recorded]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        state = self.server.state
        with state.lock:
            state.seen.append(Seen(parts.path, query, dict(self.headers.items())))
            queued = state.faults.get(parts.path)
            answer = queued.popleft() if queued else state.answers.get(parts.path)
        if answer is None:
            answer = Recorded.of(b"not found", status=404)
        recorded = answer(query) if callable(answer) else answer
        if recorded.delay:
            time.sleep(recorded.delay)
        etag = recorded.headers.get("ETag")
        if recorded.status == 200 and etag and self.headers.get("If-None-Match") == etag:
            recorded = Recorded(304, {"ETag": etag})
        self.send_response_only(recorded.status)
        for name, value in recorded.headers.items():
            self.send_header(name, value)
        if recorded.body is None and "Content-Length" not in recorded.headers:
            self.send_header("Content-Length", "0")
        self.end_headers()
        if recorded.body:
            self.wfile.write(recorded.body)
        self.close_connection = True  # a cut body ends with the connection

    def log_message(self, format: str, *args: Any) -> None:  # the tests' output stays clean
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State


class FakeSources:
    """The fake servers; use as a context manager. Serves the recorded 200s by default:
    `/api/daily_papers` (any date) and `/rss/cs.CV+cs.LG`."""

    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = _State()
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.serve(HF_PATH, Recorded.load("hf_daily_papers_200"))
        self.serve("/rss/cs.CV+cs.LG", Recorded.load("arxiv_rss_200"))

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def serve(self, path: str, answer: Answer) -> None:
        """Answer every request for `path` (query aside) with `answer`, a response or a
        function of the query."""
        with self._server.state.lock:
            self._server.state.answers[path] = answer

    def fail_next(self, path: str, *responses: Recorded) -> None:
        """Serve these responses, in order, before the normal answer for `path`."""
        with self._server.state.lock:
            self._server.state.faults.setdefault(path, deque()).extend(responses)

    def requests(self, path: str | None = None) -> list[Seen]:
        """The requests received (for `path`), in order."""
        with self._server.state.lock:
            return [s for s in self._server.state.seen if path is None or s.path == path]

    def __enter__(self) -> FakeSources:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def body(name: str) -> bytes:
    """A sample's bytes from `tests/fixtures/sources/`."""
    return (Path(FIXTURES_DIR) / "sources" / name).read_bytes()
