"""Extractive, per-member summaries: sentences of the abstract, never generated text.

Owns sentence splitting, the personalized summary (the one or two abstract sentences closest
to the vector that matched the member) and the one-line gist (the "we propose…" sentence, or
the sentence closest to the title). Vectors come in from the caller, so this stays pure numpy.
"""

from __future__ import annotations

import re

import numpy as np

__all__ = ["GIST_CHARS", "SUMMARY_CHARS", "gist", "split_sentences", "summarize", "truncate"]

SUMMARY_CHARS = 300
GIST_CHARS = 160
_ABBREVIATIONS = ("e.g.", "i.e.", "et al.", "etc.", "vs.", "Fig.", "Eq.", "cf.", "approx.")
_BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[\"“(\[]?[A-Z0-9])")
_CONTRIBUTION = re.compile(
    r"\b(we|this (paper|work|study)|our (method|approach|model))\b[^.]{0,60}?\b"
    r"(propose|introduce|present|develop|design|describe)",
    re.IGNORECASE,
)


def split_sentences(text: str) -> list[str]:
    """Split an abstract into sentences, verbatim, without breaking at "e.g." or "et al.":
    non-empty, in order, each an exact substring of `text`."""
    text = text.strip()
    sentences: list[str] = []
    start = 0
    for gap in _BOUNDARY.finditer(text):
        if text[start : gap.start()].endswith(_ABBREVIATIONS):
            continue
        sentences.append(text[start : gap.start()])
        start = gap.end()
    sentences.append(text[start:])
    return [s for s in sentences if s]


def truncate(text: str, limit: int) -> str:
    """`text` cut at a word boundary so that it fits `limit` characters, with "…" if cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if not text[limit - 1].isspace() and " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:") + "…"


def summarize(
    sentences: list[str],
    vectors: np.ndarray,
    query: np.ndarray,
    *,
    max_chars: int = SUMMARY_CHARS,
    avoid: str | None = None,
) -> str:
    """The one or two sentences closest to what the member matched on, in abstract order.

    `vectors` holds one unit row per sentence, `(len(sentences), d)`; `query` is the member's
    vector that matched this paper (an interest, seed or 👍); `avoid` is a sentence (the
    gist) to leave out when the abstract has others. The sentences are joined verbatim by a
    space; a single over-long sentence is truncated at a word boundary with "…"; "" when
    there are no sentences.
    """
    if not sentences:
        return ""
    ranked = [int(i) for i in np.argsort(-(vectors @ query), kind="stable")]
    if avoid is not None and len(sentences) > 2:
        ranked = [i for i in ranked if sentences[i] != avoid]
    chosen = [ranked[0]]
    for i in ranked[1:]:
        if len(sentences[ranked[0]]) + 1 + len(sentences[i]) <= max_chars:
            chosen.append(i)
            break
    return truncate(" ".join(sentences[i] for i in sorted(chosen)), max_chars)


def gist(
    sentences: list[str], vectors: np.ndarray, title: np.ndarray, *, max_chars: int = GIST_CHARS
) -> str:
    """One line saying what the paper does: the first "we propose / introduce / present…"
    sentence, else the sentence closest to `title` (unit vectors), truncated at a word
    boundary; "" when there are no sentences."""
    if not sentences:
        return ""
    claim = next((s for s in sentences if _CONTRIBUTION.search(s)), None)
    chosen = claim or sentences[int(np.argmax(vectors @ title))]
    return truncate(chosen, max_chars)
