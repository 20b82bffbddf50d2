"""How Slack's requests reach the Bolt app over HTTP: `POST /slack/events` and
`GET /healthz` on aiohttp (Socket Mode needs no server: Bolt's handler connects out).

Commands, interactions and events all arrive at `/slack/events`; Bolt verifies each
signature (bad or stale → 401, nothing runs). A form body that merely contains the word
"payload" is re-parsed here, since Bolt would otherwise read it as an empty interaction.
"""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.context import Context
from bot.store import papers as paper_store

__all__ = ["build_web_app", "health"]


def build_web_app(bolt_app: AsyncApp, ctx: Context) -> web.Application:
    """The aiohttp application serving Slack's requests (`POST /slack/events`, to
    `bolt_app` from `build_app`) and the health check (`GET /healthz`)."""

    async def events(request: web.Request) -> web.Response:
        bolt_request = _fix_form_body(await to_bolt_request(request))
        return await to_aiohttp_response(await bolt_app.async_dispatch(bolt_request))

    async def healthz(_: web.Request) -> web.Response:
        report = await asyncio.to_thread(health, ctx)
        return web.json_response(report, status=200 if report["database"] else 503)

    web_app = web.Application()
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
