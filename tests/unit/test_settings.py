"""Settings: `.env.example` documents exactly the fields, and bad config fails by name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.settings import DEFAULT_MODEL, Settings, SettingsError

ENV_EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"


def _example_lines() -> list[str]:
    return ENV_EXAMPLE.read_text().splitlines()


def test_env_example_lists_exactly_the_settings_fields() -> None:
    keys = [line.split("=", 1)[0] for line in _example_lines() if re.match(r"^[A-Z_]+=", line)]
    assert sorted(keys) == sorted(name.upper() for name in Settings.model_fields)
    assert len(keys) == len(set(keys))


def test_every_env_example_key_has_a_comment_line_above_it() -> None:
    lines = _example_lines()
    for index, line in enumerate(lines):
        if re.match(r"^[A-Z_]+=", line):
            assert lines[index - 1].startswith("# "), f"{line} has no comment"


def test_defaults_run_offline_on_the_bundled_model() -> None:
    settings = Settings(_env_file=None)
    assert settings.embedding_model == DEFAULT_MODEL
    assert settings.database_url.startswith("sqlite:///")


def test_env_file_is_read(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("INBOX_DIR=/srv/inbox\nSLACK_API_URL=http://127.0.0.1:9/api\n")
    settings = Settings(_env_file=env)
    assert settings.inbox_dir == Path("/srv/inbox")
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"


def test_the_old_name_of_the_inbox_setting_is_still_read(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("DIGEST_INBOX=/srv/old-inbox\n")
    assert Settings(_env_file=env).inbox_dir == Path("/srv/old-inbox")


@pytest.mark.parametrize(
    ("values", "names"),
    [
        ({}, "SLACK_BOT_TOKEN"),
        ({"slack_bot_token": "xoxp-user"}, "SLACK_BOT_TOKEN"),
        ({"slack_bot_token": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
    ],
)
def test_require_slack_names_the_missing_variable(values: dict[str, str], names: str) -> None:
    with pytest.raises(SettingsError, match=names):
        Settings(_env_file=None, **values).require_slack()


def test_socket_mode_needs_an_app_token() -> None:
    settings = Settings(_env_file=None, slack_bot_token="xoxb-1")
    with pytest.raises(SettingsError, match="SLACK_APP_TOKEN"):
        settings.require_slack(socket_mode=True)


def test_secrets_do_not_show_in_repr() -> None:
    settings = Settings(_env_file=None, slack_bot_token="xoxb-secret-value")
    assert "xoxb-secret-value" not in repr(settings)
    assert "xoxb-secret-value" not in str(settings.model_dump())


@pytest.mark.parametrize(
    ("values", "name"),
    [({"default_timezone": "Mars/Base"}, "default_timezone"),
     ({"default_delivery_time": "9am"}, "default_delivery_time")],
)  # fmt: skip
def test_default_schedule_settings_are_checked_at_start(values: dict, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        Settings(_env_file=None, **values)
    assert Settings(_env_file=None, default_delivery_time="7:30").default_delivery_time == "07:30"
