"""App Home's lists over HTTP: followed authors and saved papers are shown and changed there,
and every Remove-like button names its row by id or text, so that a double-click removes
one thing, never the row that slid into its place (issue 15.8)."""

from __future__ import annotations

import json
import logging

from bot import members, reading
from bot.context import Context
from bot.slack.blocks import ids
from tests.payloads import block_action, send, view_submission
from tests.scenario.support import block_texts, received
from tests.scenario.test_home import HOME_VIEW, click, open_home


def row_buttons(view: dict, action_id: str) -> list[str]:
    return [
        b["accessory"]["value"]
        for b in view["view"]["blocks"]
        if (b.get("accessory") or {}).get("action_id") == action_id
    ]


async def test_two_identical_remove_clicks_remove_exactly_one_interest(
    http, fake_slack, ctx: Context
):
    for text in ("alpha", "beta", "gamma"):
        members.follow(ctx, "T1", "U1", text)
    home = await open_home(http, fake_slack)
    values = row_buttons(home, ids.HOME_REMOVE_INTEREST)
    beta = values[1]
    # both clicks leave before the republished view arrives, as a double-click does
    first = send(http, block_action(ids.HOME_REMOVE_INTEREST, beta, view=HOME_VIEW))
    second = send(http, block_action(ids.HOME_REMOVE_INTEREST, beta, view=HOME_VIEW))
    assert (await first).status == 200 and (await second).status == 200
    await received(fake_slack, "views.publish", 3)
    assert [i.text for i in members.profile(ctx, "T1", "U1").interests] == ["alpha", "gamma"]
    assert "already" not in block_texts(fake_slack.calls("views.publish")[-1])  # no error shown


async def test_a_position_from_an_old_view_removes_nothing(http, fake_slack, ctx: Context, caplog):
    for text in ("alpha", "beta"):
        members.follow(ctx, "T1", "U1", text)
    caplog.set_level(logging.WARNING, "bot.slack")
    for count, value in enumerate(("2", "id:abc", "id:999999999999", "id:-1"), 1):
        published = await click(http, fake_slack, ids.HOME_REMOVE_INTEREST, value, count)
        assert "older view of this tab, so nothing changed" in block_texts(published)
    assert [i.text for i in members.profile(ctx, "T1", "U1").interests] == ["alpha", "beta"]
    warnings = [r for r in caplog.records if "malformed home_remove_interest" in r.getMessage()]
    assert len(warnings) == 4 and not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_seed_and_mute_double_clicks_are_no_ops(http, fake_slack, ctx: Context, slack_papers):
    first, second = list(slack_papers.values())[:2]
    for paper_id in (first, second):
        members.add_seed(ctx, "T1", "U1", ctx.library.papers([paper_id])[paper_id].title)
    members.mute(ctx, "T1", "U1", "quantum")
    value = ids.stable_value(first)
    await click(http, fake_slack, ids.HOME_REMOVE_SEED, value, 1)
    await click(http, fake_slack, ids.HOME_REMOVE_SEED, value, 2)
    assert [p.id for p in members.profile(ctx, "T1", "U1").seeds] == [second]
    await click(http, fake_slack, ids.HOME_UNMUTE, "quantum", 3)
    published = await click(http, fake_slack, ids.HOME_UNMUTE, "quantum", 4)
    assert "don't mute" not in block_texts(published)


async def test_home_shows_followed_authors_and_follows_from_a_modal(http, fake_slack, ctx: Context):
    members.follow_author(ctx, "T1", "U1", "<@U9> Jane Doe")
    home = await open_home(http, fake_slack)
    text = block_texts(home)
    assert "Authors you follow" in text and "&lt;@U9&gt; Jane Doe" in text
    await send(http, block_action(ids.HOME_FOLLOW_AUTHOR, "add", view=HOME_VIEW))
    (opened,) = await received(fake_slack, "views.open")
    assert opened["view"]["callback_id"] == ids.MODAL_FOLLOW_AUTHOR
    values = {"author": {"text": {"type": "plain_text_input", "value": "Doe"}}}
    refused = await (await send(http, view_submission(ids.MODAL_FOLLOW_AUTHOR, values))).json()
    assert "first name or initial" in refused["errors"]["author"]
    values = {"author": {"text": {"type": "plain_text_input", "value": "Dupont, Jean-Pierre"}}}
    assert (await send(http, view_submission(ids.MODAL_FOLLOW_AUTHOR, values))).status == 200
    published = (await received(fake_slack, "views.publish", 2))[-1]
    assert "Dupont, Jean-Pierre" in block_texts(published)
    assert members.profile(ctx, "T1", "U1").authors == ["<@U9> Jane Doe", "Dupont, Jean-Pierre"]
    name = row_buttons(published, ids.HOME_UNFOLLOW_AUTHOR)[0]
    await click(http, fake_slack, ids.HOME_UNFOLLOW_AUTHOR, name, 3)
    published = await click(http, fake_slack, ids.HOME_UNFOLLOW_AUTHOR, name, 4)
    assert members.profile(ctx, "T1", "U1").authors == ["Dupont, Jean-Pierre"]
    assert "don't follow" not in block_texts(published)


async def test_home_shows_the_newest_saves_with_unsave(
    http, fake_slack, ctx: Context, slack_papers
):
    saved = list(slack_papers.values())
    for paper_id in saved:
        members.record_feedback(ctx, "T1", "U1", paper_id, "save")
    home = await open_home(http, fake_slack)
    text = block_texts(home)
    assert f"*🔖 Saved* · {len(saved)}" in text and "/papers saved export" in text
    values = row_buttons(home, ids.HOME_UNSAVE)
    assert values == [ids.stable_value(p) for p in saved[::-1][:5]]
    await click(http, fake_slack, ids.HOME_UNSAVE, values[0], 2)
    published = await click(http, fake_slack, ids.HOME_UNSAVE, values[0], 3)
    assert reading.saved_papers(ctx, "T1", "U1").total == len(saved) - 1
    assert row_buttons(published, ids.HOME_UNSAVE)[0] == values[1]


async def test_the_share_setting_is_in_the_settings_modal(http, fake_slack, ctx: Context):
    await send(http, block_action(ids.HOME_OPEN_SETTINGS, "settings", view=HOME_VIEW))
    (opened,) = await received(fake_slack, "views.open")
    assert "Show my 👍 and saves to my team" in json.dumps(opened["view"], ensure_ascii=False)
    assert members.profile(ctx, "T1", "U1").member.share_votes is False  # off by default
