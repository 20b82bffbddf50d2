"""Author names: whether a name in a paper's author list is an author a member follows.

Sources spell one person many ways: "Jane Doe", "J. Doe", "Doe, Jane", "Jané Doe", "Doe J",
"Jane A. Doe". The rule here: accents, case and punctuation do not count; a comma means
"surname, given names"; a trailing initial means "surname initials"; an initial stands for
any given name with that letter; a middle name present on one side only is allowed. Two
full given names must agree, so "John Doe" is not "Jane Doe", and a surname alone is never
a name to follow ("Doe" would match every Doe). Names are compared by reading each into
`AuthorName` (given names, surname); a name written without a comma is also read surname
first ("Doe Jane"), since sources disagree on the order. Pure Python: no store, no Slack.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["AuthorName", "is_followable", "name_matches", "readings", "surname_keys"]

_PARTICLES = frozenset(
    "van von der den de del della di da dos das du la le ter ten bin ibn al el y".split()
)
_SUFFIXES = frozenset("jr sr ii iii iv".split())
_LETTERS = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ı": "i", "ß": "ss", "æ": "ae", "œ": "oe", "þ": "th"}
)
_SPLIT = re.compile(r"[.\-‐‑’'`]+")
_INITIALS = re.compile(r"^[A-Z]{1,3}\.?$|^(?:[A-Za-z]\.[-‐]?)+$")


@dataclass(frozen=True)
class AuthorName:
    """One reading of a name: given names (full or initials), folded, and the surname."""

    given: tuple[str, ...]  # e.g. ("jane", "a"); initials are one letter
    surname: str  # folded, hyphens and apostrophes dropped: "smithjones", "oneil"


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LETTERS))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _given(tokens: Iterable[str]) -> tuple[str, ...]:
    """Given-name tokens as folded names and initials: "J.-P." and "JP" are ("j", "p")."""
    out: list[str] = []
    for token in tokens:
        if _fold(token) in _PARTICLES:
            continue
        if token.isupper() and token.isalpha() and len(token) <= 3:
            out.extend(_fold(token))  # "JP" → j, p
            continue
        out.extend(part for part in _SPLIT.split(_fold(token)) if part.isalnum())
    return tuple(out)


def _surname(token: str) -> str:
    return "".join(part for part in _SPLIT.split(_fold(token)) if part.isalnum())


@lru_cache(maxsize=65_536)
def readings(name: str) -> tuple[AuthorName, ...]:
    """Every way to read `name`: the usual one first, then (no comma, full names only) the
    surname-first one. Empty when there is no surname to read."""
    text = " ".join(name.replace("\u00a0", " ").split())
    if text.isupper():  # "JANE DOE": capitals are not initials here
        text = text.title()
    parts = [p.strip() for p in text.split(",")]
    parts = [p for p in parts if p and _fold(p).strip(". ") not in _SUFFIXES]
    surname_first = len(parts) >= 2  # "Doe, Jane" (, Jr.)
    text = f"{parts[1]} {parts[0]}" if surname_first else (parts[0] if parts else "")
    tokens = [t for t in text.split() if _fold(t).strip(".") not in _SUFFIXES]
    if not tokens:
        return ()
    if len(tokens) > 1 and _INITIALS.match(tokens[-1]) and not _INITIALS.match(tokens[0]):
        tokens = [*tokens[1:], tokens[0]]  # "Doe J" / "Doe JA": surname, then initials
        surname_first = True
    found = [AuthorName(_given(tokens[:-1]), _surname(tokens[-1]))]
    full = all(not _INITIALS.match(t) for t in tokens)
    if not surname_first and full and len(tokens) >= 2:
        found.append(AuthorName(_given(tokens[1:]), _surname(tokens[0])))
    return tuple(r for r in found if r.surname)


def is_followable(name: str) -> bool:
    """Whether `name` has a surname and at least one given name or initial."""
    found = readings(name)
    return bool(found and found[0].given)


def surname_keys(name: str) -> frozenset[str]:
    """The surnames `name` may be read with (to find candidate papers before comparing)."""
    return frozenset(r.surname for r in readings(name))


def name_matches(followed: str, author: str) -> bool:
    """Whether `author` (as a paper lists it) is the person `followed` names."""
    wanted = readings(followed)
    if not wanted or not wanted[0].given:
        return False
    return any(_same(wanted[0], reading) for reading in readings(author))


def _same(a: AuthorName, b: AuthorName) -> bool:
    if a.surname != b.surname or not a.given or not b.given:
        return False
    return all(_compatible(x, y) for x, y in zip(a.given, b.given, strict=False))


def _compatible(x: str, y: str) -> bool:
    if len(x) == 1 or len(y) == 1:
        return x[0] == y[0]
    return x == y
