"""Socket Mode end to end against the fake Slack: `apps.connections.open`, envelopes, acks.

In process, the app is served through `cli.serve`'s Socket Mode start-up; as a process,
`paperboy run --socket` connects, answers an envelope and stops cleanly on SIGTERM.
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from pydantic import SecretStr
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.context import Context
from cli.serve import _start_socket_mode
from tests.fake_slack import FakeSlack, envelope
from tests.payloads import event, slash_command
from tests.scenario.conftest import drain
from tests.scenario.support import block_texts, received

APP_TOKEN = "xapp-1-A1-1234-appsecrettoken"
BOT_TOKEN = "xoxb-socket-secret-token"
PAPERBOY = Path(sys.executable).with_name("paperboy")


def command_envelope(fake: FakeSlack, text: str) -> dict[str, Any]:
    """`/papers <text>` as a `slash_commands` envelope (the form fields as a JSON object)."""
    form = slash_command(text, response_url=fake.response_url("socket"))
    return envelope("slash_commands", dict(parse_qsl(form.body, keep_blank_values=True)))


def home_opened_envelope(user_id: str = "U1") -> dict[str, Any]:
    """An `app_home_opened` event callback as an `events_api` envelope."""
    body = event({"type": "app_home_opened", "user": user_id, "channel": "D" + user_id})
    return envelope("events_api", json.loads(body.body))


@pytest.fixture
async def socket_app(
    bolt_app: AsyncApp, ctx: Context, fake_slack: FakeSlack
) -> AsyncIterator[FakeSlack]:
    """The app connected over Socket Mode (as `paperboy serve --socket` starts it)."""
    settings = ctx.settings.model_copy(update={"slack_app_token": SecretStr(APP_TOKEN)})
    close, _ = await _start_socket_mode(bolt_app, settings)
    try:
        yield fake_slack
    finally:
        await drain()
        await close()


async def test_connects_with_the_app_token_to_the_fake(socket_app: FakeSlack) -> None:
    assert await asyncio.to_thread(socket_app.socket_connections, at_least=1) == 1
    opened = [r for r in socket_app.requests() if r.method == "apps.connections.open"]
    assert len(opened) == 2  # the start-up check of the token, then the connection itself
    assert all(r.headers["Authorization"] == f"Bearer {APP_TOKEN}" for r in opened)
    assert all(r.error is None for r in opened)


async def test_slash_command_is_acked_then_answered(socket_app: FakeSlack) -> None:
    sent = command_envelope(socket_app, "help")
    envelope_id = await asyncio.to_thread(socket_app.socket_send, sent)
    ack = await asyncio.to_thread(socket_app.socket_ack, envelope_id)
    assert ack["envelope_id"] == envelope_id
    assert not ack.get("payload")  # the app acks empty, then answers on the response URL
    (reply,) = await received(socket_app, "respond")
    assert reply["_token"] == "socket" and reply["response_type"] == "ephemeral"
    assert "/papers" in block_texts(reply) and "channel on" in block_texts(reply)


async def test_app_home_opened_publishes_the_home_tab(socket_app: FakeSlack) -> None:
    envelope_id = await asyncio.to_thread(socket_app.socket_send, home_opened_envelope())
    ack = await asyncio.to_thread(socket_app.socket_ack, envelope_id)
    assert ack == {"envelope_id": envelope_id}
    (published,) = await received(socket_app, "views.publish")
    assert published["user_id"] == "U1" and published["view"]["type"] == "home"


async def test_each_envelope_gets_its_own_ack(socket_app: FakeSlack) -> None:
    ids = [
        await asyncio.to_thread(socket_app.socket_send, command_envelope(socket_app, "help"))
        for _ in range(3)
    ]
    for envelope_id in ids:
        await asyncio.to_thread(socket_app.socket_ack, envelope_id)
    await received(socket_app, "respond", 3)
    assert sorted(a["envelope_id"] for a in socket_app.socket_acks()) == sorted(ids)


async def test_reconnects_when_slack_asks_and_keeps_answering(socket_app: FakeSlack) -> None:
    await asyncio.to_thread(socket_app.socket_connections, at_least=1)
    opened_before = len(socket_app.calls("apps.connections.open"))
    refresh = {"type": "disconnect", "reason": "refresh_requested", "debug_info": {}}
    await asyncio.to_thread(socket_app.socket_send, refresh)
    assert await asyncio.to_thread(socket_app.socket_connections, at_least=2) == 2
    assert len(socket_app.calls("apps.connections.open")) == opened_before + 1
    envelope_id = await asyncio.to_thread(socket_app.socket_send, home_opened_envelope())
    await asyncio.to_thread(socket_app.socket_ack, envelope_id)
    await received(socket_app, "views.publish")


async def test_the_fake_says_hello_and_records_what_comes_back(fake_slack: FakeSlack) -> None:
    from aiohttp import ClientSession

    from tests.fake_slack.socket_mode import APP_ID

    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.url)
    url = (await client.apps_connections_open(app_token=APP_TOKEN))["url"]
    assert url.startswith("ws://127.0.0.1:") and url.endswith("/link")
    async with ClientSession() as session, session.ws_connect(url) as ws:
        hello = await ws.receive_json(timeout=30)
        assert hello["type"] == "hello" and hello["connection_info"]["app_id"] == APP_ID
        await ws.send_json({"envelope_id": "e-1", "payload": {"text": "hi"}})
        ack = await asyncio.to_thread(fake_slack.socket_ack, "e-1")
    assert ack == {"envelope_id": "e-1", "payload": {"text": "hi"}}
    fake_slack.reset()
    assert fake_slack.socket_acks() == []


def test_the_fake_refuses_a_bot_token_for_connections_open(fake_slack: FakeSlack) -> None:
    import urllib.request

    request = urllib.request.Request(
        fake_slack.url + "apps.connections.open",
        data=b"",
        headers={"Authorization": f"Bearer {BOT_TOKEN}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.load(response) == {"ok": False, "error": "not_allowed_token_type"}
    assert fake_slack.socket_connections() == 0


# -- `paperboy run --socket` as a process ---------------------------------------------------


def _process_env(tmp_path: Path, fake: FakeSlack) -> dict[str, str]:
    (tmp_path / "inbox").mkdir(exist_ok=True)
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    return {
        **keep,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'socket.db'}",
        "INBOX_DIR": str(tmp_path / "inbox"),
        "HF_HUB_OFFLINE": "1",
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": fake.url,
        "LOG_FORMAT": "json",
    }


class _Lines:
    """A process's stderr read on a thread, so waits can time out."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stderr is not None
        self.seen: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self._thread.start()

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            self._queue.put(line)
        self._queue.put(None)

    def wait_for(self, needle: str, *, within: float = 60) -> str:
        """The first line containing `needle` (fails when the output ends or time is up)."""
        while True:
            try:
                line = self._queue.get(timeout=within)
            except queue.Empty:
                output = "".join(self.seen)
                raise AssertionError(f"no {needle!r} within {within}s:\n{output}") from None
            if line is None:
                raise AssertionError(f"output ended without {needle!r}:\n{''.join(self.seen)}")
            self.seen.append(line)
            if needle in line:
                return line

    def rest(self, *, within: float = 60) -> str:
        """All output, once the process closed its stderr."""
        self._thread.join(timeout=within)
        while not self._queue.empty():
            line = self._queue.get_nowait()
            if line is not None:
                self.seen.append(line)
        return "".join(self.seen)


