"""Text primitives for Block Kit: escaping, truncation to Slack's limits, links, `Message`.

Every string that came from a digest or a member goes through `escape_mrkdwn` before it
is placed in mrkdwn, so `<!channel>` or `<@U123>` in a paper title shows literally.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import Block, MarkdownTextObject, PlainTextObject

from bot.slack_ids import is_channel, is_dm, is_user
from bot.summaries import truncate

__all__ = [
    "MAX_BUTTON_TEXT",
    "MAX_BUTTON_VALUE",
    "MAX_FALLBACK_TEXT",
    "MAX_HEADER",
    "MAX_HOME_BLOCKS",
    "MAX_MESSAGE_BLOCKS",
    "MAX_SECTION_TEXT",
    "Message",
    "escape_mrkdwn",
    "escaped",
    "fit_mrkdwn",
    "mention",
    "mrkdwn",
    "permalink",
    "plain",
    "safe_url",
    "truncate",
]

MAX_MESSAGE_BLOCKS = 50
MAX_HOME_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_HEADER = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_FALLBACK_TEXT = 40_000


@dataclass
class Message:
    """A message body: fallback `text` (notifications, screen readers) and blocks."""

    text: str
    blocks: list[Block] = field(default_factory=list)

    def to_kwargs(self) -> dict[str, Any]:
        """`{"text", "blocks"}` as JSON-ready dicts for `chat_postMessage` or `respond`."""
        return {"text": self.text, "blocks": [block.to_dict() for block in self.blocks]}


def escape_mrkdwn(text: str) -> str:
    """Escape `&`, `<` and `>` so Slack shows `text` literally (no mentions, no links)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escaped(text: str, limit: int) -> str:
    """`text` escaped, truncated at a word boundary so the escaped form fits `limit`."""
    budget = limit
    while True:
        out = escape_mrkdwn(truncate(text, budget))
        if len(out) <= limit:
            return out
        budget -= len(out) - limit


def fit_mrkdwn(text: str, limit: int = MAX_SECTION_TEXT) -> str:
    """Cut already-built mrkdwn to `limit`, never leaving a half link or entity behind."""
    if len(text) <= limit:
        return text
    cut = truncate(text, limit).removesuffix("…")
    for opener, closer in (("<", ">"), ("&", ";")):
        start = cut.rfind(opener)
        if start > cut.rfind(closer):
            cut = cut[:start]
    return cut.rstrip() + "…"


def mrkdwn(text: str, limit: int = MAX_SECTION_TEXT) -> MarkdownTextObject:
    """A mrkdwn text object of built (already escaped) text, fitted to `limit`."""
    return MarkdownTextObject(text=fit_mrkdwn(text or " ", limit))


def plain(text: str, limit: int = MAX_HEADER) -> PlainTextObject:
    """A plain-text object (headers, buttons, labels), truncated to `limit`."""
    return PlainTextObject(text=truncate(text or " ", limit), emoji=True)


def safe_url(url: str | None) -> str | None:
    """An http(s) URL safe to put inside `<url|label>`, or None."""
    if not url or not re.match(r"^https?://\S+$", url.strip()) or len(url) > 1000:
        return None
    return url.strip().replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")


def mention(user_id: str) -> str:
    """A real mention for a Slack user id; anything else is shown escaped."""
    return f"<@{user_id}>" if is_user(user_id) else escape_mrkdwn(user_id)


def permalink(channel_id: str, ts: str) -> str | None:
    """A link to a message built from its channel and ts (no API call)."""
    if not (is_channel(channel_id) or is_dm(channel_id)) or not re.match(r"^\d+\.\d+$", ts):
        return None
    return f"https://slack.com/archives/{channel_id}/p{ts.replace('.', '')}"
