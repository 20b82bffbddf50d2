"""New members' first commands arriving at the same moment (a double submit, Home opening
while a `/papers follow` runs, two devices): every member is created once and nothing any of
them asked for is lost. Runs on SQLite and, in the PostgreSQL pass, on PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from aiohttp.test_utils import TestClient

from bot import members
from bot.context import Context, build_context
from bot.settings import Settings
from bot.store import members as member_store
from tests.fake_slack import FakeSlack
from tests.fakes import FakeEmbedder
from tests.payloads import event, send, slash_command
from tests.scenario.conftest import drain
from tests.scenario.support import block_texts, received

USERS = [f"UNEW{n:02d}" for n in range(10)]


async def test_twenty_first_commands_from_ten_new_members_are_all_saved(
    http: TestClient, fake_slack: FakeSlack, ctx: Context
) -> None:
    requests = []
    for user in USERS:
        for topic in ("graph neural networks", "protein folding"):
            text = f"follow {topic} for {user}"
            requests.append(
                slash_command(text, user_id=user, response_url=fake_slack.response_url())
            )
    responses = await asyncio.gather(*(send(http, request) for request in requests))
    assert [r.status for r in responses] == [200] * 20
    replies = await received(fake_slack, "respond", 20)
    await drain()
    assert not any("went wrong" in block_texts(reply) for reply in replies)
    states = member_store.load_states(ctx.db, "T1", USERS)
    assert sorted(states) == USERS  # each created once
    for user in USERS:
        assert sorted(i.text for i in states[user].interests) == [
            f"graph neural networks for {user}",
            f"protein folding for {user}",
        ]


async def test_home_opening_while_the_first_follow_runs_loses_nothing(
    http: TestClient, fake_slack: FakeSlack, ctx: Context
) -> None:
    opened = event({"type": "app_home_opened", "user": "UNEWHOME", "tab": "home"})
    follow = slash_command(
        "follow sparse attention", user_id="UNEWHOME", response_url=fake_slack.response_url()
    )
    responses = await asyncio.gather(send(http, opened), send(http, follow), send(http, opened))
    assert [r.status for r in responses] == [200, 200, 200]
    await received(fake_slack, "respond")
    await received(fake_slack, "views.publish", 2)
    await drain()
    state = member_store.load_states(ctx.db, "T1", ["UNEWHOME"])["UNEWHOME"]
    assert [i.text for i in state.interests] == ["sparse attention"]


def test_two_replicas_racing_to_create_the_same_members(settings: Settings) -> None:
    """Each new user's two first changes, one per replica (its own engine), at one moment."""
    replicas = [build_context(settings, embedder=FakeEmbedder()) for _ in range(2)]
    try:
        for user in USERS:
            start = threading.Barrier(2)

            def first_change(
                ctx: Context, text: str, user: str = user, start: threading.Barrier = start
            ) -> None:
                start.wait()
                members.follow(ctx, "T1", user, text)

            with ThreadPoolExecutor(2) as pool:
                done = [
                    pool.submit(first_change, replica, text)
                    for replica, text in zip(replicas, ("graphs", "proteins"), strict=True)
                ]
                for future in done:
                    future.result()  # no IntegrityError from either side
        states = member_store.load_states(replicas[0].db, "T1", USERS)
        assert all(
            sorted(i.text for i in states[u].interests) == ["graphs", "proteins"] for u in USERS
        )
    finally:
        for replica in replicas:
            replica.db.dispose()


async def test_a_double_submitted_follow_is_stored_once(
    http: TestClient, fake_slack: FakeSlack, ctx: Context
) -> None:
    same = [
        slash_command("follow duplicate topic zeta", response_url=fake_slack.response_url())
        for _ in range(4)
    ]
    responses = await asyncio.gather(*(send(http, request) for request in same))
    assert [r.status for r in responses] == [200] * 4
    replies = await received(fake_slack, "respond", 4)
    await drain()
    state = member_store.load_states(ctx.db, "T1", ["U1"])["U1"]
    assert [i.text for i in state.interests] == ["duplicate topic zeta"]
    texts = [block_texts(reply) for reply in replies]
    assert sum("Following" in t for t in texts) == 1
    assert sum("already follow" in t for t in texts) == 3
