"""Logging never prints a token or secret, and structured lines carry their fields."""

from __future__ import annotations

import json
import logging

import pytest

from bot.logs import configure_logging, log_event
from bot.settings import Settings


@pytest.fixture
def restore_root_logger():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_tokens_and_secrets_are_redacted(restore_root_logger, capsys) -> None:
    settings = Settings(
        _env_file=None, slack_bot_token="xoxb-111-222-abc", slack_signing_secret="s3cr3t-value"
    )
    configure_logging(settings)
    log = logging.getLogger("paperboy.test")
    log.warning("calling with token xoxb-111-222-abc and xapp-1-A0-xyz; secret s3cr3t-value")
    try:
        raise RuntimeError("header Authorization: Bearer xoxb-111-222-abc")
    except RuntimeError:
        log.exception("failed")
    err = capsys.readouterr().err
    assert "xoxb-111-222-abc" not in err
    assert "xapp-1-A0-xyz" not in err
    assert "s3cr3t-value" not in err
    assert "[redacted]" in err


def test_json_lines_carry_the_event_fields(restore_root_logger, capsys) -> None:
    configure_logging(Settings(_env_file=None, log_format="json"))
    log_event(logging.getLogger("paperboy.jobs"), "ingest", files=2, new=7, seconds=1.5)
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["event"] == "ingest"
    assert line["new"] == 7
    assert line["level"] == "info"
