"""Process logging: human or JSON lines, with Slack tokens and secrets redacted everywhere.

`configure_logging(settings)` is called once by the long-running commands. The redaction
filter sits on the root handler, so a token inside any library's log message (an HTTP
header echoed by slack_sdk at DEBUG, an exception text) never reaches the output.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

from bot.settings import Settings

__all__ = ["RedactingFilter", "configure_logging", "log_event"]

_TOKEN = re.compile(r"\b(xox[abpors]|xapp|xoxe(?:\.xox[bp])?)-[A-Za-z0-9-]+")


class RedactingFilter(logging.Filter):
    """Replaces Slack tokens and the configured secrets in every record's message."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def redact(self, text: str) -> str:
        """`text` with tokens and known secrets replaced by `[redacted]`."""
        text = _TOKEN.sub(r"\1-[redacted]", text)
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg, record.args = self.redact(message), None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        data.update(getattr(record, "fields", {}))
        if record.exc_text:
            data["exception"] = record.exc_text
        return json.dumps(data, default=str)


def configure_logging(settings: Settings) -> None:
    """Install one stderr handler with the configured format, level and redaction."""
    handler = logging.StreamHandler()
    if settings.log_format == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    secrets = [
        s.get_secret_value()
        for s in (settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token)
        if s is not None
    ]
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())


def log_event(logger: logging.Logger, event: str, **fields: Any) -> None:
    """Log one structured line: `event key=value …` as text, or an object in JSON mode."""
    text = " ".join(f"{key}={value}" for key, value in fields.items())
    logger.info("%s %s", event, text, extra={"fields": {"event": event, **fields}})
