"""The ingest job: per-file transactions, skipping by content hash, failures, the CLI."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import jobs.ingest
from bot.context import Context
from bot.store import papers as paper_store
from jobs.ingest import discover, ingest_paths, run
from tests.fakes import FakeEmbedder


def _paper(n: int, **extra: object) -> dict[str, object]:
    record = {
        "title": f"Paper number {n}",
        "abstract": f"Abstract {n} words.",
        "url": None,
        "authors": ["Ada Lovelace"],
        "published": "2024-05-01",
        "arxiv_id": None,
    }
    return record | extra


def _jsonl(path: Path, records: list[dict[str, object]], *, bad_lines: int = 0) -> Path:
    lines = [json.dumps(r) for r in records] + ["{not json"] * bad_lines
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_ingest_then_same_content_is_skipped(
    ctx: Context, tmp_path: Path, embedder: FakeEmbedder
) -> None:
    digest = _jsonl(tmp_path / "a.jsonl", [_paper(1), _paper(2), _paper(1)], bad_lines=1)
    report = ingest_paths(ctx, [digest])
    (file,) = report.files
    assert (file.format, file.papers, file.new, file.duplicates) == ("jsonl", 3, 2, 1)
    assert report.new == 2 and report.failed == 0 and len(ctx.library) == 2
    copy = tmp_path / "copy.jsonl"
    copy.write_bytes(digest.read_bytes())
    again = ingest_paths(ctx, [copy])
    assert again.files[0].skipped and again.new == 0 and len(embedder.encoded_texts) == 2


def test_one_shot_ingest_skips_the_index_and_loses_nothing(ctx: Context, tmp_path: Path) -> None:
    report = ingest_paths(ctx, [_jsonl(tmp_path / "a.jsonl", [_paper(1), _paper(2)])], index=False)
    assert report.new == 2
    assert [h.paper.title for h in ctx.library.search("Paper number 2", limit=1)] == [
        "Paper number 2"
    ]  # the index is loaded from the database on first use


def test_known_papers_in_a_new_file_are_not_embedded(
    ctx: Context, tmp_path: Path, embedder: FakeEmbedder
) -> None:
    ingest_paths(ctx, [_jsonl(tmp_path / "a.jsonl", [_paper(1)])])
    report = ingest_paths(
        ctx, [_jsonl(tmp_path / "b.jsonl", [_paper(1, arxiv_id="2405.1"), _paper(3)])]
    )
    assert (report.new, report.duplicates) == (1, 1)
    assert embedder.encoded_texts == [
        "Paper number 1. Abstract 1 words.",
        "Paper number 3. Abstract 3 words.",
    ]


def test_bad_file_is_recorded_and_batch_continues(ctx: Context, tmp_path: Path) -> None:
    empty = tmp_path / "inbox" / "empty.jsonl"
    empty.write_text("")
    binary = tmp_path / "inbox" / "blob.csv"
    binary.write_bytes(b"\x00\x01\x02" * 10)
    _jsonl(tmp_path / "inbox" / "sub" / "good.jsonl", [_paper(1)])
    report = ingest_paths(ctx)
    errors = {Path(f.path).name: f.error for f in report.files}
    assert report.failed == 2 and report.new == 1
    assert errors["good.jsonl"] is None
    assert errors["empty.jsonl"].startswith("empty.jsonl: ") and "\n" not in errors["empty.jsonl"]
    assert errors["blob.csv"].startswith("blob.csv: ")
    rerun = ingest_paths(ctx)
    assert all(f.skipped for f in rerun.files) and (rerun.new, rerun.failed) == (0, 0)
    empty.write_text(json.dumps(_paper(9)) + "\n")  # fixed content is tried again
    assert ingest_paths(ctx).new == 1


def test_crash_mid_file_leaves_nothing_and_rerun_completes(
    ctx: Context, tmp_path: Path, embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    digest = _jsonl(tmp_path / "a.jsonl", [_paper(1), _paper(2)])

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("model crashed")

    monkeypatch.setattr(embedder, "encode", broken)
    report = ingest_paths(ctx, [digest])
    assert report.failed == 1 and "model crashed" in (report.files[0].error or "")
    assert paper_store.rows_after(ctx.db, 0) == []
    monkeypatch.undo()
    report = ingest_paths(ctx, [digest])
    assert report.new == 2 and not report.files[0].skipped


def test_discover_skips_dotfiles_and_partial_downloads(tmp_path: Path) -> None:
    inbox = tmp_path / "box"
    for name in ("a.jsonl", ".hidden.jsonl", "b.jsonl.part", "c.tmp", ".git/x.jsonl", "d/e.csv"):
        (inbox / name).parent.mkdir(parents=True, exist_ok=True)
        (inbox / name).write_text("x")
    assert [p.relative_to(inbox).as_posix() for p in discover(inbox)] == ["a.jsonl", "d/e.csv"]


async def test_run_wraps_ingest_for_the_scheduler(ctx: Context, tmp_path: Path) -> None:
    _jsonl(tmp_path / "inbox" / "a.jsonl", [_paper(1)])
    dry = await run(ctx, dry_run=True)
    assert dry.files[0].new == 1 and paper_store.rows_after(ctx.db, 0) == []
    assert (await run(ctx)).new == 1


def test_cli_ingest_json_and_missing_path(ctx: Context, tmp_path: Path) -> None:
    import cli.ingest
    import cli.search  # noqa: F401  (registers both commands)
    from cli import app

    source = _jsonl(tmp_path / "a.jsonl", [_paper(1), _paper(2)])
    result = CliRunner().invoke(app, ["ingest", str(source), "--json"], obj=ctx)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["new"], data["duplicates"], data["failed"]) == (2, 0, 0)
    assert data["files"][0]["format"] == "jsonl"
    missing = CliRunner().invoke(app, ["ingest", str(tmp_path / "nope.jsonl")], obj=ctx)
    assert missing.exit_code == 2


def test_cli_ingest_reports_bad_lines_and_keeps_the_good_ones(
    ctx: Context, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import cli.ingest  # noqa: F401  (registers the command)
    from cli import app

    def source(name: str, first: int) -> Path:
        lines = [json.dumps(_paper(first)), "{not json", json.dumps(_paper(first + 1))]
        lines += [json.dumps({"abstract": "no title"}), json.dumps(_paper(first + 2))]
        (path := tmp_path / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    expected = ["line 2: not valid JSON", "line 4: missing title"]
    result = CliRunner().invoke(app, ["ingest", str(source("a.jsonl", 1)), "--json"], obj=ctx)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["new"], data["failed"]) == (3, 0)
    assert data["files"][0]["problems"] == expected and data["files"][0]["error"] is None
    assert f"a.jsonl: 2 problems: {'; '.join(expected)}" in caplog.text
    table = CliRunner().invoke(
        app, ["ingest", str(source("b.jsonl", 4))], env={"COLUMNS": "200"}, obj=ctx
    )
    assert table.exit_code == 0, table.output
    assert f"2 problems: {'; '.join(expected)}" in table.stdout


def test_file_vanishing_before_it_is_read_is_not_remembered_as_failed(
    ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _jsonl(tmp_path / "a.jsonl", [_paper(1), _paper(2)])
    hidden = tmp_path / "moved-away"
    read = jobs.ingest.read_source_bytes

    def vanish_then_read(path: Path, **options: object) -> bytes:
        path.rename(hidden)  # moved away after it was listed, before it is read
        return read(path, **options)

    monkeypatch.setattr(jobs.ingest, "read_source_bytes", vanish_then_read)
    report = ingest_paths(ctx, [source])
    assert report.failed == 1 and report.new == 0
    assert report.files[0].error == "a.jsonl: file disappeared (not found), will retry"
    assert paper_store.find_inbox_file(ctx.db, _sha256(hidden)) is None
    monkeypatch.undo()
    hidden.rename(source)  # back, unchanged
    again = ingest_paths(ctx, [source])
    assert (again.new, again.failed) == (2, 0) and not again.files[0].skipped


def test_a_file_is_remembered_by_the_bytes_that_were_parsed(
    ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _jsonl(tmp_path / "a.jsonl", [_paper(1)])
    first = _sha256(source)
    read = jobs.ingest.read_source_bytes

    def read_then_rewrite(path: Path, **options: object) -> bytes:
        data = read(path, **options)
        _jsonl(path, [_paper(1), _paper(2)])  # the download finished meanwhile
        return data

    monkeypatch.setattr(jobs.ingest, "read_source_bytes", read_then_rewrite)
    report = ingest_paths(ctx, [source])
    assert report.new == 1 and report.failed == 0
    recorded = paper_store.find_inbox_file(ctx.db, first)
    assert recorded is not None and recorded.papers == 1  # the content read, under its hash
    monkeypatch.undo()
    again = ingest_paths(ctx, [source])  # the finished file is new content: taken as it is
    assert (again.new, again.duplicates, again.failed) == (1, 1, 0)


def test_a_run_keeps_file_order_failures_and_dedup(
    ctx: Context, tmp_path: Path, embedder: FakeEmbedder
) -> None:
    inbox = tmp_path / "inbox"
    _jsonl(inbox / "1.jsonl", [_paper(1), _paper(2)])
    (inbox / "2.jsonl").write_text("{not json\n")
    _jsonl(inbox / "3.jsonl", [_paper(2, upvotes=5), _paper(3)])
    _jsonl(inbox / "4.jsonl", [_paper(3), _paper(4)])
    (inbox / "5.jsonl").write_bytes((inbox / "4.jsonl").read_bytes())  # a copy, same run
    report = ingest_paths(ctx)
    names = [Path(f.path).name for f in report.files]
    assert names == ["1.jsonl", "2.jsonl", "3.jsonl", "4.jsonl", "5.jsonl"]
    assert [(f.new, f.duplicates) for f in report.files] == [(2, 0), (0, 0), (1, 1), (1, 1), (0, 0)]
    assert (report.files[1].error or "").startswith("2.jsonl: ")
    assert report.files[4].skipped and report.failed == 1
    assert sorted(r.title for r in paper_store.rows_after(ctx.db, 0)) == [
        f"Paper number {n}" for n in (1, 2, 3, 4)
    ]
    assert sorted(embedder.encoded_texts) == [
        f"Paper number {n}. Abstract {n} words." for n in (1, 2, 3, 4)
    ]
    assert len(ctx.library) == 4


def test_the_files_of_a_run_are_encoded_in_one_call(
    ctx: Context, tmp_path: Path, embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    encode, calls = embedder.encode, []

    def counted(texts: list[str], **kwargs: object) -> object:
        calls.append(list(texts))
        return encode(texts, **kwargs)

    monkeypatch.setattr(embedder, "encode", counted)
    first = _jsonl(tmp_path / "a.jsonl", [_paper(1), _paper(2)])
    second = _jsonl(tmp_path / "b.jsonl", [_paper(2), _paper(3)])
    report = ingest_paths(ctx, [first, second])
    assert [(f.new, f.duplicates) for f in report.files] == [(2, 0), (1, 1)]
    assert len(calls) == 1 and len(calls[0]) == 3


def test_a_model_crash_fails_its_files_and_a_rerun_stores_them(
    ctx: Context, tmp_path: Path, embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    encode, calls = embedder.encode, []

    def first_call_crashes(texts: list[str], **kwargs: object) -> object:
        calls.append(list(texts))
        if len(calls) == 1:
            raise RuntimeError("model crashed")
        return encode(texts, **kwargs)

    monkeypatch.setattr(embedder, "encode", first_call_crashes)
    first = _jsonl(tmp_path / "a.jsonl", [_paper(1), _paper(2)])
    second = _jsonl(tmp_path / "b.jsonl", [_paper(2), _paper(3)])
    report = ingest_paths(ctx, [first, second])
    assert all("will retry (RuntimeError: model crashed)" in (f.error or "") for f in report.files)
    assert paper_store.rows_after(ctx.db, 0) == []
    again = ingest_paths(ctx, [first, second])
    assert [(f.new, f.duplicates, f.error) for f in again.files] == [(2, 0, None), (1, 1, None)]


def test_a_later_file_completes_a_paper_an_earlier_file_left_without_abstract(
    ctx: Context, tmp_path: Path, embedder: FakeEmbedder
) -> None:
    """An earlier file's copy has no abstract, a later one has: the first copy is stored
    and embedded as it is, then the later, fuller copy replaces its text (embedded once)."""
    first = _jsonl(tmp_path / "a.jsonl", [_paper(1, abstract="")])
    second = _jsonl(tmp_path / "b.jsonl", [_paper(1), _paper(2)])
    report = ingest_paths(ctx, [first, second])
    assert [(f.new, f.duplicates, f.revised) for f in report.files] == [(1, 0, 0), (1, 1, 1)]
    assert sorted(embedder.encoded_texts) == [
        "Paper number 1",
        "Paper number 1. Abstract 1 words.",
        "Paper number 2. Abstract 2 words.",
    ]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
