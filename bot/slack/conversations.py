"""Asking Slack about a channel: whether the bot is in it, and who its members are.

Shared by the `/papers channel …` and `/papers hot` listeners and the delivery job (channel
digests and the weekly hot post), so that paging through `conversations.members` is written
once.
"""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.errors import classify

__all__ = ["bot_is_in", "channel_members"]


async def bot_is_in(client: AsyncWebClient, channel_id: str) -> bool:
    """Whether the bot is a member of the channel: False also when Slack says the bot cannot
    see or post in it (a private channel the bot is not in answers `channel_not_found`).
    Any other failure (a rate limit, an outage) is raised: it says nothing about membership,
    and the member must not be told to invite the bot because of it."""
    try:
        info = await client.conversations_info(channel=channel_id)
    except SlackApiError as error:
        failure = classify(error)
        if failure is not None and failure.channel_gone:
            return False
        raise
    return bool((info.get("channel") or {}).get("is_member"))


async def channel_members(client: AsyncWebClient, channel_id: str) -> set[str]:
    """Every member of the channel, all pages (Slack's errors are raised)."""
    present: set[str] = set()
    cursor = None
    while True:
        page = await client.conversations_members(channel=channel_id, cursor=cursor, limit=1000)
        present.update(page.get("members") or [])
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return present
