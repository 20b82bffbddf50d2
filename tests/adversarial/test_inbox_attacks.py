"""Attacks on the inbox, as the adversarial run made them: junk text, links out of the
inbox, special files, and a large file stopped midway (issue 15, items 1 and 2).

Each drives the real `paperboy ingest` / `paperboy parse` (in-process on the test's context,
or as a process where a real kill or a real clock matters) and checks what reached the
store and what the operator was told.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import jobs.ingest
from bot.context import Context
from bot.sources import ParseError, parse_text
from bot.store import papers as paper_store
from jobs.ingest import ingest_paths
from tests.cli_runner import ContextRunner

PAPERBOY = Path(sys.executable).with_name("paperboy")
REPO = Path(__file__).resolve().parents[2]
_WORDS = (
    "golden pocket willow cobalt ember paper temple copper shelter kettle pulse current lemon "
    "eagle stone sunset forest larch vision violet cotton table lantern circle monsoon gentle "
    "needle summer graph honey estate tablet pastel statue vessel jungle season spiral river "
    "relic panel model letter dinner motor slate scarlet record moment tunnel dancer figure "
    "silver satin chapter linear storm nickel orchard sparse oyster token robust pillar zephyr"
).split()


def random_words(lines: int, *, seed: int = 15) -> str:
    """Lines of 2–8 random words, about half in Title Case or "Word: Title Case", shaped
    like paper titles (the adversarial run's file)."""
    rng = random.Random(seed)
    out = []
    for _ in range(lines):
        words = rng.choices(_WORDS, k=rng.randint(2, 8))
        if rng.random() < 0.45:
            words = [w.title() for w in words]
            if rng.random() < 0.3:
                words[0] += ":"
        out.append(" ".join(words))
    return "\n".join(out) + "\n"


def _ingest_json(ctx: Context, *paths: Path) -> dict:
    args = ["ingest", *map(str, paths), "--json"] if paths else ["ingest", "--json"]
    result = ContextRunner(ctx).invoke(jobs_cli_app(), args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def jobs_cli_app():  # the CLI, with its command modules registered (tests/cli.py)
    from cli import app

    return app


# --- 15.1: junk text --------------------------------------------------------------------


def test_100k_lines_of_random_words_are_refused_quickly(tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text(random_words(100_000), encoding="utf-8")
    done = subprocess.run(
        [PAPERBOY, "parse", str(junk)], capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "unknown format" in done.stderr


def test_junk_under_a_daily_papers_header_is_refused_by_the_parser() -> None:
    page = "Daily Papers\n\nbyAK and the research community\n\n" + random_words(100_000)
    started = time.monotonic()
    with pytest.raises(ParseError) as refused:
        parse_text(page, format="hf-text")
    message = str(refused.value)
    assert message.startswith("not a paper source: ") and "\n" not in message
    assert "100000 text lines fit no paper" in message
    assert time.monotonic() - started < 60  # the 100k-line file of the report: well under


def test_ingest_of_junk_stores_nothing_and_remembers_the_refusal(ctx: Context) -> None:
    (ctx.settings.inbox_dir / "junk.txt").write_text(random_words(3000), encoding="utf-8")
    report = _ingest_json(ctx)
    (file,) = report["files"]
    assert (report["new"], report["failed"]) == (0, 1)
    assert file["error"].startswith("junk.txt: unknown format")
    assert paper_store.count_papers(ctx.db) == 0
    again = _ingest_json(ctx)
    assert again["files"][0]["skipped"] and again["failed"] == 0


# --- 15.2: links and special files in the inbox -----------------------------------------


def test_a_link_to_etc_passwd_is_refused_unread(ctx: Context) -> None:
    inbox = ctx.settings.inbox_dir
    (inbox / "passwd.txt").symlink_to("/etc/passwd")
    good = inbox / "good.jsonl"
    good.write_text(json.dumps({"title": "A Real Paper", "abstract": "Real words."}) + "\n")
    (inbox / "alias.jsonl").symlink_to(good)  # a link that stays inside the inbox is fine
    report = _ingest_json(ctx)
    errors = {Path(f["path"]).name: f["error"] for f in report["files"]}
    assert errors["passwd.txt"] == (
        f"passwd.txt: refused: a link to /etc/passwd, outside {inbox.resolve()}"
    )
    assert errors["good.jsonl"] is None and report["new"] == 1
    titles = [p.title for p in paper_store.get_papers(ctx.db, range(1, 100))]
    assert titles == ["A Real Paper"]  # no line of /etc/passwd became a "paper"
    again = _ingest_json(ctx)
    assert all(f["skipped"] for f in again["files"]) and again["failed"] == 0


def test_a_linked_folder_and_a_fifo_are_refused_without_blocking(ctx: Context) -> None:
    inbox = ctx.settings.inbox_dir
    (inbox / "etc").symlink_to("/etc", target_is_directory=True)
    os.mkfifo(inbox / "pipe.txt")  # opening it for reading would block a naive reader
    report = _ingest_json(ctx)
    errors = {Path(f["path"]).name: f["error"] for f in report["files"]}
    assert errors == {
        "etc": f"etc: refused: a link to /etc, outside {inbox.resolve()}",
        "pipe.txt": "pipe.txt: refused: a FIFO, not a regular file",
    }
    assert paper_store.count_papers(ctx.db) == 0


# --- 15.1: a large file is stored in chunks; a stop midway is resumed ---------------------


def _papers(count: int) -> str:
    return "\n".join(
        json.dumps({"title": f"Chunked paper {n}", "abstract": f"Words about topic {n}."})
        for n in range(count)
    )


def test_a_crash_midway_keeps_the_stored_chunks_and_a_rerun_resumes(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs.ingest, "GROUP_PAPERS", 5)
    big = ctx.settings.inbox_dir / "big.jsonl"
    big.write_text(_papers(12))
    save = paper_store.save_papers
    calls = 0

    def crash_on_second(*args: object, **kwargs: object):
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("killed midway")
        return save(*args, **kwargs)

    monkeypatch.setattr(paper_store, "save_papers", crash_on_second)
    first = ingest_paths(ctx)
    assert first.failed == 1 and "killed midway" in (first.files[0].error or "")
    assert paper_store.count_papers(ctx.db) == 5  # the first chunk survived
    assert paper_store.find_inbox_file(ctx.db, _sha256(big)) is None  # not recorded: retried
    monkeypatch.setattr(paper_store, "save_papers", save)
    rerun = ingest_paths(ctx)
    (file,) = rerun.files
    assert (file.papers, file.new, file.duplicates, file.error) == (12, 7, 5, None)
    assert paper_store.count_papers(ctx.db) == 12  # the rest, and no paper twice
    record = paper_store.find_inbox_file(ctx.db, _sha256(big))
    assert record is not None and (record.status, record.papers) == ("ok", 12)


_SLOW_INGEST = """
import sys, time
from pathlib import Path
import jobs.ingest
from bot.context import build_context
from bot.settings import Settings
from tests.fakes import FakeEmbedder

class SlowAfterFirstChunk(FakeEmbedder):
    calls = 0
    def encode(self, texts, **kw):
        SlowAfterFirstChunk.calls += 1
        if SlowAfterFirstChunk.calls > 1:
            print("second chunk", flush=True)
            time.sleep(600)
        return super().encode(texts, **kw)

jobs.ingest.GROUP_PAPERS = 50
settings = Settings(_env_file=None, database_url=sys.argv[1], inbox_dir=Path(sys.argv[2]))
jobs.ingest.ingest_paths(build_context(settings, embedder=SlowAfterFirstChunk()))
"""


def test_kill_9_midway_then_a_restart_stores_the_rest_without_duplicates(ctx: Context) -> None:
    big = ctx.settings.inbox_dir / "big.jsonl"
    big.write_text(_papers(120))
    ctx.db.create_all()
    child = subprocess.Popen(
        [sys.executable, "-c", _SLOW_INGEST, ctx.settings.database_url, str(big.parent)],
        stdout=subprocess.PIPE, text=True, cwd=big.parent.parent,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    try:
        assert child.stdout is not None and child.stdout.readline() == "second chunk\n"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        if child.stdout is not None:
            child.stdout.close()
    assert paper_store.count_papers(ctx.db) == 50  # the first chunk was committed
    report = ingest_paths(ctx)
    assert (report.new, report.duplicates, report.failed) == (70, 50, 0)
    assert paper_store.count_papers(ctx.db) == 120


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()
