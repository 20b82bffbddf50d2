"""Following authors: the profile rules, and digests that deliver their papers whatever the
score, with the reason "by *Name*, whom you follow"."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import members
from bot.context import Context
from bot.digest import build_member_digest
from bot.profiles import ProfileError
from tests.paper_files import CORPUS, add_papers

T, U = "T1", "U1"


@pytest.fixture
def ids(ctx: Context, tmp_path: Path) -> dict[str, int]:
    extra = [
        {
            "title": "Quantum error correction with surface codes",
            "abstract": "Surface codes correct quantum errors. We lower the threshold.",
            "authors": ["Doe, J.", "Ann Lee"],
        },
        {
            "title": "Ocean wave forecasting with transformers",
            "abstract": "Waves are forecast. Transformers help.",
            "authors": ["John Doe"],
        },
    ]
    return add_papers(ctx, tmp_path, [*CORPUS, *extra])


def test_follow_author_rules(ctx: Context) -> None:
    assert members.follow_author(ctx, T, U, '  "Jane   Doe" ') == "Jane Doe"
    with pytest.raises(ProfileError, match="already follow"):
        members.follow_author(ctx, T, U, "jane doe")
    with pytest.raises(ProfileError, match="first name or initial"):
        members.follow_author(ctx, T, U, "Doe")
    with pytest.raises(ProfileError, match="name the author"):
        members.follow_author(ctx, T, U, "  ")
    members.follow_author(ctx, T, U, "Jané Roe")
    assert members.profile(ctx, T, U).authors == ["Jane Doe", "Jané Roe"]
    with pytest.raises(ProfileError, match="you follow: Jane Doe, Jané Roe"):
        members.unfollow_author(ctx, T, U, "Richard Roe")
    assert members.unfollow_author(ctx, T, U, "jane doe") == "Jane Doe"
    assert members.unfollow_author(ctx, T, U, "Jane Doe", missing_ok=True) is None
    assert members.profile(ctx, T, U).authors == ["Jané Roe"]


def test_reading_a_profile_with_authors_creates_nobody(ctx: Context) -> None:
    assert members.profile(ctx, T, "U404").authors == []
    assert members.unfollow_author(ctx, T, "U404", "Jane Doe", missing_ok=True) is None


def test_followed_authors_papers_arrive_whatever_the_threshold(ctx, ids) -> None:
    members.follow(ctx, T, U, "medieval poetry")
    members.follow_author(ctx, T, U, "Jane Doe")
    members.update_settings(ctx, T, U, threshold=0.99)  # nothing else comes close
    digest = build_member_digest(ctx, T, U)
    titles = {i.paper.title: i.reason for i in digest.items}
    assert titles == {
        CORPUS[1]["title"]: "by *Jane Doe*, whom you follow",
        "Quantum error correction with surface codes": "by *Jane Doe*, whom you follow",
    }  # "Doe, J." is her; "John Doe" is not


def test_an_author_alone_is_not_a_cold_start(ctx, ids) -> None:
    members.follow_author(ctx, T, U, "J. Doe")  # an initial: every J. Doe
    digest = build_member_digest(ctx, T, U)
    assert digest.note is None
    assert {i.paper.title for i in digest.items} == {
        CORPUS[1]["title"],
        "Quantum error correction with surface codes",
        "Ocean wave forecasting with transformers",
    }
    assert all(i.summary and i.gist for i in digest.items)


def test_author_papers_come_first_and_the_rest_fill_up_to_max(ctx, ids) -> None:
    members.follow(ctx, T, U, "video frame interpolation")
    members.follow_author(ctx, T, U, "Carl Smith")
    members.update_settings(ctx, T, U, max_papers=2)
    items = build_member_digest(ctx, T, U).items
    assert items[0].paper.title == CORPUS[2]["title"]
    assert items[0].reason == "by *Carl Smith*, whom you follow"
    assert len(items) == 2 and "interest *video frame interpolation*" in items[1].reason


def test_mutes_and_deliveries_still_apply_to_followed_authors(ctx, ids) -> None:
    members.follow_author(ctx, T, U, "Jane Doe")
    members.mute(ctx, T, U, "quantum")
    assert [i.paper.title for i in build_member_digest(ctx, T, U).items] == [CORPUS[1]["title"]]
    members.record_feedback(ctx, T, U, ids[CORPUS[1]["title"]], "down")
    assert build_member_digest(ctx, T, U).items == []
