"""The fake Slack Web API answers like Slack, records every call and injects faults."""

from __future__ import annotations

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from tests.fake_slack import FakeSlack


@pytest.fixture
def client(fake_slack: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token="xoxb-test-token", base_url=fake_slack.url)


async def test_post_message_records_and_stores(client: AsyncWebClient, fake_slack: FakeSlack):
    auth = await client.auth_test()
    assert auth["user_id"] == "UBOT" and auth["team_id"] == "T1"
    first = await client.chat_postMessage(channel="C1", text="hi", blocks=[{"type": "divider"}])
    second = await client.chat_postMessage(
        channel="C1",
        text="payload & <stuff>",
        metadata={"event_type": "paperboy_digest", "event_payload": {"ids": [1, 2]}},
    )
    assert float(second["ts"]) > float(first["ts"])
    assert [m["text"] for m in fake_slack.messages("C1")] == ["hi", "payload & <stuff>"]
    assert fake_slack.calls("chat.postMessage")[0]["blocks"] == [{"type": "divider"}]
    history = await client.conversations_history(channel="C1", include_all_metadata=True)
    assert history["messages"][0]["metadata"]["event_payload"] == {"ids": [1, 2]}
    plain = await client.conversations_history(channel="C1")
    assert "metadata" not in plain["messages"][0]


async def test_fail_next_ratelimited_then_ok(client: AsyncWebClient, fake_slack: FakeSlack):
    fake_slack.fail_next("chat.postMessage", retry_after=3)
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="C1", text="x")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "3"
    await client.chat_postMessage(channel="C1", text="x")
    assert len(fake_slack.calls("chat.postMessage")) == 2
    assert len(fake_slack.messages("C1")) == 1


async def test_fail_next_error_is_http_200(client: AsyncWebClient, fake_slack: FakeSlack):
    fake_slack.fail_next("chat.postMessage", error="channel_not_found", times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as raised:
            await client.chat_postMessage(channel="C9", text="x")
        assert raised.value.response.status_code == 200
        assert raised.value.response["error"] == "channel_not_found"
    assert (await client.chat_postMessage(channel="C9", text="x"))["ok"]


async def test_users_channels_dm_and_views(client: AsyncWebClient, fake_slack: FakeSlack):
    fake_slack.set_user("U2", tz="America/New_York")
    fake_slack.set_channel("C1", members=["U1", "U2"])
    assert (await client.users_info(user="U1"))["user"]["tz"] == "Europe/Berlin"
    assert (await client.users_info(user="U2"))["user"]["tz"] == "America/New_York"
    assert (await client.conversations_members(channel="C1"))["members"] == ["U1", "U2"]
    assert (await client.conversations_info(channel="C1"))["channel"]["is_member"] is True
    assert (await client.conversations_info(channel="C7"))["channel"]["is_member"] is False
    assert (await client.conversations_open(users="U1"))["channel"]["id"] == "DU1"
    view = {"type": "home", "blocks": []}
    assert (await client.views_publish(user_id="U1", view=view))["view"]["id"]
    with pytest.raises(SlackApiError):
        await client.views_open(trigger_id="", view=view)
    posted = await client.chat_postMessage(channel="U1", text="dm")
    assert posted["channel"] == "DU1"
    updated = await client.chat_update(channel="DU1", ts=posted["ts"], text="edited")
    assert updated["ok"] and fake_slack.messages("DU1")[0]["text"] == "edited"
    link = await client.chat_getPermalink(channel="DU1", message_ts=posted["ts"])
    assert link["permalink"] == fake_slack.permalink("DU1", posted["ts"])


async def test_response_url_is_recorded(fake_slack: FakeSlack):
    webhook = AsyncWebhookClient(fake_slack.response_url("tok"))
    response = await webhook.send(text="hello", response_type="ephemeral")
    assert response.status_code == 200
    assert fake_slack.calls("respond") == [
        {"text": "hello", "response_type": "ephemeral", "_token": "tok"}
    ]
    fake_slack.reset()
    assert fake_slack.methods() == []


async def test_set_clock_stamps_later_messages_from_that_time(
    client: AsyncWebClient, fake_slack: FakeSlack
):
    fake_slack.set_clock(1_800_000_000.7)
    first = await client.chat_postMessage(channel="C1", text="a")
    fake_slack.reset()  # forgets calls and messages, keeps the clock
    second = await client.chat_postMessage(channel="C1", text="b")
    assert (first["ts"], second["ts"]) == ("1800000001.000001", "1800000001.000001")
    fake_slack.set_clock(1_900_000_000)
    assert (await client.chat_postMessage(channel="C1", text="c"))["ts"] == "1900000002.000002"


async def test_drop_next_acts_then_hangs_up(fake_slack: FakeSlack):
    client = AsyncWebClient(token="xoxb-test-token", base_url=fake_slack.url, retry_handlers=[])
    fake_slack.drop_next("chat.postMessage")
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await client.chat_postMessage(channel="C1", text="lost answer")
    assert [m["text"] for m in fake_slack.messages("C1")] == ["lost answer"]
    assert fake_slack.requests()[-1].error == "dropped"
    assert (await client.chat_postMessage(channel="C1", text="next"))["ok"]


async def test_files_upload_v2_goes_through_the_two_step_upload(
    client: AsyncWebClient, fake_slack: FakeSlack
):
    done = await client.files_upload_v2(
        channel="DU1",
        file_uploads=[{"content": "@misc{a,}", "filename": "a.bib", "title": "A"}],
        initial_comment="here",
    )
    assert done["file"]["title"] == "A"
    assert fake_slack.methods() == [
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]
    (upload,) = fake_slack.uploads()
    assert (upload["content"], upload["channel"], upload["initial_comment"]) == (
        b"@misc{a,}",
        "DU1",
        "here",
    )


async def test_complete_without_upload_fails(client: AsyncWebClient, fake_slack: FakeSlack):
    announced = await client.files_getUploadURLExternal(filename="a.bib", length=3)
    with pytest.raises(SlackApiError, match="file_upload_not_found"):
        await client.files_completeUploadExternal(files=[{"id": announced["file_id"]}])


async def test_url_private_needs_the_bot_token(client: AsyncWebClient, fake_slack: FakeSlack):
    from bot.slack.files import DownloadRefused, download_private

    file_id = fake_slack.add_file("lib.bib", b"@misc{x,}", user="U1")
    info = (await client.files_info(file=file_id))["file"]
    assert (info["user"], info["size"], info["name"]) == ("U1", 9, "lib.bib")
    url = info["url_private_download"]
    assert await download_private(client, url, max_bytes=100) == b"@misc{x,}"
    anonymous = AsyncWebClient(token="xoxp-not-a-bot", base_url=fake_slack.url)
    with pytest.raises(DownloadRefused):  # the fake redirects to its sign-in page
        await download_private(anonymous, url, max_bytes=100)
    with pytest.raises(DownloadRefused, match="too large"):
        await download_private(client, url, max_bytes=5)
    with pytest.raises(DownloadRefused, match="file server"):
        await download_private(client, "https://evil.example/files-pri/x", max_bytes=100)
    statuses = [c.status for c in fake_slack.requests() if c.method == "download"]
    assert statuses == [200, 302, 200]
