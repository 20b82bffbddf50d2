"""How Slack's requests reach the Bolt app over HTTP: `POST /slack/events` and
`GET /healthz` on aiohttp (Socket Mode needs no server: Bolt's handler connects out).

Anyone who can reach the endpoint can send it anything, so the signature is checked here
on the raw bytes before a byte is parsed: unsigned, stale or forged requests get 401, and
signed requests whose body is not a Slack payload get 400, each with one WARNING line and
no traceback. Bolt then verifies the signature again and dispatches. A form body that
merely contains the word "payload" is re-parsed here, since Bolt would otherwise read it
as an empty interaction.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.context import Context
from bot.store import papers as paper_store

__all__ = ["build_web_app", "health"]

log = logging.getLogger("bot.slack.server")

MAX_BODY_BYTES = 1 << 20  # Slack's payloads are far smaller; aiohttp refuses more anyway


class _Refused(Exception):
    """A request that never reaches Bolt: its HTTP status and the one line logged."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def build_web_app(bolt_app: AsyncApp, ctx: Context) -> web.Application:
    """The aiohttp application serving Slack's requests (`POST /slack/events`, to
    `bolt_app` from `build_app`) and the health check (`GET /healthz`)."""
    secret = ctx.settings.slack_signing_secret
    verifier = SignatureVerifier(secret.get_secret_value() if secret else "")

    async def events(request: web.Request) -> web.Response:
        try:
            bolt_request = _checked(verifier, await request.read(), request)
        except _Refused as refused:
            log.warning("refused a request to /slack/events: %s", refused.reason)
            return web.json_response({"error": refused.reason}, status=refused.status)
        return await to_aiohttp_response(await bolt_app.async_dispatch(bolt_request))

    async def healthz(_: web.Request) -> web.Response:
        report = await asyncio.to_thread(health, ctx)
        return web.json_response(report, status=200 if report["database"] else 503)

    web_app = web.Application(client_max_size=MAX_BODY_BYTES)
    web_app.router.add_post("/slack/events", events)
    web_app.router.add_get("/healthz", healthz)
    return web_app


def health(ctx: Context) -> dict[str, object]:
    """What `/healthz` reports: database reachable, model loaded, papers in the library
    (`{"ok", "database", "model_loaded", "papers"}`; `ok` follows the database)."""
    database = ctx.db.ping()
    papers = paper_store.count_papers(ctx.db) if database else 0
    loaded = bool(getattr(ctx.embedder, "loaded", False))
    return {"ok": database, "database": database, "model_loaded": loaded, "papers": papers}


def _checked(verifier: SignatureVerifier, raw: bytes, request: web.Request) -> AsyncBoltRequest:
    """The Bolt request for a signed, well-formed body.

    Raises:
        _Refused: 401 when the signature is missing, stale or wrong; 400 when a signed body
            is not a Slack payload (not UTF-8, broken JSON, a payload that is no object).
    """
    timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
    signature = request.headers.get("X-Slack-Signature", "")
    text = raw.decode("utf-8", errors="replace")
    if not (timestamp.isdigit() and len(timestamp) <= 12 and signature):
        raise _Refused(401, "missing or malformed signature headers")
    if not verifier.is_valid(text, timestamp, signature):
        raise _Refused(401, "invalid or stale signature")
    if "\ufffd" in text and text.encode("utf-8") != raw:
        raise _Refused(400, "signed body is not UTF-8")
    _check_shape(text, request.headers.get("Content-Type", ""))
    bolt_request = AsyncBoltRequest(
        body=text,
        query=request.query_string,
        headers=request.headers,  # type: ignore[arg-type]
    )
    return _fix_form_body(bolt_request)


def _check_shape(text: str, content_type: str) -> None:
    """Refuse (400) a signed body Bolt could not read as a command, action or event."""
    if not text.strip():
        raise _Refused(400, "signed body is empty")
    if "application/json" in content_type or text.lstrip().startswith("{"):
        body = _json(text, "body")
    else:
        form = dict(parse_qsl(text, keep_blank_values=True))
        body = _json(form["payload"], "payload") if "payload" in form else form
    if not isinstance(body, Mapping):
        raise _Refused(400, "signed body is not an object")
    event = body.get("event")
    if event is not None and not isinstance(event, Mapping):
        raise _Refused(400, "signed event is not an object")


def _json(text: str, what: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        raise _Refused(400, f"signed {what} is not valid JSON") from None


def _fix_form_body(request: AsyncBoltRequest) -> AsyncBoltRequest:
    """Re-parse a slash command whose text contains "payload" (Bolt returned `{}` for it)."""
    raw = request.raw_body
    if request.body or not raw or raw.startswith("{"):
        return request
    params = dict(parse_qsl(raw, keep_blank_values=True))
    if "payload" not in params:
        request.body = params
        request.context = build_async_context(AsyncBoltContext({}), params)
    return request
