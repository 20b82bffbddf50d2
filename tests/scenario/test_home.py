"""App Home over HTTP: the view is published on open, and every control stores and re-publishes."""

from __future__ import annotations

import json
from datetime import datetime

from slack_sdk.web.async_client import AsyncWebClient

from bot import members
from bot.context import Context
from bot.slack.blocks import ids
from bot.slack.sender import Sender
from bot.store import members as member_store
from bot.store import outbox
from bot.store.outbox import OutboxPayload
from tests.fake_slack import FakeSlack
from tests.payloads import block_action, event, send, view_submission
from tests.scenario.support import block_texts, received

HOME_VIEW = {"id": "VHOME", "type": "home"}


async def open_home(http, fake_slack, count: int = 1) -> dict:
    await send(
        http, event({"type": "app_home_opened", "user": "U1", "channel": "DU1", "tab": "home"})
    )
    return (await received(fake_slack, "views.publish", count))[-1]


async def click(http, fake_slack, action_id: str, value: str, count: int) -> dict:
    response = await send(http, block_action(action_id, value, view=HOME_VIEW))
    assert response.status == 200
    return (await received(fake_slack, "views.publish", count))[-1]


def settings_values(**overrides: object) -> dict:
    values = {
        "delivery_time": "08:15",
        "timezone": "Asia/Tokyo",
        "days": ["mon", "wed"],
        "max_papers": "7",
        "threshold": "0.5",
        "options": ["paused"],
    }
    values.update(overrides)
    checked = lambda key: [{"value": v} for v in values[key]]  # noqa: E731
    return {
        "delivery_time": {
            "value": {"type": "timepicker", "selected_time": values["delivery_time"]}
        },
        "timezone": {"value": {"type": "plain_text_input", "value": values["timezone"]}},
        "days": {"value": {"type": "checkboxes", "selected_options": checked("days")}},
        "max_papers": {"value": {"type": "plain_text_input", "value": values["max_papers"]}},
        "threshold": {"value": {"type": "plain_text_input", "value": values["threshold"]}},
        "options": {"value": {"type": "checkboxes", "selected_options": checked("options")}},
    }


async def test_home_opened_publishes_the_profile(http, fake_slack, ctx: Context):
    members.ensure_member(ctx, "T1", "U1")
    members.follow(ctx, "T1", "U1", "<!channel> graphs")
    members.mute(ctx, "T1", "U1", "quantum")
    published = await open_home(http, fake_slack)
    assert published["user_id"] == "U1" and published["view"]["type"] == "home"
    text = block_texts(published)
    assert "&lt;!channel&gt; graphs" in text and "<!channel>" not in text
    assert "quantum" in text and "Reset learned feedback" in text


async def test_messages_tab_publishes_nothing(http, fake_slack):
    await send(
        http, event({"type": "app_home_opened", "user": "U1", "channel": "DU1", "tab": "messages"})
    )
    await send(
        http, event({"type": "app_home_opened", "user": "U1", "channel": "DU1", "tab": "home"})
    )
    await received(fake_slack, "views.publish")
    assert len(fake_slack.calls("views.publish")) == 1


async def test_add_interest_modal_then_remove(http, fake_slack, ctx: Context):
    await send(http, block_action(ids.HOME_ADD_INTEREST, "add", view=HOME_VIEW))
    (opened,) = await received(fake_slack, "views.open")
    assert opened["view"]["callback_id"] == ids.MODAL_ADD_INTEREST
    values = {"interest": {"text": {"type": "plain_text_input", "value": "sparse attention 🧠"}}}
    response = await send(http, view_submission(ids.MODAL_ADD_INTEREST, values))
    assert response.status == 200
    published = (await received(fake_slack, "views.publish"))[-1]
    assert "sparse attention 🧠" in block_texts(published)
    (interest,) = members.profile(ctx, "T1", "U1").interests
    assert interest.text == "sparse attention 🧠"
    value = ids.stable_value(interest.id)
    assert value in json.dumps(published["view"])  # the button names the interest by id
    published = await click(http, fake_slack, ids.HOME_REMOVE_INTEREST, value, 2)
    assert members.profile(ctx, "T1", "U1").interests == []
    assert "None yet" in block_texts(published)


async def test_add_interest_empty_is_refused_in_the_modal(http, fake_slack):
    values = {"interest": {"text": {"type": "plain_text_input", "value": "   "}}}
    response = await send(http, view_submission(ids.MODAL_ADD_INTEREST, values))
    body = await response.json()
    assert body["response_action"] == "errors" and "interest" in body["errors"]
    assert fake_slack.calls("views.publish") == []


