"""A fake Slack Web API for tests: a real threaded HTTP server that records every call.

Point an `AsyncWebClient(token=..., base_url=fake.url)` at it; response URLs handed to
Bolt (`fake.response_url("abc")`) are served by the same server and recorded as `respond`.
Socket Mode: `apps.connections.open` hands out a WebSocket URL the fake serves; push
envelopes with `fake.socket_send(envelope(...))` and read acks with `fake.socket_ack(id)`.
"""

from __future__ import annotations

from tests.fake_slack.server import FakeSlack
from tests.fake_slack.socket_mode import envelope
from tests.fake_slack.state import BOT_USER_ID, TEAM_ID

__all__ = ["BOT_USER_ID", "TEAM_ID", "FakeSlack", "envelope"]
