"""SentenceTransformerEmbedder: texts go to the model longest first, vectors come back in
the order given."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bot.embedder import SentenceTransformerEmbedder


class _LengthModel:
    """Stands in for a SentenceTransformer: row i is [len(text i), 1], recording batches."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def encode(self, texts: Sequence[str], **_: object) -> np.ndarray:
        self.batches.append(list(texts))
        return np.array([[len(t), 1.0] for t in texts], dtype=np.float32)


def test_texts_are_encoded_longest_first_and_returned_in_order() -> None:
    embedder = SentenceTransformerEmbedder(batch_size=2)
    model = _LengthModel()
    embedder._model = model  # type: ignore[assignment]
    texts = ["a" * n for n in (3, 12, 1, 7, 9, 2, 11, 5, 4, 10)]
    vectors = embedder.encode(texts)
    assert vectors[:, 0].tolist() == [len(t) for t in texts]
    sent = [len(t) for batch in model.batches for t in batch]
    assert sent == sorted(sent, reverse=True) and len(model.batches) == 2  # chunks of 8
