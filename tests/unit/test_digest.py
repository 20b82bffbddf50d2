"""The digest service: windows, ranking rules, filters, reasons, summaries and notes."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from bot import members
from bot.context import Context
from bot.digest import (
    COLD_START_NOTE,
    _reason,
    build_channel_digest,
    build_member_digest,
    build_member_digests,
)
from bot.members import matching_profile
from bot.models import utcnow
from bot.store import channels as channel_store
from bot.store import members as member_store
from bot.summaries import split_sentences
from tests.paper_files import CORPUS, add_papers, set_ingested_at

T, U = "T1", "U1"
VIDEO, PROTEIN = "video frame interpolation", "protein structure prediction"


@pytest.fixture
def ids(ctx: Context, tmp_path: Path) -> dict[str, int]:
    return add_papers(ctx, tmp_path, CORPUS)


def _titles(ctx: Context, **kwargs) -> list[str]:
    return [i.paper.title for i in build_member_digest(ctx, T, U, **kwargs).items]


def _follow(ctx: Context, *interests: str, user: str = U) -> None:
    for text in interests:
        members.follow(ctx, T, user, text)


def test_two_unrelated_interests_are_both_served_with_the_right_reason(ctx, ids) -> None:
    _follow(ctx, VIDEO, PROTEIN)
    digest = build_member_digest(ctx, T, U)
    by_title = {i.paper.title: i for i in digest.items}
    assert set(by_title) == {c["title"] for c in CORPUS[:4]}
    assert [i.score for i in digest.items] == sorted((i.score for i in digest.items), reverse=True)
    reason = by_title[CORPUS[0]["title"]].reason
    band = r"(strong|good|partial) match \(0\.\d\d\)(, uses your words)?"
    assert re.fullmatch(rf"matches your interest \*{VIDEO}\*: {band}", reason)
    assert f"*{PROTEIN}*" in by_title[CORPUS[2]["title"]].reason
    assert digest.note is None


def test_summaries_are_abstract_sentences_within_budget(ctx, ids) -> None:
    _follow(ctx, VIDEO)
    for item in build_member_digest(ctx, T, U).items:
        assert 0 < len(item.summary) <= 300 and 0 < len(item.gist) <= 160
        assert all(s in item.paper.abstract for s in split_sentences(item.summary))
        assert item.gist in item.paper.abstract


def test_mutes_hard_filter_words_and_authors(ctx, ids) -> None:
    _follow(ctx, VIDEO, PROTEIN)
    members.mute(ctx, T, U, "folding")
    members.mute(ctx, T, U, "author:jane doe")
    assert set(_titles(ctx)) == {CORPUS[0]["title"], CORPUS[2]["title"]}


def test_keywords_must_match(ctx, ids) -> None:
    _follow(ctx, VIDEO, PROTEIN)
    members.add_keyword(ctx, T, U, "language model")
    assert _titles(ctx) == [CORPUS[2]["title"]]


def test_thumbs_down_never_returns_and_sinks_neighbours(ctx, ids) -> None:
    _follow(ctx, VIDEO)
    before = {i.paper.id: i.score for i in build_member_digest(ctx, T, U).items}
    members.record_feedback(ctx, T, U, ids[CORPUS[0]["title"]], "down")
    after = {i.paper.id: i.score for i in build_member_digest(ctx, T, U).items}
    assert ids[CORPUS[0]["title"]] not in after
    neighbour = ids[CORPUS[1]["title"]]
    assert neighbour not in after or after[neighbour] < before[neighbour] - 0.1


def test_thumbs_up_brings_like_papers_with_its_reason(ctx, ids) -> None:
    members.record_feedback(ctx, T, U, ids[CORPUS[2]["title"]], "up")
    items = build_member_digest(ctx, T, U).items
    assert [i.paper.title for i in items] == [CORPUS[3]["title"]]
    assert items[0].reason.startswith(f"like *{CORPUS[2]['title']}* that you 👍'd: ")


def test_delivered_papers_never_repeat(ctx, ids) -> None:
    _follow(ctx, VIDEO)
    first = build_member_digest(ctx, T, U)
    member_id = member_store.load_states(ctx.db, T, [U])[U].member.id
    with ctx.db.session() as session:
        member_store.record_deliveries(
            session, member_id, [first.items[0].paper.id], at=utcnow() - timedelta(days=30)
        )
    again = build_member_digest(ctx, T, U, since=utcnow() - timedelta(days=60))
    assert first.items[0].paper.id not in [i.paper.id for i in again.items]
    assert len(again.items) == len(first.items) - 1


def test_near_duplicates_count_once(ctx, tmp_path, ids) -> None:
    copy = dict(CORPUS[0], title=CORPUS[0]["title"] + " (extended)", arxiv_id=None)
    add_papers(ctx, tmp_path, [copy])
    _follow(ctx, VIDEO)
    titles = _titles(ctx)
    assert len([t for t in titles if t.startswith("Frame interpolation for large")]) == 1


def test_max_papers_and_threshold(ctx, ids) -> None:
    _follow(ctx, VIDEO, PROTEIN)
    members.update_settings(ctx, T, U, max_papers=2)
    assert len(_titles(ctx)) == 2


def test_nothing_above_the_bar_is_said_and_names_the_closest_on_request(ctx, ids) -> None:
    _follow(ctx, "protein language models")  # close to one paper, but below 1.0
    members.update_settings(ctx, T, U, threshold=1.0, popularity_boost=False)
    digest = build_member_digest(ctx, T, U)
    assert digest.items == [] and digest.note == "Nothing above your bar today."
    members.update_settings(ctx, T, U, show_closest=True)
    note = build_member_digest(ctx, T, U).note or ""
    assert note.startswith("Nothing above your bar today; closest was *Protein structure")


def test_cold_start_gets_a_friendly_note(ctx, ids) -> None:
    members.ensure_member(ctx, T, U)
    for user in (U, "U-never-seen"):
        digest = build_member_digest(ctx, T, user)
        assert digest.items == [] and digest.note == COLD_START_NOTE
        assert "/papers follow" in digest.note


def test_first_digest_window_then_since_the_last(ctx, ids) -> None:
    now = utcnow()
    _follow(ctx, VIDEO, PROTEIN)
    set_ingested_at(ctx, [ids[CORPUS[0]["title"]]], now - timedelta(days=10))
    set_ingested_at(ctx, [ids[CORPUS[1]["title"]]], now - timedelta(days=3))
    set_ingested_at(ctx, [ids[CORPUS[2]["title"]]], now - timedelta(days=1))
    first = build_member_digest(ctx, T, U, now=now)
    assert first.since == now - timedelta(days=ctx.settings.first_digest_days)
    assert CORPUS[0]["title"] not in [i.paper.title for i in first.items]
    assert CORPUS[1]["title"] in [i.paper.title for i in first.items]
    member_id = member_store.load_states(ctx.db, T, [U])[U].member.id
    with ctx.db.session() as session:
        member_store.record_deliveries(session, member_id, [], at=now - timedelta(days=2))
    later = build_member_digest(ctx, T, U, now=now)
    assert later.since == now - timedelta(days=2)
    assert CORPUS[1]["title"] not in [i.paper.title for i in later.items]
    assert CORPUS[2]["title"] in [i.paper.title for i in later.items]
    assert build_member_digest(ctx, T, U, now=now, since=now - timedelta(days=20)).items


def test_digests_built_together_equal_digests_built_one_by_one(ctx, ids) -> None:
    now = utcnow()
    set_ingested_at(ctx, [ids[CORPUS[1]["title"]]], now - timedelta(days=3))
    _follow(ctx, VIDEO, PROTEIN, user="U1")  # first digest: the last N days
    _follow(ctx, VIDEO, PROTEIN, user="U2")  # a later one: since two days ago
    members.mute(ctx, T, "U2", "folding")
    _follow(ctx, PROTEIN, user="U3")  # 👎 on the top paper
    members.record_feedback(ctx, T, "U3", ids[CORPUS[2]["title"]], "down")
    members.ensure_member(ctx, T, "U4")  # cold
    member_id = member_store.load_states(ctx.db, T, ["U2"])["U2"].member.id
    with ctx.db.session() as session:
        member_store.record_deliveries(session, member_id, [], at=now - timedelta(days=2))
    users = ["U1", "U2", "U3", "U4", "U-unknown"]
    together = build_member_digests(ctx, T, users, now=now)

    def seen(digest) -> tuple:
        items = [(i.paper.id, i.score, i.reason, i.summary) for i in digest.items]
        return digest.user_id, digest.since, digest.note, items

    assert [seen(d) for d in together] == [
        seen(build_member_digest(ctx, T, user, now=now)) for user in users
    ]
    assert CORPUS[1]["title"] not in [i.paper.title for i in together[1].items]
    assert CORPUS[2]["title"] not in [i.paper.title for i in together[2].items]


def test_channel_digest_lists_every_matching_member_and_earlier_posts(ctx, ids) -> None:
    _follow(ctx, VIDEO, user="U1")
    _follow(ctx, VIDEO, PROTEIN, user="U2")
    members.mute(ctx, T, "U2", "folding")
    members.ensure_member(ctx, T, "U3")
    channel = channel_store.set_channel(ctx.db, T, "C1", delivery_time="10:00")
    with ctx.db.session() as session:
        channel_store.record_channel_posts(
            session,
            channel.id,
            [ids[CORPUS[2]["title"]]],
            "111.2",
            at=utcnow() - timedelta(days=30),
        )
    digest = build_channel_digest(
        ctx, T, "C1", ["U1", "U2", "U3"], since=utcnow() - timedelta(days=1)
    )
    by_title = {i.paper.title: i for i in digest.items}
    assert set(by_title) == {c["title"] for c in CORPUS[:3]}  # U2 mutes "folding"
    assert {m.user_id for m in by_title[CORPUS[0]["title"]].matches} == {"U1", "U2"}
    assert [m.user_id for m in by_title[CORPUS[2]["title"]].matches] == ["U2"]
    assert by_title[CORPUS[2]["title"]].earlier_ts == "111.2"
    assert by_title[CORPUS[0]["title"]].earlier_ts is None
    assert "protein" in by_title[CORPUS[2]["title"]].matches[0].reason


def test_a_rare_name_typed_as_an_interest_counts(ctx, tmp_path, ids) -> None:
    named = {"title": "Scaling laws revisited", "abstract": "We study QZX7 under load."}
    add_papers(ctx, tmp_path, [named])
    _follow(ctx, "QZX7")
    members.update_settings(ctx, T, U, threshold=0.0, max_papers=1)
    (item,) = build_member_digest(ctx, T, U).items
    assert item.paper.title == named["title"]
    assert item.reason.startswith("matches your interest *QZX7*")


def test_similar_thumbs_up_count_as_one_group_and_unrelated_ones_stay_apart(ctx, ids) -> None:
    for n in (0, 2, 3):  # one video paper, two protein papers
        members.record_feedback(ctx, T, U, ids[CORPUS[n]["title"]], "up")
    state = member_store.load_states(ctx.db, T, [U])[U]
    origins = matching_profile(ctx, state).origins
    assert [(s.kind, s.size) for s in origins] == [("liked", 1), ("liked_group", 2)]
    assert origins[1].ref in {ids[CORPUS[2]["title"]], ids[CORPUS[3]["title"]]}
    items = build_member_digest(ctx, T, U).items
    assert items[0].paper.title == CORPUS[1]["title"]  # the lone video 👍 still brings its kin
    assert items[0].reason.startswith(f"like *{CORPUS[0]['title']}* that you 👍'd: ")
    group = _reason(origins[1], (0.61, False))
    assert group == f"like the 2 papers you 👍'd, such as *{origins[1].label}*: strong match (0.61)"


GRAPH, FOLDING = "graph neural networks", "protein structure prediction"


def _paper(title: str, abstract: str, upvotes: int = 0) -> dict:
    return {"title": title, "abstract": abstract, "authors": ["Ada Byron"], "upvotes": upvotes}


# Two crowded topics that the interest lines name word for word, and one quiet one
CROWDED = [
    _paper(
        f"Graph neural networks for {w}",
        f"Graph neural networks learn {w}. Our graph neural network is deep.",
        50,
    )
    for w in ("molecules", "traffic", "citations", "proteins", "circuits", "social ties")
] + [
    _paper(
        f"Protein structure prediction of {w}",
        f"Protein structure prediction for {w}. Structure prediction improves.",
        40,
    )
    for w in ("antibodies", "enzymes", "membranes", "complexes", "fragments", "loops")
]
QUIET = [
    _paper(
        "Motion-aware frame synthesis",
        "We interpolate missing video frames with motion cues. Frames stay sharp.",
    ),
    _paper(
        "Sharper in-between frames for video",
        "Missing video frames are synthesized with motion cues. Interpolated frames stay sharp.",
    ),
]


def test_a_three_interest_member_hears_each_interest_in_a_five_paper_digest(ctx, tmp_path) -> None:
    add_papers(ctx, tmp_path, CROWDED + QUIET[:1])
    _follow(ctx, GRAPH, FOLDING, VIDEO)
    digest = build_member_digest(ctx, T, U)
    assert len(digest.items) == 5 == ctx.settings.default_max_papers
    for interest in (GRAPH, FOLDING, VIDEO):
        assert any(f"matches your interest *{interest}*" in i.reason for i in digest.items)
    scores = [i.score for i in digest.items]
    assert scores == sorted(scores, reverse=True)  # still best first
    quiet = next(i for i in digest.items if i.paper.title == QUIET[0]["title"])
    # by score alone it would not be in: a dozen crowded papers score higher
    assert quiet.score < min(i.score for i in digest.items if i is not quiet)
    members.update_settings(ctx, T, U, max_papers=2)  # fewer slots than interests:
    two = build_member_digest(ctx, T, U).items  # the two interests with the best papers
    assert len(two) == 2 and len({i.reason.split("*")[1] for i in two}) == 2


def test_reasons_show_the_cosine_never_a_saturated_one(ctx, tmp_path) -> None:
    add_papers(ctx, tmp_path, CROWDED)
    _follow(ctx, GRAPH, FOLDING)
    members.update_settings(ctx, T, U, max_papers=20)
    items = build_member_digest(ctx, T, U).items
    assert len(items) >= 10  # near-copies count once
    assert all(i.score >= 1.0 for i in items)  # the lexical bonus still ranks them
    for item in items:
        number = float(re.search(r"\((\d\.\d\d)\)", item.reason)[1])
        assert number < 0.95 and "1.00" not in item.reason
        assert item.reason.endswith(", uses your words")  # the bonus is said in words


def test_seeds_and_thumbs_up_are_heard_beside_crowded_interests(ctx, tmp_path) -> None:
    ids = add_papers(ctx, tmp_path, CROWDED + QUIET)
    _follow(ctx, GRAPH, FOLDING)
    members.record_feedback(ctx, T, U, ids[QUIET[0]["title"]], "up")
    members.update_settings(ctx, T, U, max_papers=3)
    items = build_member_digest(ctx, T, U).items
    assert [i.paper.title for i in items].count(QUIET[1]["title"]) == 1
    assert any(i.reason.startswith(f"like *{QUIET[0]['title']}* that you 👍'd") for i in items)


def test_a_channel_digest_hears_every_matching_member(ctx, tmp_path) -> None:
    add_papers(ctx, tmp_path, CROWDED + QUIET[:1])
    _follow(ctx, GRAPH, FOLDING, user="U1")
    _follow(ctx, VIDEO, user="U2")
    digest = build_channel_digest(ctx, T, "C1", ["U1", "U2"], limit=3)
    assert len(digest.items) == 3
    assert any(m.user_id == "U2" for i in digest.items for m in i.matches)
    best = [max(m.score for m in i.matches) for i in digest.items]
    assert best == sorted(best, reverse=True)


def test_a_channel_digest_names_who_follows_a_papers_author(ctx, ids) -> None:
    author = CORPUS[3]["authors"][0]  # a protein paper: nobody's interest matches it
    members.follow_author(ctx, T, "U1", author)
    _follow(ctx, VIDEO, user="U2")
    digest = build_channel_digest(ctx, T, "C1", ["U1", "U2"], limit=2)
    by_title = {i.paper.title: i for i in digest.items}
    assert CORPUS[3]["title"] in by_title  # chosen before U2's better-scoring matches
    (match,) = by_title[CORPUS[3]["title"]].matches
    assert (match.user_id, match.reason) == ("U1", f"by *{author}*, whom you follow")
    assert len(digest.items) == 2
    assert [m.user_id for m in digest.items[0].matches] == ["U2"]  # best first
