"""The paper store: deduplication by arXiv id or normalized title, enrichment, vectors."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pytest

from bot.context import Context
from bot.paper import Paper
from bot.store import papers as paper_store
from bot.store.papers import InboxRecord, MissingVectors
from jobs.ingest import store_papers
from tests.fakes import FakeEmbedder


def _save(ctx: Context, papers: list[Paper], content_hash: str = "h") -> paper_store.SaveResult:
    record = InboxRecord(content_hash, f"{content_hash}.jsonl", "jsonl")
    return store_papers(ctx, papers, record=record)


def _stored(ctx: Context) -> list:
    return sorted(paper_store.get_papers(ctx.db, range(1, 100)), key=lambda r: r.id)


def test_new_papers_are_stored_with_vectors(ctx: Context, embedder: FakeEmbedder) -> None:
    result = _save(ctx, [Paper("Alpha", "About alpha."), Paper("Beta", "About beta.")])
    assert result.new_ids == [1, 2] and result.duplicates == 0
    assert sorted(embedder.encoded_texts) == ["Alpha. About alpha.", "Beta. About beta."]
    rows = paper_store.rows_after(ctx.db, 0)
    assert [r.id for r in rows] == [1, 2]
    assert np.frombuffer(rows[0].vector or b"", np.float32).shape == (embedder.dim,)


@pytest.mark.parametrize(
    "variant",
    [
        Paper("Gamma Rays: A Survey", "x", arxiv_id="2401.00001v2"),  # other version
        Paper("Another Title Entirely", "x", url="https://arxiv.org/pdf/2401.00001v3"),
        Paper("GAMMA RAYS — a survey!", "x"),  # case and punctuation
        Paper("Ｇａｍｍａ Rays: a  Survey", "x"),  # NFKC full-width
    ],
)
def test_duplicates_by_arxiv_id_or_title(ctx: Context, variant: Paper) -> None:
    _save(ctx, [Paper("Gamma Rays: A Survey", "Rays.", arxiv_id="2401.00001v1")], "first")
    result = _save(ctx, [variant], "second")
    assert result.new_ids == [] and result.duplicates == 1
    assert [r.arxiv_id for r in _stored(ctx)] == ["2401.00001"]


def test_duplicates_within_one_digest_are_merged(ctx: Context) -> None:
    result = _save(ctx, [Paper("Delta", "", upvotes=3), Paper("delta.", "Abstract.", upvotes=9)])
    assert len(result.new_ids) == 1 and result.duplicates == 1
    (row,) = _stored(ctx)
    assert (row.abstract, row.upvotes) == ("Abstract.", 9)


def test_later_digest_enriches_without_reembedding(ctx: Context, embedder: FakeEmbedder) -> None:
    _save(ctx, [Paper("Epsilon", "Old abstract.", upvotes=5)], "first")
    richer = Paper(
        "Epsilon",
        "A different abstract.",
        authors=("Ada", "Bo"),
        upvotes=12,
        url="https://x.org/e",
        arxiv_id="2402.00002",
        published=date(2024, 2, 1),
    )
    result = _save(ctx, [richer], "second")
    assert result.enriched == 1 and result.new_ids == []
    assert embedder.encoded_texts == ["Epsilon. Old abstract."]
    (row,) = _stored(ctx)
    assert (row.abstract, row.upvotes, row.arxiv_id) == ("Old abstract.", 12, "2402.00002")
    assert json.loads(row.authors) == ["Ada", "Bo"] and row.published == date(2024, 2, 1)
    _save(ctx, [Paper("Epsilon", "", upvotes=1, url="https://y.org", authors=("Ada",))], "third")
    assert (_stored(ctx)[0].upvotes, _stored(ctx)[0].url) == (12, "https://x.org/e")
    assert json.loads(_stored(ctx)[0].authors) == ["Ada", "Bo"]  # never a shorter list
    _save(ctx, [Paper("Epsilon", "", authors=("Ada", "Bo", "Cy"))], "fourth")
    assert json.loads(_stored(ctx)[0].authors) == ["Ada", "Bo", "Cy"]  # a fuller one wins
    assert embedder.encoded_texts == ["Epsilon. Old abstract."]


def test_text_embedded_before_is_not_embedded_again(ctx: Context, embedder: FakeEmbedder) -> None:
    ctx.library.embed(["Zeta. Known text."], store=True)
    _save(ctx, [Paper("Zeta", "Known text.")])
    assert embedder.encoded_texts == ["Zeta. Known text."]


def test_inbox_file_records(ctx: Context) -> None:
    _save(ctx, [Paper("Eta", "x"), Paper("eta", "y")], "okhash")
    paper_store.record_failed_file(ctx.db, InboxRecord("badhash", "b", ""), error="empty file")
    ok = paper_store.find_inbox_file(ctx.db, "okhash")
    bad = paper_store.find_inbox_file(ctx.db, "badhash")
    assert ok is not None and (ok.status, ok.papers, ok.new, ok.duplicates) == ("ok", 2, 1, 1)
    assert bad is not None and (bad.status, bad.error) == ("failed", "empty file")
    assert paper_store.find_inbox_file(ctx.db, "unknown") is None


def test_the_store_never_encodes_and_refuses_a_new_paper_without_a_vector(
    ctx: Context, embedder: FakeEmbedder
) -> None:
    papers = [Paper("Iota", "About iota.")]
    assert paper_store.texts_to_embed(ctx.db, [papers], model=embedder.name) == [
        "Iota. About iota."
    ]
    with pytest.raises(MissingVectors) as missing:
        paper_store.save_papers(ctx.db, papers, model=embedder.name, vectors={})
    assert missing.value.texts == ["Iota. About iota."] and _stored(ctx) == []
    vectors = dict(zip(missing.value.texts, embedder.encode(missing.value.texts), strict=True))
    saved = paper_store.save_papers(ctx.db, papers, model=embedder.name, vectors=vectors)
    assert (
        len(saved.new_ids) == 1
        and paper_store.texts_to_embed(ctx.db, [papers], model=embedder.name) == []
    )


def test_dry_run_writes_and_embeds_nothing(ctx: Context, embedder: FakeEmbedder) -> None:
    record = InboxRecord("d", "d", "jsonl")
    result = store_papers(ctx, [Paper("Theta", "x")], record=record, dry_run=True)
    assert len(result.new_ids) == 1
    assert embedder.encoded_texts == [] and _stored(ctx) == []
    assert paper_store.find_inbox_file(ctx.db, "d") is None


def test_count_papers_counts_stored_papers_once(ctx: Context) -> None:
    assert paper_store.count_papers(ctx.db) == 0
    _save(ctx, [Paper("Alpha", "About alpha."), Paper("Beta", "About beta.")])
    _save(ctx, [Paper("alpha", "Again."), Paper("Gamma", "About gamma.")], content_hash="h2")
    assert paper_store.count_papers(ctx.db) == 3
