"""Profile rules: mutes and keywords, interest and settings validation."""

from __future__ import annotations

import numpy as np
import pytest

from bot.profiles import (
    LIKED_GROUP_SIMILARITY,
    MemberProfile,
    ProfileError,
    liked_groups,
    liked_vectors,
    query_text,
    validate_interest,
    validate_settings,
)


def _profile(**kwargs) -> MemberProfile:
    empty = np.zeros((0, 4), dtype=np.float32)
    return MemberProfile(member_id=1, positives=empty, origins=[], negatives=empty, **kwargs)


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
        with pytest.raises(ValueError, match=message):  # ProfileError or ScheduleError
            validate_settings(changes)


def _unit(rows: list[list[float]]) -> np.ndarray:
    array = np.array(rows, dtype=np.float32)
    return array / np.linalg.norm(array, axis=1, keepdims=True)


def test_liked_papers_group_only_when_all_mutually_similar() -> None:
    # 0, 1 and 2 lie close together; 3 is unrelated; 4 is near 2 but far from 0 (no chaining)
    vectors = _unit(
        [[1, 0.2, 0, 0], [1, 0, 0.2, 0], [1, 0.3, 0.3, 0], [0, 0, 0, 1], [0.15, 1, 1, 0]]
    )
    assert liked_groups(vectors, min_similarity=0.6) == [[0, 1, 2], [3], [4]]
    assert liked_groups(vectors[:0]) == []


def test_liked_vectors_are_normalized_centroids_with_their_most_central_paper() -> None:
    vectors = _unit([[1, 0.5, 0, 0], [1, -0.3, 0, 0], [0, 0, 0, 1], [1, 0.1, 0, 0]])
    rows, groups, central = liked_vectors(vectors, min_similarity=0.5)
    assert groups == [[0, 1, 3], [2]] and central == [3, 2]
    assert np.linalg.norm(rows, axis=1) == pytest.approx([1.0, 1.0])
    assert rows[1] == pytest.approx(vectors[2])  # a lone paper stands for itself
    mean = vectors[[0, 1, 3]].mean(axis=0)
    assert rows[0] == pytest.approx(mean / np.linalg.norm(mean))


def _like_real_model() -> np.ndarray:
    """Three 👍'd papers as all-MiniLM-L6-v2 places them: every two papers share a common
    "ML paper" direction (cosine 0.3 when unrelated, about the seeds' median of 0.355); 0
    and 2 are on one topic (cosine 0.7), 1 is on another."""
    base, topic = np.sqrt(0.3), np.sqrt(0.4)
    return np.array(
        [
            [base, topic, 0, np.sqrt(0.3), 0, 0],
            [base, 0, np.sqrt(0.7), 0, 0, 0],
            [base, topic, 0, 0, np.sqrt(0.3), 0],
        ],
        dtype=np.float32,
    )


def test_unrelated_likes_stay_separate_and_related_ones_group_at_real_model_cosines() -> None:
    liked = _like_real_model()
    assert liked @ liked.T == pytest.approx(
        np.array([[1, 0.3, 0.7], [0.3, 1, 0.3], [0.7, 0.3, 1]]), abs=1e-6
    )
    assert 0.3 < LIKED_GROUP_SIMILARITY < 0.7
    rows, groups, central = liked_vectors(liked[:2])  # 👍 on two unrelated papers
    assert groups == [[0], [1]] and central == [0, 1]
    assert rows == pytest.approx(liked[:2])  # each is its own positive, as it was 👍'd
    rows, groups, _ = liked_vectors(liked)  # then a 👍 on a paper close to the first
    assert groups == [[0, 2], [1]]
    mean = liked[[0, 2]].mean(axis=0)
    assert rows[0] == pytest.approx(mean / np.linalg.norm(mean))
    assert rows[1] == pytest.approx(liked[1])
    # the previous cut (0.2) merged all three into one centroid
    assert liked_groups(liked, min_similarity=0.2) == [[0, 1, 2]]
