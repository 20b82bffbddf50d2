"""Library: lazy loading, refresh by watermark, search rules, lookups and the embed cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from bot.context import Context, build_context
from bot.library import EmptyQueryError, Library
from bot.models import PaperRow, utcnow
from bot.paper import Paper, embedding_text
from bot.settings import Settings
from bot.store import papers as paper_store
from bot.store.papers import InboxRecord
from jobs.ingest import store_papers
from tests.cli_runner import ContextRunner
from tests.fakes import FakeEmbedder

PAPERS = [
    Paper(
        "RevCol: Reversible Column Networks",
        "A reversible column network for vision.",
        published=date(2023, 1, 5),
        arxiv_id="2212.11696",
    ),
    Paper(
        "Mixture of Interpretable Experts",
        "Routing inputs to the MoIE experts.",
        published=date(2023, 6, 1),
    ),
    Paper(
        "Diffusion Models for Vision",
        "Denoising diffusion for image generation.",
        published=date(2024, 3, 1),
    ),
    Paper(
        "Language Models are Few-Shot Learners",
        "Scaling language models for vision.",
        published=date(2020, 5, 28),
    ),
]


def _ingest(ctx: Context, papers: list[Paper], content_hash: str = "h") -> list[int]:
    return store_papers(ctx, papers, record=InboxRecord(content_hash, "p", "jsonl")).new_ids


@pytest.fixture
def library(ctx: Context) -> Library:
    _ingest(ctx, PAPERS)
    return ctx.library


def test_construction_loads_nothing(ctx: Context, embedder: FakeEmbedder) -> None:
    Library(ctx.db, embedder)
    assert embedder.encoded_texts == []


def test_refresh_picks_up_papers_stored_elsewhere(library: Library, ctx: Context) -> None:
    assert len(library) == 4
    assert library.refresh() == 0
    _ingest(ctx, [Paper("A Brand New Paper", "Fresh.")], "other-replica")
    assert library.refresh() == 1 and len(library) == 5


def test_exact_title_ranks_first(library: Library) -> None:
    hits = library.search("language models are few-shot learners")
    assert hits[0].paper.title == "Language Models are Few-Shot Learners"
    assert hits[0].score == 1.0


def test_rare_acronym_is_found(library: Library) -> None:
    assert library.search("moie", limit=1)[0].paper.title == "Mixture of Interpretable Experts"


def test_limit_offset_since_and_exclude(library: Library) -> None:
    everything = [h.paper.id for h in library.search("vision", limit=10)]
    assert len(everything) == 4
    assert [h.paper.id for h in library.search("vision", limit=2, offset=1)] == everything[1:3]
    recent = library.search("vision", limit=10, since=date(2023, 6, 1))
    assert {h.paper.published for h in recent} == {date(2023, 6, 1), date(2024, 3, 1)}
    rest = library.search("vision", limit=10, exclude_ids=[everything[0]])
    assert everything[0] not in [h.paper.id for h in rest]


@pytest.mark.parametrize("query", ["", "   ", "?!…", "—"])
def test_empty_query_is_refused(library: Library, query: str) -> None:
    with pytest.raises(EmptyQueryError, match="at least one word"):
        library.search(query)


def test_sql_like_query_is_harmless(library: Library, ctx: Context) -> None:
    library.search("'; DROP TABLE paper; --")
    library.refresh()
    assert len(library.papers([1, 2, 3, 4])) == 4


def test_similar_vectors_and_papers(library: Library) -> None:
    hits = library.similar(1, limit=3, exclude_ids=[2])
    assert 1 not in [h.paper.id for h in hits] and 2 not in [h.paper.id for h in hits]
    rows = library.vectors([3, 1])
    np.testing.assert_allclose(np.linalg.norm(rows, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(rows[1], library.vectors([1])[0])
    views = library.papers([1, 99])
    assert list(views) == [1] and views[1].arxiv_id == "2212.11696"
    assert views[1].authors == () and views[1].published == date(2023, 1, 5)
    with pytest.raises(KeyError):
        library.vectors([99])


def test_embed_stores_only_when_asked_and_caches_in_memory(
    ctx: Context, embedder: FakeEmbedder
) -> None:
    first = ctx.library.embed(["graph networks", "graph networks", "protein folding"])
    assert embedder.encoded_texts == ["graph networks", "protein folding"]
    ctx.library.embed(["protein folding"])  # the process cache: not encoded again
    assert embedder.encoded_texts == ["graph networks", "protein folding"]
    other = Library(ctx.db, embedder)  # another process: nothing was stored
    other.embed(["protein folding"], store=True)
    assert embedder.encoded_texts == ["graph networks", "protein folding", "protein folding"]
    again = Library(ctx.db, embedder).embed(["protein folding"])
    assert embedder.encoded_texts[-1:] == ["protein folding"] and len(embedder.encoded_texts) == 3
    np.testing.assert_array_equal(again, first[[2]])
    assert ctx.library.embed([]).shape == (0, embedder.dim)


def test_ids_ingested_between(library: Library) -> None:
    now = utcnow()
    assert library.ids_ingested_between(now - timedelta(hours=1), now + timedelta(hours=1)) == [
        1,
        2,
        3,
        4,
    ]
    assert library.ids_ingested_between(datetime(2000, 1, 1), datetime(2000, 1, 2)) == []


def test_cli_search_json_and_errors(
    library: Library, ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cli.ingest
    import cli.search  # noqa: F401  (registers both commands)
    from cli import app

    runner = ContextRunner(ctx)
    result = runner.invoke(app, ["search", "MoIE", "--limit", "2", "--json"])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert len(hits) == 2 and hits[0]["title"] == "Mixture of Interpretable Experts"
    assert set(hits[0]) == {"id", "title", "score", "url", "published"}
    recent = json.loads(
        runner.invoke(app, ["search", "vision", "--since", "2024-01-01", "--json"]).stdout
    )
    assert [h["published"] for h in recent] == ["2024-03-01"]
    bad_date = runner.invoke(app, ["search", "x", "--since", "2024-13-01"])
    assert bad_date.exit_code == 2 and "YYYY-MM-DD" in bad_date.stderr
    empty = runner.invoke(app, ["search", "  ?! "])
    assert empty.exit_code == 2 and "at least one word" in empty.stderr


def test_cli_search_queries_file_gives_one_list_per_line_in_order(
    library: Library, ctx: Context, embedder: FakeEmbedder, tmp_path
) -> None:
    from cli import app

    queries = tmp_path / "queries.txt"
    queries.write_text("MoIE\n\n  diffusion for images  \n?!\nreversible columns\n")
    runner = ContextRunner(ctx)
    result = runner.invoke(app, ["search", "--queries", str(queries), "-n", "2", "--json"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 4  # the blank line is no query; "?!" has no words: an empty list
    answers = [json.loads(line) for line in lines]
    assert answers[0][0]["title"] == "Mixture of Interpretable Experts"
    assert answers[1][0]["title"] == "Diffusion Models for Vision"
    assert answers[2] == [] and "query 3 has no words" in result.stderr
    assert answers[3][0]["title"] == "RevCol: Reversible Column Networks"
    assert all(len(a) <= 2 for a in answers)
    assert embedder.encoded_texts.count("MoIE") == 1
    piped = runner.invoke(app, ["search", "--queries", "-", "--json"], input="MoIE\n")
    assert [json.loads(line)[0]["title"] for line in piped.stdout.splitlines()] == [
        "Mixture of Interpretable Experts"
    ]
    table = runner.invoke(app, ["search", "--queries", str(queries)])
    assert table.exit_code == 0 and "1. MoIE" in table.stdout and "4. reversible" in table.stdout
    both = runner.invoke(app, ["search", "MoIE", "--queries", str(queries)])
    assert both.exit_code == 2 and "not both" in both.stderr
    missing = runner.invoke(app, ["search", "--queries", str(tmp_path / "nope.txt")])
    assert missing.exit_code == 2


def test_a_late_commit_below_the_watermark_is_picked_up(library: Library, ctx: Context) -> None:
    assert library.refresh() == 4
    with ctx.db.session() as session:  # as another replica would: id 10 commits first
        session.add(PaperRow(id=10, title="Ten Winds", title_key="ten winds"))
    assert library.refresh() == 1
    with ctx.db.session() as session:  # then id 7, whose transaction began earlier
        session.add(PaperRow(id=7, title="Seven Late Tides", title_key="seven late tides"))
    assert library.refresh() == 1 and library.refresh() == 0
    assert library.search("seven late tides")[0].paper.id == 7


def test_lexical_coverage_scores_words_per_paper_and_zero_for_unknown_ids(
    library: Library,
) -> None:
    ids = library.ids_ingested_between(datetime(2000, 1, 1), utcnow() + timedelta(days=1))
    titles = library.papers(ids)
    revcol = next(i for i in ids if titles[i].title.startswith("RevCol"))
    diffusion = next(i for i in ids if titles[i].title.startswith("Diffusion"))
    unknown = max(ids) + 1000
    coverage = library.lexical_coverage(["reversible column"], [diffusion, unknown, revcol])
    assert coverage.shape == (1, 3)
    assert coverage[0, 2] > 0
    assert coverage[0, 0] == 0 and coverage[0, 1] == 0


def test_a_restarted_process_opens_the_index_instead_of_rebuilding(
    library: Library, ctx: Context, embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = [h.paper.id for h in library.search("vision", limit=10)]
    library.close()
    read_from: list[int] = []
    rows_after = paper_store.rows_after

    def spy(db, watermark, **kwargs):  # type: ignore[no-untyped-def]
        read_from.append(watermark)
        return rows_after(db, watermark, **kwargs)

    monkeypatch.setattr(paper_store, "rows_after", spy)
    encoded = len(embedder.encoded_texts)
    restarted = Library(ctx.db, embedder, index_dir=ctx.library.index_dir)
    assert restarted.refresh() == 4 and read_from == [4]  # nothing re-read below the watermark
    assert [h.paper.id for h in restarted.search("vision", limit=10)] == expected
    assert len(embedder.encoded_texts) == encoded + 1  # the query, not the papers


def test_an_index_built_from_another_database_is_rebuilt(
    tmp_path: Path, embedder: FakeEmbedder
) -> None:
    folder = tmp_path / "shared-index"
    contexts = []
    for name, paper in (("one", PAPERS[0]), ("two", PAPERS[2])):
        settings = Settings(
            _env_file=None, database_url=f"sqlite:///{tmp_path / name}.db", index_dir=folder
        )
        contexts.append(build_context(settings, embedder=embedder))
        _ingest(contexts[-1], [paper])
    first, second = contexts
    assert [h.paper.title for h in first.library.search("vision")] == [PAPERS[0].title]
    first.library.close()
    assert [h.paper.title for h in second.library.search("vision")] == [PAPERS[2].title]
    for context in contexts:
        context.db.dispose()


def test_a_second_process_on_the_same_folder_reads_it_and_catches_up(
    library: Library, ctx: Context, embedder: FakeEmbedder
) -> None:
    assert library.refresh() == 4 and library.index.writable
    reader = Library(ctx.db, embedder, index_dir=ctx.library.index_dir)
    assert reader.refresh() == 4 and not reader.index.writable
    (fresh,) = _ingest(ctx, [Paper("Tidal Forces on Moons", "Tides.")], "later")
    assert reader.refresh() == 1  # from the database, held in memory
    assert reader.search("tidal forces moons")[0].paper.id == fresh
    assert library.refresh() == 1  # the writer adds it to the files
    assert reader.refresh() == 0  # ... where the reader now finds it
    assert reader.search("tidal forces moons")[0].paper.id == fresh
    np.testing.assert_allclose(reader.vectors([fresh]), library.vectors([fresh]))
    library.close()
    assert reader.refresh() == 0 and reader.index.writable  # the writer's process ended


def test_lexical_coverage_matches_bm25_over_the_whole_library(library: Library) -> None:
    from bot.lexical import LexicalIndex

    ids = library.ids_ingested_between(datetime(2000, 1, 1), utcnow() + timedelta(days=1))
    views = library.papers(ids)
    whole = LexicalIndex()
    whole.add([embedding_text(views[i].title, views[i].abstract) for i in ids])
    for text in ("reversible column", "vision models", "MoIE"):
        expected = whole.coverage(text)
        np.testing.assert_allclose(library.lexical_coverage([text], ids)[0], expected, rtol=1e-5)
    window = ids[1:3]
    np.testing.assert_allclose(
        library.lexical_coverage(["vision models"], window)[0],
        whole.coverage("vision models")[1:3],
        rtol=1e-5,
    )


_KILLED_WRITER = """
import os, sys
from pathlib import Path
from bot.context import build_context
from bot.index import PaperIndex
from bot.paper import Paper
from bot.settings import Settings
from bot.store.papers import InboxRecord
from jobs.ingest import store_papers
from tests.fakes import FakeEmbedder

