"""Profile rules: mutes and keywords, interest and settings validation."""

from __future__ import annotations

import numpy as np
import pytest

from bot.profiles import (
    MemberProfile,
    ProfileError,
    normalize_days,
    query_text,
    validate_interest,
    validate_settings,
)


def _profile(**kwargs) -> MemberProfile:
    empty = np.zeros((0, 4), dtype=np.float32)
    return MemberProfile(member_id=1, positives=empty, sources=[], negatives=empty, **kwargs)


def test_word_mutes_match_whole_words_any_case() -> None:
    member = _profile(mutes=("LLM", "large language model"))
    assert not member.allows("Scaling llm agents", "", ())
    assert not member.allows("T", "We train a Large  Language\nModel.", ())
    assert member.allows("LLMs and LLMOps", "", ())  # not the whole word


def test_author_mutes_match_names_case_insensitively() -> None:
    member = _profile(mutes=("author:jane doe",))
    assert not member.allows("Title", "", ("Ann Lee", "Jane Doe"))
    assert member.allows("Jane Doe writes", "", ("Janet Doering",))


def test_keywords_must_match_one() -> None:
    member = _profile(keywords=("diffusion", "flow matching"))
    assert member.allows("Flow Matching for video", "", ())
    assert not member.allows("Transformers", "attention only", ())
    assert _profile().allows("anything", "", ())


def test_cold_profile() -> None:
    assert _profile().is_cold


def test_interest_validation() -> None:
    assert (
        validate_interest("  diffusion for <@U123> :tada: ", []) == "diffusion for <@U123> :tada:"
    )
    with pytest.raises(ProfileError, match="what to follow"):
        validate_interest("   ", [])
    with pytest.raises(ProfileError, match="under 300"):
        validate_interest("x" * 301, [])
    with pytest.raises(ProfileError, match="already follow"):
        validate_interest("Diffusion  for video", ["diffusion for video"])
    assert query_text("diffusion <@U1> :tada: video") == "diffusion video"
    assert query_text(":tada:") == ":tada:"


def test_settings_validation_normalizes_and_explains() -> None:
    out = validate_settings(
        {
            "delivery_time": "8:05",
            "timezone": "Europe/Paris",
            "days": "fri,Mon",
            "max_papers": "7",
            "threshold": 0.4,
            "paused": 1,
        }
    )
    assert out == {
        "delivery_time": "08:05",
        "timezone": "Europe/Paris",
        "days": "mon,fri",
        "max_papers": 7,
        "threshold": 0.4,
        "paused": True,
    }
    for changes, message in [
        ({"delivery_time": "25:00"}, "HH:MM"),
        ({"timezone": "Mars/Olympus"}, "IANA"),
        ({"days": "funday"}, "unknown day"),
        ({"max_papers": 21}, "between 1 and 20"),
        ({"max_papers": "many"}, "must be a number"),
        ({"threshold": 1.5}, "between 0 and 1"),
        ({"colour": "red"}, "unknown setting"),
    ]:
        with pytest.raises(ProfileError, match=message):
            validate_settings(changes)


def test_days_shortcuts() -> None:
    assert normalize_days("weekdays") == "mon,tue,wed,thu,fri"
    assert normalize_days(["sat", "sunday"]) == "sat,sun"
    assert normalize_days("daily").count(",") == 6
    with pytest.raises(ProfileError, match="at least one day"):
        normalize_days(" , ")
