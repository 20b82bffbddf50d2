"""Test doubles passed in where production code takes a dependency.

`FakeEmbedder` is deterministic and fast: a hashed bag of word stems, so texts that share
words are similar and unrelated texts are nearly orthogonal, which is enough to test
ranking rules without loading a model.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["FakeEmbedder"]

_WORD = re.compile(r"[a-z0-9]+")


class FakeEmbedder:
    """A hashing embedder with the `bot.embedder.Embedder` interface; counts what it encodes."""

    def __init__(self, dim: int = 256, *, name: str = "fake-hash-256"):
        self._dim = dim
        self._name = name
        self.encoded_texts: list[str] = []
        self.loaded = True

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return self._dim

    def encode(
        self, texts: Sequence[str], *, progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        self.encoded_texts.extend(texts)
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                stem = word[:6]
                digest = hashlib.blake2b(stem.encode(), digest_size=8).digest()
                out[row, int.from_bytes(digest[:4], "little") % self._dim] += 1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
            else:
                out[row, 0] = 1.0
        if progress:
            progress(len(texts))
        return out
