"""BM25 tokenization and scoring, including incremental adds."""

from __future__ import annotations

import numpy as np

from bot.lexical import LexicalIndex, tokenize


def test_tokenize_keeps_acronyms_and_joined_names() -> None:
    terms = tokenize("RevCol and MoIE beat Re^2TAL on GPT-4 tasks")
    assert {"revcol", "moie", "re^2tal", "re", "2tal", "gpt-4", "gpt", "4"} <= set(terms)
    assert "and" not in terms
    assert "task" in terms  # plural folded


def test_tokenize_folds_unicode_width_and_case() -> None:
    assert tokenize("ＲｅｖＣｏｌ") == tokenize("revcol") == ["revcol"]


def test_rare_term_outranks_common_ones() -> None:
    index = LexicalIndex()
    index.add(["deep learning for images", "deep learning for text", "the MoIE router"])
    scores = index.scores("MoIE deep learning")
    assert int(np.argmax(scores)) == 2


def test_incremental_add_matches_bulk_build() -> None:
    texts = [f"paper {i} about topic{i % 7} and shared words" for i in range(50)]
    bulk, step = LexicalIndex(), LexicalIndex()
    bulk.add(texts)
    for text in texts:
        step.add([text])
    assert len(step) == 50
    np.testing.assert_allclose(bulk.scores("topic3 shared"), step.scores("topic3 shared"))


def test_unknown_terms_and_empty_index_score_zero() -> None:
    index = LexicalIndex()
    assert index.scores("anything").shape == (0,)
    index.add(["alpha beta"])
    assert index.scores("gamma").tolist() == [0.0]
