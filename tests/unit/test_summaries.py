"""Summaries are verbatim abstract sentences, chosen by the vector that matched, in budget."""

from __future__ import annotations

from bot.summaries import gist, split_sentences, summarize, truncate
from tests.fakes import FakeEmbedder

ABSTRACT = (
    "Video frame interpolation synthesizes intermediate frames between two inputs. "
    "Large motion, e.g. fast camera pans, breaks most flow estimators. "
    "We propose FILM, a multi-scale network that handles large motion with a shared feature "
    "extractor. Protein structure is unrelated to this paper, as shown in Fig. 3 of the appendix. "
    "Our experiments on Vimeo-90K show state-of-the-art quality."
)


def test_sentences_are_verbatim_and_skip_abbreviations() -> None:
    sentences = split_sentences(ABSTRACT)
    assert len(sentences) == 5
    assert all(s in ABSTRACT for s in sentences)
    assert sentences[1].startswith("Large motion, e.g. fast")
    assert split_sentences("  ") == []


def test_summary_follows_the_matching_vector() -> None:
    embedder = FakeEmbedder()
    sentences = split_sentences(ABSTRACT)
    vectors = embedder.encode(sentences)
    about_protein = summarize(sentences, vectors, embedder.encode(["protein structure"])[0])
    about_motion = summarize(sentences, vectors, embedder.encode(["large motion flow"])[0])
    assert "Protein structure" in about_protein
    assert "Large motion" in about_motion
    for summary in (about_protein, about_motion):
        assert len(summary) <= 300
        assert all(part in ABSTRACT for part in split_sentences(summary))


def test_summary_truncates_a_huge_sentence_at_a_word() -> None:
    long = "word " * 100 + "end."
    embedder = FakeEmbedder()
    summary = summarize([long], embedder.encode([long]), embedder.encode(["word"])[0])
    assert len(summary) <= 300 and summary.endswith("…")
    assert long.startswith(summary[:-1])


def test_gist_prefers_the_contribution_sentence() -> None:
    embedder = FakeEmbedder()
    sentences = split_sentences(ABSTRACT)
    line = gist(sentences, embedder.encode(sentences), embedder.encode(["FILM"])[0])
    assert line.startswith("We propose FILM") and len(line) <= 160
    plain = ["Graphs are everywhere.", "Message passing on graphs is studied here."]
    title = embedder.encode(["Message passing graphs"])[0]
    assert gist(plain, embedder.encode(plain), title) == plain[1]
    assert gist([], embedder.encode([]), title) == ""


def test_truncate() -> None:
    assert truncate("short", 10) == "short"
    assert truncate("hello world again", 12) == "hello world…"
