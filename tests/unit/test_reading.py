"""The reading service: the reading list (paging, unsave, export) and what a channel's
members are reading (consent, counts, who, earlier threads)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from bot import channels, members, reading
from bot.channels import ChannelError
from bot.context import Context
from bot.models import Feedback, utcnow
from bot.profiles import ProfileError
from bot.store import channels as channel_store
from tests.paper_files import CORPUS, add_papers

T = "T1"


@pytest.fixture
def ids(ctx: Context, tmp_path: Path) -> list[int]:
    by_title = add_papers(ctx, tmp_path, CORPUS)
    return [by_title[p["title"]] for p in CORPUS]


def test_reading_list_is_newest_first_and_paged(ctx, ids) -> None:
    for paper_id in ids:
        members.record_feedback(ctx, T, "U1", paper_id, "save")
    first = reading.saved_papers(ctx, T, "U1", limit=3)
    assert [p.id for p in first.papers] == ids[::-1][:3]
    assert (first.total, first.has_more) == (7, True)
    last = reading.saved_papers(ctx, T, "U1", offset=6, limit=3)
    assert [p.id for p in last.papers] == [ids[0]] and not last.has_more
    assert reading.saved_papers(ctx, T, "U404").total == 0  # nobody created


def test_unsave_twice_is_a_no_op(ctx, ids) -> None:
    members.record_feedback(ctx, T, "U1", ids[0], "save")
    members.record_feedback(ctx, T, "U1", ids[0], "up")
    assert reading.unsave(ctx, T, "U1", ids[0]) is True
    assert reading.unsave(ctx, T, "U1", ids[0]) is False
    assert reading.unsave(ctx, T, "U404", ids[0]) is False
    profile = members.profile(ctx, T, "U1")
    assert (profile.saves, profile.upvotes) == (0, 1)  # the 👍 stays


def test_export_has_every_saved_paper_in_each_format(ctx, ids) -> None:
    with pytest.raises(ProfileError, match="haven't saved"):
        reading.export_saved(ctx, T, "U1")
    for paper_id in ids[:3]:
        members.record_feedback(ctx, T, "U1", paper_id, "save")
    export = reading.export_saved(ctx, T, "U1")
    assert export.papers == 3
    bib, ris = export.files
    assert (bib.filename, ris.filename) == ("paperboy-saved.bib", "paperboy-saved.ris")
    assert bib.text.count("@misc{") == 3 and ris.text.count("ER  - ") == 3
    assert "eprint = {2202.04901}" in bib.text and "AN  - arXiv:2202.04901" in ris.text
    assert "url = {https://example.org/rife}" in bib.text
    (only,) = reading.export_saved(ctx, T, "U1", ("ris",)).files
    assert only.format == "ris"


@pytest.fixture
def channel(ctx: Context) -> str:
    channels.enable_channel(ctx, T, "C1")
    return "C1"


def share(ctx: Context, *users: str) -> None:
    for user in users:
        members.update_settings(ctx, T, user, share_votes=True)


def test_hot_counts_only_members_who_share(ctx, ids, channel) -> None:
    share(ctx, "U1", "U2")
    members.record_feedback(ctx, T, "U1", ids[0], "up")
    members.record_feedback(ctx, T, "U2", ids[0], "save")
    members.record_feedback(ctx, T, "U2", ids[1], "up")
    members.record_feedback(ctx, T, "U3", ids[1], "up")  # does not share: never counted
    members.record_feedback(ctx, T, "U3", ids[2], "save")
    members.record_feedback(ctx, T, "U1", ids[3], "down")  # a 👎 is no reading signal
    hot = reading.hot_papers(ctx, T, channel, ["U1", "U2", "U3", "U9"])
    assert [(h.paper.id, h.upvotes, h.saves, h.people) for h in hot.papers] == [
        (ids[0], 1, 1, ["U1", "U2"]),
        (ids[1], 1, 0, ["U2"]),
    ]
    assert hot.sharing == 2 and hot.days == 7


def test_hot_is_for_the_channel_members_and_the_period(ctx, ids, channel) -> None:
    share(ctx, "U1", "U2")
    members.record_feedback(ctx, T, "U1", ids[0], "up")
    members.record_feedback(ctx, T, "U2", ids[1], "up")
    with ctx.db.session() as session:  # U2's 👍 was ten days ago
        session.exec(update(Feedback).where(Feedback.paper_id == ids[1]).values(  # type: ignore[call-overload]
            created_at=utcnow() - timedelta(days=10)
        ))  # fmt: skip
    week = reading.hot_papers(ctx, T, channel, ["U1", "U2"])
    assert [h.paper.id for h in week.papers] == [ids[0]]
    month = reading.hot_papers(ctx, T, channel, ["U1", "U2"], days=30)
    assert [h.paper.id for h in month.papers] == [ids[0], ids[1]]
    assert reading.hot_papers(ctx, T, channel, ["U2"]).papers == []  # U1 is not here


def test_a_paper_discussed_before_links_its_thread(ctx, ids, channel) -> None:
    share(ctx, "U1")
    members.record_feedback(ctx, T, "U1", ids[0], "save")
    row = channel_store.get_channel(ctx.db, T, channel)
    with ctx.db.session() as session:
        channel_store.record_channel_posts(session, row.id, [ids[0]], "1700000001.000001")
    (item,) = reading.hot_papers(ctx, T, channel, ["U1"]).papers
    assert item.earlier_ts == "1700000001.000001"


def test_hot_needs_the_channel_digest(ctx, ids) -> None:
    with pytest.raises(ChannelError, match="channel on"):
        reading.hot_papers(ctx, T, "C9", ["U1"])
    channels.enable_channel(ctx, T, "C9")
    channels.disable_channel(ctx, T, "C9")
    with pytest.raises(ChannelError, match="channel on"):
        reading.hot_papers(ctx, T, "C9", ["U1"])


def test_weekly_hot_switch(ctx, channel) -> None:
    assert channels.set_hot_weekly(ctx, T, channel, True).hot_weekly
    assert channels.channel_status(ctx, T, channel).hot_weekly
    assert not channels.set_hot_weekly(ctx, T, channel, False).hot_weekly
    with pytest.raises(ChannelError, match="digest on first"):
        channels.set_hot_weekly(ctx, T, "C7", True)
    assert not channels.set_hot_weekly(ctx, T, "C7", False).hot_weekly
    with pytest.raises(ChannelError):
        channels.set_hot_weekly(ctx, T, "D1", True)
