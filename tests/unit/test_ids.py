"""Button values: a row named by its id reads back as that id, and nothing else does."""

from __future__ import annotations

import pytest

from bot.slack.blocks import ids


def test_stable_values_round_trip() -> None:
    assert ids.stable_value(42) == "id:42"
    assert ids.stable_id("id:42") == 42
    assert ids.stable_id(ids.stable_value(2**31 - 1)) == 2**31 - 1


@pytest.mark.parametrize(
    "value",
    [
        "2",
        "",
        "id:",
        "id:abc",
        "id:-1",
        "id:0",
        "id:1e3",
        "id:٣",
        "id:99999999999",
        "ID:4",
        " id:4",
    ],
)
def test_anything_else_is_no_id(value: str) -> None:
    assert ids.stable_id(value) is None


@pytest.mark.parametrize("value", ["abc", "", "-3", "0", "999999999999", "1.5", "٣", "2147483648"])
def test_paper_button_values_that_are_no_paper_id(value: str) -> None:
    assert ids.row_id(value) is None


def test_paper_ids() -> None:
    assert ids.row_id("17") == 17 and ids.row_id("2147483647") == 2**31 - 1
