"""Slash-command ack latency of `paperboy serve --http` under 50 concurrent signed requests.

Slack drops a command that is not acknowledged within 3 s; the app acks first and answers
through `response_url` afterwards, so the HTTP response time of `POST /slack/events` is the
ack latency. The server runs as a real subprocess on 127.0.0.1 with `SLACK_API_URL` pointing
at an in-process fake Slack (which also serves the response URLs); the bench fires rounds of
50 concurrent `/papers help` and `/papers <query>` requests, signed as Slack signs them, and
times each response. Requests are signed before the clock starts, and the load generator
runs in a process of its own (not beside the fake's threads), though on the same cores. The
searches (query embedding on the same cores) and their answers run in the background of
later rounds, as they would in production. Measured for SQLite and,
when `PAPERBOY_TEST_POSTGRES_URL` is set (`.ci/postgres.sh`), for PostgreSQL.

The same load against a plain Bolt app that acks and responds at once, with no database or
model (`bench.bare_ack_app`), is measured first as a reference: the target stays the
absolute 100 ms members feel, and the ratio beside it tells a slow machine from a slow app.
It is not a floor: answering at once competes with the next acks, which paperboy's
`AckFirst` avoids, so paperboy can ack faster than the plain app.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import aiohttp

from bench.common import Figure, Report, percentiles
from tests.fake_slack import FakeSlack
from tests.payloads import SECRET, signed_headers, slash_command

SECTION = "Slash-command ack latency (50 concurrent)"
CONCURRENCY = 50
ROUNDS = 10
PASSES = 3  # measurements per backend; the checked p99 is their median
WARM_UP = 4
TARGET_P99_MS = 100.0
BENCH_DB = "paperboy_bench"
START_TIMEOUT_S = 90.0
ANSWER_TIMEOUT_S = 120.0
ROOT = Path(__file__).resolve().parents[1]
QUERIES = ("diffusion transformers", "graph neural networks", "video frame interpolation")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _paperboy(database_url: str, fake: FakeSlack, inbox: Path) -> AbstractContextManager[str]:
    """`paperboy serve --http` in a subprocess; yields its base URL once `/healthz` is up."""
    env = {
        "DATABASE_URL": database_url,
        "INBOX_DIR": str(inbox),
        "SLACK_API_URL": fake.url,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "LOG_LEVEL": "WARNING",
    }
    entry = "from cli import main; main()"  # the `paperboy` console script
    return _server(
        lambda port: [sys.executable, "-c", entry, "serve", "--http", "--port", port], env
    )


@contextmanager
def _server(command: Callable[[str], list[str]], env: dict[str, str]) -> Iterator[str]:
    """`command(port)` in a subprocess with `env` added; yields its base URL once
    `/healthz` is up."""
    port = _free_port()
    process = subprocess.Popen(
        command(str(port)),
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        asyncio.run(_wait_healthy(base, process))
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def _wait_healthy(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                error = process.stderr.read().decode() if process.stderr else ""
                raise RuntimeError(f"the server exited {process.returncode}: {error[-2000:]}")
            try:
                async with http.get(f"{base}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise TimeoutError("the server did not answer /healthz")


Signed = tuple[bytes, dict[str, str]]  # a body and its headers, signed before the clock runs


def _signed(body: str) -> Signed:
    headers = {"Content-Type": "application/x-www-form-urlencoded", **signed_headers(body)}
    return body.encode(), headers


async def _one(http: aiohttp.ClientSession, url: str, request: Signed) -> float:
    body, headers = request
    started = time.perf_counter()
    async with http.post(url, data=body, headers=headers) as response:
        await response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200:
            raise RuntimeError(f"ack returned HTTP {response.status}")
    return elapsed


async def _burst(base: str, rounds: list[list[Signed]]) -> list[float]:
    """Send each round's requests at once, one round after another; the ack times."""
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    samples: list[float] = []
    url = f"{base}/slack/events"
    async with aiohttp.ClientSession(connector=connector) as http:
        for batch in rounds:
            samples += await asyncio.gather(*(_one(http, url, request) for request in batch))
    return samples


def _fire(base: str, rounds: list[list[Signed]]) -> list[float]:
    """The load generator, in its own process (see `_measure`)."""
    return asyncio.run(_burst(base, rounds))


def _ready() -> None:
    """Run once in the generator process so it has imported this module before timing."""


def _measure(base: str, fake: FakeSlack, pass_: int) -> tuple[list[float], float]:
    """Ack times of ROUNDS × CONCURRENCY commands, and seconds until every answer arrived.

    Every request is built and signed before the first round. The generator runs in a
    process of its own: in this one the fake Slack's threads (which take the server's
    answers) would hold the GIL while the generator's loop timestamps acks. It still shares
    the cores with the server and the fake.
    """

    def body(round_: int, i: int) -> str:
        text = "help" if i % 2 else f"{QUERIES[i % len(QUERIES)]} {round_}"
        url = fake.response_url(f"p{pass_}-r{round_}-{i}")
        return slash_command(text, response_url=url, user_id=f"U{i:03d}").body

    before = len(fake.calls("respond"))
    # warm-up: the first search loads the model in the server; wait for its answers
    asyncio.run(_burst(base, [[_signed(body(-1, i)) for i in range(WARM_UP)]]))
    asyncio.run(_answers(fake, before + WARM_UP))
    rounds = [[_signed(body(r, i)) for i in range(CONCURRENCY)] for r in range(ROUNDS)]
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as generator:
        generator.submit(_ready).result()
        started = time.monotonic()
        samples = generator.submit(_fire, base, rounds).result()
        asyncio.run(_answers(fake, before + WARM_UP + ROUNDS * CONCURRENCY))
        answered = time.monotonic() - started
    return samples, answered