async def test_duplicate_interest_shows_notice_on_home(http, fake_slack, ctx: Context):
    members.follow(ctx, "T1", "U1", "graphs")
    values = {"interest": {"text": {"type": "plain_text_input", "value": "graphs"}}}
    await send(http, view_submission(ids.MODAL_ADD_INTEREST, values))
    published = (await received(fake_slack, "views.publish"))[-1]
    assert "already follow" in block_texts(published)


async def test_pause_unmute_seed_and_reset(http, fake_slack, ctx: Context, slack_papers):
    paper_id = slack_papers["Protein folding with diffusion models"]
    members.add_seed(ctx, "T1", "U1", "https://arxiv.org/abs/2405.00003")
    members.mute(ctx, "T1", "U1", "quantum")
    members.record_feedback(ctx, "T1", "U1", paper_id, "up")
    published = await click(http, fake_slack, ids.HOME_TOGGLE_PAUSE, "pause", 1)
    assert members.profile(ctx, "T1", "U1").member.paused and "Resume" in block_texts(published)
    await click(http, fake_slack, ids.HOME_TOGGLE_PAUSE, "resume", 2)
    assert not members.profile(ctx, "T1", "U1").member.paused
    await click(http, fake_slack, ids.HOME_UNMUTE, "quantum", 3)
    await click(http, fake_slack, ids.HOME_REMOVE_SEED, ids.stable_value(paper_id), 4)
    published = await click(http, fake_slack, ids.HOME_RESET_FEEDBACK, "reset", 5)
    profile = members.profile(ctx, "T1", "U1")
    assert (profile.mutes, profile.seeds, profile.upvotes) == ([], [], 0)
    assert "👍 0" in block_texts(published)


async def test_settings_button_opens_modal_and_submission_stores(http, fake_slack, ctx: Context):
    await send(http, block_action(ids.HOME_OPEN_SETTINGS, "settings", view=HOME_VIEW))
    (opened,) = await received(fake_slack, "views.open")
    assert "Europe/Berlin" in json.dumps(opened["view"])  # Slack's tz for a new member
    response = await send(http, view_submission(ids.MODAL_SETTINGS, settings_values()))
    assert response.status == 200
    await received(fake_slack, "views.publish")
    member = members.profile(ctx, "T1", "U1").member
    assert (member.delivery_time, member.timezone, member.days) == (
        "08:15",
        "Asia/Tokyo",
        ("mon", "wed"),
    )
    assert (member.max_papers, member.threshold, member.paused) == (7, 0.5, True)
    assert member.popularity_boost is False


async def test_settings_with_bad_values_answer_errors(http, fake_slack, ctx: Context):
    values = settings_values(timezone="Mars/Olympus", max_papers="lots", threshold="2", days=[])
    response = await send(http, view_submission(ids.MODAL_SETTINGS, values))
    body = await response.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"timezone", "max_papers", "threshold", "days"}
    assert fake_slack.calls("views.publish") == []


async def send_digest(ctx: Context, fake: FakeSlack, day: int, paper_ids: list[int]) -> str:
    """Enqueue U1's digest for 2024-05-`day` with its deliveries, and let the sender post it."""
    member_id = member_store.ensure_member(ctx.db, "T1", "U1").id or 0
    at = datetime(2024, 5, day, 9, 0)
    outbox.enqueue(
        ctx.db,
        key=f"dm:T1:U1:2024-05-{day:02d}",
        kind="dm",
        recipient="U1",
        period=f"2024-05-{day:02d}",
        payload=OutboxPayload("papers", paper_ids=paper_ids),
        now=at,
        member_id=member_id,
    )
    client = AsyncWebClient(token="xoxb-test-token", base_url=fake.url)
    sender = Sender(ctx, client, clock=lambda: at)
    report = await sender.send_round()
    return "sent" if report.sent else "failed"


async def test_home_shows_last_digest_tally_and_delivery_failures(
    http, fake_slack, ctx: Context, slack_papers
):
    ids_ = list(slack_papers.values())
    assert await send_digest(ctx, fake_slack, 6, ids_[:3]) == "sent"
    members.record_feedback(ctx, "T1", "U1", ids_[0], "up")
    members.record_feedback(ctx, "T1", "U1", ids_[1], "down")
    members.record_feedback(ctx, "T1", "U1", ids_[2], "save")
    members.record_feedback(ctx, "T1", "U1", ids_[5], "up")  # not in that digest
    fake_slack.fail_next("chat.postMessage", error="account_inactive")
    assert await send_digest(ctx, fake_slack, 7, ids_[3:5]) == "failed"
    text = block_texts(await open_home(http, fake_slack))
    assert "*Last digest:* Mon 6 May 09:00 UTC · 3 papers · 👍 1 · 👎 1" in text
    assert "👍 2 · 👎 1 · 🔖 1" in text  # all-time feedback
    assert "Tue 7 May 09:00 UTC — couldn't DM you: account_inactive" in text
