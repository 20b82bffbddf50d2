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
from bot.slack.blocks.text import escaped, mrkdwn, plain

__all__ = ["add_interest_modal", "home_view", "settings_from_state", "settings_modal"]

MAX_LISTED = 25  # per list: 3 lists x 25 + the fixed blocks stay under 100
_OPTIONS = {"popularity_boost": "Boost popular papers (upvotes)", "paused": "Pause my digest"}


def home_view(profile: ProfileView, *, notice: str | None = None) -> View:
    """The Home tab: schedule, pause, interests, seeds, mutes, feedback, failures, with
    `notice` (e.g. why the last change was refused) on top."""
    m = profile.member
    blocks: list[Block] = [HeaderBlock(text=plain("📰 Your paper alerts"))]
    if notice:
        blocks.append(SectionBlock(text=mrkdwn("⚠️ " + escaped(notice, 2900))))
    days = ", ".join(m.days) or "no days"
    schedule = f"*Digest:* {m.delivery_time} ({escaped(m.timezone, 60)}) on {days}"
    knobs = f"up to {m.max_papers} papers · threshold {m.threshold:.2f} · popularity boost "
    knobs += "on" if m.popularity_boost else "off"
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
        blocks.append(ContextBlock(elements=[mrkdwn("None yet — add one to get papers.")]))
    for i in profile.interests[:MAX_LISTED]:
        text = f"{i.number}. {escaped(i.text, 300)} — _{i.recent} this week_"
        blocks.append(_row(text, "Remove", ids.HOME_REMOVE_INTEREST, str(i.number)))
    blocks += _more(len(profile.interests))
    if profile.seeds:
        blocks.append(SectionBlock(text=mrkdwn("*Seed papers*")))
    for n, seed in enumerate(profile.seeds[:MAX_LISTED], 1):
        blocks.append(_row(escaped(seed.title, 300), "Remove", ids.HOME_REMOVE_SEED, str(n)))
    blocks += _more(len(profile.seeds))
    if profile.mutes:
        blocks.append(SectionBlock(text=mrkdwn("*Muted*")))
    for term in profile.mutes[:MAX_LISTED]:
        blocks.append(_row(escaped(term, 200), "Unmute", ids.HOME_UNMUTE, term))
    blocks += _more(len(profile.mutes))
    blocks += [DividerBlock(), _feedback_row(profile)]
    if profile.delivery_failures:
        lines = "\n".join(
            f"• {_when(f.at)} — {escaped(f.reason, 300)}" for f in profile.delivery_failures[:5]
        )
        blocks.append(SectionBlock(text=mrkdwn("*Delivery problems*\n" + lines)))
    return View(type="home", blocks=blocks)


def _row(text: str, button: str, action_id: str, value: str) -> SectionBlock:
    element = ButtonElement(text=plain(button, 75), action_id=action_id, value=value[:2000])
    return SectionBlock(text=mrkdwn(text), accessory=element)


def _more(count: int) -> list[Block]:
    if count <= MAX_LISTED:
        return []
    note = f"…and {count - MAX_LISTED} more (see `/papers interests`)"
    return [ContextBlock(elements=[mrkdwn(note)])]


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
    field = PlainTextInputElement(
        action_id="text", max_length=300, placeholder="e.g. diffusion models for video"
    )
    return View(
        type="modal",
        callback_id=ids.MODAL_ADD_INTEREST,
        title=plain("Add interest", 24),
        submit=plain("Add", 24),
        close=plain("Cancel", 24),
        blocks=[InputBlock(block_id="interest", label="What should I follow?", element=field)],
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


def _input(block_id: str, label: str, element: Any) -> InputBlock:
    element.action_id = "value"
    return InputBlock(block_id=block_id, label=label, element=element)


def settings_from_state(values: dict[str, Any]) -> dict[str, Any]:
    """Read the settings modal's `view["state"]["values"]` into `update_settings` keyword
    arguments: delivery_time, timezone, days (list), max_papers, threshold (as typed),
    popularity_boost and paused (bools)."""

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
