"""What a failed Slack call means for the one who made it: retry later, wait, or give up.

The sender (posting digests) and the delivery job (listing a channel's members) both ask
`classify`, so a Slack error means the same thing wherever it happens.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp
from slack_sdk.errors import SlackApiError

__all__ = ["CHANNEL_GONE_ERRORS", "TOKEN_ERRORS", "TRANSIENT_ERRORS", "SlackFailure", "classify"]

TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
# the bot can no longer post there: the channel's digest is switched off (status says why)
CHANNEL_GONE_ERRORS = frozenset({"channel_not_found", "not_in_channel", "is_archived"})
# the token itself is bad: nothing will work until an operator replaces it
TOKEN_ERRORS = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "not_allowed_token_type",
    }
)


@dataclass(frozen=True)
class SlackFailure:
    """A failed call: Slack's error code (or the network error), and what to do about it."""

    code: str
    transient: bool  # try again later: a 429, a 5xx, a known transient code, the network
    retry_after: float | None = None  # seconds Slack asked us to wait (a 429)
    channel_gone: bool = False  # the bot cannot post in that channel any more
    token_refused: bool = False  # the bot token itself is bad (`TOKEN_ERRORS`)

    @property
    def rate_limited(self) -> bool:
        """Slack answered 429."""
        return self.retry_after is not None


def classify(error: BaseException) -> SlackFailure | None:
    """The failure a Slack call's exception stands for; None when it is not a Slack or
    network error (a bug, which the caller lets through)."""
    if isinstance(error, SlackApiError):
        response = error.response
        code = str(response.get("error") or f"http_{response.status_code}")
        if response.status_code == 429:
            return SlackFailure("ratelimited", True, _retry_after(response.headers))
        transient = response.status_code >= 500 or code in TRANSIENT_ERRORS
        return SlackFailure(
            code,
            transient,
            channel_gone=code in CHANNEL_GONE_ERRORS,
            token_refused=code in TOKEN_ERRORS,
        )
    if isinstance(error, aiohttp.ClientError | TimeoutError):
        return SlackFailure(f"{type(error).__name__}: {error}", True)
    return None


def _retry_after(headers: object) -> float:
    for name, value in dict(headers or {}).items():  # type: ignore[call-overload]
        if name.lower() == "retry-after":
            try:
                return float(value)
            except (TypeError, ValueError):
                break
    return 1.0
