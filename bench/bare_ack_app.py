"""The ack bench's reference: a plain Bolt app on aiohttp that acks `/papers` and answers
through `response_url` at once, with no database, model or work queue, so that the bench can
show how much of an ack's latency is the machine's and how much is paperboy's own.

Run as `python -m bench.bare_ack_app PORT` with `SLACK_API_URL` (the fake Slack, for Bolt's
auth.test); the signing secret is the tests' (the bench signs with it), and `/healthz`
answers once it listens.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from tests.payloads import SECRET


def bare_app(port: int) -> web.Application:
    """The aiohttp application: Bolt's `/slack/events` and a `/healthz`."""
    client = AsyncWebClient(token="xoxb-bench", base_url=os.environ["SLACK_API_URL"])
    bolt = AsyncApp(signing_secret=SECRET, client=client)

    @bolt.command("/papers")
    async def papers(ack: Any, respond: Any) -> None:
        await ack()
        await respond("ok")

    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    application = bolt.web_app(path="/slack/events", port=port)
    application.router.add_get("/healthz", healthz)
    return application


if __name__ == "__main__":
    port = int(sys.argv[1])
    web.run_app(bare_app(port), host="127.0.0.1", port=port, print=None)
