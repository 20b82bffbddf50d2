"""Hugging Face Daily Papers text pages: the real seeds, and unseen pages of each layout."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from bot.paper import Paper
from bot.sources import detect_format, parse_file, parse_text

SEEDS = {
    "000_d5b14ec7ab7253f9.txt": (
        55,
        "How convolutional neural network see the world - A survey of convolutional neural "
        "network visualization methods",
        "A New Federated Learning Framework Against Gradient Inversion Attacks",
    ),
    "002_3b9c3ad7818f651d.txt": (
        119,
        "The Empirical Impact of Reducing Symmetries on the Performance of Deep Ensembles and MoE",
        "Towards Quantifying Long-Range Interactions in Graph Machine Learning: "
        "a Large Graph Dataset and a Measurement",
    ),
    "003_6a3daec4772bc4d8.txt": (
        30,
        "Re^2TAL: Rewiring Pretrained Video Backbones for Reversible Temporal Action Localization",
        "Magnitude Invariant Parametrizations Improve Hypernetwork Learning",
    ),
}
CHROME = {
    "new",
    "get trending papers in your email inbox!",
    "get trending papers in your email inbox once a day!",
    "subscribe",
    "daily papers",
    "byak and the research community",
    "upvote",
    "·",
}
DATE_LIKE = re.compile(r"^[A-Z][a-z]{2} \d{1,2}(, \d{4})?( \d+)?$")


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_seed_counts_and_ends(seeds_dir: Path, name: str) -> None:
    count, first, last = SEEDS[name]
    result = parse_file(seeds_dir / name)
    assert (result.format, len(result.papers), result.problems) == ("hf-text", count, [])
    assert result.papers[0].title == first
    assert result.papers[-1].title == last
    assert all(paper.source == name for paper in result.papers)


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_seed_chrome_never_becomes_a_paper(seeds_dir: Path, name: str) -> None:
    for paper in parse_file(seeds_dir / name).papers:
        assert paper.title.lower() not in CHROME
        assert not paper.title.startswith("Subscribe")
        assert not DATE_LIKE.match(paper.title)
        assert "authors" not in paper.title
        assert len(paper.abstract) > 200, paper.title
        assert len(paper.title) < 250


def test_seed_layout_c_metadata(seeds_dir: Path) -> None:
    papers = parse_file(seeds_dir / "003_6a3daec4772bc4d8.txt").papers
    by_title = {paper.title: paper for paper in papers}
    first = papers[0]
    assert (first.author_count, first.published, first.upvotes) == (4, date(2022, 11, 25), None)
    yolo = by_title[
        "YOLOv9: Learning What You Want to Learn Using Programmable Gradient Information"
    ]
    assert (yolo.author_count, yolo.published, yolo.upvotes) == (3, date(2024, 2, 21), 3)
    assert by_title["On Neural Differential Equations"].author_count == 1
    assert sorted(paper.upvotes for paper in papers if paper.upvotes) == [1, 2, 3, 3]
    bare = by_title[
        "Selective Imperfection as a Generative Framework for Analysis, Creativity and Discovery"
    ]
    assert (bare.author_count, bare.published) == (None, None)
    assert sum(paper.published is not None for paper in papers) == 29
    assert {paper.page_date for paper in papers} == {"Mar 18"}


def test_seed_page_dates(seeds_dir: Path) -> None:
    assert parse_file(seeds_dir / "000_d5b14ec7ab7253f9.txt").papers[0].page_date == "Aug 12"
    assert parse_file(seeds_dir / "002_3b9c3ad7818f651d.txt").papers[0].page_date is None


# --- unseen pages: other titles, chrome, dates, a missing abstract, CRLF -------------------

PAPERS = [
    ("Sparse Graph Rewiring for Long-Range Molecular Property Prediction", 5),
    ("Frames in Between: Diffusion Priors for Video Interpolation", 3),
    ("Do Language Agents Plan? Probing Search in Tool-Using Models", 7),
]
NO_ABSTRACT = "Folding Proteins with Ten Thousand Tokens of Context"


def _abstract(title: str) -> str:
    topic = title.split(":")[0].lower()
    return (
        f"We study {topic} in a controlled setting. Our method improves accuracy on three "
        "benchmarks while using fewer parameters. Code and data are released."
    )


def _header(page_date: str) -> list[str]:
    return ["new", "Get trending papers in your email inbox!", "Subscribe", "Daily Papers",
            "byAK and the research community", page_date]  # fmt: skip


def _check(papers: list[Paper], *, page_date: str | None) -> None:
    titles = [title for title, _ in PAPERS]
    assert [paper.title for paper in papers] == [titles[0], NO_ABSTRACT, *titles[1:]]
    assert papers[1].abstract == ""
    for paper in (papers[0], *papers[2:]):
        assert paper.abstract == _abstract(paper.title)
        assert paper.page_date == page_date


def test_unseen_layout_a_blank_separated_crlf() -> None:
    lines = _header("Jan 3")
    lines += [PAPERS[0][0], _abstract(PAPERS[0][0]), NO_ABSTRACT, "Submitted by jdoe", "Upvote"]
    for title, _ in PAPERS[1:]:
        lines += [title, "Submitted by someone", _abstract(title)]
    text = "\r\n\r\n".join(lines) + "\r\n"
    assert detect_format(text) == "hf-text"
    _check(parse_text(text).papers, page_date="Jan 3")


def test_unseen_layout_b_glued_subscribe() -> None:
    lines = ["Get trending papers in your email inbox once a day!"]
    lines += [f"Subscribe{PAPERS[0][0]}", _abstract(PAPERS[0][0]), NO_ABSTRACT]
    for title, _ in PAPERS[1:]:
        lines += [title, _abstract(title)]
    result = parse_text("\r\n".join(lines), source="page.txt")
    assert result.format == "hf-text"
    _check(result.papers, page_date=None)


def test_unseen_layout_c_with_metadata() -> None:
    lines = _header("Dec 9")
    lines += [NO_ABSTRACT, "  • 2 authors", "·", "Nov 30, 2024"]
    for number, (title, authors) in enumerate(PAPERS):
        lines += [title, _abstract(title), f"  • {authors} authors", "·"]
        lines.append(f"Dec {number + 1}, 2024" + (f" {number * 10}" if number else ""))
    papers = parse_text("\n\n".join(lines)).papers
    assert papers[0].title == NO_ABSTRACT
    assert (papers[0].abstract, papers[0].author_count) == ("", 2)
    assert [paper.author_count for paper in papers[1:]] == [5, 3, 7]
    assert [paper.published for paper in papers[1:]] == [date(2024, 12, d) for d in (1, 2, 3)]
    assert [paper.upvotes for paper in papers[1:]] == [None, 10, 20]
    assert [paper.title for paper in papers[1:]] == [title for title, _ in PAPERS]


def test_stray_short_lines_are_problems_not_papers() -> None:
    title, abstract = PAPERS[0][0], _abstract(PAPERS[0][0])
    result = parse_text("\n".join(["Trending", title, abstract, "Share"]))
    assert [paper.title for paper in result.papers] == [title]
    assert result.problems == [
        "line 1: stray line 'Trending' skipped",
        "line 4: stray line 'Share' skipped",
    ]


def test_multi_paragraph_abstract_is_joined() -> None:
    title, abstract = PAPERS[1][0], _abstract(PAPERS[1][0])
    papers = parse_text("\n\n".join([title, abstract, abstract])).papers
    assert len(papers) == 1
    assert papers[0].abstract == f"{abstract} {abstract}"
