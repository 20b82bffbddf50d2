"""`make bench`: run every `bench/bench_*.py` and write `bench/RESULTS.md`.

Each module exposes `run(report)`; a module that fails is noted in the results and the
others still run. The header records the machine, so figures from different hosts are
never compared unawares.
"""

from __future__ import annotations

import importlib
import os
import platform
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bench.common import Report

BENCH_DIR = Path(__file__).resolve().parent


def machine_info() -> list[str]:
    """CPU model, cores, Python, torch and numpy versions, as Markdown list items."""
    cpu = platform.processor() or "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [
            line.split(":", 1)[1].strip()
            for line in cpuinfo.read_text().splitlines()
            if line.startswith("model name")
        ]
        cpu = names[0] if names else cpu
    import torch

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [
        f"- CPU: {cpu}, {cores} cores usable (torch threads: {torch.get_num_threads()})",
        f"- Python {platform.python_version()}, torch {torch.__version__}, numpy {np.__version__}",
        f"- OS: {platform.platform()}",
    ]


def render(report: Report, header: list[str]) -> str:
    """The report as Markdown: one table per section, then its notes."""
    lines = ["# paperboy benchmark results", "", *header, ""]
    for section in dict.fromkeys([*report.sections, *report.notes]):
        lines += [f"## {section}", ""]
        figures = report.sections.get(section, [])
        if figures:
            lines += ["| figure | value | target | baseline | verdict |", "|---|---|---|---|---|"]
            lines += [
                f"| {f.name} | {f.value} | {f.target} | {f.baseline} | {f.verdict} |"
                for f in figures
            ]
            lines.append("")
        lines += [f"- {note}" for note in report.notes.get(section, [])]
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    """Run the benchmarks and write the results; exit 1 if a figure missed its target."""
    report = Report()
    started = time.perf_counter()
    for path in sorted(BENCH_DIR.glob("bench_*.py")):
        print(f"running {path.stem} …", flush=True)
        try:
            importlib.import_module(f"bench.{path.stem}").run(report)
        except Exception:
            report.note(path.stem, "failed:\n\n```\n" + traceback.format_exc() + "```")
    elapsed = time.perf_counter() - started
    header = [
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; whole run {elapsed:.0f}s",
        *machine_info(),
    ]
    (BENCH_DIR / "RESULTS.md").write_text(render(report, header), encoding="utf-8")
    print((BENCH_DIR / "RESULTS.md").read_text(encoding="utf-8"))
    failed = any(f.verdict == "FAIL" for figures in report.sections.values() for f in figures)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
