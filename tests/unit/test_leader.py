"""LeaderElector and the lease store on SQLite: one leader, renewal, expiry, release."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from bot.db import Database
from bot.models import utcnow
from bot.store import leases
from jobs.leader import LeaderElector


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def db(database_url: str) -> Database:
    database = Database(database_url)
    database.create_all()
    return database


def test_one_elector_wins_and_renews(db: Database) -> None:
    a = LeaderElector(db, lease_seconds=30, holder="a")
    b = LeaderElector(db, lease_seconds=30, holder="b")
    assert a.tick() is True
    assert b.tick() is False
    assert a.tick() is True  # renewal
    assert (a.is_leader(), b.is_leader()) == (True, False)
    assert leases.current_holder(db, "scheduler") == "a"


def test_expired_lease_is_taken_over(db: Database) -> None:
    a = LeaderElector(db, lease_seconds=0.3, holder="a")
    b = LeaderElector(db, lease_seconds=0.3, holder="b")
    assert a.tick() and not b.tick()
    time.sleep(0.4)  # a "dies": no renewal
    assert not a.is_leader()
    assert b.tick() is True
    assert a.tick() is False
    assert leases.current_holder(db, "scheduler") == "b"


def test_local_leadership_ends_before_the_row_expires(db: Database) -> None:
    clock = Clock()
    a = LeaderElector(db, lease_seconds=10, holder="a", clock=clock)
    assert a.tick()
    clock.now += 8.9
    assert a.is_leader()
    clock.now += 0.2  # past lease_seconds minus the one-second margin
    assert not a.is_leader()


def test_unreachable_database_keeps_leadership_only_until_local_expiry(db: Database) -> None:
    clock = Clock()
    a = LeaderElector(db, lease_seconds=10, holder="a", clock=clock)
    assert a.tick()
    a.db = Database("postgresql+psycopg://nobody@127.0.0.1:1/down?connect_timeout=1")
    clock.now += 5
    assert a.tick() is True
    clock.now += 5
    assert a.tick() is False


def test_stop_releases_the_lease_at_once(db: Database) -> None:
    a = LeaderElector(db, lease_seconds=30, holder="a")
    b = LeaderElector(db, lease_seconds=30, holder="b")
    with a:
        assert a.is_leader()
        assert not b.tick()
    assert not a.is_leader()
    assert leases.current_holder(db, "scheduler") is None
    assert b.tick()


def test_background_thread_keeps_renewing(db: Database) -> None:
    a = LeaderElector(db, lease_seconds=0.6, holder="a")
    b = LeaderElector(db, lease_seconds=0.6, holder="b")
    with a:
        for _ in range(6):  # three lease lengths
            time.sleep(0.3)
            assert a.is_leader()
            assert not b.tick()


def test_lease_store_compares_against_given_time(db: Database) -> None:
    now = utcnow()
    ttl = timedelta(seconds=30)
    assert leases.try_acquire(db, "x", "a", ttl=ttl, now=now)
    assert not leases.try_acquire(db, "x", "b", ttl=ttl, now=now + timedelta(seconds=29))
    assert leases.try_acquire(db, "x", "b", ttl=ttl, now=now + timedelta(seconds=30))
    assert leases.current_holder(db, "x", now=now + timedelta(seconds=31)) == "b"
    assert leases.current_holder(db, "x", now=now + timedelta(seconds=61)) is None
    assert not leases.release(db, "x", "a")
    assert leases.release(db, "x", "b")
    assert leases.try_acquire(db, "y", "a", ttl=ttl, now=now)  # leases are independent