async def _answers(fake: FakeSlack, expected: int) -> None:
    """Poll the fake until `expected` answers reached the response URLs (or time is up)."""
    for _ in range(int(ANSWER_TIMEOUT_S * 10)):
        if len(fake.calls("respond")) >= expected:
            return
        await asyncio.sleep(0.1)


def _postgres_database(admin_url: str, *, create: bool) -> str:
    """Create (or drop) the bench database beside the test one; returns its URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(admin_url)
    dsn = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        if create:
            conn.execute(f"CREATE DATABASE {BENCH_DB}")
    return url.set(database=BENCH_DB).render_as_string(hide_password=False)


def _backends(tmp: Path) -> Iterator[tuple[str, str | None]]:
    yield "SQLite", f"sqlite:///{tmp}/ack.db"
    admin = os.environ.get("PAPERBOY_TEST_POSTGRES_URL")
    yield "PostgreSQL", _postgres_database(admin, create=True) if admin else None


def _p99s(base: str, fake: FakeSlack) -> tuple[float, list[dict[int, float]], float]:
    """PASSES passes against one server: the median p99 (ms), each pass's percentiles,
    and the seconds until the slowest pass's last answer arrived."""
    passes = [_measure(base, fake, n) for n in range(PASSES)]
    pcts = [percentiles(samples) for samples, _ in passes]
    p99s = sorted(pct[99] for pct in pcts)
    return p99s[len(p99s) // 2], pcts, max(seconds for _, seconds in passes)


def _per_pass(pcts: list[dict[int, float]], q: int) -> str:
    """Each pass's `q`th percentile, "a / b / c" (ms)."""
    return " / ".join(f"{pct[q]:.1f}" for pct in pcts)


def _bare(fake: FakeSlack) -> AbstractContextManager[str]:
    """The reference server (`bench.bare_ack_app`) in a subprocess, as `_paperboy`."""
    return _server(
        lambda port: [sys.executable, "-m", "bench.bare_ack_app", port],
        {"SLACK_API_URL": fake.url},
    )


def run(report: Report) -> None:
    """Time the ack of 50 concurrent slash commands against a served app, per database,
    beside a bare Bolt app under the same load."""
    with FakeSlack() as fake, tempfile.TemporaryDirectory() as tmp:
        with _bare(fake) as base:
            plain, pcts, _ = _p99s(base, fake)
        report.add(
            SECTION,
            Figure(
                f"reference: a plain Bolt app (ack, respond at once): ack p99 (median of {PASSES})",
                f"{plain:.1f} ms",
                baseline=f"p99 per pass {_per_pass(pcts, 99)} ms",
            ),
        )
        for name, url in _backends(Path(tmp)):
            if url is None:
                report.note(SECTION, f"{name}: skipped, PAPERBOY_TEST_POSTGRES_URL is not set")
                continue
            fake.reset()
            try:
                with _paperboy(url, fake, Path(tmp)) as base:
                    p99, pcts, last = _p99s(base, fake)
            finally:
                if name == "PostgreSQL" and os.environ.get("PAPERBOY_TEST_POSTGRES_URL"):
                    _postgres_database(os.environ["PAPERBOY_TEST_POSTGRES_URL"], create=False)
            answers = len(fake.calls("respond"))
            report.check(
                SECTION,
                f"{name}: ack p99 (median of {PASSES} passes of {ROUNDS * CONCURRENCY} commands)",
                p99,
                target=TARGET_P99_MS,
                higher_is_better=False,
                fmt="{:.1f} ms",
                baseline=f"{p99 / plain:.1f}× the plain Bolt app; p99 per pass "
                f"{_per_pass(pcts, 99)} ms; p50 {_per_pass(pcts, 50)} ms; {answers} answers "
                f"via response_url, the last {last:.1f}s after its pass began",
            )
    report.note(
        SECTION,
        f"{ROUNDS} rounds × {CONCURRENCY} concurrent signed requests (half `/papers help`, half "
        "`/papers <query>`, 50 distinct users) to `paperboy serve --http` in a subprocess, "
        "from a generator process of its own (requests signed beforehand) on the same cores; "
        "empty library, so each search costs its query embedding but ranks nothing. Slack "
        f"allows 3 s; the target is {TARGET_P99_MS:.0f} ms. Listener work runs through "
        "`AckFirst` (bot/slack/ack_first.py): at most 2 items at once, each started only while "
        "no request awaits its ack (or after 0.25 s); and once the model and index are loaded "
        "at start-up the heap is frozen (`gc.freeze`), since a full collection over the "
        "model's ~500k objects pauses the loop ~0.25 s. Before both (work straight to "
        "`asyncio.to_thread`, lazy model, same bench on this machine) single passes had p99 "
        "85–131 ms on SQLite and 101–156 ms on PostgreSQL.",
    )
