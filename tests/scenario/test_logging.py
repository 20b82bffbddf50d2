"""Logs under a real command at DEBUG: no Bolt warning about the environment's token, and
neither the bot token nor the signing secret ever appears in any record."""

from __future__ import annotations

import logging

import pytest
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.context import Context
from bot.slack.app import build_app
from tests.fake_slack import FakeSlack
from tests.payloads import SECRET, event, send, slash_command
from tests.scenario.support import received

TOKEN = "xoxb-test-token"  # what `settings` holds, as deployments export it


@pytest.fixture
def bolt_app(
    ctx: Context, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture, monkeypatch
) -> AsyncApp:
    """The app built at DEBUG with the token and secret in the environment, as in production."""
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    return build_app(ctx, client=AsyncWebClient(token=TOKEN, base_url=fake_slack.url))


def records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Records from building the app (fixture setup) and from the test itself."""
    return caplog.get_records("setup") + caplog.records


def logged(caplog: pytest.LogCaptureFixture) -> str:
    """Every captured record as a handler would write it, tracebacks included."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(record) for record in records(caplog))


async def test_building_the_app_does_not_warn_about_the_env_token(bolt_app, caplog):
    assert bolt_app.client.token == TOKEN
    assert "will be unused" not in logged(caplog)
    assert records(caplog)  # Bolt's DEBUG start-up lines were captured
    assert not [r.getMessage() for r in records(caplog) if r.levelno >= logging.WARNING]


async def test_no_secret_is_logged_during_a_command_and_home(
    http, fake_slack, caplog, slack_papers
):
    await send(http, slash_command("follow graphs", response_url=fake_slack.response_url()))
    await send(http, slash_command("graph networks", response_url=fake_slack.response_url()))
    await received(fake_slack, "respond", 2)
    await send(http, event({"type": "app_home_opened", "user": "U1", "tab": "home"}))
    await received(fake_slack, "views.publish")
    text = logged(caplog)
    assert "users.info" in text and "views.publish" in text  # the Web API calls were logged
    assert TOKEN not in text and SECRET not in text
