"""Helpers for scenario tests: wait for the fake Slack to receive what a listener sends."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from tests.fake_slack import FakeSlack

__all__ = ["block_texts", "received"]


async def received(
    fake: FakeSlack, method: str, count: int = 1, *, within: float = 10
) -> list[dict[str, Any]]:
    """The bodies of `method` calls once at least `count` arrived (fails after `within` seconds)."""
    deadline = time.monotonic() + within
    while len(calls := fake.calls(method)) < count:
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{method}: {len(calls)} calls, expected {count}; saw {fake.methods()}"
            )
        await asyncio.sleep(0.01)
    return calls


def all_texts(node: Any) -> list[str]:
    """Every `text` string anywhere in a block tree, depth first."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                out.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(node)
    return out


def block_texts(body: dict[str, Any]) -> str:
    """Every text in a message's or view's blocks, joined (for `in` assertions)."""
    blocks = body.get("blocks") or (body.get("view") or {}).get("blocks") or []
    return "\n".join(all_texts(blocks))
