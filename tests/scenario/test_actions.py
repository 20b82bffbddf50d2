"""Paper buttons over HTTP: votes stored at once and the message updated, neighbours, paging."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot import digest, members
from bot.context import Context
from bot.slack.blocks import ids, member_digest_message
from tests.payloads import block_action, send
from tests.scenario.support import block_texts, received


async def post_digest(ctx: Context, fake_slack) -> dict:
    """Post U1's digest as the delivery job would, and return the stored DM message."""
    members.follow(ctx, "T1", "U1", "graph neural networks")
    message = member_digest_message(digest.build_member_digest(ctx, "T1", "U1"))
    client = AsyncWebClient(token="xoxb-test-token", base_url=fake_slack.url)
    posted = await client.chat_postMessage(channel="DU1", **message.to_kwargs())
    fake_slack.reset()
    return {"ts": posted["ts"], "text": message.text, "blocks": posted["message"]["blocks"]}


async def test_thumbs_down_in_dm_updates_message_and_profile(
    http, fake_slack, ctx: Context, slack_papers
):
    paper_id = slack_papers["Graph neural networks for molecule property prediction"]
    message = await post_digest(ctx, fake_slack)
    request = block_action(
        ids.PAPER_DOWN,
        str(paper_id),
        channel_id="DU1",
        message=message,
        response_url=fake_slack.response_url(),
    )
    assert (await send(http, request)).status == 200
    (reply,) = await received(fake_slack, "respond")
    assert reply["replace_original"] is True
    assert "noted — fewer like this" in block_texts(reply)
    kept = [b["block_id"] for b in reply["blocks"] if b["type"] == "actions"]
    assert f"paper_actions_{paper_id}" not in kept and kept  # other papers keep their buttons
    assert members.profile(ctx, "T1", "U1").downvotes == 1


async def test_vote_in_channel_answers_privately(http, fake_slack, ctx: Context, slack_papers):
    paper_id = slack_papers["Sparse attention for long context transformers"]
    request = block_action(
        ids.PAPER_UP, str(paper_id), channel_id="C1", response_url=fake_slack.response_url()
    )
    await send(http, request)
    (reply,) = await received(fake_slack, "respond")
    assert reply["replace_original"] is False and reply["response_type"] == "ephemeral"
    assert "more like this" in block_texts(reply)
    assert members.profile(ctx, "T1", "U1").upvotes == 1


async def test_save_of_unknown_paper_shows_the_error(http, fake_slack):
    request = block_action(
        ids.PAPER_SAVE, "987654", channel_id="C1", response_url=fake_slack.response_url()
    )
    await send(http, request)
    (reply,) = await received(fake_slack, "respond")
    assert "no longer in the library" in block_texts(reply)


async def test_more_like_this_lists_neighbours(http, fake_slack, slack_papers):
    paper_id = slack_papers["Graph neural networks for molecule property prediction"]
    request = block_action(
        ids.PAPER_MORE_LIKE, str(paper_id), channel_id="C1", response_url=fake_slack.response_url()
    )
    await send(http, request)
    (reply,) = await received(fake_slack, "respond")
    text = block_texts(reply)
    assert "More like “Graph neural networks for molecule property prediction”" in text
    assert "Message passing graph neural networks at scale" in text
    assert reply["replace_original"] is False


async def test_search_more_pages_through_results(http, fake_slack, slack_papers):
    value = '{"q": "networks graph diffusion attention payload", "o": 5, "s": null}'
    request = block_action(
        ids.SEARCH_MORE, value, channel_id="C1", response_url=fake_slack.response_url()
    )
    await send(http, request)
    (reply,) = await received(fake_slack, "respond")
    assert reply["replace_original"] is True
    assert "Results for" in block_texts(reply)
