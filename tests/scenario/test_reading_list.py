"""The reading list over HTTP: `/papers saved`, its Unsave and paging buttons, and
`/papers saved export` uploading BibTeX and RIS into the member's DM through Slack's
two-step file upload."""

from __future__ import annotations

from bot import members
from bot.context import Context
from bot.slack.blocks import ids
from tests.payloads import block_action, send
from tests.scenario.support import block_texts, received
from tests.scenario.test_commands import papers


def save_all(ctx: Context, slack_papers: dict[str, int]) -> list[int]:
    saved = list(slack_papers.values())
    for paper_id in saved:
        members.record_feedback(ctx, "T1", "U1", paper_id, "save")
    return saved


def buttons(reply: dict, action_id: str) -> list[str]:
    found = []
    for block in reply["blocks"]:
        for element in [block.get("accessory") or {}, *(block.get("elements") or [])]:
            if element.get("action_id") == action_id:
                found.append(element["value"])
    return found


async def click(http, fake_slack, action_id: str, value: str, count: int) -> dict:
    request = block_action(
        action_id, value, channel_id="C1", response_url=fake_slack.response_url()
    )
    assert (await send(http, request)).status == 200
    return (await received(fake_slack, "respond", count))[-1]


async def test_saved_lists_newest_first_with_links_and_unsave(
    http, fake_slack, ctx: Context, slack_papers
):
    assert "reading list is empty" in block_texts(await papers(http, fake_slack, "saved"))
    saved = save_all(ctx, slack_papers)
    reply = await papers(http, fake_slack, "saved")
    text = block_texts(reply)
    assert f"1–{len(saved)} of {len(saved)}" in text
    assert "<https://arxiv.org/abs/2405.00007|Diffusion transformers for video generation>" in text
    assert text.index("Diffusion transformers") < text.index("Graph neural networks for molecule")
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text
    values = buttons(reply, ids.SAVED_UNSAVE)
    assert values[0] == f"id:{saved[-1]}@0"
    assert not buttons(reply, ids.SAVED_MORE)  # 7 fit on one page


async def test_two_identical_unsave_clicks_unsave_one_paper(
    http, fake_slack, ctx: Context, slack_papers
):
    saved = save_all(ctx, slack_papers)
    value = f"id:{saved[2]}@0"
    first = await click(http, fake_slack, ids.SAVED_UNSAVE, value, 1)
    second = await click(http, fake_slack, ids.SAVED_UNSAVE, value, 2)
    assert first["replace_original"] is True and second["replace_original"] is True
    assert members.profile(ctx, "T1", "U1").saves == len(saved) - 1
    assert f"of {len(saved) - 1}" in block_texts(second)


async def test_older_saves_page(http, fake_slack, ctx: Context, slack_papers):
    saved = save_all(ctx, slack_papers)
    reply = await click(http, fake_slack, ids.SAVED_MORE, "5", 1)
    text = block_texts(reply)
    assert f"6–7 of {len(saved)}" in text
    assert buttons(reply, ids.SAVED_UNSAVE) == [f"id:{saved[1]}@5", f"id:{saved[0]}@5"]


async def test_export_uploads_bibtex_and_ris_into_the_dm(
    http, fake_slack, ctx: Context, slack_papers
):
    saved = save_all(ctx, slack_papers)
    reply = await papers(http, fake_slack, "saved export")
    assert f"Sent your {len(saved)} saved papers to our DM as BibTeX and RIS" in block_texts(reply)
    assert fake_slack.calls("conversations.open")[0]["users"] == "U1"
    announced = fake_slack.calls("files.getUploadURLExternal")
    assert [a["filename"] for a in announced] == ["paperboy-saved.bib", "paperboy-saved.ris"]
    assert len(fake_slack.calls("upload")) == 2
    (completed,) = fake_slack.calls("files.completeUploadExternal")
    assert completed["channel_id"] == "DU1"
    bib, ris = fake_slack.uploads()
    assert (bib["channel"], bib["title"]) == ("DU1", "Saved papers (BibTeX)")
    assert bib["content"].decode().count("@misc{") == len(saved)
    assert "eprint = {2405.00001}" in bib["content"].decode()
    assert ris["content"].decode().count("ER  - ") == len(saved)
    assert fake_slack.messages("DU1")[-1]["files"]  # the files are shared in the DM


async def test_export_one_format_and_nothing_saved(http, fake_slack, ctx: Context, slack_papers):
    reply = await papers(http, fake_slack, "saved export")
    assert "haven't saved any papers" in block_texts(reply)
    assert fake_slack.calls("files.getUploadURLExternal") == []
    save_all(ctx, slack_papers)
    await papers(http, fake_slack, "saved export ris")
    assert [u["filename"] for u in fake_slack.uploads()] == ["paperboy-saved.ris"]
    reply = await papers(http, fake_slack, "saved export pdf")
    assert "saved export bibtex" in block_texts(reply)


async def test_a_failed_upload_is_answered_not_thrown(http, fake_slack, ctx: Context, slack_papers):
    save_all(ctx, slack_papers)
    fake_slack.fail_next("files.completeUploadExternal", error="missing_scope")
    reply = await papers(http, fake_slack, "saved export")
    assert "Something went wrong" in block_texts(reply)


async def test_a_page_past_the_end_says_so(http, fake_slack, ctx: Context, slack_papers):
    save_all(ctx, slack_papers)
    reply = await click(http, fake_slack, ids.SAVED_MORE, "500", 1)
    assert "No saved papers past 7" in block_texts(reply)
