"""What replicas share through PostgreSQL: one scheduler leader, and each other's papers.

Replicas are separate `Database`/`Context` objects (their own connection pools) on one
fresh database, and for fail-over a real child process that is killed with SIGKILL.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator

import pytest

from bot.context import Context, build_context
from bot.db import Database
from bot.models import PaperRow
from bot.paper import Paper
from bot.settings import Settings
from bot.store import leases
from bot.store.papers import InboxRecord
from jobs.ingest import store_papers
from jobs.leader import LeaderElector
from tests.fakes import FakeEmbedder

pytestmark = pytest.mark.postgres


@pytest.fixture
def replicas(postgres_url: str) -> Iterator[tuple[Context, Context]]:
    settings = Settings(_env_file=None, database_url=postgres_url)
    pair = (
        build_context(settings, embedder=FakeEmbedder()),
        build_context(settings, embedder=FakeEmbedder()),
    )
    yield pair
    for ctx in pair:
        ctx.db.dispose()


def _elect(elector: LeaderElector, gate: threading.Barrier, won: list[bool]) -> None:
    gate.wait()
    won.append(elector.tick())


def test_racing_electors_elect_exactly_one(postgres_url: str) -> None:
    dbs = [Database(postgres_url) for _ in range(6)]
    dbs[0].create_all()
    for round_ in range(10):
        electors = [LeaderElector(db, lease_seconds=30, name=f"race{round_}") for db in dbs]
        gate = threading.Barrier(len(electors))
        won: list[bool] = []
        threads = [threading.Thread(target=_elect, args=(e, gate, won)) for e in electors]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(won) == [False] * 5 + [True]
    for db in dbs:
        db.dispose()


_HOLDER = """
import sys, time
from bot.db import Database
from jobs.leader import LeaderElector
elector = LeaderElector(Database(sys.argv[1]), lease_seconds=2, holder="child")
elector.start()
print("leader" if elector.is_leader() else "follower", flush=True)
time.sleep(600)
"""


def test_a_killed_leader_is_replaced_within_the_lease(postgres_url: str) -> None:
    db = Database(postgres_url)
    db.create_all()
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(_HOLDER), postgres_url],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "leader"
        with LeaderElector(db, lease_seconds=2, holder="survivor") as survivor:
            time.sleep(1)
            assert not survivor.is_leader()
            assert leases.current_holder(db, "scheduler") == "child"
            child.send_signal(signal.SIGKILL)
            killed = time.monotonic()
            while not survivor.is_leader() and time.monotonic() - killed < 10:
                time.sleep(0.05)
            # the lease ran out (<= 2 s after the kill) and the next attempt (every 2/3 s) won
            assert survivor.is_leader()
            assert time.monotonic() - killed < 2 + 2 / 3 + 0.5
    finally:
        child.kill()
        child.communicate()
        db.dispose()


def _jsonl(path: str, *titles: str) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for title in titles:
            out.write(json.dumps({"title": title, "abstract": f"About {title.lower()}."}) + "\n")


def test_a_replica_sees_papers_ingested_by_another(replicas: tuple[Context, Context]) -> None:
    from jobs.ingest import ingest_paths

    ingester, other = replicas
    _jsonl("one.jsonl", "Quantum Error Correction Codes")
    assert ingest_paths(ingester, ["one.jsonl"]).new == 1
    assert other.library.refresh() == 1
    _jsonl("two.jsonl", "Graph Neural Networks for Chemistry")
    ingest_paths(ingester, ["two.jsonl"])
    assert _titles(other, "graph neural chemistry") == ["Quantum Error Correction Codes"]
    assert other.library.refresh() == 1  # the poll every replica runs
    assert _titles(other, "graph neural chemistry")[0] == "Graph Neural Networks for Chemistry"


def _titles(ctx: Context, query: str) -> list[str]:
    return [hit.paper.title for hit in ctx.library.search(query)]


def test_a_late_commit_below_the_watermark_is_not_lost(
    replicas: tuple[Context, Context],
) -> None:
    ingester, other = replicas
    with ingester.db.session() as slow:  # a long ingest: id taken, commit still to come
        slow.add(PaperRow(title="Slow Paper On Tides", title_key="slow paper on tides"))
        slow.flush()
        fast = Paper("Fast Paper On Winds", "Winds.")
        store_papers(ingester, [fast], record=InboxRecord("fast", "fast.jsonl", "jsonl"))
        assert other.library.refresh() == 1
    other.library.refresh()
    assert _titles(other, "slow tides")[0] == "Slow Paper On Tides"