ctx = build_context(Settings(_env_file=None, database_url=sys.argv[1]), embedder=FakeEmbedder())
papers = [Paper(f"Paper {n} on tides", f"Tides and moons {n}.") for n in range(5)]
store_papers(ctx, papers[:3], record=InboxRecord("a", "a", "jsonl"))
ctx.library.refresh()
store_papers(ctx, papers[3:], record=InboxRecord("b", "b", "jsonl"))
PaperIndex._write_manifest = lambda self, manifest: os._exit(9)  # killed right there
ctx.library.refresh()
"""


def test_a_writer_killed_before_its_manifest_leaves_a_usable_index(
    settings: Settings, embedder: FakeEmbedder, tmp_path: Path
) -> None:
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
    }
    child = subprocess.run(
        [sys.executable, "-c", _KILLED_WRITER, settings.database_url],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert child.returncode == 9, child.stderr
    ctx = build_context(settings, embedder=embedder)
    try:
        assert ctx.library.refresh() == 5
        ids = ctx.library.index.lexical_top("tides moons", 10)[0].tolist()
        assert sorted(ids) == [1, 2, 3, 4, 5]  # each once: the leftovers were dropped
        assert sorted(h.paper.id for h in ctx.library.search("tides", limit=10)) == ids and ids
    finally:
        ctx.db.dispose()


def test_warm_opens_the_index_and_reads_it_once(library: Library, embedder: FakeEmbedder) -> None:
    encoded = len(embedder.encoded_texts)
    library.warm()
    assert len(library) == 4 and len(embedder.encoded_texts) == encoded  # no query embedded
