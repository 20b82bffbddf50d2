"""The fake's Socket Mode side: the WebSocket endpoint `apps.connections.open` hands out.

`SocketLink` is a small aiohttp server on its own event loop in a daemon thread, started on
first use (most tests never open a socket). On connect it sends `hello` as Slack does; tests
push envelopes to the newest connection and read back the acks (`{"envelope_id", ...}`) the
client answers with. Waiting is by condition variable with generous timeouts, never sleeps.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
from typing import Any

from aiohttp import WSMsgType, web

from tests.fake_slack.state import TEAM_ID

__all__ = ["APP_ID", "SocketLink", "envelope"]

APP_ID = "A1"
_ids = itertools.count(1)


def envelope(
    kind: str,
    payload: dict[str, Any],
    *,
    envelope_id: str | None = None,
    accepts_response_payload: bool | None = None,
) -> dict[str, Any]:
    """A Socket Mode envelope as Slack sends it.

    Args:
        kind: "slash_commands", "interactive" or "events_api".
        payload: the body Slack would have POSTed over HTTP (form fields as a dict, the
            interaction payload, or the `event_callback` body).
        envelope_id: default a fresh unique id.
        accepts_response_payload: default True for slash commands and interactions.

    Returns:
        The envelope dict, ready for `FakeSlack.socket_send`.
    """
    accepts = kind != "events_api" if accepts_response_payload is None else accepts_response_payload
    return {
        "envelope_id": envelope_id or f"env-{next(_ids)}",
        "type": kind,
        "payload": payload,
        "accepts_response_payload": accepts,
        "retry_attempt": 0,
        "retry_reason": "",
    }


class SocketLink:
    """The fake Socket Mode WebSocket server (`ws://127.0.0.1:<port>/link`)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._sockets: list[web.WebSocketResponse] = []
        self._acks: list[dict[str, Any]] = []
        self._connections = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._url = ""

    # -- lifecycle ---------------------------------------------------------------------------

    def url(self) -> str:
        """The WebSocket URL, starting the server on first use."""
        with self._changed:
            if self._thread is None:
                self._start()
            return self._url

    def _start(self) -> None:
        ready = threading.Event()
        loop = asyncio.new_event_loop()

        def serve() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self._open())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        self._loop = loop
        self._thread = threading.Thread(target=serve, name="fake-slack-socket", daemon=True)
        self._thread.start()
        if not ready.wait(timeout=30):
            raise RuntimeError("the fake Socket Mode server did not start")

    async def _open(self) -> None:
        app = web.Application()
        app.router.add_get("/link", self._link)
        app.router.add_get("/link/", self._link)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self._url = f"ws://{host}:{port}/link"

    def stop(self) -> None:
        """Close every connection and the server, and end the thread (no-op if never used)."""
        with self._changed:
            loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._close(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=30)

    async def _close(self) -> None:
        with self._changed:
            sockets = list(self._sockets)
        for ws in sockets:
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- the endpoint ------------------------------------------------------------------------

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()  # autoping: answers the client's pings
        await ws.prepare(request)
        with self._changed:
            self._connections += 1
            self._sockets.append(ws)
            count = len(self._sockets)
            self._changed.notify_all()
        await ws.send_json(_hello(count))
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    self._record(message.data)
        finally:
            with self._changed:
                self._sockets.remove(ws)
                self._changed.notify_all()
        return ws

    def _record(self, text: str) -> None:
        try:
            data = json.loads(text)
        except ValueError:
            data = {"_raw": text}
        with self._changed:
            self._acks.append(data if isinstance(data, dict) else {"_raw": data})
            self._changed.notify_all()

    # -- the test-facing side ----------------------------------------------------------------

    def wait_connected(self, *, count: int = 1, within: float = 30) -> None:
        """Block until `count` connections were made in all (open or since closed).

        Raises:
            AssertionError: fewer connections after `within` seconds.
        """
        with self._changed:
            if not self._changed.wait_for(lambda: self._connections >= count, timeout=within):
                raise AssertionError(f"{self._connections} socket connections, expected {count}")

    def connections(self) -> int:
        """How many WebSocket connections the client has made so far."""
        with self._changed:
            return self._connections

    def send(self, data: dict[str, Any], *, within: float = 30) -> None:
        """Send `data` as JSON to the newest open connection, waiting for one if needed.

        Raises:
            AssertionError: no open connection after `within` seconds.
        """
        self.url()
        with self._changed:
            if not self._changed.wait_for(lambda: bool(self._sockets), timeout=within):
                raise AssertionError("no Socket Mode client is connected")
            ws = self._sockets[-1]
        assert self._loop is not None
        asyncio.run_coroutine_threadsafe(ws.send_json(data), self._loop).result(timeout=within)

    def acks(self) -> list[dict[str, Any]]:
        """Every message the client sent back (acks: `{"envelope_id", "payload"?}`), in order."""
        with self._changed:
            return [dict(a) for a in self._acks]

    def ack(self, envelope_id: str, *, within: float = 30) -> dict[str, Any]:
        """The client's ack of `envelope_id`, waiting up to `within` seconds for it.

        Raises:
            AssertionError: no such ack arrived in time.
        """

        def find() -> dict[str, Any] | None:
            return next((a for a in self._acks if a.get("envelope_id") == envelope_id), None)

        with self._changed:
            if not self._changed.wait_for(lambda: find() is not None, timeout=within):
                raise AssertionError(f"no ack for {envelope_id}; got {self._acks}")
            return dict(find() or {})

    def reset(self) -> None:
        """Forget the recorded acks (connections stay open)."""
        with self._changed:
            self._acks.clear()


def _hello(num_connections: int) -> dict[str, Any]:
    return {
        "type": "hello",
        "num_connections": num_connections,
        "debug_info": {"host": "fake-applink", "build_number": 1},
        "connection_info": {"app_id": APP_ID, "team_id": TEAM_ID},
    }
