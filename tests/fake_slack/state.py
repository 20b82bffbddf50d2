"""The fake workspace's state: recorded calls, stored messages, users, channels, faults.

Everything here is guarded by one lock because the HTTP server answers on many threads.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

__all__ = ["BOT_ID", "BOT_USER_ID", "TEAM_ID", "Call", "ChannelInfo", "Fault", "State"]

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
TEAM_ID = "T1"
_BASE_TS = 1_700_000_000


@dataclass
class Call:
    """One request the fake received: the Web API method (or `respond`) and its body."""

    method: str
    body: dict[str, Any]
    headers: dict[str, str]
    status: int = 200
    error: str | None = None


@dataclass
class Fault:
    """A failure to answer instead of the normal response, `times` more times."""

    status: int
    error: str
    retry_after: int | None
    times: int


@dataclass
class ChannelInfo:
    """A conversation the fake knows: its members and whether the bot is in it."""

    id: str
    name: str
    is_member: bool = True
    is_private: bool = False
    members: list[str] = field(default_factory=list)


class State:
    """Thread-safe store behind the handler."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.base_ts = _BASE_TS  # kept by `reset()`; moved by `FakeSlack.set_clock`
        self.reset()

    def reset(self) -> None:
        """Forget calls, messages, configuration and faults."""
        with self.lock:
            self.calls: list[Call] = []
            self.messages: dict[str, list[dict[str, Any]]] = defaultdict(list)
            self.users: dict[str, dict[str, Any]] = {}
            self.channels: dict[str, ChannelInfo] = {}
            self.faults: dict[str, list[Fault]] = defaultdict(list)
            self.delays: dict[str, float] = {}
            self.drops: dict[str, int] = defaultdict(int)
            self.views = 0
            self.ts_counter = 0

    def next_ts(self) -> str:
        """A message timestamp, unique and increasing (as string and as float)."""
        with self.lock:
            self.ts_counter += 1
            n = self.ts_counter
            base = self.base_ts
        return f"{base + n}.{n:06d}"

    def next_view_id(self) -> str:
        """A fresh view id."""
        with self.lock:
            self.views += 1
            return f"V{self.views:05d}"

    def take_fault(self, method: str) -> Fault | None:
        """The next injected fault for `method`, consuming one of its `times`."""
        with self.lock:
            queue = self.faults.get(method)
            if not queue:
                return None
            fault = queue[0]
            fault.times -= 1
            if fault.times <= 0:
                queue.pop(0)
            return fault

    def take_drop(self, method: str) -> bool:
        """Whether to hang up on this call to `method` (after carrying it out)."""
        with self.lock:
            if self.drops.get(method, 0) <= 0:
                return False
            self.drops[method] -= 1
            return True

    def user(self, user_id: str) -> dict[str, Any]:
        """A `users.info` user object, with configured overrides."""
        with self.lock:
            extra = dict(self.users.get(user_id, {}))
        tz = extra.pop("tz", "Europe/Berlin")
        return {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": user_id.lower(),
            "real_name": f"User {user_id}",
            "tz": tz,
            "tz_label": tz,
            "tz_offset": 3600 if tz == "Europe/Berlin" else 0,
            "is_bot": user_id == BOT_USER_ID,
            "deleted": False,
            **extra,
        }

    def channel(self, channel_id: str) -> ChannelInfo:
        """The configured channel, or a public one the bot has not joined."""
        with self.lock:
            known = self.channels.get(channel_id)
        return known or ChannelInfo(id=channel_id, name=channel_id.lower(), is_member=False)
