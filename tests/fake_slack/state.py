"""The fake workspace's state: recorded calls, stored messages, users, channels, faults.

Everything here is guarded by one lock because the HTTP server answers on many threads.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "BOT_ID",
    "BOT_USER_ID",
    "TEAM_ID",
    "Call",
    "ChannelInfo",
    "Fault",
    "FileInfo",
    "State",
]

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


@dataclass
class FileInfo:
    """A file in the fake workspace: shared by a member (`add_file`) or uploaded by the bot
    (files.getUploadURLExternal, the upload, files.completeUploadExternal)."""

    id: str
    name: str
    user: str
    content: bytes | None = None  # None until uploaded
    length: int = 0  # announced by files.getUploadURLExternal
    title: str = ""
    channel: str | None = None  # where files.completeUploadExternal shared it
    initial_comment: str | None = None
    completed: bool = False
    url: str | None = None  # url_private override (a test's hostile file server)


class State:
    """Thread-safe store behind the handler."""

    def __init__(self, base_url: str = "") -> None:
        self.lock = threading.Lock()
        self.base_url = base_url  # e.g. http://127.0.0.1:1234, for upload and file URLs
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
            self.files: dict[str, FileInfo] = {}
            self.file_counter = 0

    def next_ts(self) -> str:
        """A message timestamp, unique and increasing (as string and as float)."""
        with self.lock:
            self.ts_counter += 1
            n = self.ts_counter
            base = self.base_ts
        return f"{base + n}.{n:06d}"

    def next_file_id(self) -> str:
        """A fresh file id."""
        with self.lock:
            self.file_counter += 1
            return f"F{self.file_counter:07d}"

    def file_url(self, info: FileInfo) -> str:
        """The file's `url_private`: served by the fake, for a bot token only."""
        return info.url or f"{self.base_url}/files-pri/{TEAM_ID}-{info.id}/{info.name}"

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
