"""The benchmark report: each script adds figures beside their target and baseline."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["Figure", "Report", "evict", "mapped_bytes", "percentiles", "rss_split", "timed"]


@dataclass
class Figure:
    """One measured figure, with the target it is held to and the baseline beside it."""

    name: str
    value: str
    target: str = ""
    baseline: str = ""
    verdict: str = ""  # "pass", "FAIL" or "" (informational)


@dataclass
class Report:
    """Sections of figures and free-text notes, rendered to Markdown."""

    sections: dict[str, list[Figure]] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)

    def add(self, section: str, figure: Figure) -> None:
        self.sections.setdefault(section, []).append(figure)

    def note(self, section: str, text: str) -> None:
        self.notes.setdefault(section, []).append(text)

    def check(
        self,
        section: str,
        name: str,
        value: float,
        *,
        target: float,
        higher_is_better: bool,
        fmt: str = "{:.3g}",
        baseline: str = "",
    ) -> None:
        """Add a figure and judge it against its numeric target."""
        ok = value >= target if higher_is_better else value <= target
        sign = "≥" if higher_is_better else "≤"
        self.add(
            section,
            Figure(
                name,
                fmt.format(value),
                f"{sign} {fmt.format(target)}",
                baseline,
                "pass" if ok else "FAIL",
            ),
        )


def percentiles(samples_s: list[float], qs: tuple[int, ...] = (50, 95, 99)) -> dict[int, float]:
    """Percentiles of `samples_s` (seconds), in milliseconds."""
    arr = np.asarray(samples_s) * 1000.0
    return {q: float(np.percentile(arr, q)) for q in qs}


@contextmanager
def timed() -> Iterator[Callable[[], float]]:
    """`with timed() as elapsed: ...; elapsed()` gives seconds since the block began."""
    start = time.perf_counter()
    yield lambda: time.perf_counter() - start


def rss_split() -> dict[str, int]:
    """This process's resident memory in bytes: `anon` (its own) and `file` (pages of
    mapped files, shared with the page cache) (Linux)."""
    out = {}
    with open("/proc/self/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("RssAnon", "RssFile"):
                out[key[3:].lower()] = int(rest.split()[0]) * 1024
    return out


def mapped_bytes(folder: Path) -> int:
    """Resident bytes of this process's mappings of files under `folder` (Linux smaps)."""
    total, inside = 0, False
    prefix = str(folder.resolve())
    with open("/proc/self/smaps") as smaps:
        for line in smaps:
            first = line.split(maxsplit=6)
            if len(first) >= 5 and "-" in first[0] and ":" in first[3]:  # a mapping header
                inside = len(first) == 6 and first[5].startswith(prefix)
            elif inside and line.startswith("Rss:"):
                total += int(line.split()[1]) * 1024
    return total


def evict(paths: Iterable[Path]) -> None:
    """Drop the files' pages from the page cache (`posix_fadvise` DONTNEED: works per file,
    unprivileged, for pages no process maps), so the next read comes from disk."""
    for path in paths:
        if not path.is_file():
            continue
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
