"""Files in and out of Slack: a library dropped in the bot's DM is imported; a reading list
goes into the member's DM as files.

In: Slack's `file_shared` event names a file; `files.info` says who shared it, its name and
size, and where it lives (`url_private_download`). Only a file a member shares in their own
DM with the bot is imported (never the bot's own uploads, never a channel's files). It is
fetched with the bot token from Slack's file host only (or, in tests, the host of the
configured Web API), without following redirects, and never past
`LIBRARY_IMPORT_MAX_BYTES`; the member gets one reply in the DM. Out: `send_to_dm` uploads
with `files_upload_v2` (files.getUploadURLExternal, the upload, files.completeUploadExternal).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aiohttp import ClientError, ClientSession, ClientTimeout
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import imports
from bot.context import Context
from bot.reading import ExportFile
from bot.slack import blocks
from bot.slack.answers import answer
from bot.slack.blocks import Message
from bot.slack_ids import is_dm

if TYPE_CHECKING:
    from bot.slack.app import PaperboyApp

__all__ = [
    "LIBRARY_EXTENSIONS",
    "DownloadRefused",
    "download_private",
    "register",
    "send_to_dm",
    "trusted_file_url",
]

log = logging.getLogger("bot.slack")

SLACK_FILE_HOST = "files.slack.com"
LIBRARY_EXTENSIONS = (".bib", ".bibtex", ".ris", ".csv", ".json", ".jsonl", ".txt", ".xml")
_TIMEOUT = ClientTimeout(total=60)
_CHUNK = 64 * 1024


class DownloadRefused(ValueError):
    """A shared file that is not fetched or not accepted; the message is for the member."""


def register(app: PaperboyApp, ctx: Context) -> None:
    """Register the `file_shared` listener (library import from the bot's DM)."""

    @app.event("file_shared")
    async def file_shared(event: dict[str, Any], context: Any, client: AsyncWebClient) -> None:
        user = str(event.get("user_id") or "")
        channel = str(event.get("channel_id") or "")
        file_id = str(event.get("file_id") or (event.get("file") or {}).get("id") or "")
        if not is_dm(channel) or not user or not file_id:
            return  # a channel's file, or nothing to fetch: not a library for us
        if user == context.bot_user_id:
            return  # our own upload (an export) coming back
        reply = functools.partial(client.chat_postMessage, channel=channel)
        team = context.team_id or ""
        await answer(reply, _import(app, ctx, client, team, user, file_id), unfurl_links=False)


async def _import(
    app: PaperboyApp, ctx: Context, client: AsyncWebClient, team_id: str, user_id: str, file_id: str
) -> Message:
    try:
        info = (await client.files_info(file=file_id)).get("file") or {}
    except SlackApiError as error:
        log.warning("file_shared %s: files.info failed: %s", file_id, error.response.get("error"))
        raise DownloadRefused("I couldn't open that file; please share it again.") from None
    name = str(info.get("name") or "library")
    if str(info.get("user") or "") != user_id:
        raise DownloadRefused("I only import a library that you shared yourself.")
    if not name.lower().endswith(LIBRARY_EXTENSIONS):
        raise DownloadRefused(
            f"I can import your library from a BibTeX (.bib), RIS (.ris), Zotero CSV or "
            f"JSONL export; {name} is none of those."
        )
    limit = ctx.settings.library_import_max_bytes
    if int(info.get("size") or 0) > limit:
        raise DownloadRefused(f"{name} is too large to import (the limit is {limit:,} bytes).")
    url = str(info.get("url_private_download") or info.get("url_private") or "")
    data = await download_private(client, url, max_bytes=limit)
    report = await app.work.run(imports.import_bytes, ctx, team_id, user_id, data, filename=name)
    return blocks.import_report_message(report, name)


def trusted_file_url(url: str, api_base_url: str) -> bool:
    """Whether the bot token may be sent to `url`: Slack's file host over HTTPS, or the
    same scheme and host as the Web API the client talks to (a fake, in tests)."""
    parts, api = urlsplit(url), urlsplit(api_base_url)
    if parts.scheme == "https" and parts.hostname == SLACK_FILE_HOST and not parts.username:
        return True
    return (parts.scheme, parts.netloc) == (api.scheme, api.netloc) and not parts.username


async def download_private(client: AsyncWebClient, url: str, *, max_bytes: int) -> bytes:
    """A file's bytes from its `url_private(_download)`, fetched with the client's bot token.

    Raises:
        DownloadRefused: an untrusted host, a redirect or error (the token was not
            accepted), a login page instead of the file, or more than `max_bytes`.
    """
    if not url or not trusted_file_url(url, client.base_url):
        log.warning("refused to fetch a shared file from %s", urlsplit(url).netloc or "nowhere")
        raise DownloadRefused("That file isn't on Slack's file server, so I didn't fetch it.")
    headers = {"Authorization": f"Bearer {client.token}"}
    session = client.session or ClientSession()
    try:
        async with session.get(
            url, headers=headers, allow_redirects=False, timeout=_TIMEOUT
        ) as response:
            if response.status != 200 or "text/html" in response.content_type:
                log.warning("shared file download answered %s", response.status)
                raise DownloadRefused("Slack didn't hand me that file; please share it again.")
            data = bytearray()
            async for chunk in response.content.iter_chunked(_CHUNK):
                data += chunk
                if len(data) > max_bytes:
                    raise DownloadRefused(
                        f"That file is too large to import (the limit is {max_bytes:,} bytes)."
                    )
            return bytes(data)
    except ClientError as error:
        log.warning("shared file download failed: %s", type(error).__name__)
        raise DownloadRefused("I couldn't download that file; please try again.") from None
    finally:
        if session is not client.session:
            await session.close()


async def send_to_dm(
    client: AsyncWebClient, user_id: str, files: Sequence[ExportFile], *, comment: str
) -> str:
    """Upload `files` into the member's DM with the bot, with `comment`; returns the DM's
    conversation id."""
    dm = str((await client.conversations_open(users=user_id))["channel"]["id"])
    uploads = [
        {"content": f.text.encode("utf-8"), "filename": f.filename, "title": f.title} for f in files
    ]
    await client.files_upload_v2(channel=dm, file_uploads=uploads, initial_comment=comment)
    return dm
