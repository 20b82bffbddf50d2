"""Importing a library over HTTP: a file shared in the bot's DM (`file_shared`) is looked up
(`files.info`), fetched from its `url_private` with the bot token, and imported; the member
gets one reply. Files that are not theirs, not in a DM, too large or not on Slack's file
server are refused, and the bot's own uploads are never imported."""

from __future__ import annotations

import json
import logging

import pytest

from bot import members
from bot.context import Context
from bot.digest import build_member_digest
from tests.fake_slack import FakeSlack
from tests.payloads import event, send
from tests.scenario.conftest import drain
from tests.scenario.support import block_texts, received

BIBTEX = """
@misc{lovelace2024graph,
  title = {Graph neural networks for molecule property prediction},
  author = {Lovelace, Ada and Turing, Alan},
  year = {2024},
  eprint = {2405.00001},
  archivePrefix = {arXiv},
}
@article{x2023sparse,
  title = {Sparse Attention for Long-Context Transformers},
  author = {Turing, Alan},
  year = {2023},
}
@article{x2022unknown,
  title = {A paper paperboy has never seen},
  year = {2022},
}
@article{x2021again,
  title = {Graph neural networks for molecule property prediction},
  year = {2021},
}
"""


def shared(file_id: str, *, user: str = "U1", channel: str = "DU1") -> dict:
    return {"type": "file_shared", "file_id": file_id, "user_id": user, "channel_id": channel,
            "file": {"id": file_id}, "event_ts": "1700000000.000100"}  # fmt: skip


async def share(http, fake_slack: FakeSlack, file_id: str, **kwargs: str) -> None:
    assert (await send(http, event(shared(file_id, **kwargs)))).status == 200


async def test_a_bibtex_file_in_the_dm_becomes_the_members_library(
    http, fake_slack, ctx: Context, slack_papers
):
    file_id = fake_slack.add_file("My Library.bib", BIBTEX.encode())
    await share(http, fake_slack, file_id)
    (reply,) = await received(fake_slack, "chat.postMessage")
    assert reply["channel"] == "DU1"
    text = block_texts(reply)
    assert "*Imported My Library.bib* (bibtex): read 4 · found 2 in paperboy's library" in text
    assert "used 2 as your seed papers" in text
    assert "1 not among paperboy's papers (yet), e.g. _A paper paperboy has never seen_" in text
    assert "1 listed twice" in text
    downloads = [r for r in fake_slack.requests() if r.method == "download"]
    assert len(downloads) == 1 and downloads[0].headers["Authorization"] == "Bearer xoxb-test-token"
    assert fake_slack.calls("files.info")[0]["file"] == file_id
    library = {p.title for p in members.profile(ctx, "T1", "U1").library}
    assert library == {
        "Graph neural networks for molecule property prediction",
        "Sparse attention for long context transformers",
    }
    items = build_member_digest(ctx, "T1", "U1").items
    assert items and all(" from your library: " in i.reason for i in items)


async def test_a_jsonl_library_works_too(http, fake_slack, ctx: Context, slack_papers):
    lines = [json.dumps({"title": t}) for t in list(slack_papers)[:3]]
    await share(http, fake_slack, fake_slack.add_file("export.jsonl", "\n".join(lines).encode()))
    (reply,) = await received(fake_slack, "chat.postMessage")
    assert "read 3 · found 3 in paperboy's library · used 3" in block_texts(reply)


async def test_files_in_channels_and_the_bots_own_uploads_are_ignored(
    http, fake_slack, ctx: Context, slack_papers
):
    file_id = fake_slack.add_file("library.bib", BIBTEX.encode())
    await share(http, fake_slack, file_id, channel="C1")  # a channel's file
    bots = fake_slack.add_file("paperboy-saved.bib", BIBTEX.encode(), user="UBOT")
    await share(http, fake_slack, bots, user="UBOT")  # our own export coming back
    await drain()
    assert fake_slack.calls("files.info") == [] and fake_slack.calls("download") == []
    assert fake_slack.calls("chat.postMessage") == []
    assert members.profile(ctx, "T1", "U1").library == []


@pytest.mark.parametrize(
    ("name", "content", "owner", "said"),
    [
        ("photo.png", b"\x89PNG", "U1", "photo.png is none of those"),
        ("library.bib", BIBTEX.encode(), "U2", "only import a library that you shared yourself"),
        ("library.bib", b"@misc{" + b"x" * 5 * 2**20, "U1", "too large to import"),
        ("notes.txt", b"just some words\nand more words\n", "U1", "couldn't read notes.txt"),
    ],
)
async def test_refused_files_get_one_reply_and_change_nothing(
    http, fake_slack, ctx: Context, slack_papers, name, content, owner, said
):
    await share(http, fake_slack, fake_slack.add_file(name, content, user=owner))
    (reply,) = await received(fake_slack, "chat.postMessage")
    assert said in block_texts(reply)
    assert members.profile(ctx, "T1", "U1").library == []
    if said != "couldn't read notes.txt":
        assert fake_slack.calls("download") == []  # refused before fetching


async def test_a_file_url_off_slack_never_gets_the_token(
    http, fake_slack, ctx: Context, slack_papers, caplog
):
    with FakeSlack() as elsewhere:
        url = f"{elsewhere.base}/files-pri/T1-F1/library.bib"
        await share(http, fake_slack, fake_slack.add_file("library.bib", b"@misc{", url=url))
        (reply,) = await received(fake_slack, "chat.postMessage")
        assert elsewhere.requests() == []  # the token went nowhere
    assert "isn't on Slack's file server" in block_texts(reply)
    assert any("refused to fetch" in r.getMessage() for r in caplog.records)


async def test_a_download_slack_refuses_is_explained(
    http, fake_slack, ctx: Context, slack_papers, caplog
):
    fake_slack.fail_next("download", error="server error", status=500)
    await share(http, fake_slack, fake_slack.add_file("library.bib", BIBTEX.encode()))
    (reply,) = await received(fake_slack, "chat.postMessage")
    assert "didn't hand me that file" in block_texts(reply)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_an_unknown_file_id_is_explained(http, fake_slack, ctx: Context):
    await share(http, fake_slack, "F404")
    (reply,) = await received(fake_slack, "chat.postMessage")
    assert "couldn't open that file" in block_texts(reply)


async def test_import_help(http, fake_slack):
    from tests.scenario.test_commands import papers

    reply = await papers(http, fake_slack, "import")
    assert "drop the file in a DM with me" in block_texts(reply)
