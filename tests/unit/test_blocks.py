"""Block Kit builders: escaping, Slack's limits, digests, search results, Home and modals."""

from __future__ import annotations

import json
from datetime import date, datetime

from bot.digest import ChannelDigest, ChannelDigestItem, ChannelMatch, DigestItem, MemberDigest
from bot.library import PaperView, SearchHit
from bot.members import InterestView, MemberSettings, ProfileView
from bot.slack import blocks
from bot.slack.blocks.text import fit_mrkdwn
from tests.scenario.support import all_texts

NASTY = "<!channel> <@U123> *bold* & co"
WHEN = datetime(2024, 6, 10, 9, 0)


def paper(
    n: int = 1, *, title: str = "A paper", abstract: str = "We propose a thing."
) -> PaperView:
    return PaperView(
        n,
        title,
        abstract,
        ("Ada", "Alan", "Grace", "Edsger"),
        4,
        date(2024, 6, 1),
        42,
        f"https://arxiv.org/abs/2406.0000{n}",
        f"2406.0000{n}",
        WHEN,
    )


def digest(items: list[DigestItem], note: str | None = None) -> MemberDigest:
    return MemberDigest("T1", "U1", items, note, WHEN, WHEN)


def item(n: int = 1, **kwargs: str) -> DigestItem:
    return DigestItem(
        paper(n, **kwargs), 0.8, "matches your interest *graphs* (0.80)", "Summary.", "Gist."
    )


def dumped(message: blocks.Message) -> str:
    return json.dumps(message.to_kwargs(), ensure_ascii=False)


def texts(kwargs: dict) -> list[str]:
    return all_texts(kwargs["blocks"])


def test_escape_mrkdwn_neutralizes_mentions_and_links():
    assert blocks.escape_mrkdwn(NASTY) == "&lt;!channel&gt; &lt;@U123&gt; *bold* &amp; co"


def test_digest_escapes_titles_everywhere():
    kwargs = blocks.member_digest_message(digest([item(title=NASTY)])).to_kwargs()
    everything = json.dumps(kwargs)
    assert "<!channel>" not in everything and "<@U123>" not in everything
    assert "&lt;!channel&gt;" in kwargs["text"]


