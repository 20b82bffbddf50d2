"""A controllable clock whose sleep only advances it, and `until` for real concurrency."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

__all__ = ["FakeClock", "until"]


class FakeClock:
    """Naive-UTC `now()`, moved by `advance()` or by awaiting `sleep()` (which records)."""

    def __init__(self, start: datetime) -> None:
        self.current = start
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.current += timedelta(seconds=seconds)


async def until(condition: Callable[[], object], *, polls: int = 1000) -> None:
    """Yield to the loop until `condition()` holds (another task or thread made it so)."""
    for _ in range(polls):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never held")
