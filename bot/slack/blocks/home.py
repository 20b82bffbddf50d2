"""The App Home view and the two modals (add interest, settings), plus reading modal state.

`home_view(profile)` shows everything a member can change, each with its control; lists are
capped so the view stays under Slack's 100 blocks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    CheckboxesElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    Option,
    PlainTextInputElement,
    SectionBlock,
    TimePickerElement,
)
from slack_sdk.models.views import View

from bot.members import MemberSettings, ProfileView
from bot.schedule import DAYS
from bot.slack.blocks import ids
from bot.slack.blocks.messages import paper_context, paper_link
from bot.slack.blocks.text import escaped, mrkdwn, plain

__all__ = [
    "add_interest_modal",
    "follow_author_modal",
    "home_view",
    "settings_from_state",
    "settings_modal",
]

MAX_INTERESTS = 20
MAX_LISTED = 15  # per list of seeds, authors, mutes: with the fixed blocks, under 100
_OPTIONS = {
    "popularity_boost": "Boost popular papers (upvotes)",
    "paused": "Pause my digest",
    "share_votes": "Show my 👍 and saves to my team (/papers hot)",
}


def home_view(profile: ProfileView, *, notice: str | None = None) -> View:
    """The Home tab: schedule, pause, interests, followed authors, seeds (and the imported
    library), mutes, the newest saves, feedback, failures, with `notice` (e.g. why the last
    change was refused) on top. Every Remove-like button names its row by id or text."""
    m = profile.member
    blocks: list[Block] = [HeaderBlock(text=plain("📰 Your paper alerts"))]
    if notice:
        blocks.append(SectionBlock(text=mrkdwn("⚠️ " + escaped(notice, 2900))))
    days = ", ".join(m.days) or "no days"
    schedule = f"*Digest:* {m.delivery_time} ({escaped(m.timezone, 60)}) on {days}"
    knobs = f"up to {m.max_papers} papers · threshold {m.threshold:.2f} · popularity boost "
    knobs += "on" if m.popularity_boost else "off"
    knobs += " · 👍 shared with your team" if m.share_votes else ""
    pause = ("⏸️ *Paused* — no digests until you resume.", "Resume", "resume")
    if not m.paused:
        pause = ("▶️ Digests are on.", "Pause", "pause")
    blocks += [
        _row(f"{schedule}\n{knobs}", "Edit settings", ids.HOME_OPEN_SETTINGS, "settings"),
        _row(pause[0], pause[1], ids.HOME_TOGGLE_PAUSE, pause[2]),
        DividerBlock(),
        _row("*Interests*", "Add interest", ids.HOME_ADD_INTEREST, "add"),
    ]
    if not profile.interests:
        blocks.append(_note("None yet — add one to get papers."))
    for i in profile.interests[:MAX_INTERESTS]:
        text = f"{i.number}. {escaped(i.text, 300)} — _{i.recent} this week_"
        blocks.append(_row(text, "Remove", ids.HOME_REMOVE_INTEREST, ids.stable_value(i.id)))
    blocks += _more(len(profile.interests), MAX_INTERESTS, "/papers interests")
    blocks.append(_row("*Authors you follow*", "Follow author", ids.HOME_FOLLOW_AUTHOR, "add"))
    if not profile.authors:
        blocks.append(_note("None yet — their every new paper reaches you, whatever its score."))
    for name in profile.authors[:MAX_LISTED]:
        blocks.append(_row(escaped(name, 100), "Unfollow", ids.HOME_UNFOLLOW_AUTHOR, name))
    blocks += _more(len(profile.authors), MAX_LISTED, "/papers interests")
    if profile.seeds:
        blocks.append(SectionBlock(text=mrkdwn("*Seed papers*")))
    for seed in profile.seeds[:MAX_LISTED]:
        value = ids.stable_value(seed.id)
        blocks.append(_row(escaped(seed.title, 300), "Remove", ids.HOME_REMOVE_SEED, value))
    blocks += _more(len(profile.seeds), MAX_LISTED, "/papers interests")
    if profile.library:
        count = len(profile.library)
        blocks.append(
            _note(
                f"📚 {count} seed paper{'' if count == 1 else 's'} from your imported library"
                " — drop a newer export in our DM to replace them."
            )
        )
    if profile.mutes:
        blocks.append(SectionBlock(text=mrkdwn("*Muted*")))
    for term in profile.mutes[:MAX_LISTED]:
        blocks.append(_row(escaped(term, 200), "Unmute", ids.HOME_UNMUTE, term))
    blocks += _more(len(profile.mutes), MAX_LISTED, "/papers interests")
    blocks += [DividerBlock(), *_saved(profile), DividerBlock(), _feedback_row(profile)]
    if profile.delivery_failures:
        lines = "\n".join(
            f"• {_when(f.at)} — {escaped(f.reason, 300)}" for f in profile.delivery_failures[:5]
        )
        blocks.append(SectionBlock(text=mrkdwn("*Delivery problems*\n" + lines)))
    return View(type="home", blocks=blocks)


def _saved(profile: ProfileView) -> list[Block]:
    """The newest saves, each with "Unsave", and where the whole reading list is."""
    blocks: list[Block] = [SectionBlock(text=mrkdwn(f"*🔖 Saved* · {profile.saves}"))]
    for paper in profile.saved:
        value = ids.stable_value(paper.id)
        text = f"{paper_link(paper)}\n{paper_context(paper)}"
        blocks.append(_row(text, "Unsave", ids.HOME_UNSAVE, value))
    if profile.saves:
        blocks.append(
            _note("All of them: `/papers saved` · as BibTeX and RIS: `/papers saved export`")
        )
    else:
        blocks.append(_note("Press 🔖 Save on a paper in your digest to keep it here."))
    return blocks


def _row(text: str, button: str, action_id: str, value: str) -> SectionBlock:
    element = ButtonElement(text=plain(button, 75), action_id=action_id, value=value[:2000])
    return SectionBlock(text=mrkdwn(text), accessory=element)


def _note(text: str) -> ContextBlock:
    return ContextBlock(elements=[mrkdwn(text)])


def _more(count: int, shown: int, where: str) -> list[Block]:
    if count <= shown:
        return []
    return [_note(f"…and {count - shown} more (see `{where}`)")]


def _when(at: datetime) -> str:
    return at.strftime("%a %-d %b %H:%M UTC")


def _feedback_row(profile: ProfileView) -> SectionBlock:
    last = profile.last_digest
    digest = "none yet"
    if last is not None:
        papers = f"{last.papers} paper{'' if last.papers == 1 else 's'}"
        digest = f"{_when(last.at)} · {papers} · 👍 {last.upvotes} · 👎 {last.downvotes}"
    text = (
        f"*Last digest:* {digest}\n*All your feedback:* 👍 {profile.upvotes}"
        f" · 👎 {profile.downvotes} · 🔖 {profile.saves}"
    )
    button = ButtonElement(
        text=plain("Reset learned feedback", 75),
        action_id=ids.HOME_RESET_FEEDBACK,
        value="reset",
        style="danger",
        confirm=ConfirmObject(
            title="Reset feedback?",
            text="Forget every 👍 and 👎? Interests, seeds and saves stay.",
            confirm="Reset",
            deny="Cancel",
        ),
    )
    return SectionBlock(text=mrkdwn(text), accessory=button)


def add_interest_modal() -> View:
    """The "Add interest" modal (callback `MODAL_ADD_INTEREST`, input block `interest`)."""
    return _one_field_modal(
        ids.MODAL_ADD_INTEREST, "Add interest", "What should I follow?",
        "e.g. diffusion models for video", block_id="interest", max_length=300,
    )  # fmt: skip


def follow_author_modal() -> View:
    """The "Follow author" modal (callback `MODAL_FOLLOW_AUTHOR`, input block `author`)."""
    return _one_field_modal(
        ids.MODAL_FOLLOW_AUTHOR, "Follow author", "Whose papers should always reach you?",
        "e.g. Jane Doe (initials and accents are fine)", block_id="author", max_length=100,
    )  # fmt: skip


def _one_field_modal(
    callback_id: str, title: str, label: str, hint: str, *, block_id: str, max_length: int
) -> View:
    """A modal with one text input (action id "text" in block `block_id`)."""
    field = PlainTextInputElement(action_id="text", max_length=max_length, placeholder=hint)
    return View(
        type="modal",
        callback_id=callback_id,
        title=plain(title, 24),
        submit=plain("Add", 24),
        close=plain("Cancel", 24),
        blocks=[InputBlock(block_id=block_id, label=label, element=field)],
    )


def settings_modal(member: MemberSettings) -> View:
    """The settings modal (callback `MODAL_SETTINGS`, block ids = setting names), prefilled
    with the member's settings (time zone already defaulted from Slack)."""
    days = [Option(value=d, label=d.capitalize()) for d in DAYS]
    picked = [o for o in days if o.value in member.days] or None
    flags = [Option(value=k, label=v) for k, v in _OPTIONS.items()]
    on = [o for o in flags if getattr(member, o.value)] or None

    blocks = [
        _input(
            "delivery_time", "Delivery time", TimePickerElement(initial_time=member.delivery_time)
        ),
        _input("timezone", "Time zone (IANA, e.g. Europe/Berlin)", _text(member.timezone)),
        _input("days", "Days", CheckboxesElement(options=days, initial_options=picked)),
        _input("max_papers", "Max papers per digest (1–20)", _text(str(member.max_papers))),
        _input(
            "threshold", "Match threshold (0–1, higher = fewer)", _text(f"{member.threshold:.2f}")
        ),
        _input("options", "Options", CheckboxesElement(options=flags, initial_options=on)),
    ]
    blocks[-1].optional = True
    return View(
        type="modal",
        callback_id=ids.MODAL_SETTINGS,
        title=plain("Digest settings", 24),
        submit=plain("Save", 24),
        close=plain("Cancel", 24),
        blocks=blocks,
    )


def _text(value: str) -> PlainTextInputElement:
    return PlainTextInputElement(initial_value=value)


def _input(
    block_id: str,
    label: str,
    element: TimePickerElement | PlainTextInputElement | CheckboxesElement,
) -> InputBlock:
    element.action_id = "value"
    return InputBlock(block_id=block_id, label=label, element=element)


def settings_from_state(values: dict[str, Any]) -> dict[str, Any]:
    """Read the settings modal's `view["state"]["values"]` into `update_settings` keyword
    arguments: delivery_time, timezone, days (list), max_papers, threshold (as typed),
    popularity_boost, paused and share_votes (bools)."""

    def field(block_id: str) -> dict[str, Any]:
        return values.get(block_id, {}).get("value", {})

    flags = {o["value"] for o in field("options").get("selected_options") or []}
    return {
        "delivery_time": field("delivery_time").get("selected_time") or "",
        "timezone": (field("timezone").get("value") or "").strip(),
        "days": [o["value"] for o in field("days").get("selected_options") or []],
        "max_papers": (field("max_papers").get("value") or "").strip(),
        "threshold": (field("threshold").get("value") or "").strip(),
        **{key: key in flags for key in _OPTIONS},
    }
