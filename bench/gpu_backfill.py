"""Backfill throughput on a GPU: paperboy's own ingest path with `EMBEDDING_DEVICE=cuda`.

Not part of `make bench` (this machine has no GPU). Run on a machine that has one:

    python -m bench.gpu_backfill --model PATH --papers 20000 --out results.json

It writes a synthetic archive of distinct papers as JSONL digests, ingests them through
`jobs.ingest.ingest_paths` (parse → dedup → embed → store, one transaction per file), each
time into a fresh database: with the 1 ms GIL switch `paperboy run` sets and no serving
index; as `paperboy run`'s scheduler does (1 ms switch, serving index built too); and as
`paperboy ingest` does (Python's default switch, no serving index). On the same texts in the
same run it times raw `model.encode` as the baseline. The figures are copied into
`bench/gpu_results.json`, which `bench/run.py` reports.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

WORDS = (
    "diffusion transformer graph molecule protein video frame interpolation agent reasoning "
    "retrieval language model vision sparse attention equivariant benchmark robust scaling "
    "reinforcement learning policy reward contrastive representation segmentation detection "
    "generative latent flow matching tokenizer compression quantization distillation memory"
).split()


def synthetic_papers(count: int, seed: int = 0) -> list[dict[str, str]]:
    """`count` distinct papers with abstracts of typical length (about 170 words)."""
    rng = random.Random(seed)
    papers = []
    for number in range(count):
        title = " ".join(rng.choices(WORDS, k=8)).capitalize() + f" {number}"
        sentences = [" ".join(rng.choices(WORDS, k=17)).capitalize() + "." for _ in range(10)]
        papers.append({"title": title, "abstract": " ".join(sentences)})
    return papers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True)
    parser.add_argument("--papers", type=int, default=20000)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    import torch

    from bot.context import build_context
    from bot.settings import Settings
    from cli.serve import GIL_SWITCH_SECONDS
    from jobs.ingest import ingest_paths

    papers = synthetic_papers(args.papers)
    scratch = Path(tempfile.mkdtemp())
    work = scratch / "inbox"
    work.mkdir()
    per_file = 2000
    for start in range(0, len(papers), per_file):
        lines = (json.dumps(p) for p in papers[start : start + per_file])
        (work / f"archive_{start:07d}.jsonl").write_text("\n".join(lines) + "\n")
    texts = [f"{p['title']}. {p['abstract']}" for p in papers]

    def context(name: str, embedder=None):
        settings = Settings(
            _env_file=None,
            database_url=f"sqlite:///{scratch / name}",
            inbox_dir=work,
            embedding_model=args.model,
            embedding_device=args.device,
            embedding_batch_size=args.batch_size,
        )
        return build_context(settings, embedder=embedder)

    ctx = context("paperboy.db")
    model = ctx.embedder.model  # type: ignore[attr-defined]
    model.encode(texts[:512], batch_size=args.batch_size)  # warm up kernels

    started = time.perf_counter()
    model.encode(texts, batch_size=args.batch_size, normalize_embeddings=True)
    if args.device == "cuda":
        torch.cuda.synchronize()
    raw_seconds = time.perf_counter() - started

    default_switch = sys.getswitchinterval()
    sys.setswitchinterval(GIL_SWITCH_SECONDS)  # as `paperboy run` does
    started = time.perf_counter()
    report = ingest_paths(ctx, [work], index=False)
    short_seconds = time.perf_counter() - started

    started = time.perf_counter()
    again = ingest_paths(ctx, [work], index=False)
    reingest_seconds = time.perf_counter() - started

    started = time.perf_counter()  # as the scheduler of `paperboy run` does: indexed too
    ingest_paths(context("indexed.db", ctx.embedder), [work])
    run_seconds = time.perf_counter() - started

    sys.setswitchinterval(default_switch)  # as `paperboy ingest` does
    started = time.perf_counter()
    ingest_paths(context("cli.db", ctx.embedder), [work], index=False)
    cli_seconds = time.perf_counter() - started

    result = {
        "device": torch.cuda.get_device_name(0) if args.device == "cuda" else platform.processor(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "papers": args.papers,
        "batch_size": args.batch_size,
        "new": report.new,
        "failed": report.failed,
        "raw_encode_papers_per_s": args.papers / raw_seconds,
        "cli_ingest_vs_raw": raw_seconds / cli_seconds,
        "run_ingest_vs_raw": raw_seconds / run_seconds,
        "short_switch_no_index_vs_raw": raw_seconds / short_seconds,
        "switch_interval_s": {"default": default_switch, "short": GIL_SWITCH_SECONDS},
        "reingest_seconds": reingest_seconds,
        "reingest_skipped_files": sum(f.skipped for f in again.files),
        "date": time.strftime("%Y-%m-%d"),
    }
    args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
