"""BibTeX and RIS out: fields reference managers need, escaping, unique keys."""

from __future__ import annotations

from datetime import date, datetime

from bot.citations import bibtex, export, filename, ris
from bot.library import PaperView


def view(n: int, title: str, **fields: object) -> PaperView:
    values: dict = {
        "id": n,
        "title": title,
        "abstract": "We study things.\nOn two lines.",
        "authors": ("Jane A. Doe", "Richard Roe"),
        "author_count": 2,
        "published": date(2024, 5, 1),
        "upvotes": 3,
        "url": "https://arxiv.org/abs/2405.01234",
        "arxiv_id": "2405.01234",
        "ingested_at": datetime(2024, 5, 2),
    }
    values.update(fields)
    return PaperView(**values)


def test_bibtex_entry_carries_arxiv_id_url_authors_and_date() -> None:
    text = bibtex([view(1, "Sparse Attention for Long Context")])
    assert text.startswith("@misc{doe2024sparse,\n")
    assert "  title = {Sparse Attention for Long Context},\n" in text
    assert "  author = {Doe, Jane A. and Roe, Richard},\n" in text
    assert "  year = {2024},\n  date = {2024-05-01},\n" in text
    assert "  eprint = {2405.01234},\n  archivePrefix = {arXiv},\n" in text
    assert "  url = {https://arxiv.org/abs/2405.01234},\n" in text
    assert "  abstract = {We study things. On two lines.}\n}\n" in text


def test_bibtex_escapes_tex_specials_so_braces_balance() -> None:
    text = bibtex([view(1, "100% {robust} $z$ & a_b #1 ~ ^ \\x")])
    assert (
        r"title = {100\% \{robust\} \$z\$ \& a\_b \#1 \textasciitilde{} \textasciicircum{}" in text
    )
    assert text.count("{") - text.count(r"\{") == text.count("}") - text.count(r"\}")


def test_bibtex_keys_are_unique_and_ascii() -> None:
    papers = [
        view(1, "The Graph Networks"),
        view(2, "Graph networks again"),
        view(3, "Graph"),
        view(4, "Über Graphen", authors=("Jürgen Müller",), published=None, arxiv_id=None),
    ]
    keys = [
        line.split("{")[1].rstrip(",") for line in bibtex(papers).splitlines() if "@misc" in line
    ]
    assert keys == ["doe2024graph", "doe2024grapha", "doe2024graphb", "mulleruber"]
    assert "eprint" not in bibtex(papers[3:])


def test_a_truncated_author_list_ends_with_others() -> None:
    assert "author = {Doe, Jane A. and Roe, Richard and others}" in bibtex(
        [view(1, "A", author_count=9)]
    )


def test_ris_record() -> None:
    text = ris([view(1, "Sparse Attention", authors=("Doe, Jane",))])
    assert text.splitlines() == [
        "TY  - JOUR",
        "TI  - Sparse Attention",
        "AU  - Doe, Jane",
        "PY  - 2024",
        "DA  - 2024/05/01",
        "JO  - arXiv",
        "AN  - arXiv:2405.01234",
        "UR  - https://arxiv.org/abs/2405.01234",
        "AB  - We study things. On two lines.",
        "ER  - ",
    ]


def test_export_and_filename() -> None:
    papers = [view(1, "A"), view(2, "B")]
    assert export(papers, "ris").count("ER  - ") == 2
    assert export(papers, "bibtex").count("@misc{") == 2
    assert filename("paperboy-saved", "bibtex") == "paperboy-saved.bib"
    assert filename("paperboy-saved", "ris") == "paperboy-saved.ris"
    assert export([], "bibtex") == "" and export([], "ris") == ""
