"""Action and callback ids, the names listeners match on, and how a button's value names
what it acts on: defined once, read back with `row_id` / `stable_id` (which refuse
anything a button could not have carried)."""

from __future__ import annotations

__all__ = [
    "FEEDBACK_ACTIONS",
    "HOME_ACTIONS",
    "HOME_ADD_INTEREST",
    "HOME_FOLLOW_AUTHOR",
    "HOME_OPEN_SETTINGS",
    "HOME_REMOVE_INTEREST",
    "HOME_REMOVE_SEED",
    "HOME_RESET_FEEDBACK",
    "HOME_TOGGLE_PAUSE",
    "HOME_UNFOLLOW_AUTHOR",
    "HOME_UNMUTE",
    "HOME_UNSAVE",
    "MODAL_ADD_INTEREST",
    "MODAL_FOLLOW_AUTHOR",
    "MODAL_SETTINGS",
    "PAPER_DOWN",
    "PAPER_MORE_LIKE",
    "PAPER_SAVE",
    "PAPER_UP",
    "SAVED_MORE",
    "SAVED_UNSAVE",
    "SEARCH_MORE",
    "row_id",
    "stable_id",
    "stable_value",
]

PAPER_UP = "paper_up"
PAPER_DOWN = "paper_down"
PAPER_SAVE = "paper_save"
PAPER_MORE_LIKE = "paper_more_like_this"
SEARCH_MORE = "search_more"
FEEDBACK_ACTIONS = (PAPER_UP, PAPER_DOWN, PAPER_SAVE)
SAVED_UNSAVE = "saved_unsave"  # value: "id:<paper id>@<page offset>"
SAVED_MORE = "saved_more"  # value: the next page's offset

HOME_ADD_INTEREST = "home_add_interest"
HOME_REMOVE_INTEREST = "home_remove_interest"
HOME_REMOVE_SEED = "home_remove_seed"
HOME_UNMUTE = "home_unmute"
HOME_TOGGLE_PAUSE = "home_toggle_pause"
HOME_RESET_FEEDBACK = "home_reset_feedback"
HOME_OPEN_SETTINGS = "home_open_settings"
HOME_FOLLOW_AUTHOR = "home_follow_author"
HOME_UNFOLLOW_AUTHOR = "home_unfollow_author"
HOME_UNSAVE = "home_unsave"
# Buttons that change the profile and republish Home. Those that remove something carry
# what they remove by a stable id ("id:<interest id>", "id:<paper id>") or its text (a
# mute, an author), never by its position in a list, so a second click is a no-op.
HOME_ACTIONS = (
    HOME_REMOVE_INTEREST,
    HOME_REMOVE_SEED,
    HOME_UNMUTE,
    HOME_TOGGLE_PAUSE,
    HOME_UNFOLLOW_AUTHOR,
    HOME_UNSAVE,
)

MODAL_ADD_INTEREST = "modal_add_interest"
MODAL_FOLLOW_AUTHOR = "modal_follow_author"
MODAL_SETTINGS = "modal_settings"

_ID_PREFIX = "id:"
_MAX_ID = 2**31 - 1  # ids are 32-bit integers on every backend


def stable_value(row_id: int) -> str:
    """A button value naming a row by its id: "id:42"."""
    return f"{_ID_PREFIX}{row_id}"


def stable_id(value: str) -> int | None:
    """The id in a `stable_value`, or None for anything else (a forged or stale value: a
    list position, "abc", a number no row can have)."""
    return row_id(value.removeprefix(_ID_PREFIX)) if value.startswith(_ID_PREFIX) else None


def row_id(digits: str) -> int | None:
    """A row id written as plain digits (a paper button's value), or None when `digits`
    is not one: not a positive decimal number, or past what an id column holds."""
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 10:
        return None
    number = int(digits)
    return number if 0 < number <= _MAX_ID else None
