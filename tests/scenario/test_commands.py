"""`/papers` over HTTP: every subcommand, odd but real inputs, and errors shown, not thrown."""

from __future__ import annotations

import pytest
from aiohttp import ClientSession, TraceConfig
from aiohttp.test_utils import TestClient, TestServer
from slack_sdk.web.async_client import AsyncWebClient

from bot import members
from bot.context import Context
from bot.slack.app import build_app
from bot.slack.server import build_web_app
from bot.store import channels
from bot.store import members as member_store
from tests.fake_slack import FakeSlack
from tests.payloads import send, slash_command
from tests.scenario.conftest import drain
from tests.scenario.support import block_texts, received


async def papers(http: TestClient, fake: FakeSlack, text: str, **kwargs: str) -> dict:
    """Run `/papers text` and return the (single) reply sent to the response URL."""
    before = len(fake.calls("respond"))
    response = await send(http, slash_command(text, response_url=fake.response_url(), **kwargs))
    assert response.status == 200
    return (await received(fake, "respond", before + 1))[-1]


async def test_search_shows_results_with_buttons(http, fake_slack, slack_papers):
    reply = await papers(http, fake_slack, "graph neural networks")
    text = block_texts(reply)
    assert "Graph neural networks for molecule property prediction" in text
    assert reply["response_type"] == "ephemeral"
    actions = [
        e["action_id"] for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert {"paper_up", "paper_down", "paper_more_like_this"} <= set(actions)


@pytest.mark.parametrize(
    "query",
    [
        "payload compression",  # Bolt's form parser trap
        'search "sparse attention" transformers',
        "diffusion 🎬 vidéo",
        "グラフ ニューラル ネットワーク",
        "attention " * 300,  # ~3,000 characters
    ],
)
async def test_odd_queries_go_through_the_whole_stack(http, fake_slack, slack_papers, query):
    reply = await papers(http, fake_slack, query)
    assert "Something went wrong" not in block_texts(reply)
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in reply["blocks"])


async def test_payload_query_finds_the_payload_paper(http, fake_slack, slack_papers):
    reply = await papers(http, fake_slack, "payload compression")
    assert "Payload compression for satellite links" in block_texts(reply)


async def test_search_since_filters_and_bad_date_is_explained(http, fake_slack, slack_papers):
    reply = await papers(http, fake_slack, "graph --since 31/02")
    assert "unknown date '31/02'" in block_texts(reply)


async def test_follow_interests_unfollow(http, fake_slack, ctx: Context):
    reply = await papers(http, fake_slack, "follow <@U999> diffusion & video")
    assert "&lt;@U999&gt; diffusion &amp; video" in block_texts(reply)
    assert "<@U999>" not in block_texts(reply)
    profile = members.profile(ctx, "T1", "U1")
    assert [i.text for i in profile.interests] == ["<@U999> diffusion & video"]
    assert profile.member.timezone == "Europe/Berlin"  # from users.info on first contact
    listing = block_texts(await papers(http, fake_slack, "interests"))
    assert "1. &lt;@U999&gt; diffusion &amp; video" in listing
    assert "Stopped following" in block_texts(await papers(http, fake_slack, "unfollow 1"))
    assert members.profile(ctx, "T1", "U1").interests == []


async def test_profile_errors_are_shown(http, fake_slack):
    assert "tell me what to follow" in block_texts(await papers(http, fake_slack, "follow"))
    reply = await papers(http, fake_slack, "unfollow 7")
    assert "don't follow anything" in block_texts(reply)


async def test_seed_mute_unmute(http, fake_slack, ctx: Context, slack_papers):
    reply = await papers(http, fake_slack, "seed https://arxiv.org/abs/2405.00003")
    assert "Protein folding with diffusion models" in block_texts(reply)
    assert "Muted" in block_texts(await papers(http, fake_slack, "mute protein"))
    assert members.profile(ctx, "T1", "U1").mutes == ["protein"]
    assert "Unmuted" in block_texts(await papers(http, fake_slack, "unmute protein"))
    assert "no paper matches" in block_texts(await papers(http, fake_slack, "seed 9999.99999"))


async def test_follow_then_digest_shows_the_paper_and_why(http, fake_slack, slack_papers):
    await papers(http, fake_slack, "follow graph neural networks for molecules")
    reply = await papers(http, fake_slack, "digest")
    text = block_texts(reply)
    assert "Graph neural networks for molecule property prediction" in text
    assert "Why you got this" in text and "graph neural networks for molecules" in text
    since = block_texts(await papers(http, fake_slack, "since 2020-01-01"))
    assert "Graph neural networks for molecule property prediction" in since


async def test_help_and_empty_text_show_usage(http, fake_slack):
    for text in ("", "help"):
        assert "/papers" in block_texts(await papers(http, fake_slack, text))


