"""Done-when of issue 11: with `SOURCES` set to Hugging Face's daily list and an arXiv feed
of two categories, served by a local server, `paperboy run` (a real process, the real
model) fetches, ingests and delivers with nothing dropped into the inbox by hand."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import members
from bot.context import build_context
from bot.models import utcnow
from bot.settings import Settings
from tests.fake_slack import FakeSlack
from tests.fake_sources import HF_PATH, FakeSources
from tests.fakes import FakeEmbedder

PAPERBOY = Path(sys.executable).with_name("paperboy")
DEADLINE_S = 240  # model load and first ingest on a busy 2-core machine
REPLACED = (
    "Flat Minima Revisited",  # announce type replace
    "Score-Based Generative Priors for Radio Interferometric Imaging",  # replace-cross
)


@pytest.fixture
def fake_sources() -> Iterator[FakeSources]:
    with FakeSources() as server:
        yield server


def _member(database_url: str, inbox: Path) -> None:
    """A member due now (UTC), who follows broad interests and takes any score."""
    settings = Settings(_env_file=None, database_url=database_url, inbox_dir=inbox)
    ctx = build_context(settings, embedder=FakeEmbedder())
    try:
        members.ensure_member(ctx, "T1", "U1")
        for interest in ("computer vision and video", "machine learning", "language agents"):
            members.follow(ctx, "T1", "U1", interest)
        earlier = (utcnow().replace(second=0, microsecond=0)).strftime("%H:%M")
        members.update_settings(
            ctx, "T1", "U1", days="daily", delivery_time=earlier, threshold=0.0, max_papers=20
        )
    finally:
        ctx.db.dispose()


def _lines(stream: object) -> queue.Queue[str]:
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:  # type: ignore[attr-defined]
            lines.put(line)
        lines.put("")

    threading.Thread(target=pump, daemon=True).start()
    return lines


def test_run_fetches_ingests_and_delivers_by_itself(
    tmp_path: Path, fake_slack: FakeSlack, fake_sources: FakeSources
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    database_url = f"sqlite:///{tmp_path / 'run.db'}"
    _member(database_url, inbox)
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env = {
        **keep,
        "DATABASE_URL": database_url,
        "INBOX_DIR": str(inbox),
        "HF_HUB_OFFLINE": "1",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),  # this checkout's code
        "SOURCES": "hf-daily arxiv:cs.CV+cs.LG",
        "HF_API_URL": fake_sources.url,
        "ARXIV_RSS_URL": fake_sources.url,
        "SLACK_BOT_TOKEN": "xoxb-run-secret-token",
        "SLACK_SIGNING_SECRET": "sign-secret",
        "SLACK_API_URL": fake_slack.url,
        "LOG_FORMAT": "json",
        "TICK_SECONDS": "5",
    }
    process = subprocess.Popen(
        [PAPERBOY, "run", "--http", "--host", "127.0.0.1", "--port", "0"],
        env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stderr is not None
    lines, seen = _lines(process.stderr), []
    deadline = time.monotonic() + DEADLINE_S
    try:
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                continue
            seen.append(line)
            if not line or ('"job": "deliver"' in line and json.loads(line).get("sent")):
                break
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()
    output = "".join(seen)
    assert process.returncode == 0, output
    events = [json.loads(line) for line in seen if line.startswith("{")]
    fetched = [e for e in events if e.get("event") == "fetch"]
    assert {e["source"] for e in fetched} == {"hf-daily", "arxiv:cs.CV+cs.LG"}, output
    assert len(fake_sources.requests("/rss/cs.CV+cs.LG")) == 1
    assert len(fake_sources.requests(HF_PATH)) == 2  # yesterday and today, on a first run
    kept = sorted(p.name for p in inbox.iterdir())
    assert "arxiv_cs.CV+cs.LG_2024-06-18.xml" in kept
    assert sum(name.startswith("hf-daily_") for name in kept) == 2
    (digest,) = fake_slack.messages("DU1")
    text = json.dumps(digest, ensure_ascii=False)
    assert "LumaFlow" in text  # in both sources, delivered once
    assert "Conformal Prediction Sets under Label Shift" in text  # only arXiv's (a cross-list)
    assert "Sparse Reward Shaping" in text  # only Hugging Face's
    assert not any(title in text for title in REPLACED), "a replacement was delivered as new"
    assert "|code>" in text and "Hugging Face AI summary" in text
