"""Synthetic libraries for the scale benchmarks: pseudo-word texts and random unit vectors.

Texts use Zipf-distributed pseudo-words (a long-tailed vocabulary, as in real abstracts);
vectors are random unit rows, the worst case for any index that relies on clusters.
"""

from __future__ import annotations

import os

import numpy as np

__all__ = ["rss_bytes", "unit_vectors", "vocabulary", "words"]

_SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]


def vocabulary(rng: np.random.Generator, size: int) -> np.ndarray:
    """About `size` distinct three-syllable pseudo-words, sorted."""
    parts = rng.choice(_SYLLABLES, size=(size, 3))
    return np.array(sorted({"".join(p) for p in parts}))


def words(rng: np.random.Generator, vocab: np.ndarray, count: int) -> str:
    """`count` words drawn Zipf(1.2) over `vocab`, space-separated."""
    ranks = np.minimum(rng.zipf(1.2, size=count), len(vocab)) - 1
    return " ".join(vocab[ranks])


def unit_vectors(rng: np.random.Generator, n: int, dim: int, *, chunk: int = 100_000) -> np.ndarray:
    """An (n, dim) float32 matrix of random L2-normalised rows, built chunk by chunk."""
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, chunk):
        rows = rng.standard_normal((min(chunk, n - start), dim), dtype=np.float32)
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
        out[start : start + len(rows)] = rows
    return out


def rss_bytes() -> int:
    """This process's resident set size, in bytes (Linux)."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
