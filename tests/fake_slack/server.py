"""`FakeSlack`: the threaded HTTP server, its request handler and the test-facing API.

Web API calls arrive at `/api/<method>` (form, query string or JSON bodies); response URLs
at `/respond/<token>`; the upload URLs files.getUploadURLExternal hands out at
`/upload/<file id>` (recorded as `upload`), and files' `url_private` at
`/files-pri/<team>-<file id>/<name>` (recorded as `download`; without a bot token it
redirects to a sign-in page, as Slack does). Every request is recorded before any injected
fault, delay or drop.
`apps.connections.open` (app-level `xapp-` token) answers with the WebSocket URL of the
fake's Socket Mode endpoint (`tests/fake_slack/socket_mode.py`), started on first use.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fake_slack.methods import METHODS, permalink
from tests.fake_slack.socket_mode import SocketLink
from tests.fake_slack.state import Call, ChannelInfo, Fault, FileInfo, State

__all__ = ["FakeSlack"]

RESPOND = "respond"
UPLOAD = "upload"
DOWNLOAD = "download"
CONNECTIONS_OPEN = "apps.connections.open"
_JSON_FIELDS = ("blocks", "attachments", "metadata", "view", "files")


def _parse_body(handler: BaseHTTPRequestHandler) -> dict[str, Any]:
    query = urlsplit(handler.path).query
    body: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    length = int(handler.headers.get("Content-Length") or 0)
    raw = handler.rfile.read(length).decode("utf-8") if length else ""
    if "json" in (handler.headers.get("Content-Type") or "") and raw:
        body.update(json.loads(raw))
    elif raw:
        body.update(parse_qsl(raw, keep_blank_values=True))
    for key in _JSON_FIELDS:  # form bodies carry these as JSON strings
        if isinstance(body.get(key), str) and body[key][:1] in "[{":
            body[key] = json.loads(body[key])
    return body


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def do_GET(self) -> None:
        self.do_POST()

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        if path.startswith("/upload/"):
            return self._upload(path.removeprefix("/upload/"))
        if path.startswith("/files-pri/"):
            return self._download(path.removeprefix("/files-pri/"))
        if path == "/signin":
            return self._send(200, "<html><body>Sign in to Slack</body></html>", html=True)
        state = self.server.state
        body = _parse_body(self)
        if path.startswith("/respond/"):
            method = RESPOND
            body["_token"] = path.removeprefix("/respond/")
        else:
            method = path.removeprefix("/api/")
        call = Call(method=method, body=body, headers=dict(self.headers.items()))
        with state.lock:
            state.calls.append(call)
            delay = state.delays.get(method, 0.0)
        if delay:
            time.sleep(delay)
        fault = state.take_fault(method)
        if fault is not None:
            call.status, call.error = fault.status, fault.error
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else {}
            return self._send(fault.status, {"ok": False, "error": fault.error}, headers)
        if method == RESPOND:
            return self._send(200, "ok")
        refused = self._refused(method)
        if refused:
            call.error = refused
            return self._send(200, {"ok": False, "error": refused})
        if method == CONNECTIONS_OPEN:
            result = {"ok": True, "url": self.server.link.url()}
        elif answer := METHODS.get(method):
            result = answer(state, body)
        else:
            result = {"ok": False, "error": "unknown_method"}
        call.error = None if result.get("ok") else result.get("error")
        if state.take_drop(method):  # done, but the answer is lost with the connection
            call.error, self.close_connection = "dropped", True
            return None
        self._send(200, result)

    def _record(self, method: str, body: dict[str, Any]) -> Call:
        call = Call(method=method, body=body, headers=dict(self.headers.items()))
        with self.server.state.lock:
            self.server.state.calls.append(call)
        return call

    def _upload(self, file_id: str) -> None:
        """The upload step of files_upload_v2: the raw bytes of one announced file."""
        state = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length) if length else b""
        self._record(UPLOAD, {"file_id": file_id, "size": len(data)})
        with state.lock:
            info = state.files.get(file_id)
            if info is not None and not info.completed:
                info.content = data
        if info is None:
            return self._send(404, "no such upload")
        self._send(200, f"OK - {len(data)}")

    def _download(self, rest: str) -> None:
        """A file's `url_private`: its bytes for a bot token, else a redirect to sign in."""
        state = self.server.state
        file_id = rest.split("/", 1)[0].split("-", 1)[-1]
        call = self._record(DOWNLOAD, {"file_id": file_id})
        fault = state.take_fault(DOWNLOAD)
        if fault is not None:
            call.status, call.error = fault.status, fault.error
            return self._send(fault.status, fault.error)
        if not self.headers.get("Authorization", "").startswith("Bearer xoxb-"):
            call.status = 302
            return self._send(302, "", headers={"Location": f"{state.base_url}/signin"})
        with state.lock:
            info = state.files.get(file_id)
            data = info.content if info is not None else None
        if data is None:
            return self._send(404, "file not found")
        self._send(200, data)

    def _refused(self, method: str) -> str | None:
        """The auth error for this request, if any: Socket Mode takes only app-level tokens."""
        auth = self.headers.get("Authorization", "")
        if method == CONNECTIONS_OPEN:
            if auth.startswith("Bearer xapp-"):
                return None
            return "not_allowed_token_type" if auth.startswith("Bearer ") else "not_authed"
        if method != "auth.test" and not auth.startswith("Bearer xox"):
            return "not_authed"
        return None

    def _send(
        self,
        status: int,
        payload: Any,
        headers: dict[str, str] | None = None,
        *,
        html: bool = False,
    ) -> None:
        if isinstance(payload, bytes):
            data, content_type = payload, "application/octet-stream"
        elif isinstance(payload, str):
            data, content_type = payload.encode("utf-8"), "text/html" if html else "text/plain"
        else:
            data, content_type = json.dumps(payload).encode("utf-8"), "application/json"
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: State) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state
        self.link = SocketLink()


