"""Slack's acks before everything else: listener work waits while a request awaits its ack.

Slack waits at most 3 s for an ack, and on a small machine the work behind earlier requests
(query embedding, the database) competes with the event loop for the GIL and the cores
(`bench/bench_ack.py` measures it). So `PaperboyApp` marks each dispatch, HTTP or Socket
Mode, until its ack is sent, and listener work runs through the app's `AckFirst`: in a
worker thread, a few at a time, started only while no request awaits its ack (or after
`ACK_FIRST_MAX_DEFER_S`, so a steady stream of requests cannot starve the answers).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from typing import ParamSpec, TypeVar

__all__ = ["ACK_FIRST_MAX_DEFER_S", "ACK_FIRST_WORKERS", "AckFirst"]

ACK_FIRST_WORKERS = 2  # listener work items running at once (2 cores: more only contend)
ACK_FIRST_MAX_DEFER_S = 0.25  # the longest a work item waits for a quiet moment

P = ParamSpec("P")
T = TypeVar("T")


class AckFirst:
    """Runs listener work in worker threads, but only while no request awaits its ack."""

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
        """`fn(*args, **kwargs)` in a worker thread, once no ack is pending; returns what
        `fn` returned (its exception is raised here)."""
        async with self._slots:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._quiet.wait(), self._max_defer_s)
            return await asyncio.to_thread(fn, *args, **kwargs)
