"""The Web API methods the fake answers, each a function of (state, body) -> response dict.

Responses follow the shapes documented at api.slack.com closely enough for slack_sdk and
Bolt; errors are `{"ok": False, "error": ...}` with HTTP 200, as Slack sends them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.fake_slack.state import BOT_ID, BOT_USER_ID, TEAM_ID, FileInfo, State

__all__ = ["METHODS", "file_object", "permalink"]

Body = dict[str, Any]
Method = Callable[[State, Body], Body]


def permalink(channel: str, ts: str) -> str:
    """The permalink the fake hands out for a message."""
    return f"https://t1.slack.com/archives/{channel}/p{ts.replace('.', '')}"


def _truthy(value: Any) -> bool:
    return str(value).lower() in {"1", "true", "yes"}


def _auth_test(state: State, body: Body) -> Body:
    return {
        "ok": True,
        "url": "https://t1.slack.com/",
        "team": "Test Team",
        "user": "paperboy",
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    }


def _dm_channel(channel: str) -> str:
    return "D" + channel if channel.startswith(("U", "W")) else channel


def _post_message(state: State, body: Body) -> Body:
    channel = str(body.get("channel") or "")
    if not channel:
        return {"ok": False, "error": "channel_not_found"}
    if not (body.get("text") or body.get("blocks") or body.get("attachments")):
        return {"ok": False, "error": "no_text"}
    channel = _dm_channel(channel)
    ts = state.next_ts()
    message = {
        "type": "message",
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "ts": ts,
        "channel": channel,
        "text": body.get("text", ""),
        "blocks": body.get("blocks") or [],
        "metadata": body.get("metadata"),
        "thread_ts": body.get("thread_ts"),
    }
    with state.lock:
        state.messages[channel].append(message)
    return {"ok": True, "channel": channel, "ts": ts, "message": message}


def _post_ephemeral(state: State, body: Body) -> Body:
    if not body.get("channel") or not body.get("user"):
        return {"ok": False, "error": "invalid_arguments"}
    return {"ok": True, "message_ts": state.next_ts()}


def _update(state: State, body: Body) -> Body:
    channel, ts = str(body.get("channel", "")), str(body.get("ts", ""))
    with state.lock:
        for message in state.messages.get(channel, []):
            if message["ts"] == ts:
                for key in ("text", "blocks", "metadata"):
                    if key in body:
                        message[key] = body[key]
                return {"ok": True, "channel": channel, "ts": ts, "text": message["text"]}
    return {"ok": False, "error": "message_not_found"}


def _get_permalink(state: State, body: Body) -> Body:
    channel, ts = str(body.get("channel", "")), str(body.get("message_ts", ""))
    return {"ok": True, "channel": channel, "permalink": permalink(channel, ts)}


def _view(state: State, body: Body, *, needs_trigger: bool) -> Body:
    if needs_trigger and not body.get("trigger_id"):
        return {"ok": False, "error": "invalid_arguments"}
    view = body.get("view")
    if not isinstance(view, dict):
        return {"ok": False, "error": "invalid_arguments"}
    view_id = str(body.get("view_id") or state.next_view_id())
    return {"ok": True, "view": {**view, "id": view_id, "team_id": TEAM_ID, "hash": "h1"}}


def _conversations_open(state: State, body: Body) -> Body:
    users = str(body.get("users", "")).split(",")
    if not users[0]:
        return {"ok": False, "error": "users_list_not_supplied"}
    return {"ok": True, "channel": {"id": "D" + users[0]}}


def _users_info(state: State, body: Body) -> Body:
    user_id = str(body.get("user", ""))
    if not user_id:
        return {"ok": False, "error": "user_not_found"}
    return {"ok": True, "user": state.user(user_id)}


def _conversations_info(state: State, body: Body) -> Body:
    info = state.channel(str(body.get("channel", "")))
    return {
        "ok": True,
        "channel": {
            "id": info.id,
            "name": info.name,
            "is_channel": not info.is_private,
            "is_private": info.is_private,
            "is_member": info.is_member,
            "is_im": info.id.startswith("D"),
        },
    }


def _conversations_members(state: State, body: Body) -> Body:
    info = state.channel(str(body.get("channel", "")))
    return {"ok": True, "members": list(info.members), "response_metadata": {"next_cursor": ""}}


def _conversations_history(state: State, body: Body) -> Body:
    channel = str(body.get("channel", ""))
    with_metadata = _truthy(body.get("include_all_metadata", False))
    oldest = float(body.get("oldest") or 0)
    with state.lock:
        stored = [dict(m) for m in state.messages.get(channel, []) if float(m["ts"]) > oldest]
    limit = int(body.get("limit") or 100)
    messages = list(reversed(stored))[:limit]  # newest first, as Slack returns them
    for message in messages:
        if not with_metadata or not message.get("metadata"):
            message.pop("metadata", None)
    return {"ok": True, "messages": messages, "has_more": False}


def file_object(state: State, info: FileInfo) -> Body:
    """A file as files.info and files.completeUploadExternal describe it."""
    url = state.file_url(info)
    size = len(info.content) if info.content is not None else info.length
    extension = info.name.rsplit(".", 1)[-1].lower() if "." in info.name else "text"
    return {
        "id": info.id,
        "name": info.name,
        "title": info.title or info.name,
        "user": info.user,
        "size": size,
        "filetype": extension,
        "mimetype": "text/plain",
        "url_private": url,
        "url_private_download": url + "?download=1" if info.url is None else url,
        "channels": [info.channel] if info.channel and info.channel[:1] in "CG" else [],
        "ims": [info.channel] if info.channel and info.channel.startswith("D") else [],
    }


def _get_upload_url(state: State, body: Body) -> Body:
    filename, length = str(body.get("filename") or ""), str(body.get("length") or "")
    if not filename or not length.isdigit():
        return {"ok": False, "error": "invalid_arguments"}
    info = FileInfo(state.next_file_id(), filename, BOT_USER_ID, length=int(length))
    with state.lock:
        state.files[info.id] = info
    return {"ok": True, "upload_url": f"{state.base_url}/upload/{info.id}", "file_id": info.id}


def _complete_upload(state: State, body: Body) -> Body:
    files = body.get("files")
    if not isinstance(files, list) or not files:
        return {"ok": False, "error": "invalid_arguments"}
    channel = _dm_channel(str(body.get("channel_id") or "")) or None
    done = []
    with state.lock:
        for entry in files:
            info = state.files.get(str(entry.get("id")))
            if info is None or info.content is None or len(info.content) != info.length:
                return {"ok": False, "error": "file_upload_not_found"}
            info.title, info.channel, info.completed = entry.get("title") or "", channel, True
            info.initial_comment = body.get("initial_comment")
            done.append(info)
    if channel:
        message = {
            "type": "message",
            "user": BOT_USER_ID,
            "ts": state.next_ts(),
            "text": body.get("initial_comment") or "",
            "files": [{"id": f.id, "name": f.name} for f in done],
        }
        with state.lock:
            state.messages[channel].append(message)
    return {"ok": True, "files": [{"id": f.id, "title": f.title} for f in done]}


def _files_info(state: State, body: Body) -> Body:
    with state.lock:
        info = state.files.get(str(body.get("file") or ""))
    if info is None or (info.content is None and info.url is None):
        return {"ok": False, "error": "file_not_found"}
    return {"ok": True, "file": file_object(state, info)}


METHODS: dict[str, Method] = {
    "auth.test": _auth_test,
    "chat.postMessage": _post_message,
    "chat.postEphemeral": _post_ephemeral,
    "chat.update": _update,
    "chat.getPermalink": _get_permalink,
    "views.publish": lambda state, body: _view(state, body, needs_trigger=False),
    "views.open": lambda state, body: _view(state, body, needs_trigger=True),
    "views.update": lambda state, body: _view(state, body, needs_trigger=False),
    "conversations.open": _conversations_open,
    "users.info": _users_info,
    "conversations.info": _conversations_info,
    "conversations.members": _conversations_members,
    "conversations.history": _conversations_history,
    "files.getUploadURLExternal": _get_upload_url,
    "files.completeUploadExternal": _complete_upload,
    "files.info": _files_info,
}
