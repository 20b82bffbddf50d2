"""The running Slack app for scenario tests: Bolt over aiohttp on port 0, talking to the
fake Slack Web API, with a small library of papers ingested through the real pipeline."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.context import Context
from bot.slack.app import build_app
from bot.slack.server import build_web_app
from jobs.ingest import ingest_paths
from tests.fake_slack import FakeSlack

PAPERS = [
    ("Graph neural networks for molecule property prediction", "We propose a graph network."),
    ("Message passing graph neural networks at scale", "We scale message passing graphs."),
    ("Protein folding with diffusion models", "We present diffusion for protein folding."),
    ("Sparse attention for long context transformers", "We introduce sparse attention."),
    ("Payload compression for satellite links", "We study payload compression in orbit."),
    ("<!channel> <@U123> *bold* & friends", "A title that tries to ping everyone."),
    ("Diffusion transformers for video generation", "We propose video diffusion transformers."),
]


@pytest.fixture
def slack_papers(ctx: Context, tmp_path: Path) -> dict[str, int]:
    """The papers above, ingested; maps title → paper id."""
    digest = tmp_path / "scenario.jsonl"
    lines = [json.dumps(_record(n, t, a)) for n, (t, a) in enumerate(PAPERS, 1)]
    digest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = ingest_paths(ctx, [digest])
    assert report.new == len(PAPERS), report
    views = ctx.library.papers(report.new_paper_ids)
    return {view.title: view.id for view in views.values()}


def _record(n: int, title: str, abstract: str) -> dict[str, object]:
    return {
        "title": title,
        "abstract": abstract,
        "authors": ["Ada Lovelace", "Alan Turing"],
        "published": f"2024-05-0{n % 9 + 1}",
        "upvotes": n,
        "url": f"https://arxiv.org/abs/2405.0000{n}",
    }


@pytest.fixture
def client(fake_slack: FakeSlack) -> AsyncWebClient:
    """A Web API client pointed at the fake Slack."""
    return AsyncWebClient(token="xoxb-test-token", base_url=fake_slack.url)


@pytest.fixture
def bolt_app(ctx: Context, client: AsyncWebClient) -> AsyncApp:
    """The app, its Web API client pointed at the fake."""
    return build_app(ctx, client=client)


@pytest.fixture
async def http(bolt_app: AsyncApp, ctx: Context) -> AsyncIterator[TestClient]:
    """An HTTP client for the running aiohttp app (POST /slack/events, GET /healthz)."""
    client = TestClient(TestServer(build_web_app(bolt_app, ctx)))
    await client.start_server()
    yield client
    await drain()
    await client.close()


async def drain() -> None:
    """Wait for listener work Bolt left running after its ack."""
    pending = [t for t in asyncio.all_tasks() if "run_ack_function" in repr(t.get_coro())]
    if pending:
        await asyncio.wait(pending, timeout=10)
