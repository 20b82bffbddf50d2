"""The one configuration object: every knob paperboy reads from the environment or `.env`.

Nothing else in the code base reads `os.environ`; tests build `Settings(...)` with explicit
values instead. `.env.example` documents each field, and a test keeps the two in step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEFAULT_MODEL", "Settings", "SettingsError"]

DEFAULT_MODEL = "bundled:all-MiniLM-L6-v2"


class SettingsError(RuntimeError):
    """A required setting is missing or malformed; the message names the variable."""


class Settings(BaseSettings):
    """paperboy's configuration, read from environment variables and `.env`."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    database_url: str = "sqlite:///data/paperboy.db"
    # DIGEST_INBOX: the name before sources and digests were told apart, still read
    inbox_dir: Path = Field(
        default=Path("inbox"), validation_alias=AliasChoices("inbox_dir", "digest_inbox")
    )
    embedding_model: str = DEFAULT_MODEL
    embedding_device: str = "cpu"
    embedding_batch_size: int = Field(default=32, ge=1)
    embedding_backend: Literal["torch", "onnx"] = "torch"
    embedding_onnx_dir: Path = Path("data/models")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str | None = None

    sources: str = ""  # "hf-daily arxiv:cs.CV+cs.LG"; empty: the inbox only
    fetch_interval_minutes: int = Field(default=60, ge=5)
    fetch_contact: str = ""
    fetch_timeout_seconds: float = Field(default=30.0, gt=0)
    hf_api_url: str = "https://huggingface.co"
    arxiv_rss_url: str = "https://rss.arxiv.org"

    ingest_interval_minutes: int = Field(default=15, ge=1)
    tick_seconds: int = Field(default=60, ge=5)
    catch_up_hours: float = Field(default=6.0, ge=0)
    first_digest_days: int = Field(default=7, ge=1)
    default_threshold: float = Field(default=0.40, ge=-1.0, le=1.0)
    default_max_papers: int = Field(default=5, ge=1, le=20)
    default_timezone: str = "UTC"
    default_delivery_time: str = "09:00"
    library_import_seeds: int = Field(default=50, ge=1, le=500)
    library_import_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    slack_post_interval_seconds: float = Field(default=1.0, ge=0)
    max_send_attempts: int = Field(default=6, ge=1)
    leader_lease_seconds: int = Field(default=30, ge=5)
    index_sync_seconds: int = Field(default=30, ge=1)
    # the search index's files; None: beside a SQLite file (paperboy.db → paperboy.index/),
    # data/index/<database> for PostgreSQL, a temporary folder for an in-memory database
    index_dir: Path | None = None
    log_format: Literal["text", "json"] = "text"
    log_level: str = "INFO"

    @field_validator("sources")
    @classmethod
    def _known_sources(cls, value: str) -> str:
        from bot.sources.feeds import parse_sources  # raises SourcesError, a ValueError

        parse_sources(value)
        return value

    @field_validator("hf_api_url", "arxiv_rss_url")
    @classmethod
    def _web_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"must be an http(s) URL, not {value!r}")
        return value.rstrip("/")

    @field_validator("default_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        from bot.schedule import parse_zone  # raises ScheduleError, a ValueError

        return parse_zone(value)

    @field_validator("default_delivery_time")
    @classmethod
    def _time(cls, value: str) -> str:
        from bot.schedule import parse_time

        return parse_time(value)

    @field_validator("slack_api_url")
    @classmethod
    def _with_trailing_slash(cls, value: str | None) -> str | None:
        if value and not value.endswith("/"):
            return value + "/"
        return value or None

    def require_slack(self, *, socket_mode: bool = False) -> None:
        """Fail fast, naming the variable, when the Slack credentials are missing
        (`socket_mode` also requires `SLACK_APP_TOKEN`, an `xapp-` token).

        Raises:
            SettingsError: a token is missing or has the wrong prefix.
        """
        token = self.slack_bot_token.get_secret_value() if self.slack_bot_token else ""
        if not token:
            raise SettingsError("SLACK_BOT_TOKEN is not set (the bot token, xoxb-…)")
        if not token.startswith("xoxb-"):
            raise SettingsError("SLACK_BOT_TOKEN must be a bot token starting with 'xoxb-'")
        if not socket_mode and not (
            self.slack_signing_secret and self.slack_signing_secret.get_secret_value()
        ):
            raise SettingsError(
                "SLACK_SIGNING_SECRET is not set (Basic Information → App Credentials)"
            )
        if socket_mode:
            app_token = self.slack_app_token.get_secret_value() if self.slack_app_token else ""
            if not app_token.startswith("xapp-"):
                raise SettingsError("SLACK_APP_TOKEN must be set to an app-level token ('xapp-…')")
