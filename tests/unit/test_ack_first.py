"""`AckFirst`: listener work waits for pending acks, never forever, a few at a time."""

from __future__ import annotations

import asyncio
import threading

import pytest

from bot.slack.ack_first import AckFirst


async def test_work_waits_until_every_pending_request_is_acked() -> None:
    work, started = AckFirst(max_defer_s=60), threading.Event()
    async with work.acking():
        async with work.acking():
            task = asyncio.create_task(work.run(started.set))
            await asyncio.sleep(0.05)
            assert not started.is_set()
        await asyncio.sleep(0.05)
        assert not started.is_set()  # one request is still waiting for its ack
    await task
    assert started.is_set()


async def test_work_runs_after_max_defer_even_while_requests_keep_coming() -> None:
    work = AckFirst(max_defer_s=0.01)
    async with work.acking():
        assert await work.run(lambda: "answered") == "answered"


async def test_no_more_than_workers_items_run_at_once() -> None:
    work, release, two_running = AckFirst(workers=2), threading.Event(), threading.Event()
    running, most = [0], [0]
    lock = threading.Lock()

    def item() -> None:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
            if running[0] == 2:
                two_running.set()
        release.wait(5)
        with lock:
            running[0] -= 1

    tasks = [asyncio.create_task(work.run(item)) for _ in range(5)]
    assert await asyncio.to_thread(two_running.wait, 5)
    await asyncio.sleep(0.05)  # room for a third, were it allowed to start
    release.set()
    await asyncio.gather(*tasks)
    assert most[0] == 2


async def test_an_exception_in_the_work_reaches_the_caller() -> None:
    def fail() -> None:
        raise ValueError("no such paper")

    with pytest.raises(ValueError, match="no such paper"):
        await AckFirst().run(fail)
