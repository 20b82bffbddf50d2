"""Signed but malformed interactions (issue 15.5): a button value that is no paper id, a
number past any id, "More like this" on a paper that is gone, broken paging JSON. Each is
answered with a short ephemeral note and one WARNING line; no traceback, no ERROR."""

from __future__ import annotations

import logging

import pytest

from bot.context import Context
from bot.slack.blocks import ids
from tests.payloads import block_action, send
from tests.scenario.support import block_texts, received

MALFORMED = [
    (ids.PAPER_UP, "abc"),
    (ids.PAPER_DOWN, "999999999999"),
    (ids.PAPER_SAVE, "-3"),
    (ids.PAPER_SAVE, "1e3"),
    (ids.PAPER_MORE_LIKE, "abc"),
    (ids.PAPER_MORE_LIKE, "99999999999999999999999999"),
    (ids.SEARCH_MORE, "{not json"),
    (ids.SEARCH_MORE, '{"q": "graphs", "o": "x"}'),
    (ids.SEARCH_MORE, "[1, 2]"),
    (ids.SAVED_UNSAVE, "id:abc@0"),
    (ids.SAVED_UNSAVE, "id:3@-1"),
    (ids.SAVED_MORE, "abc"),
]


@pytest.mark.parametrize(("action_id", "value"), MALFORMED)
async def test_malformed_values_get_a_short_ephemeral_note(
    http, fake_slack, ctx: Context, slack_papers, caplog, action_id: str, value: str
):
    caplog.set_level(logging.INFO)
    request = block_action(
        action_id, value, channel_id="C1", response_url=fake_slack.response_url()
    )
    assert (await send(http, request)).status == 200
    (reply,) = await received(fake_slack, "respond")
    assert "That button doesn't work any more" in block_texts(reply)
    assert reply["response_type"] == "ephemeral" and reply["replace_original"] is False
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage() for r in warnings] == [f"malformed {action_id} action value {value!r}"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


async def test_a_malformed_vote_in_a_dm_leaves_the_digest_alone(http, fake_slack, slack_papers):
    message = {"ts": "1.2", "text": "digest", "blocks": [{"type": "divider", "block_id": "d"}]}
    request = block_action(
        ids.PAPER_UP,
        "abc",
        channel_id="DU1",
        message=message,
        response_url=fake_slack.response_url(),
    )
    await send(http, request)
    (reply,) = await received(fake_slack, "respond")
    assert reply["replace_original"] is False  # the digest is not replaced by the note


async def test_more_like_a_paper_that_is_gone(http, fake_slack, slack_papers, caplog):
    request = block_action(
        ids.PAPER_MORE_LIKE, "987654", channel_id="C1", response_url=fake_slack.response_url()
    )
    await send(http, request)
    (reply,) = await received(fake_slack, "respond")
    assert "no longer in the library" in block_texts(reply)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
