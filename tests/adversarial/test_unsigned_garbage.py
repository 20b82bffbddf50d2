"""Garbage at the HTTP endpoint: the signature is checked before anything is parsed, and
every refusal is one WARNING line, never a traceback or a 500."""

from __future__ import annotations

import logging
import time

import pytest
from aiohttp.test_utils import TestClient

from tests.fake_slack import FakeSlack
from tests.payloads import SECRET, signed_headers
from tests.scenario.support import received

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        ("{not json", JSON),
        ("payload=%7Bx", FORM),
        ("command=/papers&text=help", FORM),
        ("", FORM),
        ("\x00\xff" * 20, {"Content-Type": "application/octet-stream"}),
    ],
    ids=["broken-json", "broken-payload", "plain-form", "empty", "binary"],
)
@pytest.mark.parametrize(
    "signature",
    [
        {},
        {"X-Slack-Request-Timestamp": "yesterday", "X-Slack-Signature": "v0=abc"},
        {"X-Slack-Request-Timestamp": "1" * 40, "X-Slack-Signature": "v0=abc"},
        {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "garbage"},
    ],
    ids=["none", "word-timestamp", "huge-timestamp", "bad-signature"],
)
async def test_unsigned_garbage_is_401_with_one_warning(
    http: TestClient,
    fake_slack: FakeSlack,
    caplog: pytest.LogCaptureFixture,
    body: str,
    headers: dict[str, str],
    signature: dict[str, str],
) -> None:
    caplog.set_level(logging.DEBUG)
    response = await http.post("/slack/events", data=body, headers={**headers, **signature})
    assert response.status == 401
    assert fake_slack.methods() == []
    problems = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(problems) == 1 and problems[0].levelno == logging.WARNING
    assert not any(r.exc_info for r in caplog.records), "a traceback was logged"


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        ("{not json", JSON),
        ("payload=%7Bx", FORM),
        ("payload=%5B1%2C2%5D", FORM),  # a list, not an object
        ('{"type": "event_callback", "event": "not an object"}', JSON),
        ("", FORM),
    ],
    ids=["broken-json", "broken-payload", "list-payload", "event-not-object", "empty"],
)
async def test_signed_but_malformed_is_400_with_one_warning(
    http: TestClient,
    fake_slack: FakeSlack,
    caplog: pytest.LogCaptureFixture,
    body: str,
    headers: dict[str, str],
) -> None:
    caplog.set_level(logging.DEBUG)
    response = await http.post(
        "/slack/events", data=body, headers={**headers, **signed_headers(body)}
    )
    assert response.status == 400
    assert fake_slack.methods() == []
    problems = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(problems) == 1 and problems[0].levelno == logging.WARNING
    assert not any(r.exc_info for r in caplog.records), "a traceback was logged"


async def test_the_app_still_answers_after_the_garbage(
    http: TestClient, fake_slack: FakeSlack
) -> None:
    for body in ("{not json", "payload=%7Bx"):
        await http.post("/slack/events", data=body, headers={**JSON, **signed_headers(body)})
    body = (
        f"command=/papers&text=help&user_id=U1&team_id=T1&response_url={fake_slack.response_url()}"
    )
    response = await http.post(
        "/slack/events", data=body, headers={**FORM, **signed_headers(body, secret=SECRET)}
    )
    assert response.status == 200
    await received(fake_slack, "respond")


async def test_a_signed_request_no_listener_takes_is_one_warning_line(
    http: TestClient, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    body = '{"type": "block_suggestion", "team": {"id": "T1"}, "user": {"id": "U1"}}'
    response = await http.post("/slack/events", data=body, headers={**JSON, **signed_headers(body)})
    assert response.status == 404
    problems = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(problems) == 1 and "\n" not in problems[0].getMessage()
