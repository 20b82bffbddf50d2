"""The benchmark report: each script adds figures beside their target and baseline."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Figure", "Report", "percentiles", "timed"]


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
