"""Two `paperboy run --http` replicas on one PostgreSQL database, as separate processes.

Shows the multi-replica contract end to end: both answer HTTP, exactly one holds the
scheduler lease, the other takes it over within the lease after the leader is SIGKILLed,
and members due now get exactly one DM each in the fake Slack, before and after fail-over.
Slow (two processes load the real model), so marked `model` as well as `postgres`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.context import build_context
from bot.db import Database
from bot.embedder import SentenceTransformerEmbedder
from bot.models import utcnow
from bot.settings import Settings
from bot.store import leases
from bot.store import members as member_store
from jobs.ingest import ingest_paths
from tests.fake_slack import TEAM_ID, FakeSlack
from tests.payloads import SECRET, signed_headers, slash_command

pytestmark = [pytest.mark.postgres, pytest.mark.model]
pytest.importorskip("bot.slack.app", reason="the Slack app (bot/slack/app.py) is not there yet")

LEASE_SECONDS = 5
TICK_SECONDS = 5
TOPICS = {
    "U101": "Retrieval augmented generation for open domain question answering",
    "U102": "Protein structure prediction with diffusion models",
    "U103": "Reinforcement learning from human feedback for language models",
}
_RUN = "from cli import main; main()"


class Replica:
    """One `paperboy run --http` child process, its JSON log and its HTTP port."""

    def __init__(self, name: str, env: dict[str, str], log_dir: Path) -> None:
        self.log_path = log_dir / f"{name}.log"
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _RUN, "run", "--http", "--host", "127.0.0.1", "--port", "0"],
                env=env, stdout=log, stderr=subprocess.STDOUT, cwd=log_dir,
            )  # fmt: skip
        self.port = int(self.wait_for("started", timeout=120)["port"])

    def events(self) -> list[dict[str, Any]]:
        """The structured log lines so far."""
        lines = self.log_path.read_text().splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]

    def wait_for(self, event: str, *, timeout: float) -> dict[str, Any]:
        """The first log line with this event, waiting for it."""
        found = _poll(lambda: next((e for e in self.events() if e.get("event") == event), None),
                      timeout=timeout, process=self.process)  # fmt: skip
        assert found is not None, f"no {event!r} within {timeout}s:\n{self.tail()}"
        return found

    def healthy(self) -> bool:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=5) as reply:
            return reply.status == 200

    def command(self, text: str, response_url: str) -> int:
        """POST a signed `/papers <text>`; the HTTP status."""
        body = slash_command(text, response_url=response_url, team_id=TEAM_ID, user_id="U101").body
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/slack/events", data=body.encode(), method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded", **signed_headers(body)},
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status

    def tail(self) -> str:
        return "\n".join(self.log_path.read_text().splitlines()[-30:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _poll(check: Callable[[], Any], *, timeout: float, process: Any = None) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        if process is not None and process.poll() is not None:
            return check()
        time.sleep(0.2)
    return check()


@pytest.fixture
def database(postgres_url: str, tmp_path: Path, real_embedder: SentenceTransformerEmbedder) -> str:
    """The database with three members due now, and papers (embedded) for each of them."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    with (inbox / "today.jsonl").open("w") as out:
        for title in TOPICS.values():
            out.write(json.dumps({"title": title, "abstract": f"We study {title.lower()}."}) + "\n")
    ctx = build_context(
        Settings(_env_file=None, database_url=postgres_url, inbox_dir=inbox),
        embedder=real_embedder,
    )
    assert ingest_paths(ctx).new == len(TOPICS)
    (inbox / "today.jsonl").unlink()
    due = (utcnow() - timedelta(minutes=2)).strftime("%H:%M")
    for user_id, topic in TOPICS.items():
        member = member_store.ensure_member(
            ctx.db, TEAM_ID, user_id, timezone="UTC", delivery_time=due,
            days="mon,tue,wed,thu,fri,sat,sun", threshold=0.2,
        )  # fmt: skip
        member_store.add_interest(ctx.db, member.id or 0, topic)
    ctx.db.dispose()
    return postgres_url


@pytest.fixture
def replica_env(database: str, fake_slack: FakeSlack, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database,
        "INBOX_DIR": str(tmp_path / "inbox"),
        "SLACK_API_URL": fake_slack.url,
        "SLACK_BOT_TOKEN": "xoxb-replica-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "LEADER_LEASE_SECONDS": str(LEASE_SECONDS),
        "TICK_SECONDS": str(TICK_SECONDS),
        "SLACK_POST_INTERVAL_SECONDS": "0",
        "LOG_FORMAT": "json",
        "HF_HUB_OFFLINE": "1",
    }


@pytest.fixture
def replicas(replica_env: dict[str, str], tmp_path: Path) -> Iterator[list[Replica]]:
    started: list[Replica] = []
    try:
        started.append(Replica("a", replica_env, tmp_path))
        started[0].wait_for("leader.acquired", timeout=30)  # `a` leads: a known starting point
        started.append(Replica("b", replica_env, tmp_path))
        yield started
    finally:
        for replica in started:
            replica.stop()


def _dms(fake_slack: FakeSlack) -> dict[str, int]:
    counts = {user_id: 0 for user_id in TOPICS}
    for body in fake_slack.calls("chat.postMessage"):
        user_id = str(body.get("channel", "")).removeprefix("D")
        if user_id in counts:
            counts[user_id] += 1
    return counts


def _leader_pid(database: str) -> int | None:
    db = Database(database)
    try:
        holder = leases.current_holder(db, "scheduler")
    finally:
        db.dispose()
    return int(holder.split(":")[1]) if holder else None


def test_two_replicas_one_leader_failover_and_no_double_delivery(
    replicas: list[Replica], database: str, fake_slack: FakeSlack
) -> None:
    a, b = replicas
    assert a.healthy() and b.healthy()
    for replica in (a, b):  # any replica answers Slack, leader or not
        assert replica.command("help", fake_slack.response_url(f"r{replica.port}")) == 200
    assert _leader_pid(database) == a.process.pid
    once = {user_id: 1 for user_id in TOPICS}
    assert _poll(lambda: _dms(fake_slack) == once, timeout=90), (_dms(fake_slack), a.tail())
    time.sleep(2 * TICK_SECONDS)  # two more ticks of the leader: nothing is sent again
    assert _dms(fake_slack) == once
    assert not any(e.get("event") == "leader.acquired" for e in b.events())

    a.process.kill()  # SIGKILL: no release, the lease must run out
    killed = time.monotonic()
    b.wait_for("leader.acquired", timeout=3 * LEASE_SECONDS)
    assert time.monotonic() - killed <= LEASE_SECONDS + LEASE_SECONDS / 3 + 1.5
    assert _leader_pid(database) == b.process.pid
    time.sleep(2 * TICK_SECONDS)  # the new leader's ticks find every digest already in the outbox
    assert _dms(fake_slack) == once
    assert b.healthy()
