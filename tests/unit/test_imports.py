"""Importing a member's library: matching by arXiv id or title, the most recent N as seeds,
counts that add up, what replaces what, and files that are refused."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot import imports, members
from bot.context import Context, build_context
from bot.digest import build_member_digest
from bot.profiles import ProfileError
from bot.settings import Settings
from tests.fakes import FakeEmbedder
from tests.paper_files import CORPUS, add_papers

T, U = "T1", "U1"


@pytest.fixture
def ids(ctx: Context, tmp_path: Path) -> dict[str, int]:
    return add_papers(ctx, tmp_path, CORPUS)


def library_jsonl(entries: list[dict]) -> bytes:
    return "\n".join(json.dumps(e) for e in entries).encode()


def entry(title: str, published: str | None = None, **fields: str) -> dict:
    return {"title": title, "abstract": "", "published": published, **fields}


def test_entries_match_by_arxiv_id_or_title_and_the_counts_add_up(ctx, ids) -> None:
    data = library_jsonl(
        [
            entry("A renamed preprint", "2024-01-01", url="https://arxiv.org/abs/2202.04901v3"),
            entry(CORPUS[2]["title"].upper() + "!", "2023-05-01"),  # same title, other spelling
            entry(CORPUS[4]["title"], "2022-01-01"),
            entry(CORPUS[2]["title"], "2023-06-01"),  # listed twice
            entry("A paper paperboy never saw", "2024-02-02"),
            entry("Another unknown one"),
        ]
    )
    report = imports.import_bytes(ctx, T, U, data, filename="library.jsonl")
    assert (report.read, report.matched, report.used) == (6, 3, 3)
    assert (report.not_found, report.duplicates, report.older) == (2, 1, 0)
    assert report.read == report.used + report.older + report.not_found + report.duplicates
    assert report.not_found_examples == ["A paper paperboy never saw", "Another unknown one"]
    profile = members.profile(ctx, T, U)
    library = {p.title for p in profile.library}
    assert library == {CORPUS[0]["title"], CORPUS[2]["title"], CORPUS[4]["title"]}
    assert profile.seeds == []  # the seeds a member added are listed apart


def test_only_the_most_recent_n_become_seeds(ctx, ids, settings: Settings) -> None:
    two = build_context(
        settings.model_copy(update={"library_import_seeds": 2}), embedder=FakeEmbedder()
    )
    data = library_jsonl(
        [
            entry(CORPUS[0]["title"], "2020-01-01"),
            entry(CORPUS[1]["title"], "2024-03-01"),
            entry(CORPUS[2]["title"]),  # no date: oldest
            entry(CORPUS[3]["title"], "2023-03-01"),
        ]
    )
    report = imports.import_bytes(two, T, U, data, filename="lib.jsonl")
    assert (report.matched, report.used, report.older, report.limit) == (4, 2, 2, 2)
    titles = {p.title for p in members.profile(two, T, U).library}
    assert titles == {CORPUS[1]["title"], CORPUS[3]["title"]}
    two.db.dispose()


def test_a_new_import_replaces_the_last_one_and_keeps_added_seeds(ctx, ids) -> None:
    members.add_seed(ctx, T, U, CORPUS[5]["title"])
    imports.import_bytes(ctx, T, U, library_jsonl([entry(CORPUS[0]["title"])]), filename="a.jsonl")
    imports.import_bytes(ctx, T, U, library_jsonl([entry(CORPUS[1]["title"])]), filename="b.jsonl")
    profile = members.profile(ctx, T, U)
    assert [p.title for p in profile.library] == [CORPUS[1]["title"]]
    assert [p.title for p in profile.seeds] == [CORPUS[5]["title"]]
    # a seed the member added stays theirs even when an import lists it
    imports.import_bytes(ctx, T, U, library_jsonl([entry(CORPUS[5]["title"])]), filename="c.jsonl")
    profile = members.profile(ctx, T, U)
    assert [p.title for p in profile.seeds] == [CORPUS[5]["title"]] and profile.library == []


def test_nothing_found_leaves_the_seeds_alone(ctx, ids) -> None:
    imports.import_bytes(ctx, T, U, library_jsonl([entry(CORPUS[0]["title"])]), filename="a.jsonl")
    report = imports.import_bytes(
        ctx, T, U, library_jsonl([entry("Nothing like it")]), filename="b.jsonl"
    )
    assert (report.read, report.used, report.not_found) == (1, 0, 1)
    assert [p.title for p in members.profile(ctx, T, U).library] == [CORPUS[0]["title"]]


def test_the_next_digest_names_the_library(ctx, ids) -> None:
    data = library_jsonl([entry(CORPUS[0]["title"], "2024-01-01")])
    imports.import_bytes(ctx, T, U, data, filename="library.jsonl")
    items = build_member_digest(ctx, T, U).items
    assert items and items[0].paper.title == CORPUS[1]["title"]  # the other video paper
    reason = items[0].reason  # the band and the cosine, as every reason shows them
    assert reason.startswith(f"like *{CORPUS[0]['title']}* from your library: ")
    assert re.search(r"match \(0\.\d\d\)$", reason)
    assert CORPUS[0]["title"] not in [i.paper.title for i in items]  # seeds never come back


def test_csv_library_and_unreadable_rows(ctx, ids, tmp_path: Path) -> None:
    path = tmp_path / "zotero.csv"
    path.write_text(
        f'title,abstract,url\n"{CORPUS[6]["title"]}",,\n,"no title here",\n', encoding="utf-8"
    )
    report = imports.import_file(ctx, T, U, path)
    assert (report.format, report.read, report.used, report.unreadable) == ("csv", 1, 1, 1)
    assert report.problems


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"", "empty file"),
        (b"\x00\x01\x02binary", "binary"),
        (b"\xff" * 10, "(no papers|no BibTeX entries)"),
    ],
)
def test_unusable_files_are_refused_in_one_line(ctx, ids, data: bytes, why: str) -> None:
    with pytest.raises(ProfileError, match=f"I couldn't read lib.bib: .*{why}"):
        imports.import_bytes(ctx, T, U, data, filename="lib.bib")
    assert members.profile(ctx, T, U).library == []


def test_too_large_is_refused_before_parsing(ctx, settings: Settings, tmp_path: Path) -> None:
    small = build_context(
        settings.model_copy(update={"library_import_max_bytes": 1024}), embedder=FakeEmbedder()
    )
    with pytest.raises(ProfileError, match="too large"):
        imports.import_bytes(small, T, U, b"x" * 2048, filename="big.bib")
    path = tmp_path / "big.jsonl"
    path.write_bytes(library_jsonl([entry("t" * 100)] * 30))
    with pytest.raises(ProfileError, match="too large"):
        imports.import_file(small, T, U, path)
    with pytest.raises(ProfileError, match="not found"):
        imports.import_file(small, T, U, tmp_path / "missing.bib")
    small.db.dispose()


def test_the_same_file_imported_twice_at_once_is_one_import(ctx, ids) -> None:
    """A file shared twice (a double share, an event retry) imports concurrently."""
    import threading

    data = library_jsonl([entry(p["title"]) for p in CORPUS[:4]])
    errors: list[BaseException] = []

    def run() -> None:
        try:
            imports.import_bytes(ctx, T, U, data, filename="lib.jsonl")
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(members.profile(ctx, T, U).library) == 4


def test_an_exported_reading_list_imports_back_as_the_same_papers(ctx, ids) -> None:
    from bot import reading

    for title in (CORPUS[0]["title"], CORPUS[2]["title"], CORPUS[6]["title"]):
        members.record_feedback(ctx, T, "U2", ids[title], "save")
    for export in reading.export_saved(ctx, T, "U2").files:
        data = export.text.encode()
        report = imports.import_bytes(ctx, T, U, data, filename=export.filename)
        assert (report.format, report.read, report.used) == (export.format, 3, 3)
    assert {p.id for p in members.profile(ctx, T, U).library} == {
        ids[CORPUS[0]["title"]],
        ids[CORPUS[2]["title"]],
        ids[CORPUS[6]["title"]],
    }


REFERENCES = Path(__file__).resolve().parents[1] / "fixtures" / "sources"


@pytest.mark.parametrize(
    "name",
    ["zotero_export.csv", "zotero_export.ris", "zotero_export.bib", "zotero_export_native.bib"],
)
def test_reference_manager_exports_match_the_stored_papers(ctx: Context, name: str) -> None:
    """The same Zotero library, ingested once, then imported from each export format:
    every entry is found (by arXiv id, or by title where the export has no id)."""
    from jobs.ingest import ingest_paths

    assert ingest_paths(ctx, [REFERENCES / "zotero_export.bib"]).new == 8
    report = imports.import_file(ctx, T, U, REFERENCES / name)
    assert (report.read, report.matched, report.used, report.not_found) == (8, 8, 8, 0)
    assert len(members.profile(ctx, T, U).library) == 8
