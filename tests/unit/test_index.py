"""PaperIndex: dense top-k from the int8 snapshot, filters, hybrid fusion, and its files:
reopened as they were, one writer, readers that catch up, and what a crash leaves."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import bot.text_index
from bot.index import MANIFEST, PaperIndex
from bot.text_index import IndexPackageMissing


def _unit(rng: np.random.Generator, n: int, dim: int = 16) -> np.ndarray:
    rows = rng.normal(size=(n, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _add(index: PaperIndex, ids: list[int], vectors: np.ndarray) -> None:
    index.add(ids, vectors, [f"paper number {i}" for i in ids], [700_000 + i for i in ids])


def _exact(rows: np.ndarray, query: np.ndarray, k: int, first_id: int = 1) -> list[int]:
    return (np.argsort(-(rows @ query), kind="stable")[:k] + first_id).tolist()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "index"


def test_dense_top_k_is_exact_and_ordered() -> None:
    rng = np.random.default_rng(0)
    vectors = _unit(rng, 200)
    index = PaperIndex(16)
    _add(index, list(range(1, 201)), vectors)
    ids, scores = index.dense(vectors[41], 5)
    assert ids.tolist() == _exact(vectors, vectors[41], 5)
    assert ids[0] == 42 and np.all(np.diff(scores) <= 0)
    np.testing.assert_allclose(scores[0], 1.0, rtol=1e-5)  # the float32 re-check, not int8


def test_int8_scan_with_recheck_keeps_recall_at_10_on_random_vectors() -> None:
    rng = np.random.default_rng(1)
    rows = _unit(rng, 20_000, 64)
    index = PaperIndex(64)
    index.add(list(range(1, 20_001)), rows, [""] * 20_000, [1] * 20_000)
    queries = _unit(rng, 50, 64)
    recall = []
    for query in queries:
        ids, scores = index.dense(query, 10)
        assert np.all(np.diff(scores) <= 0)
        recall.append(len(set(ids.tolist()) & set(_exact(rows, query, 10))) / 10)
    assert np.mean(recall) >= 0.99


def test_adds_in_batches_and_out_of_id_order_keep_every_row() -> None:
    rng = np.random.default_rng(2)
    vectors = _unit(rng, 3000)
    index = PaperIndex(16)
    order = list(range(1, 3001))
    late = order[1000:1100]  # ids that commit late, after higher ones
    first = [i for i in order if i not in late]
    for start in range(0, len(first), 700):
        ids = first[start : start + 700]
        _add(index, ids, vectors[np.array(ids) - 1])
    _add(index, late, vectors[np.array(late) - 1])
    assert len(index) == 3000 and 1050 in index and 5000 not in index
    np.testing.assert_allclose(index.vectors([3000, 1050, 1]), vectors[[2999, 1049, 0]], atol=1e-6)
    assert index.dense(vectors[1049], 1)[0].tolist() == [1050]
    assert index.holds([3000, 99999]).tolist() == [True, False]
    with pytest.raises(KeyError):
        index.vectors([1, 99999])


def test_vectors_are_normalised_on_add() -> None:
    index = PaperIndex(2)
    index.add([7], np.array([[3.0, 4.0]]), ["t"], [1])
    np.testing.assert_allclose(index.vectors([7]), [[0.6, 0.8]], atol=1e-6)


def test_filters_apply_to_dense_and_lexical_search() -> None:
    rng = np.random.default_rng(3)
    index = PaperIndex(16)
    _add(index, [1, 2, 3, 4], _unit(rng, 4))
    allowed = index.allow(since=700_002, exclude_ids=[3])
    assert sorted(index.dense(_unit(rng, 1)[0], 10, allowed)[0].tolist()) == [2, 4]
    assert sorted(index.lexical_top("paper number", 10, allowed)[0].tolist()) == [2, 4]
    assert index.allow() is None


def test_hybrid_puts_named_papers_first_and_finds_lexical_only_match() -> None:
    query = np.eye(16, dtype=np.float32)[0]
    vectors = np.zeros((3, 16), dtype=np.float32)
    vectors[0, 1] = 1.0  # cosine 0 to the query
    vectors[1, [0, 2]] = 0.2, np.sqrt(1 - 0.2**2)  # cosine 0.2, but it names "RevCol"
    vectors[2, [0, 3]] = 0.35, np.sqrt(1 - 0.35**2)  # dense search's first
    index = PaperIndex(16)
    texts = ["transformers attention", "RevCol reversible columns", "unrelated words"]
    index.add([10, 11, 12], vectors, texts, [1, 1, 1])
    ids, scores = index.hybrid("attention is all you need", query, 3, first=[10])
    assert ids[0] == 10 and scores[0] == 1.0 and sorted(ids.tolist()) == [10, 11, 12]
    assert index.dense(query, 1)[0].tolist() == [12]
    ids, scores = index.hybrid("RevCol", query, 3)
    assert ids[0] == 11  # BM25 ranks it first; dense alone would pick 12
    assert np.all((scores >= 0) & (scores < 1)) and np.all(np.diff(scores) <= 0)
    ids, _ = index.hybrid("RevCol", query, 3, index.allow(exclude_ids=[11]), first=[11])
    assert 11 not in ids.tolist()


def test_coverage_is_bm25_over_par_with_the_whole_index_idf() -> None:
    index = PaperIndex(4)
    texts = ["moie router experts", "experts everywhere", "experts again", "nothing here"]
    index.add([1, 2, 3, 4], np.eye(4, dtype=np.float32), texts, [1] * 4)
    ids, coverage = index.lexical_top("MoIE experts", 10)
    assert ids.tolist()[0] == 1 and set(ids.tolist()) == {1, 2, 3}
    assert 0.8 < coverage[0] < 1.2  # every word of the query: about par
    assert coverage[1] < 0.3  # the common word alone weighs little
    assert index.lexical_top("?!", 10)[0].tolist() == []


@pytest.mark.parametrize(
    "name", ["RevCol", "MoIE", "PEPSI++", "Re^2TAL", "GPT-4", "N-HiTS", "ÜberNet", "LLM4Rec"]
)
def test_acronyms_and_joined_names_rank_first_over_their_parts(name: str) -> None:
    index = PaperIndex(4)
    parts = " ".join(name.replace("^", " ").replace("-", " ").replace("+", " ").split())
    texts = [f"we present {name} for vision", f"the {parts} baseline and others", "other words"]
    index.add([1, 2, 3], np.eye(3, 4, dtype=np.float32), texts, [1] * 3)
    assert index.lexical_top(name, 3)[0][0] == 1


def test_hostile_texts_are_indexed_and_searched() -> None:
    index = PaperIndex(4)
    texts = ["x" * 70_000 + " tail", "zero\x00byte\u202eright to left", "", "🙂 emoji only"]
    index.add([1, 2, 3, 4], np.eye(4, dtype=np.float32), texts, [1] * 4)
    assert index.lexical_top("tail", 3)[0].tolist() == [1]
    assert 2 in index.lexical_top("byte right", 3)[0].tolist()
    assert len(index.lexical_top("🙂", 3)[0]) == 0


def test_files_reopen_as_they_were_with_the_callers_state(folder: Path) -> None:
    rng = np.random.default_rng(4)
    vectors = _unit(rng, 50)
    index = PaperIndex(16, folder, model="m")
    assert index.writable and index.meta == {}
    _add(index, list(range(1, 51)), vectors)
    index.publish({"watermark": 50})
    expected = index.hybrid("paper number 7", vectors[6], 5)
    index.close()
    again = PaperIndex(16, folder, model="m")
    assert again.writable and len(again) == 50 and again.meta == {"watermark": 50}
    np.testing.assert_array_equal(again.hybrid("paper number 7", vectors[6], 5)[0], expected[0])


def test_another_model_or_format_starts_over(folder: Path) -> None:
    index = PaperIndex(16, folder, model="m")
    _add(index, [1, 2], _unit(np.random.default_rng(5), 2))
    index.publish({"watermark": 2})
    index.close()
    assert len(PaperIndex(16, folder, model="other")) == 0
    assert len(PaperIndex(8, folder, model="other")) == 0


def test_a_second_process_reads_and_holds_the_rest_in_memory(folder: Path) -> None:
    rng = np.random.default_rng(6)
    vectors = _unit(rng, 4)
    writer = PaperIndex(16, folder, model="m")
    _add(writer, [1, 2], vectors[:2])
    writer.publish({"watermark": 2})
    reader = PaperIndex(16, folder, model="m")
    assert not reader.writable and len(reader) == 2 and reader.meta == {"watermark": 2}
    reader.add([3], vectors[2:3], ["only in the reader"], [1])  # past the manifest
    assert reader.lexical_top("reader", 5)[0].tolist() == [3]
    assert reader.dense(vectors[2], 1)[0].tolist() == [3]
    _add(writer, [3, 4], vectors[2:4])  # the writer catches up; the reader does not see it yet
    assert reader.sync() is False and len(reader) == 3
    writer.publish({"watermark": 4})
    assert reader.dense(vectors[3], 1)[0].tolist() != [4]
    assert reader.sync() is True and len(reader) == 4 and reader.meta == {"watermark": 4}
    assert reader.dense(vectors[3], 1)[0].tolist() == [4]
    assert reader.lexical_top("reader", 5)[0].tolist() == []  # the overlay went with the sync
    writer.close()  # the writer's process ends: the reader takes over
    assert reader.sync() is True and reader.writable and len(reader) == 4


def test_a_crash_before_the_manifest_leaves_only_what_it_counts(folder: Path) -> None:
    rng = np.random.default_rng(7)
    vectors = _unit(rng, 6)
    index = PaperIndex(16, folder, model="m")
    _add(index, [1, 2, 3], vectors[:3])
    index.publish({"watermark": 3})
    _add(index, [4, 5, 6], vectors[3:])
    assert index.lexical_top("paper number", 10)[0].size == 6  # terms committed, not counted
    index.close()  # killed before `publish`
    again = PaperIndex(16, folder, model="m")
    assert len(again) == 3 and again.meta == {"watermark": 3}
    assert sorted(again.lexical_top("paper number", 10)[0].tolist()) == [1, 2, 3]
    assert 5 not in again and again.dense(vectors[4], 10)[0].size == 3
    _add(again, [4, 5, 6], vectors[3:])  # the caller adds them again: once each
    again.publish({"watermark": 6})
    assert sorted(again.lexical_top("paper number", 10)[0].tolist()) == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("damage", ["manifest", "vectors", "text"])
def test_damaged_files_are_rebuilt_by_the_writer(folder: Path, damage: str) -> None:
    index = PaperIndex(16, folder, model="m")
    _add(index, [1, 2], _unit(np.random.default_rng(8), 2))
    index.publish({"watermark": 2})
    index.close()
    generation = folder / json.loads((folder / MANIFEST).read_text())["generation"]
    if damage == "manifest":
        (folder / MANIFEST).write_text("{not json")
    elif damage == "vectors":
        (generation / "vectors" / "vectors.bin").write_bytes(b"")
        (generation / "vectors" / "ids.bin").write_bytes(b"")
    else:
        for path in (generation / "text").iterdir():
            path.unlink()
    reader_first = PaperIndex(16, folder, model="m")  # takes the lock: it is the writer
    assert reader_first.writable and len(reader_first) == 0 and reader_first.meta == {}


def test_revised_papers_are_rewritten_in_place(folder: Path) -> None:
    vectors = np.eye(4, dtype=np.float32)
    writer = PaperIndex(4, folder, model="m")
    writer.add([1, 2], vectors[:2], ["tidal locking", "other topic"], [1, 1])
    writer.publish({})
    reader = PaperIndex(4, folder, model="m")
    writer.replace([1], vectors[2:3], ["planetary rings"])
    writer.publish({"revised": 1})
    np.testing.assert_allclose(writer.vectors([1]), vectors[2:3])
    assert writer.lexical_top("rings", 5)[0].tolist() == [1]
    assert writer.lexical_top("tidal", 5)[0].tolist() == []
    assert reader.sync() and reader.lexical_top("rings", 5)[0].tolist() == [1]
    np.testing.assert_allclose(reader.vectors([1]), vectors[2:3])
    assert reader.dense(vectors[2], 1)[0].tolist() == [1]


def test_a_missing_package_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> None:
        raise ImportError(f"No module named {name!r}")

    monkeypatch.setattr(bot.text_index.importlib, "import_module", missing)
    with pytest.raises(IndexPackageMissing, match=r"needs the (tantivy|numkong) package") as caught:
        PaperIndex(4)
    assert "\n" not in str(caught.value)


def test_a_folder_that_cannot_be_written_leaves_the_index_in_memory(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    index = PaperIndex(4, tmp_path / "a-file" / "index", model="m")
    assert not index.writable and len(index) == 0
    index.add([1], np.eye(1, 4, dtype=np.float32), ["held in memory"], [1])
    assert index.lexical_top("memory", 3)[0].tolist() == [1]
    assert index.sync() is False
    assert "cannot write the search index" in caplog.text


def test_a_reader_holds_many_papers_in_memory_while_the_files_lag(folder: Path) -> None:
    rng = np.random.default_rng(9)
    vectors = _unit(rng, 1000)
    writer = PaperIndex(16, folder, model="m")  # still building: nothing published yet
    reader = PaperIndex(16, folder, model="m")
    for start in range(0, 1000, 300):
        ids = list(range(start + 1, min(start + 300, 1000) + 1))
        _add(reader, ids, vectors[start : start + 300])
    assert len(reader) == 1000 and len(writer) == 0
    assert reader.dense(vectors[777], 1)[0].tolist() == [778]
    np.testing.assert_allclose(reader.vectors([1000, 1]), vectors[[999, 0]], atol=1e-6)
    assert reader.lexical_top("number 512", 3, reader.allow(exclude_ids=[1]))[0][0] == 512


def test_a_reader_told_to_reset_ignores_those_files_until_new_ones(folder: Path) -> None:
    rows = np.eye(2, 4, dtype=np.float32)
    writer = PaperIndex(4, folder, model="m")
    writer.add([1], rows[:1], ["from another database"], [1])
    writer.publish({"anchor": [1, "x"]})
    reader = PaperIndex(4, folder, model="m")
    assert len(reader) == 1
    reader.reset()
    assert len(reader) == 0 and reader.meta == {} and reader.sync() is False
    writer.reset()
    writer.add([2], rows[1:], ["rebuilt"], [1])
    writer.publish({})
    assert reader.sync() is True and len(reader) == 1 and 2 in reader and 1 not in reader


def test_a_relative_folder_stays_where_it_was_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    index = PaperIndex(4, Path("data") / "index", model="m")
    monkeypatch.chdir(tmp_path.parent)
    index.add([1], np.eye(1, 4, dtype=np.float32), ["still here"], [1])
    index.publish({})
    assert (tmp_path / "data" / "index" / MANIFEST).exists() and index.writable