async def test_settings_opens_a_modal_with_slack_timezone(http, fake_slack):
    fake_slack.set_user("U1", tz="America/New_York")
    await send(http, slash_command("settings", response_url=fake_slack.response_url()))
    (opened,) = await received(fake_slack, "views.open")
    assert opened["trigger_id"] == "111.222.trigger"
    assert opened["view"]["callback_id"] == "modal_settings"
    assert "America/New_York" in str(opened["view"])


async def test_channel_commands_need_the_bot_in_the_channel(http, fake_slack, ctx: Context):
    reply = await papers(http, fake_slack, "channel on", channel_id="C7")
    assert "/invite @paperboy" in block_texts(reply)
    assert channels.get_channel(ctx.db, "T1", "C7") is None
    fake_slack.set_channel("C7", members=["U1"])
    reply = await papers(http, fake_slack, "channel on 08:30 Europe/Paris", channel_id="C7")
    assert "08:30" in block_texts(reply) and "Europe/Paris" in block_texts(reply)
    assert "Next one: " in block_texts(reply)
    assert channels.get_channel(ctx.db, "T1", "C7").enabled
    assert "no paper digest" in block_texts(
        await papers(http, fake_slack, "channel off", channel_id="C7")
    )
    assert "no paper digest" in block_texts(
        await papers(http, fake_slack, "channel status", channel_id="C7")
    )
    assert "unknown time zone" in block_texts(
        await papers(http, fake_slack, "channel on Mars/Base", channel_id="C7")
    )


async def test_unexpected_error_is_logged_and_answered_gently(
    http, fake_slack, monkeypatch, caplog
):
    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(members, "follow", broken)
    reply = await papers(http, fake_slack, "follow graphs")
    assert "Something went wrong" in block_texts(reply)
    assert "database on fire" not in block_texts(reply)
    assert any(r.exc_info and "database on fire" in str(r.exc_info[1]) for r in caplog.records)


async def test_channel_commands_in_a_dm_are_refused_by_the_service(http, fake_slack, ctx: Context):
    for text in ("channel on", "channel off", "channel status"):
        reply = await papers(http, fake_slack, text, channel_id="DU1")
        assert "in the channel that should get the team digest" in block_texts(reply)
    assert fake_slack.calls("conversations.info") == []
    assert channels.get_channel(ctx.db, "T1", "DU1") is None


async def test_slack_timezone_is_asked_once_per_user(http, fake_slack, ctx: Context):
    fake_slack.set_user("U1", tz="America/New_York")
    await papers(http, fake_slack, "interests")
    assert member_store.load_states(ctx.db, "T1", ["U1"]) == {}  # a read created nobody
    await papers(http, fake_slack, "follow graphs")  # the first change joins the member
    assert len(fake_slack.calls("users.info")) == 1  # the second command used the cache
    assert member_store.load_states(ctx.db, "T1", ["U1"])["U1"].member.timezone == (
        "America/New_York"
    )
    await papers(http, fake_slack, "interests", user_id="U2")
    assert [c["user"] for c in fake_slack.calls("users.info")] == ["U1", "U2"]


async def test_a_refused_first_command_joins_nobody(http, fake_slack, ctx: Context):
    for text in ('follow author:"Doe"', "seed 2401.99999", "follow " + "x" * 301):
        reply = await papers(http, fake_slack, text)
        assert "Something went wrong" not in block_texts(reply)
    assert member_store.load_states(ctx.db, "T1", ["U1"]) == {}


async def test_a_failed_timezone_lookup_is_asked_again(http, fake_slack):
    fake_slack.fail_next("users.info", error="user_not_found")
    await papers(http, fake_slack, "interests")
    await papers(http, fake_slack, "interests")
    assert len(fake_slack.calls("users.info")) == 2


async def test_help_answers_without_touching_slack_or_the_database(http, fake_slack, ctx: Context):
    reply = await papers(http, fake_slack, "help")
    assert "/papers" in block_texts(reply)
    assert fake_slack.calls("users.info") == []
    assert member_store.load_states(ctx.db, "T1", ["U1"]) == {}


async def test_replies_go_over_the_clients_pooled_session(ctx: Context, fake_slack):
    seen = {"requests": 0, "reused": 0}
    trace = TraceConfig()
    trace.on_request_start.append(lambda *_: _count(seen, "requests"))
    trace.on_connection_reuseconn.append(lambda *_: _count(seen, "reused"))
    async with ClientSession(trace_configs=[trace]) as session:
        client = AsyncWebClient(token="xoxb-test-token", base_url=fake_slack.url, session=session)
        http = TestClient(TestServer(build_web_app(build_app(ctx, client=client), ctx)))
        await http.start_server()
        try:
            for text in ("help", "interests"):
                reply = await papers(http, fake_slack, text)
                assert reply["response_type"] == "ephemeral"
        finally:
            await drain()
            await http.close()
    # auth.test and users.info once each, then both replies: all four on the one session
    assert seen["requests"] == 4 and len(fake_slack.calls("respond")) == 2
    assert seen["reused"] >= 1  # a kept-alive connection, not one per call


async def _count(seen: dict[str, int], key: str) -> None:
    seen[key] += 1
