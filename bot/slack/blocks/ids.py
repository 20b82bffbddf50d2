"""Action and callback ids: the names listeners match on, defined once."""

from __future__ import annotations

__all__ = [
    "FEEDBACK_ACTIONS",
    "HOME_ACTIONS",
    "HOME_ADD_INTEREST",
    "HOME_OPEN_SETTINGS",
    "HOME_REMOVE_INTEREST",
    "HOME_REMOVE_SEED",
    "HOME_RESET_FEEDBACK",
    "HOME_TOGGLE_PAUSE",
    "HOME_UNMUTE",
    "MODAL_ADD_INTEREST",
    "MODAL_SETTINGS",
    "PAPER_DOWN",
    "PAPER_MORE_LIKE",
    "PAPER_SAVE",
    "PAPER_UP",
    "SEARCH_MORE",
]

PAPER_UP = "paper_up"
PAPER_DOWN = "paper_down"
PAPER_SAVE = "paper_save"
PAPER_MORE_LIKE = "paper_more_like_this"
SEARCH_MORE = "search_more"
FEEDBACK_ACTIONS = (PAPER_UP, PAPER_DOWN, PAPER_SAVE)

HOME_ADD_INTEREST = "home_add_interest"
HOME_REMOVE_INTEREST = "home_remove_interest"
HOME_REMOVE_SEED = "home_remove_seed"
HOME_UNMUTE = "home_unmute"
HOME_TOGGLE_PAUSE = "home_toggle_pause"
HOME_RESET_FEEDBACK = "home_reset_feedback"
HOME_OPEN_SETTINGS = "home_open_settings"
HOME_ACTIONS = (HOME_REMOVE_INTEREST, HOME_REMOVE_SEED, HOME_UNMUTE, HOME_TOGGLE_PAUSE)

MODAL_ADD_INTEREST = "modal_add_interest"
MODAL_SETTINGS = "modal_settings"
