"""With the real model: a member drops a 200-entry BibTeX library of one field (graph
learning) into the bot's DM; the one reply's counts add up, and their first digest is on
that field."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from slack_sdk.web.async_client import AsyncWebClient

from bot import members
from bot.citations import bibtex
from bot.context import Context, build_context
from bot.digest import build_member_digest
from bot.embedder import SentenceTransformerEmbedder
from bot.library import PaperView
from bot.settings import Settings
from bot.slack.app import build_app
from bot.slack.server import build_web_app
from jobs.ingest import ingest_paths
from tests.fake_slack import FakeSlack
from tests.payloads import event, send
from tests.scenario.support import block_texts, received

pytestmark = pytest.mark.model

FIELD = re.compile(
    r"\b(graphs?|gnns?|nodes?|message passing|network embeddings?|hypergraphs?|graphlets|"
    r"subgraph|gcn|graph-based|graph-rewiring|graphsaint|grapes|lignn|infognn)\b",
    re.IGNORECASE,
)
OTHER_FIELD = re.compile(r"architecture|pruning|metanetwork|hypernetwork|graphics", re.IGNORECASE)


@pytest.fixture
def model_ctx(settings: Settings, real_embedder: SentenceTransformerEmbedder) -> Iterator[Context]:
    context = build_context(settings, embedder=real_embedder)
    yield context
    context.db.dispose()


@pytest.fixture
def seed_papers(model_ctx: Context, seeds_dir: Path) -> int:
    """The seed pages, ingested with the real model; how many papers are new."""
    return ingest_paths(model_ctx, sorted(seeds_dir.glob("*.txt"))).new


@pytest.fixture
async def http(model_ctx: Context, fake_slack: FakeSlack) -> AsyncIterator[TestClient]:
    client = AsyncWebClient(token="xoxb-test-token", base_url=fake_slack.url)
    server = TestClient(TestServer(build_web_app(build_app(model_ctx, client=client), model_ctx)))
    await server.start_server()
    yield server
    pending = [t for t in asyncio.all_tasks() if "run_ack_function" in repr(t.get_coro())]
    if pending:
        await asyncio.wait(pending, timeout=30)
    await server.close()


def library_of_one_field(ctx: Context) -> tuple[str, set[int], set[int]]:
    """A 200-entry BibTeX library: every other stored graph-learning paper, and made-up
    graph papers paperboy never saw; plus the stored field papers it left out."""
    papers = ctx.library.papers(range(1, 1000))
    field = sorted(
        (p for p in papers.values() if FIELD.search(p.title) and not OTHER_FIELD.search(p.title)),
        key=lambda p: p.id,
    )
    mine, held_out = field[::2], field[1::2]
    made_up = [
        PaperView(
            10_000 + n,
            f"Message passing graph neural networks for {topic}, part {n}",
            "",
            ("Jane Doe",),
            1,
            None,
            None,
            f"https://example.org/graphs/{n}",
            None,
            field[0].ingested_at,
        )
        for n, topic in enumerate(["molecules", "traffic", "citations", "proteins"] * 60)
    ][: 200 - len(mine)]
    return bibtex([*mine, *made_up]), {p.id for p in mine}, {p.id for p in held_out}


async def test_a_bibtex_library_of_one_field_shapes_the_first_digest(
    http: TestClient, fake_slack: FakeSlack, model_ctx: Context, seed_papers: int
) -> None:
    assert seed_papers > 150
    text, mine, held_out = library_of_one_field(model_ctx)
    assert text.count("@misc{") == 200 and len(held_out) >= 20
    file_id = fake_slack.add_file("My Library.bib", text.encode("utf-8"), user="U1")
    shared = {"type": "file_shared", "file_id": file_id, "user_id": "U1", "channel_id": "DU1"}
    assert (await send(http, event(shared))).status == 200

    (reply,) = await received(fake_slack, "chat.postMessage", within=120)
    said = block_texts(reply)
    counts = re.search(r"read (\d+) · found (\d+) in paperboy's library · used (\d+)", said)
    assert counts, said
    read, found, used = map(int, counts.groups())
    not_found = int(re.search(r"(\d+) not among paperboy's papers", said).group(1))
    older = re.search(r"(\d+) older than your", said)
    assert read == 200 and found == len(mine) and used == min(found, 50)
    assert read == used + (int(older.group(1)) if older else 0) + not_found
    library = {p.id for p in members.profile(model_ctx, "T1", "U1").library}
    assert library == mine

    digest = build_member_digest(model_ctx, "T1", "U1")
    titles = [item.paper.title for item in digest.items]
    assert len(titles) == 5, digest.note
    on_field = [t for t in titles if FIELD.search(t)]
    assert len(on_field) >= 4, titles  # the fifth was a mesh-regression paper, like InfoGNN
    assert not {item.paper.id for item in digest.items} & mine  # a seed never comes back
    assert all(" from your library: " in item.reason for item in digest.items)
