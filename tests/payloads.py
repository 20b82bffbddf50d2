"""Signed Slack requests for scenario tests: slash commands, block actions, view
submissions and events, built as Slack sends them and posted over HTTP to the app.

Signatures follow `slack_sdk.signature.SignatureVerifier`: `v0=` + HMAC-SHA256 of
`v0:{timestamp}:{body}` with the signing secret.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from slack_sdk.signature import SignatureVerifier

__all__ = [
    "SECRET",
    "SlackRequest",
    "block_action",
    "event",
    "send",
    "signed_headers",
    "slash_command",
    "view_submission",
]

SECRET = "test-signing-secret"
TEAM = "T1"
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class SlackRequest:
    """A request body as Slack would send it, and its content type."""

    body: str
    content_type: str = FORM


def signed_headers(
    body: str, *, secret: str = SECRET, timestamp: int | None = None
) -> dict[str, str]:
    """The `X-Slack-Request-Timestamp` / `X-Slack-Signature` headers for `body`."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


def slash_command(
    text: str,
    *,
    response_url: str,
    user_id: str = "U1",
    channel_id: str = "C1",
    team_id: str = TEAM,
    trigger_id: str = "111.222.trigger",
) -> SlackRequest:
    """`/papers <text>` (Slack escapes `&`, `<`, `>` in the text, as here)."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    fields = {
        "token": "legacy-verification-token",
        "team_id": team_id,
        "team_domain": "t1",
        "channel_id": channel_id,
        "channel_name": "general" if channel_id.startswith("C") else "directmessage",
        "user_id": user_id,
        "user_name": user_id.lower(),
        "command": "/papers",
        "text": escaped,
        "api_app_id": "A1",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }
    return SlackRequest(urlencode(fields))


def block_action(
    action_id: str,
    value: str,
    *,
    user_id: str = "U1",
    team_id: str = TEAM,
    response_url: str | None = None,
    channel_id: str | None = None,
    message: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
) -> SlackRequest:
    """A button click: on a message (with `response_url`) or in the Home tab (`view`)."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": team_id, "domain": "t1"},
        "user": {"id": user_id, "team_id": team_id},
        "api_app_id": "A1",
        "trigger_id": "333.444.trigger",
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": f"block_{action_id}",
                "value": value,
                "action_ts": str(time.time()),
            }
        ],
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id", "V1")}
        payload["view"] = view
    else:
        payload["container"] = {
            "type": "message",
            "channel_id": channel_id,
            "is_ephemeral": not message,
        }
        payload["channel"] = {"id": channel_id, "name": "x"}
        payload["response_url"] = response_url
        if message is not None:
            payload["message"] = message
    return _interaction(payload)


def view_submission(
    callback_id: str, values: dict[str, Any], *, user_id: str = "U1", team_id: str = TEAM
) -> SlackRequest:
    """A modal's submission with `view.state.values`."""
    payload = {
        "type": "view_submission",
        "team": {"id": team_id, "domain": "t1"},
        "user": {"id": user_id, "team_id": team_id},
        "api_app_id": "A1",
        "trigger_id": "555.666.trigger",
        "view": {
            "id": "V9",
            "type": "modal",
            "callback_id": callback_id,
            "team_id": team_id,
            "state": {"values": values},
            "private_metadata": "",
        },
    }
    return _interaction(payload)


def event(body: dict[str, Any], *, team_id: str = TEAM) -> SlackRequest:
    """An Events API callback wrapping `body` (e.g. `app_home_opened`)."""
    envelope = {
        "token": "legacy-verification-token",
        "team_id": team_id,
        "api_app_id": "A1",
        "event": body,
        "type": "event_callback",
        "event_id": f"Ev{int(time.time() * 1000)}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": team_id, "user_id": "UBOT", "is_bot": True}],
    }
    return SlackRequest(json.dumps(envelope), "application/json")


def _interaction(payload: dict[str, Any]) -> SlackRequest:
    return SlackRequest(urlencode({"payload": json.dumps(payload)}))


async def send(
    http: TestClient,
    request: SlackRequest,
    *,
    secret: str = SECRET,
    timestamp: int | None = None,
) -> ClientResponse:
    """POST the request to `/slack/events`, signed with `secret` at `timestamp` (now)."""
    headers = {"Content-Type": request.content_type}
    headers.update(signed_headers(request.body, secret=secret, timestamp=timestamp))
    return await http.post("/slack/events", data=request.body.encode(), headers=headers)
