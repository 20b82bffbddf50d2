"""`deploy/slack-manifest.yml` asks for exactly what the app uses, and no more.

What is used is derived, not listed: the event types and commands the built app registers
listeners for (`PaperboyApp.listened_events`, `.commands`), and the Web API methods the code
calls, found by reading `bot/` and `jobs/` for `AsyncWebClient` methods and resolving each
to the API methods it calls (`files_upload_v2` is files.getUploadURLExternal and
files.completeUploadExternal). The one table kept by hand is Slack's documented scope of
each API method and event; a method or event missing from it fails the test, so a new call
cannot slip in without deciding its scope.
"""

from __future__ import annotations

import ast
import inspect
import re
from functools import cache
from pathlib import Path

import yaml
from slack_sdk.web.async_client import AsyncWebClient

from bot.context import Context
from bot.slack.app import build_app

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "deploy" / "slack-manifest.yml"

# Slack's documented bot-token scopes, for the conversation types paperboy uses them on
# (DMs with members; public and private channels the bot is in).
METHOD_SCOPES: dict[str, set[str]] = {
    "auth.test": set(),
    "apps.connections.open": set(),  # Socket Mode: the app-level token's connections:write
    "chat.postMessage": {"chat:write"},
    "chat.postEphemeral": {"chat:write"},
    "chat.update": {"chat:write"},
    "chat.getPermalink": set(),
    "conversations.open": {"im:write"},
    "conversations.info": {"channels:read", "groups:read"},
    "conversations.members": {"channels:read", "groups:read"},
    "conversations.history": {"channels:history", "groups:history", "im:history"},
    "users.info": {"users:read"},
    "views.publish": set(),
    "views.open": set(),
    "views.update": set(),
    "files.info": {"files:read"},  # and the url_private download it leads to
    "files.getUploadURLExternal": {"files:write"},
    "files.completeUploadExternal": {"files:write"},
}
EVENT_SCOPES: dict[str, set[str]] = {"app_home_opened": set(), "file_shared": {"files:read"}}


@cache
def _client_methods() -> frozenset[str]:
    return frozenset(
        name
        for name, member in inspect.getmembers(AsyncWebClient, inspect.iscoroutinefunction)
        if not name.startswith("_")
    )


@cache
def api_methods(client_method: str) -> frozenset[str]:
    """The Web API methods one `AsyncWebClient` method calls, following its own calls."""
    source = inspect.getsource(getattr(AsyncWebClient, client_method))
    found = set(re.findall(r'api_call\(\s*"([\w.]+)"', source))
    for other in re.findall(r"self\.(\w+)\(", source):
        if other != client_method and other in _client_methods():
            found |= api_methods(other)
    return frozenset(found)


def called_api_methods() -> set[str]:
    """Every Web API method that code in `bot/` and `jobs/` calls through the client."""
    found: set[str] = set()
    for path in [*ROOT.joinpath("bot").rglob("*.py"), *ROOT.joinpath("jobs").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in _client_methods():
                found |= api_methods(node.attr)
    return found


def manifest() -> dict:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


def test_the_code_analysis_sees_what_it_should() -> None:
    assert api_methods("files_upload_v2") == {
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    }
    called = called_api_methods()
    assert {"chat.postMessage", "views.publish", "files.info", "conversations.open"} <= called
    assert {"files.getUploadURLExternal", "files.completeUploadExternal"} <= called


def test_scopes_are_exactly_what_the_calls_and_events_need(ctx: Context) -> None:
    app = build_app(ctx, client=AsyncWebClient(token="xoxb-test", base_url="http://127.0.0.1:9/"))
    called = called_api_methods() | {"auth.test"}  # Bolt's own call
    unknown = called - set(METHOD_SCOPES)
    assert not unknown, f"add the scopes of {sorted(unknown)} to METHOD_SCOPES"
    unknown_events = app.listened_events - set(EVENT_SCOPES)
    assert not unknown_events, f"add the scopes of {sorted(unknown_events)} to EVENT_SCOPES"
    needed = set().union(*(METHOD_SCOPES[m] for m in called))
    needed |= set().union(*(EVENT_SCOPES[e] for e in app.listened_events))
    needed |= {"commands"} if app.commands else set()
    asked = set(manifest()["oauth_config"]["scopes"]["bot"])
    assert asked == needed, f"missing: {sorted(needed - asked)}; not used: {sorted(asked - needed)}"


def test_events_commands_and_interactivity_match_the_listeners(ctx: Context) -> None:
    app = build_app(ctx, client=AsyncWebClient(token="xoxb-test", base_url="http://127.0.0.1:9/"))
    data = manifest()
    settings = data["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == app.listened_events
    commands = {c["command"] for c in data["features"]["slash_commands"]}
    assert commands == app.commands == {"/papers"}
    assert settings["interactivity"]["is_enabled"] is True  # buttons and modals
    home = data["features"]["app_home"]
    assert home["home_tab_enabled"] is True  # app_home_opened publishes it
    if "file_shared" in app.listened_events:  # members must be able to drop a file there
        assert home["messages_tab_enabled"] and not home["messages_tab_read_only_enabled"]
