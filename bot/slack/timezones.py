"""Each Slack user's time zone, as `users.info` gives it, cached per app.

The zone only seeds a new member's settings, so each app keeps every user's answer for
`TIMEZONE_TTL_S`: a burst of commands costs no Web API call per command.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

__all__ = ["TIMEZONE_TTL_S", "TimezoneCache"]

log = logging.getLogger("bot.slack")

TIMEZONE_TTL_S = 3600.0


class TimezoneCache:
    """Each user's Slack `tz` as `users.info` last gave it, kept for `ttl` seconds.

    A failed lookup (None from an API error) is not kept, so the next command asks again.
    """

    def __init__(
        self, *, ttl: float = TIMEZONE_TTL_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl, self._clock = ttl, clock
        self._known: dict[str, tuple[float, str | None]] = {}

    async def get(self, client: AsyncWebClient, user_id: str) -> str | None:
        """The user's `tz` from the cache or `users.info`: an IANA zone name such as
        "Europe/Berlin", or None when Slack cannot tell us."""
        hit = self._known.get(user_id)
        if hit is not None and hit[0] > self._clock():
            return hit[1]
        try:
            response = await client.users_info(user=user_id)
        except SlackApiError as error:
            log.warning("users.info failed for %s: %s", user_id, error.response.get("error"))
            return None
        zone = (response.get("user") or {}).get("tz")
        self._known[user_id] = (self._clock() + self._ttl, zone)
        return zone
