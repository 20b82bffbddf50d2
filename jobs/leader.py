"""LeaderElector: which replica runs the scheduler, by a renewed lease row in the database.

Every `paperboy run` replica starts one elector; the scheduler asks `is_leader()` before
each job. The elector renews the "scheduler" `Lease` row from a daemon thread every third
of `leader_lease_seconds`, so a busy event loop cannot make it miss a renewal. When its
holder dies, the row expires and another replica takes it at its next attempt: within
about `leader_lease_seconds` plus one renewal interval. An orderly `stop()` releases the
lease at once. The same code serves SQLite (several processes on one file) and PostgreSQL.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

from bot.db import Database
from bot.logs import log_event
from bot.store import leases

__all__ = ["SCHEDULER_LEASE", "LeaderElector", "replica_id"]

SCHEDULER_LEASE = "scheduler"
log = logging.getLogger(__name__)


def replica_id() -> str:
    """A unique id for this process: host, pid and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class LeaderElector:
    """Holds (or waits for) one named lease and answers `is_leader()` without a query.

    Leadership is trusted locally only until `lease_seconds` (minus a safety margin) after
    the start of the last successful renewal, which is never later than the row's expiry:
    a replica cut off from the database stops leading before anyone else can start.
    """

    def __init__(
        self,
        db: Database,
        *,
        lease_seconds: float,
        name: str = SCHEDULER_LEASE,
        holder: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.name = name
        self.holder = holder or replica_id()
        self.lease_seconds = lease_seconds
        self.interval = lease_seconds / 3
        self._clock = clock
        self._valid_until = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def is_leader(self) -> bool:
        """Whether this replica holds the lease now (cheap; safe from any thread)."""
        return self._clock() < self._valid_until

    def tick(self) -> bool:
        """Take or renew the lease once, logging when leadership changes; whether this
        replica is the leader after the attempt."""
        was_leader = self.is_leader()
        started = self._clock()
        try:
            won = leases.try_acquire(
                self.db, self.name, self.holder, ttl=timedelta(seconds=self.lease_seconds)
            )
        except Exception:  # database unreachable: lead on only until the local expiry
            log.warning("lease %s: renewal failed", self.name, exc_info=True)
            return self.is_leader()
        margin = min(1.0, self.lease_seconds / 10)
        self._valid_until = started + self.lease_seconds - margin if won else 0.0
        if won != was_leader:
            event = "leader.acquired" if won else "leader.lost"
            log_event(log, event, lease=self.name, holder=self.holder)
        return won

    def start(self) -> None:
        """Take the lease if free, then keep renewing it (or retrying) in a daemon thread."""
        if self._thread is not None:
            return
        self._stop.clear()
        self.tick()
        self._thread = threading.Thread(target=self._loop, name=f"lease-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop renewing and release the lease, so another replica takes over at once."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.lease_seconds)
            self._thread = None
        self._valid_until = 0.0
        try:
            released = leases.release(self.db, self.name, self.holder)
        except Exception:  # it expires on its own
            log.warning("lease %s: release failed", self.name, exc_info=True)
            return
        if released:
            log_event(log, "leader.released", lease=self.name, holder=self.holder)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.tick()

    def __enter__(self) -> LeaderElector:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
