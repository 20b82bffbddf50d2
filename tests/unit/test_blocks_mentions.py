"""No paper (or member) text pings anyone: `<!channel>` and `<@U123>` in a title, abstract,
author, summary or reason come out escaped in every message kind and in the Home view."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from bot.digest import ChannelDigest, ChannelDigestItem, ChannelMatch, DigestItem, MemberDigest
from bot.imports import ImportReport
from bot.library import PaperView, SearchHit
from bot.members import DeliveryFailure, InterestView, ProfileView
from bot.reading import HotList, HotPaper, SavedPage
from bot.slack import blocks
from bot.store.history import LastDigest
from tests.unit.test_blocks import WHEN, member

NASTY = "<!channel> <@U123> *bold* <!here|here> <https://evil.example|click>"
_NOT_SHOWN = {"value", "action_id", "block_id", "url", "type"}  # echoed back, never rendered


def nasty_paper(n: int) -> PaperView:
    return PaperView(
        n,
        f"{NASTY} {n}",
        f"{NASTY}. We propose {NASTY}.",
        (NASTY, "Ada"),
        2,
        None,
        3,
        f"https://arxiv.org/abs/2406.0000{n}",
        None,
        WHEN,
    )


def dm_digest() -> blocks.Message:
    items = [DigestItem(nasty_paper(n), 0.8, NASTY, NASTY, NASTY) for n in (1, 2)]
    return blocks.member_digest_message(MemberDigest("T1", "U1", items, NASTY, WHEN, WHEN))


def channel_digest() -> blocks.Message:
    fresh = ChannelDigestItem(nasty_paper(1), [ChannelMatch("U7", NASTY, 0.7)], None)
    seen = ChannelDigestItem(nasty_paper(2), [ChannelMatch(NASTY, NASTY, 0.6)], "1717.000100")
    return blocks.channel_digest_message(ChannelDigest("T1", "C1", [fresh, seen], WHEN, WHEN))


def search_results() -> blocks.Message:
    hits = [SearchHit(nasty_paper(n), 0.5) for n in range(1, 6)]
    return blocks.search_results_message(NASTY, hits)


def more_like_this() -> blocks.Message:  # as `slash_command.more_like` builds it
    hits = [SearchHit(nasty_paper(n), 0.5) for n in (2, 3)]
    return blocks.search_results_message("", hits, title=f"More like “{NASTY} 1”")


def profile() -> ProfileView:
    return ProfileView(
        member(),
        [InterestView(1, 1, NASTY, 2)],
        [nasty_paper(1)],
        [NASTY],
        [NASTY],
        1,
        1,
        0,
        LastDigest(WHEN, 2, 1, 1),
        [DeliveryFailure(WHEN, f"couldn't DM you: {NASTY}")],
        authors=[NASTY],
        library=[nasty_paper(3)],
        saved=[nasty_paper(4)],
    )


def hot_list() -> HotList:
    papers = [
        HotPaper(nasty_paper(1), 2, 1, ["U1", NASTY]),
        HotPaper(nasty_paper(2), 1, 0, ["U2"], "1.2"),
    ]
    return HotList("T1", "C1", 7, WHEN - timedelta(days=7), WHEN, papers, 2)


def import_report() -> ImportReport:
    return ImportReport(NASTY, 5, 2, 1, 2, 1, 1, 1, 3, [NASTY], [NASTY])


BUILDERS: dict[str, Callable[[], Any]] = {
    "dm digest": dm_digest,
    "channel digest": channel_digest,
    "search results": search_results,
    "more like this": more_like_this,
    "home view": lambda: blocks.home_view(profile(), notice=NASTY),
    "interests": lambda: blocks.interests_message(profile()),
    "vote noted": lambda: blocks.feedback_applied(dm_digest().to_kwargs(), 1, "up"),
    "reading list": lambda: blocks.saved_message(SavedPage([nasty_paper(1)], 12, 0)),
    "hot list": lambda: blocks.hot_message(hot_list()),
    "weekly hot post": lambda: blocks.hot_message(hot_list(), weekly=True),
    "import report": lambda: blocks.import_report_message(import_report(), NASTY),
}


def shown_strings(node: Any, key: str = "") -> list[str]:
    """Every string Slack renders or notifies with: texts, fallback, alt text, labels."""
    if isinstance(node, dict):
        return [s for k, v in node.items() if k not in _NOT_SHOWN for s in shown_strings(v, k)]
    if isinstance(node, list):
        return [s for item in node for s in shown_strings(item, key)]
    return [node] if isinstance(node, str) else []


@pytest.mark.parametrize("build", BUILDERS.values(), ids=BUILDERS.keys())
def test_paper_text_never_pings_or_links(build: Callable[[], Any]):
    built = build()
    payload = built.to_kwargs() if isinstance(built, blocks.Message) else built.to_dict()
    strings = shown_strings(payload)
    assert any("&lt;!channel&gt; &lt;@U123&gt;" in s for s in strings)  # shown, literally
    for text in strings:
        assert "<!" not in text and "<@U123" not in text, text
        assert "<https://evil" not in text, text


def test_a_notice_escapes_member_text_once_in_blocks_and_fallback() -> None:
    message = blocks.notice("Following “{}”.", "<!channel> & co").to_kwargs()
    assert message["text"] == "Following “&lt;!channel&gt; &amp; co”."
    assert message["blocks"][0]["text"]["text"] == message["text"]
