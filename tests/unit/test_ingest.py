"""The ingest job: per-file transactions, skipping by content hash, failures, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

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
