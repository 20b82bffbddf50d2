"""The attacks drive the same running app as the scenario tests: Bolt over aiohttp, the fake
Slack Web API, a small library ingested through the real pipeline."""

from __future__ import annotations

from tests.scenario.conftest import bolt_app, client, http, slack_papers

__all__ = ["bolt_app", "client", "http", "slack_papers"]
