"""The profile service: edits are the member's own, stored at once, with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import members
from bot.context import Context
from bot.digest import build_member_digest
from bot.members import ProfileError
from bot.store import members as member_store
from tests.paper_files import CORPUS, add_papers

T, U = "T1", "U1"


@pytest.fixture
def ids(ctx: Context, tmp_path: Path) -> dict[str, int]:
    return add_papers(ctx, tmp_path, CORPUS)


def test_ensure_member_uses_defaults_and_a_valid_timezone(ctx) -> None:
    view = members.ensure_member(ctx, T, U, timezone="Asia/Tokyo")
    assert view.timezone == "Asia/Tokyo" and view.max_papers == ctx.settings.default_max_papers
    assert view.threshold == ctx.settings.default_threshold
    assert members.ensure_member(ctx, T, "U2", timezone="Nowhere/Land").timezone == "UTC"


def test_follow_and_unfollow_by_number_or_text(ctx) -> None:
    members.follow(ctx, T, U, "diffusion for video")
    members.follow(ctx, T, U, "graph <@U9> :tada:")
    members.follow(ctx, T, U, "protein design")
    with pytest.raises(ProfileError, match="already follow"):
        members.follow(ctx, T, U, "Diffusion for video")
    assert members.unfollow(ctx, T, U, "2") == "graph <@U9> :tada:"
    assert members.unfollow(ctx, T, U, "PROTEIN design") == "protein design"
    with pytest.raises(ProfileError, match=r"no interest matches “9”; yours are: 1\. diffusion"):
        members.unfollow(ctx, T, U, "9")
    assert [i.text for i in members.profile(ctx, T, U).interests] == ["diffusion for video"]
    assert members.profile(ctx, T, "U2").interests == []  # another member's profile


def test_seeds_by_arxiv_id_url_or_title(ctx, ids) -> None:
    assert (
        members.add_seed(ctx, T, U, "https://arxiv.org/abs/2202.04901v2").id
        == ids[CORPUS[0]["title"]]
    )
    assert members.add_seed(ctx, T, U, "https://example.org/rife").title == CORPUS[1]["title"]
    assert members.add_seed(ctx, T, U, "protein folding DYNAMICS").title == CORPUS[3]["title"]
    with pytest.raises(ProfileError, match="already one of your seed papers"):
        members.add_seed(ctx, T, U, "2202.04901")
    with pytest.raises(ProfileError, match="no paper matches “xyz” — try an arXiv id or URL"):
        members.add_seed(ctx, T, U, "xyz")
    with pytest.raises(ProfileError, match="several papers match"):
        members.add_seed(ctx, T, U, "protein")
    assert len(members.profile(ctx, T, U).seeds) == 3
    assert members.remove_seed(ctx, T, U, "2").title == CORPUS[1]["title"]
    items = build_member_digest(ctx, T, U).items
    assert [i.paper.title for i in items] == [CORPUS[1]["title"], CORPUS[2]["title"]]
    assert items[0].reason.startswith(f"like your seed paper *{CORPUS[0]['title']}*: ")


def test_mutes_detect_authors_and_unmute(ctx, ids) -> None:
    assert members.mute(ctx, T, U, "Jane Doe") == "author:Jane Doe"
    assert members.mute(ctx, T, U, "author:Someone Else") == "author:Someone Else"
    assert members.mute(ctx, T, U, "LLM") == "LLM"
    with pytest.raises(ProfileError, match="already mute"):
        members.mute(ctx, T, U, "llm")
    with pytest.raises(ProfileError, match="name the author"):
        members.mute(ctx, T, U, "author: ")
    assert members.unmute(ctx, T, U, "jane doe") == "author:jane doe"
    with pytest.raises(ProfileError, match="you don't mute “nothing”"):
        members.unmute(ctx, T, U, "nothing")
    assert members.profile(ctx, T, U).mutes == ["author:Someone Else", "LLM"]


def test_keywords(ctx) -> None:
    members.add_keyword(ctx, T, U, "diffusion")
    with pytest.raises(ProfileError, match="already one of your keywords"):
        members.add_keyword(ctx, T, U, "Diffusion")
    with pytest.raises(ProfileError, match="not one of your keywords; yours: diffusion"):
        members.remove_keyword(ctx, T, U, "flow")
    members.remove_keyword(ctx, T, U, "diffusion")
    assert members.profile(ctx, T, U).keywords == []


def test_feedback_last_vote_wins_and_reset_keeps_interests(ctx, ids) -> None:
    members.follow(ctx, T, U, "video frame interpolation")
    paper = ids[CORPUS[0]["title"]]
    members.record_feedback(ctx, T, U, paper, "up")
    members.record_feedback(ctx, T, U, paper, "down")
    members.record_feedback(ctx, T, U, ids[CORPUS[2]["title"]], "save")
    view = members.profile(ctx, T, U)
    assert (view.upvotes, view.downvotes, view.saves) == (0, 1, 1)
    with pytest.raises(ProfileError, match="unknown feedback"):
        members.record_feedback(ctx, T, U, paper, "meh")  # type: ignore[arg-type]
    with pytest.raises(ProfileError, match="no longer in the library"):
        members.record_feedback(ctx, T, U, 9999, "up")
    assert members.reset_feedback(ctx, T, U) == 1
    view = members.profile(ctx, T, U)
    assert (view.upvotes, view.downvotes, view.saves) == (0, 0, 1)
    assert [i.text for i in view.interests] == ["video frame interpolation"]


def test_profile_counts_what_each_interest_brought_lately(ctx, ids) -> None:
    members.follow(ctx, T, U, "video frame interpolation")
    members.follow(ctx, T, U, "protein structure prediction")
    members.follow(ctx, T, U, "quantum chemistry")
    assert [i.recent for i in members.profile(ctx, T, U).interests] == [2, 2, 0]


def test_update_settings_persists_and_validates(ctx) -> None:
    view = members.update_settings(
        ctx, T, U, delivery_time="7:30", timezone="America/New_York", days="weekdays", paused=True
    )
    assert (view.delivery_time, view.timezone, view.paused) == ("07:30", "America/New_York", True)
    assert members.profile(ctx, T, U).member.days == ("mon", "tue", "wed", "thu", "fri")
    with pytest.raises(ValueError, match="unknown time zone “PST8”"):  # a ScheduleError
        members.update_settings(ctx, T, U, timezone="PST8")


def test_more_like_this_and_search_leave_out_disliked_and_muted(ctx, ids) -> None:
    first, second = ids[CORPUS[0]["title"]], ids[CORPUS[1]["title"]]
    assert second in [h.paper.id for h in members.more_like_this(ctx, T, U, first)]
    members.record_feedback(ctx, T, U, second, "down")
    assert second not in [h.paper.id for h in members.more_like_this(ctx, T, U, first)]
    found = [h.paper.id for h in members.search_for_member(ctx, T, U, "protein structure")]
    assert ids[CORPUS[2]["title"]] in found
    members.mute(ctx, T, U, "language")
    found = [h.paper.id for h in members.search_for_member(ctx, T, U, "protein structure")]
    assert ids[CORPUS[2]["title"]] not in found and second not in found


@pytest.mark.parametrize(
    "change",
    [
        lambda ctx: members.follow(ctx, T, U, "   "),
        lambda ctx: members.follow(ctx, T, U, "x" * 301),
        lambda ctx: members.follow_author(ctx, T, U, "Doe"),
        lambda ctx: members.add_keyword(ctx, T, U, ""),
        lambda ctx: members.mute(ctx, T, U, ""),
        lambda ctx: members.add_seed(ctx, T, U, "2401.99999"),
        lambda ctx: members.record_feedback(ctx, T, U, 999_999, "up"),
    ],
)
def test_a_refused_change_from_someone_new_stores_no_member(ctx, change) -> None:
    with pytest.raises(ProfileError):
        change(ctx)
    assert member_store.teams(ctx.db, U) == []
