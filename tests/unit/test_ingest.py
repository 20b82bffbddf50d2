"""The ingest job: per-file transactions, skipping by content hash, failures, the CLI."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.context import Context, build_context
from bot.settings import Settings
from bot.store import papers as paper_store
from jobs import ingest_ahead
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


def test_cli_ingest_json_and_missing_path(
    ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.cli.ingest
    import bot.cli.search  # noqa: F401  (registers both commands)
    from bot.cli import app

    monkeypatch.setattr("bot.cli.ingest.load_context", lambda: ctx)
    monkeypatch.setattr(ctx.db, "dispose", lambda: None)
    digest = _jsonl(tmp_path / "a.jsonl", [_paper(1), _paper(2)])
    result = CliRunner().invoke(app, ["ingest", str(digest), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["new"], data["duplicates"], data["failed"]) == (2, 0, 0)
    assert data["files"][0]["format"] == "jsonl"
    missing = CliRunner().invoke(app, ["ingest", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 2


def test_cli_ingest_reports_bad_lines_and_keeps_the_good_ones(
    ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import bot.cli.ingest  # noqa: F401  (registers the command)
    from bot.cli import app

    monkeypatch.setattr("bot.cli.ingest.load_context", lambda: ctx)
    monkeypatch.setattr(ctx.db, "dispose", lambda: None)

    def digest(name: str, first: int) -> Path:
        lines = [json.dumps(_paper(first)), "{not json", json.dumps(_paper(first + 1))]
        lines += [json.dumps({"abstract": "no title"}), json.dumps(_paper(first + 2))]
        (path := tmp_path / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    expected = ["line 2: not valid JSON", "line 4: missing title"]
    result = CliRunner().invoke(app, ["ingest", str(digest("a.jsonl", 1)), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["new"], data["failed"]) == (3, 0)
    assert data["files"][0]["problems"] == expected and data["files"][0]["error"] is None
    assert f"a.jsonl: 2 problems: {'; '.join(expected)}" in caplog.text
    table = CliRunner().invoke(app, ["ingest", str(digest("b.jsonl", 4))], env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    assert f"2 problems: {'; '.join(expected)}" in table.stdout


def test_file_vanishing_after_hashing_is_not_remembered_as_failed(
    ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    digest = _jsonl(tmp_path / "a.jsonl", [_paper(1), _paper(2)])
    hidden = tmp_path / "moved-away"
    hash_file = ingest_ahead.content_hash

    def hash_then_vanish(path: Path) -> str:
        content_hash = hash_file(path)
        path.rename(hidden)  # moved away before the file is read
        return content_hash

    monkeypatch.setattr(ingest_ahead, "content_hash", hash_then_vanish)
    report = ingest_paths(ctx, [digest])
    assert report.failed == 1 and report.new == 0
    assert report.files[0].error == "a.jsonl: file disappeared (not found), will retry"
    assert paper_store.find_digest_file(ctx.db, hash_file(hidden)) is None
    monkeypatch.undo()
    hidden.rename(digest)  # back, unchanged
    again = ingest_paths(ctx, [digest])
    assert (again.new, again.failed) == (2, 0) and not again.files[0].skipped


def test_file_rewritten_after_hashing_is_taken_as_it_is_next_scan(
    ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    digest = _jsonl(tmp_path / "a.jsonl", [_paper(1)])
    hash_file = ingest_ahead.content_hash
    first = hash_file(digest)

    def hash_then_rewrite(path: Path) -> str:
        content_hash = hash_file(path)
        if content_hash == first:
            _jsonl(path, [_paper(1), _paper(2)])  # the download finished meanwhile
        return content_hash

    monkeypatch.setattr(ingest_ahead, "content_hash", hash_then_rewrite)
    report = ingest_paths(ctx, [digest])
    assert report.new == 0
    assert report.files[0].error == "a.jsonl: file changed while it was being read, will retry"
    assert paper_store.find_digest_file(ctx.db, first) is None
    monkeypatch.undo()
    again = ingest_paths(ctx, [digest])
    assert (again.new, again.failed) == (2, 0)


@pytest.fixture
def gpu_ctx(settings: Settings, embedder: FakeEmbedder) -> Iterator[Context]:
    """A context whose model "runs on a GPU": ingest encodes the next files ahead."""
    context = build_context(
        settings.model_copy(update={"embedding_device": "cuda"}), embedder=embedder
    )
    yield context
    context.db.dispose()


def test_reading_ahead_keeps_file_order_failures_and_dedup(
    gpu_ctx: Context, tmp_path: Path, embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    encode = embedder.encode

    def slow(texts: list[str], **kwargs: object) -> object:
        time.sleep(0.05)  # like a GPU: the next files are read and guessed meanwhile
        return encode(texts, **kwargs)

    monkeypatch.setattr(embedder, "encode", slow)
    inbox = tmp_path / "inbox"
    _jsonl(inbox / "1.jsonl", [_paper(1), _paper(2)])
    (inbox / "2.jsonl").write_text("{not json\n")
    _jsonl(inbox / "3.jsonl", [_paper(2, upvotes=5), _paper(3)])
    _jsonl(inbox / "4.jsonl", [_paper(3), _paper(4)])
    (inbox / "5.jsonl").write_bytes((inbox / "4.jsonl").read_bytes())  # a copy, same batch
    report = ingest_paths(gpu_ctx)
    names = [Path(f.path).name for f in report.files]
    assert names == ["1.jsonl", "2.jsonl", "3.jsonl", "4.jsonl", "5.jsonl"]
    assert [(f.new, f.duplicates) for f in report.files] == [(2, 0), (0, 0), (1, 1), (1, 1), (0, 0)]
    assert (report.files[1].error or "").startswith("2.jsonl: ")
    assert report.files[4].skipped and report.failed == 1
    assert sorted(r.title for r in paper_store.rows_after(gpu_ctx.db, 0)) == [
        f"Paper number {n}" for n in (1, 2, 3, 4)
    ]
    assert sorted(embedder.encoded_texts) == [
        f"Paper number {n}. Abstract {n} words." for n in (1, 2, 3, 4)
    ]
    assert len(gpu_ctx.library) == 4


def test_paper_guessed_known_is_embedded_when_its_earlier_file_fails(
    gpu_ctx: Context, tmp_path: Path, embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
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
    report = ingest_paths(gpu_ctx, [first, second])
    assert "model crashed" in (report.files[0].error or "") and report.files[1].error is None
    assert (report.files[1].new, report.files[1].duplicates) == (2, 0)
    text = "Paper number {0}. Abstract {0} words.".format
    assert calls[1:] == [[text(3)], [text(2)]]  # b's guess left out a's paper 2; stored later
    assert sorted(r.title for r in paper_store.rows_after(gpu_ctx.db, 0)) == [
        "Paper number 2",
        "Paper number 3",
    ]
    again = ingest_paths(gpu_ctx, [first])
    assert (again.new, again.duplicates, again.failed) == (1, 1, 0)
