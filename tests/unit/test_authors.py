"""Author name matching: initials, accents, name order, and the near-misses it must refuse."""

from __future__ import annotations

import pytest

from bot.authors import is_followable, name_matches, readings, surname_keys


@pytest.mark.parametrize(
    "author",
    [
        "Jane Doe",
        "J. Doe",
        "J Doe",
        "Doe, Jane",
        "Doe, J.",
        "Jané Doe",
        "JANE DOE",
        "jane doe",
        "Jane A. Doe",
        "Jane Alice Doe",
        "Doe J",
        "Doe JA",
        "Doe Jane",
        "  Jane   Doe ",
        "Jane Doe Jr.",
        "Doe, Jane, Jr.",
    ],
)
def test_spellings_of_jane_doe_match(author: str) -> None:
    assert name_matches("Jane Doe", author)


@pytest.mark.parametrize("followed", ["Jane Doe", "J. Doe", "Doe, Jane", "Jané Doe", "jane doe"])
def test_every_way_of_following_her_matches_her(followed: str) -> None:
    assert name_matches(followed, "Jane Doe")


@pytest.mark.parametrize(
    "author",
    [
        "John Doe",  # another given name
        "R. Doe",  # another initial
        "Doe",  # a surname alone is anyone
        "Jane Dow",  # another surname
        "Jane Doering",  # a longer surname
        "Doe-Smith, Jane",  # a double-barrelled one
        "Janet Doe",  # a longer given name
        "Jan Doe",  # a shorter one
        "Doe Richard",  # surname first, but not her
        "Jane Smith",
        "",
    ],
)
def test_near_misses_do_not_match(author: str) -> None:
    assert not name_matches("Jane Doe", author)
    assert not name_matches("Jane A. Doe", author)


def test_middle_initials_that_disagree_do_not_match() -> None:
    assert not name_matches("Jane A. Doe", "Jane B. Doe")
    assert name_matches("Jane A. Doe", "Jane Doe")  # a middle name on one side only


@pytest.mark.parametrize(
    ("followed", "author"),
    [
        ("Jean-Pierre Dupont", "J.-P. Dupont"),
        ("Jean-Pierre Dupont", "JP Dupont"),
        ("Jean-Pierre Dupont", "Dupont, Jean-Pierre"),
        ("José Álvarez", "Jose Alvarez"),
        ("Søren Kierkegaard", "Soren Kierkegaard"),
        ("Łukasz Kaiser", "Lukasz Kaiser"),
        ("Ludwig van Beethoven", "Beethoven, Ludwig van"),
        ("Ludwig van Beethoven", "L. van Beethoven"),
        ("Conor O'Neil", "Conor ONeil"),
        ("Kaiming He", "He Kaiming"),
        ("Kaiming He", "K. He"),
    ],
)
def test_hyphens_accents_particles_and_apostrophes(followed: str, author: str) -> None:
    assert name_matches(followed, author)


def test_surname_order_is_tried_only_for_full_names() -> None:
    assert name_matches("Kaiming He", "He Kaiming")
    assert not name_matches("Kaiming He", "He Xiangyu")
    assert not name_matches("Kaiming He", "Kaiming Zhang")


def test_a_surname_alone_cannot_be_followed() -> None:
    assert not is_followable("Doe")
    assert not is_followable("   ")
    assert is_followable("J. Doe") and is_followable("Doe, Jane")
    assert not name_matches("Doe", "Jane Doe")


def test_readings_and_surname_keys() -> None:
    assert readings("Doe, Jane")[0].surname == "doe"
    assert readings("Doe, Jane")[0].given == ("jane",)
    assert surname_keys("Jane Doe") == {"doe", "jane"}  # also read surname first
    assert surname_keys("J. Doe") == {"doe"}
