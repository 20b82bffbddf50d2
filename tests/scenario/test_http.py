"""The HTTP surface: signatures checked before anything runs, a fast ack under a slow model,
and `/healthz`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

import numpy as np
import pytest
from aiohttp.test_utils import TestClient

from bot import members
from bot.context import Context
from bot.store import papers as paper_store
from tests.fake_slack import FakeSlack
from tests.fakes import FakeEmbedder
from tests.payloads import send, slash_command
from tests.scenario.support import block_texts, received


class SlowEmbedder(FakeEmbedder):
    """Takes up to 5 s inside `encode`, until the test releases it."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.finished = threading.Event()

    def encode(
        self, texts: Sequence[str], *, progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        self.release.wait(5)
        try:
            return super().encode(texts, progress=progress)
        finally:
            self.finished.set()


async def test_ack_comes_back_before_slow_model_work_finishes(
    http, fake_slack, ctx: Context, slack_papers
):
    slow = SlowEmbedder()
    ctx.library.embedder = slow
    request = slash_command("graph neural networks", response_url=fake_slack.response_url())
    response = await send(http, request)
    assert response.status == 200
    assert not slow.finished.is_set()  # the HTTP answer did not wait for the model
    assert fake_slack.calls("respond") == []
    slow.release.set()
    (reply,) = await received(fake_slack, "respond")
    assert slow.finished.is_set()
    assert "Graph neural networks" in block_texts(reply)


@pytest.mark.parametrize(
    ("secret", "age"), [("wrong-secret", 0), ("test-signing-secret", 600)], ids=["bad", "stale"]
)
async def test_bad_or_stale_signature_is_rejected(
    http, fake_slack: FakeSlack, ctx: Context, secret, age
):
    request = slash_command("follow graphs", response_url=fake_slack.response_url())
    response = await send(http, request, secret=secret, timestamp=int(time.time()) - age)
    assert response.status == 401
    assert fake_slack.methods() == []
    assert members.profile(ctx, "T1", "U1").interests == []


async def test_unsigned_request_is_rejected(http: TestClient, fake_slack: FakeSlack):
    request = slash_command("help", response_url=fake_slack.response_url())
    response = await http.post(
        "/slack/events", data=request.body, headers={"Content-Type": request.content_type}
    )
    assert response.status == 401
    assert fake_slack.methods() == []


async def test_healthz_reports_database_model_and_papers(http: TestClient, slack_papers):
    response = await http.get("/healthz")
    assert response.status == 200
    assert await response.json() == {
        "ok": True,
        "database": True,
        "model_loaded": True,
        "papers": len(slack_papers),
    }


async def test_healthz_counts_papers_without_listing_them(
    http: TestClient, slack_papers, monkeypatch
):
    def listed(*args: object) -> list[int]:
        raise AssertionError("healthz listed every paper id to count them")

    monkeypatch.setattr(paper_store, "ids_ingested_between", listed)
    response = await http.get("/healthz")
    assert response.status == 200 and (await response.json())["papers"] == len(slack_papers)


async def test_healthz_is_503_when_the_database_does_not_answer(
    http: TestClient, ctx: Context, monkeypatch
):
    monkeypatch.setattr(ctx.db, "ping", lambda: False)
    response = await http.get("/healthz")
    assert response.status == 503
    assert (await response.json())["database"] is False