class FakeSlack:
    """A running fake Slack Web API on 127.0.0.1 (port chosen by the OS).

    Use it as a context manager, or call `start()` / `stop()`.
    """

    def __init__(self) -> None:
        self._state = State()
        self._server = _Server(self._state)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        host, port = self._server.server_address[:2]
        self.base = f"http://{host}:{port}"
        self.url = f"{self.base}/api/"
        self._state.base_url = self.base

    def start(self) -> FakeSlack:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Shut the server down and close its socket."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._server.link.stop()

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def add_file(
        self, name: str, content: bytes, *, user: str = "U1", url: str | None = None
    ) -> str:
        """A file `user` shared, served at its `url_private` (or `url`, a test's own server,
        when given); returns its id, for a `file_shared` event."""
        info = FileInfo(self._state.next_file_id(), name, user, content=content, url=url)
        with self._state.lock:
            self._state.files[info.id] = info
        return info.id

    def uploads(self) -> list[dict[str, Any]]:
        """Files the bot uploaded and shared (files.completeUploadExternal), in order: id,
        filename, title, content (bytes), channel, initial_comment."""
        with self._state.lock:
            done = [f for f in self._state.files.values() if f.completed]
            return [
                {
                    "id": f.id,
                    "filename": f.name,
                    "title": f.title,
                    "content": f.content or b"",
                    "channel": f.channel,
                    "initial_comment": f.initial_comment,
                }
                for f in done
            ]

    def response_url(self, token: str = "r1") -> str:
        """A response URL served by this fake; posts to it are recorded as `respond`."""
        return f"{self.base}/respond/{token}"

    def calls(self, method: str) -> list[dict[str, Any]]:
        """The parsed bodies of every request to `method` (failed ones included), in order;
        `upload` and `download` are the file transfers (file id and size)."""
        with self._state.lock:
            return [c.body for c in self._state.calls if c.method == method]

    def requests(self) -> list[Call]:
        """Every request received, in order (method, body, headers, status, error)."""
        with self._state.lock:
            return list(self._state.calls)

    def methods(self) -> list[str]:
        """The method names of every request received, in order."""
        return [c.method for c in self.requests()]

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Messages posted to `channel`, oldest first (as updated by `chat.update`)."""
        with self._state.lock:
            return [dict(m) for m in self._state.messages.get(channel, [])]

    def permalink(self, channel: str, ts: str) -> str:
        """The permalink `chat.getPermalink` returns for this message."""
        return permalink(channel, ts)

    def reset(self) -> None:
        """Forget all calls, messages, users, channels, faults, delays, drops and socket acks.

        The clock and open Socket Mode connections are kept.
        """
        self._state.reset()
        self._server.link.reset()

    def set_clock(self, epoch_seconds: float) -> None:
        """Stamp messages posted from now on after this Unix time (`ts` = it + n, n = 1, 2, …).

        Args:
            epoch_seconds: seconds since the epoch, e.g. a test clock's `timestamp()`.
        """
        with self._state.lock:
            self._state.base_ts = int(epoch_seconds)

    def fail_next(
        self,
        method: str,
        *,
        error: str = "ratelimited",
        status: int | None = None,
        retry_after: int = 1,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls to `method` fail.

        Args:
            method: Web API method, e.g. "chat.postMessage", or "respond".
            error: the `error` field; "ratelimited" defaults to HTTP 429 with Retry-After.
            status: HTTP status; default 429 for "ratelimited", else 200 with `ok: false`.
            retry_after: Retry-After seconds sent with a 429.
            times: how many consecutive calls fail.
        """
        code = status if status is not None else (429 if error == "ratelimited" else 200)
        fault = Fault(code, error, retry_after if code == 429 else None, times)
        with self._state.lock:
            self._state.faults[method].append(fault)

    def drop_next(self, method: str, *, times: int = 1) -> None:
        """Carry out the next `times` calls to `method`, then close the connection unanswered.

        The client sees a dropped connection (`ServerDisconnectedError`) although Slack acted:
        a message is posted all the same, as when a connection breaks after Slack's work.
        """
        with self._state.lock:
            self._state.drops[method] += times

    def delay(self, method: str, seconds: float) -> None:
        """Answer `method` only after `seconds` (other methods are unaffected)."""
        with self._state.lock:
            self._state.delays[method] = seconds

    def set_user(self, user_id: str, **fields: Any) -> None:
        """Override `users.info` fields for a user, e.g. `tz="America/New_York"`."""
        with self._state.lock:
            self._state.users[user_id] = fields

    def set_channel(
        self,
        channel_id: str,
        *,
        members: list[str] | tuple[str, ...] = (),
        is_member: bool = True,
        is_private: bool = False,
        name: str | None = None,
    ) -> None:
        """Configure a conversation for `conversations.info` / `conversations.members`."""
        info = ChannelInfo(
            channel_id, name or channel_id.lower(), is_member, is_private, list(members)
        )
        with self._state.lock:
            self._state.channels[channel_id] = info

    # -- Socket Mode ---------------------------------------------------------------------------

    def socket_send(self, envelope: dict[str, Any], *, within: float = 30) -> str:
        """Push a Socket Mode envelope to the connected client (waiting for one to connect).

        Args:
            envelope: e.g. `tests.fake_slack.envelope("slash_commands", {...})`.
            within: seconds to wait for a connection.

        Returns:
            The envelope's id, for `socket_ack`.
        """
        self._server.link.send(envelope, within=within)
        return str(envelope.get("envelope_id", ""))

    def socket_acks(self) -> list[dict[str, Any]]:
        """Every message the Socket Mode client sent back (its acks), in order."""
        return self._server.link.acks()

    def socket_ack(self, envelope_id: str, *, within: float = 30) -> dict[str, Any]:
        """The ack for `envelope_id` (`{"envelope_id", "payload"?}`), waiting for it."""
        return self._server.link.ack(envelope_id, within=within)

    def socket_connections(self, *, at_least: int = 0, within: float = 30) -> int:
        """How many WebSocket connections were made, after waiting for `at_least` of them."""
        if at_least:
            self._server.link.wait_connected(count=at_least, within=within)
        return self._server.link.connections()