@pytest.fixture
def socket_process(tmp_path: Path, fake_slack: FakeSlack) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [PAPERBOY, "run", "--socket"],
        env=_process_env(tmp_path, fake_slack),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    yield proc
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    if proc.stderr is not None:
        proc.stderr.close()


def test_run_socket_answers_an_envelope_and_stops_on_sigterm(
    socket_process: subprocess.Popen[str], fake_slack: FakeSlack
) -> None:
    lines = _Lines(socket_process)
    started = json.loads(lines.wait_for('"event": "started"'))
    assert started["mode"] == "socket"
    assert fake_slack.socket_connections(at_least=1) >= 1

    envelope_id = fake_slack.socket_send(command_envelope(fake_slack, "help"))
    assert fake_slack.socket_ack(envelope_id)["envelope_id"] == envelope_id
    replies = asyncio.run(received(fake_slack, "respond", within=60))
    assert "/papers" in block_texts(replies[-1])

    socket_process.send_signal(signal.SIGTERM)
    assert socket_process.wait(timeout=60) == 0, lines.rest()
    output = lines.rest()
    events = [json.loads(x).get("event") for x in output.splitlines() if x.startswith("{")]
    assert events.index("started") < events.index("stopping") < events.index("stopped")
    for secret in (APP_TOKEN, BOT_TOKEN, "appsecrettoken", "socket-secret"):
        assert secret not in output
