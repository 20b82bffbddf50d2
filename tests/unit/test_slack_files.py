"""Where the bot token may go: Slack's file host over HTTPS, or the configured Web API's
own host (the fake, in tests), and nowhere else."""

from __future__ import annotations

import pytest

from bot.slack.files import trusted_file_url

API = "https://slack.com/api/"


@pytest.mark.parametrize(
    "url",
    [
        "https://files.slack.com/files-pri/T1-F1/library.bib",
        "https://files.slack.com/files-pri/T1-F1/download/library.bib",
    ],
)
def test_slack_file_urls_are_trusted(url: str) -> None:
    assert trusted_file_url(url, API)


@pytest.mark.parametrize(
    "url",
    [
        "http://files.slack.com/files-pri/T1-F1/library.bib",  # not over TLS
        "https://files.slack.com.evil.example/x",
        "https://evil.example/files.slack.com/x",
        "https://user@files.slack.com/x",
        "https://slack.com.evil.example/api/x",
        "file:///etc/passwd",
        "",
    ],
)
def test_anything_else_is_not(url: str) -> None:
    assert not trusted_file_url(url, API)


def test_the_configured_api_host_is_trusted() -> None:
    fake = "http://127.0.0.1:5000/api/"
    assert trusted_file_url("http://127.0.0.1:5000/files-pri/T1-F1/x.bib", fake)
    assert not trusted_file_url("http://127.0.0.1:5001/files-pri/T1-F1/x.bib", fake)
