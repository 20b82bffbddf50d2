"""A source cut off mid-abstract arrives before the full one: the fuller text wins, its
vector is computed once more, and search finds the paper by words only the full text has."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from bot.context import Context
from bot.paper import embedding_text, is_fuller
from bot.store import papers as paper_store
from jobs.ingest import ingest_paths
from tests.fakes import FakeEmbedder

TITLE = "Tidal locking of exoplanets"
FULL = (
    "We study tidal locking of rocky exoplanets around red dwarfs. Simulations show that "
    "atmospheric circulation redistributes heat to the night side within a few thousand years."
)
CUT = FULL[:70] + "…"


def _source(path: Path, abstract: str, **extra: object) -> Path:
    record = {"title": TITLE, "abstract": abstract, "arxiv_id": "2406.00042", **extra}
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    return path


def test_a_truncated_copy_then_the_full_one_keeps_the_full_text(
    ctx: Context, tmp_path: Path, embedder: FakeEmbedder
) -> None:
    first = ingest_paths(ctx, [_source(tmp_path / "cut.jsonl", CUT)])
    assert (first.new, first.revised) == (1, 0)
    full = ingest_paths(ctx, [_source(tmp_path / "full.jsonl", FULL, upvotes=9)])
    assert (full.new, full.duplicates, full.revised) == (0, 1, 1)
    (row,) = paper_store.get_papers(ctx.db, [first.new_paper_ids[0]])
    assert row.abstract == FULL and row.upvotes == 9 and row.revised_at is not None
    assert embedder.encoded_texts.count(embedding_text(TITLE, FULL)) == 1  # re-embedded once
    expected = embedder.encode([embedding_text(TITLE, FULL)])[0]
    np.testing.assert_allclose(ctx.library.vectors([row.id])[0], expected, atol=1e-6)
    hits = ctx.library.search("heat redistributed to the night side", limit=1)
    assert hits and hits[0].paper.abstract == FULL


def test_the_full_copy_is_never_replaced_by_a_shorter_or_different_one(
    ctx: Context, tmp_path: Path, embedder: FakeEmbedder
) -> None:
    ingest_paths(ctx, [_source(tmp_path / "full.jsonl", FULL)])
    again = ingest_paths(ctx, [_source(tmp_path / "cut.jsonl", CUT)])
    other = ingest_paths(ctx, [_source(tmp_path / "v2.jsonl", "A rewritten abstract, longer " * 9)])
    assert again.revised == other.revised == 0
    (row,) = paper_store.get_papers(ctx.db, range(1, 5))
    assert row.abstract == FULL and row.revised_at is None
    assert len(embedder.encoded_texts) == 1


def test_another_replica_picks_up_the_revised_vector(
    ctx: Context, tmp_path: Path, embedder: FakeEmbedder
) -> None:
    ingest_paths(ctx, [_source(tmp_path / "cut.jsonl", CUT)])
    assert len(ctx.library) == 1
    from bot.library import Library

    replica = Library(ctx.db, embedder)
    replica.refresh()
    before = replica.vectors([1])[0]
    ingest_paths(ctx, [_source(tmp_path / "full.jsonl", FULL)], index=False)
    replica.refresh()
    after = replica.vectors([1])[0]
    assert not np.allclose(before, after)
    np.testing.assert_allclose(after, embedder.encode([embedding_text(TITLE, FULL)])[0], atol=1e-6)


def test_what_counts_as_a_fuller_copy() -> None:
    assert is_fuller("", "Anything at all.")
    assert is_fuller("We study tidal locking …", "We study tidal locking of planets.")
    assert is_fuller("We study  tidal\nlocking", "We study tidal locking of planets.")
    assert not is_fuller("We study tidal locking of planets.", "We study tidal locking …")
    assert not is_fuller("We study tidal locking.", "They study something else entirely, longer.")
    assert not is_fuller("Same text.", "Same text.")


def test_the_fuller_text_replaces_the_terms_for_every_process_on_the_folder(
    ctx: Context, tmp_path: Path, embedder: FakeEmbedder
) -> None:
    from bot.library import Library

    ingest_paths(ctx, [_source(tmp_path / "cut.jsonl", CUT)])
    reader = Library(ctx.db, embedder, index_dir=ctx.library.index_dir)
    assert reader.refresh() == 1 and not reader.index.writable
    assert reader.index.lexical_top("redistributes heat", 5)[0].tolist() == []
    ingest_paths(ctx, [_source(tmp_path / "full.jsonl", FULL)])  # the writer applies it
    reader.refresh()
    assert reader.index.lexical_top("redistributes heat", 5)[0].tolist() == [1]
    np.testing.assert_allclose(
        reader.vectors([1])[0], embedder.encode([embedding_text(TITLE, FULL)])[0], atol=1e-6
    )