def test_digest_shape_and_buttons():
    kwargs = blocks.member_digest_message(digest([item(1), item(2)])).to_kwargs()
    assert (
        kwargs["blocks"][0]["type"] == "header" and "2 new" in kwargs["blocks"][0]["text"]["text"]
    )
    assert any("Why you got this" in t for t in texts(kwargs))
    actions = [b for b in kwargs["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for e in actions[0]["elements"]] == [
        "paper_up",
        "paper_down",
        "paper_more_like_this",
        "paper_save",
    ]
    assert actions[1]["elements"][0]["value"] == "2"


def test_empty_digest_shows_the_note():
    kwargs = blocks.member_digest_message(digest([], note="no interests <yet>")).to_kwargs()
    assert any("no interests &lt;yet&gt;" in t for t in texts(kwargs))


def test_message_limits_are_enforced():
    long = "word " * 2000
    items = [item(n, title=long, abstract=long) for n in range(1, 21)]
    items = [DigestItem(i.paper, 0.5, long, long, long) for i in items]
    kwargs = blocks.member_digest_message(digest(items, note=long)).to_kwargs()
    assert len(kwargs["blocks"]) <= blocks.MAX_MESSAGE_BLOCKS
    shown = [b["block_id"] for b in kwargs["blocks"] if b["type"] == "actions"]
    assert shown == [f"paper_actions_{n}" for n in range(1, 21)]  # the most a member may ask
    assert sum("Why you got this" in text for text in texts(kwargs)) == 20
    assert len(kwargs["text"]) <= blocks.MAX_FALLBACK_TEXT
    assert kwargs["text"].endswith("…")
    assert all(len(t) <= blocks.MAX_SECTION_TEXT for t in texts(kwargs))
    assert len(kwargs["blocks"][0]["text"]["text"]) <= blocks.MAX_HEADER


def test_a_short_digest_keeps_the_full_layout_and_a_long_one_every_paper():
    def layout(count: int) -> list[str]:
        items = [item(n) for n in range(1, count + 1)]
        return [
            b["type"] for b in blocks.member_digest_message(digest(items)).to_kwargs()["blocks"]
        ]

    short = layout(5)
    assert short.count("divider") == 4 and short.count("context") == 10
    long = layout(12)
    assert "divider" not in long and long.count("actions") == 12
    assert len(long) <= blocks.MAX_MESSAGE_BLOCKS


def test_a_full_channel_digest_shows_every_paper():
    items = [
        ChannelDigestItem(
            paper(n), [ChannelMatch(f"U{m}", "x" * 200, 0.7) for m in range(10)], None
        )
        for n in range(1, 21)
    ]
    kwargs = blocks.channel_digest_message(ChannelDigest("T1", "C1", items, WHEN, WHEN)).to_kwargs()
    assert len(kwargs["blocks"]) <= blocks.MAX_MESSAGE_BLOCKS
    assert sum(b["type"] == "actions" for b in kwargs["blocks"]) == 20
    assert sum("<@U9>" in text for text in texts(kwargs)) == 20


def test_fit_mrkdwn_never_cuts_inside_a_link_or_entity():
    text = "x " * 1490 + "<https://example.org/a|a title> &amp; more"
    cut = fit_mrkdwn(text, 3000)
    assert len(cut) <= 3000 and cut.endswith("…")
    assert cut.count("<") == cut.count(">") and "&am…" not in cut


def test_channel_digest_mentions_members_and_links_earlier_threads():
    fresh = ChannelDigestItem(
        paper(1, title=NASTY), [ChannelMatch("U7", "likes <graphs>", 0.7)], None
    )
    seen = ChannelDigestItem(paper(2), [ChannelMatch("not a user", "x", 0.6)], "1717999999.000100")
    kwargs = blocks.channel_digest_message(
        ChannelDigest("T1", "C1", [fresh, seen], WHEN, WHEN)
    ).to_kwargs()
    joined = "\n".join(texts(kwargs))
    assert "<@U7> (likes &lt;graphs&gt;)" in joined
    assert "<https://slack.com/archives/C1/p1717999999000100|" in joined
    assert "not a user" in joined and "<@not" not in joined
    assert [b["block_id"] for b in kwargs["blocks"] if b["type"] == "actions"] == [
        "paper_actions_1"
    ]


def test_search_results_and_paging_value_fits():
    query = '"' * 3000
    hits = [SearchHit(paper(n), 0.5) for n in range(1, 6)]
    kwargs = blocks.search_results_message(query, hits).to_kwargs()
    more = kwargs["blocks"][-1]["elements"][0]
    assert more["action_id"] == "search_more"
    assert len(more["value"]) <= blocks.MAX_BUTTON_VALUE
    assert json.loads(more["value"])["o"] == 5
    assert all(len(t) <= blocks.MAX_SECTION_TEXT for t in texts(kwargs))
    assert "We propose a thing." in "\n".join(texts(kwargs))


def test_search_without_results_says_so():
    kwargs = blocks.search_results_message("nothing", []).to_kwargs()
    assert "No papers matched" in "\n".join(texts(kwargs))


def test_feedback_applied_replaces_only_that_papers_buttons():
    kwargs = blocks.member_digest_message(digest([item(1), item(2)])).to_kwargs()
    updated = blocks.feedback_applied(kwargs, 1, "down").to_kwargs()
    ids = [b.get("block_id") for b in updated["blocks"]]
    assert "paper_actions_1" not in ids and "paper_noted_1" in ids and "paper_actions_2" in ids
    assert "fewer like this" in "\n".join(texts(updated))


def member(**overrides: object) -> MemberSettings:
    values = dict(
        team_id="T1",
        user_id="U1",
        timezone="Europe/Berlin",
        delivery_time="09:00",
        days=("mon", "fri"),
        max_papers=5,
        threshold=0.35,
        popularity_boost=True,
        paused=False,
        show_closest=False,
        last_digest_at=None,
    )
    values.update(overrides)
    return MemberSettings(**values)  # type: ignore[arg-type]


def test_home_view_stays_under_100_blocks_and_escapes():
    interests = [InterestView(n, n, f"{NASTY} {n}", n % 3) for n in range(1, 61)]
    seeds = [paper(n, title=f"Seed {n}") for n in range(60)]
    mutes = [f"word{n}" for n in range(60)]
    profile = ProfileView(
        member(paused=True),
        interests,
        seeds,
        [],
        mutes,
        3,
        1,
        60,
        delivery_failures=[],
        authors=[f"Author Number{n}" for n in range(60)],
        library=seeds[:50],
        saved=seeds[:5],
    )
    view = blocks.home_view(profile, notice="you already follow “<!here>”").to_dict()
    assert len(view["blocks"]) <= blocks.MAX_HOME_BLOCKS
    values = [b["accessory"]["value"] for b in view["blocks"] if "accessory" in b]
    assert "id:1" in values and "Author Number0" in values  # rows named by id or text
    dumped_view = json.dumps(view)
    assert "<!channel>" not in dumped_view and "<!here>" not in dumped_view
    assert "Resume" in dumped_view and "Reset learned feedback" in dumped_view


def test_settings_modal_round_trips_through_state():
    view = blocks.settings_modal(member()).to_dict()
    assert view["callback_id"] == blocks.ids.MODAL_SETTINGS
    values = {
        "delivery_time": {"value": {"selected_time": "07:45"}},
        "timezone": {"value": {"value": " UTC "}},
        "days": {"value": {"selected_options": [{"value": "tue"}]}},
        "max_papers": {"value": {"value": "3"}},
        "threshold": {"value": {"value": "0.4"}},
        "options": {
            "value": {"selected_options": [{"value": "popularity_boost"}, {"value": "share_votes"}]}
        },
    }
    assert blocks.settings_from_state(values) == {
        "delivery_time": "07:45",
        "timezone": "UTC",
        "days": ["tue"],
        "max_papers": "3",
        "threshold": "0.4",
        "popularity_boost": True,
        "paused": False,
        "share_votes": True,
    }


def test_interests_message_numbers_and_counts():
    profile = ProfileView(
        member(),
        [InterestView(1, 1, "graphs", 1), InterestView(2, 2, "<b>", 0)],
        [],
        [],
        ["q"],
        0,
        0,
        0,
    )
    text = "\n".join(texts(blocks.interests_message(profile).to_kwargs()))
    assert (
        "1. graphs — _1 paper this week_" in text and "2. &lt;b&gt;" in text and "Muted: q" in text
    )


def test_many_long_interests_are_all_listed_within_the_limits():
    interests = [InterestView(n, n, f"interest {n} " + "x" * 250, 0) for n in range(1, 21)]
    profile = ProfileView(member(), interests, [], [], [], 0, 0, 0)
    kwargs = blocks.interests_message(profile).to_kwargs()
    assert all(len(t) <= blocks.MAX_SECTION_TEXT for t in texts(kwargs))
    text = "\n".join(texts(kwargs))
    assert all(f"{n}. interest {n} " in text for n in range(1, 21))


def test_digest_dates_are_the_recipients_own():
    late_utc = datetime(2024, 6, 10, 20, 0)  # already Tuesday morning in Tokyo
    tokyo = MemberDigest("T1", "U1", [item()], None, WHEN, late_utc, "Asia/Tokyo")
    header = blocks.member_digest_message(tokyo).to_kwargs()["blocks"][0]["text"]["text"]
    assert "Tue 11 Jun" in header
    channel = ChannelDigest("T1", "C1", [], WHEN, late_utc, "America/Los_Angeles")
    header = blocks.channel_digest_message(channel).to_kwargs()["blocks"][0]["text"]["text"]
    assert "Mon 10 Jun" in header


def test_each_digest_paper_shows_its_gist_summary_and_reason():
    for count in (1, 12):  # the full layout and the compact one
        kwargs = blocks.member_digest_message(digest([item(n) for n in range(count)])).to_kwargs()
        sections = [t for t in texts(kwargs) if "A paper" in t]
        assert len(sections) == count
        assert all("_Gist._" in t and "Summary." in t for t in sections)
    assert "Why you got this" in "\n".join(texts(kwargs))
