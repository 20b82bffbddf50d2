"""Reference-manager exports (BibTeX, RIS, Zotero CSV) and Semantic Scholar, on realistic
samples; and the files that are no source at all, refused with one line."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from bot.context import Context
from bot.paper import Paper
from bot.sources import FORMATS, REFERENCE_FORMATS, ParseError, detect_format, parse_file
from bot.sources.bibtex import latex_to_text
from bot.sources.bibtex import parse as parse_bibtex
from cli import app
from tests.cli_runner import ContextRunner
from tests.conftest import FIXTURES_DIR

SAMPLES = FIXTURES_DIR / "sources"
LIBRARY = {  # the Zotero library every Zotero export holds: title → versionless arXiv id
    "Retrieval-Augmented Planning with Language Models for Embodied Agents": "2301.12345",
    "Scaling Laws for Sparse Autoencoders on Vision Transformer Activations": "2302.00001",
    "Neural Operators for Turbulent Flow Forecasting at Scale": None,
    "Calibrated Uncertainty for Diffusion Policies via Conformal Trajectory Sets": "2305.14562",
    "Open-Vocabulary 3D Scene Graphs from Posed RGB-D Streams": None,
    "Oriole-7B: Technical Report": None,
    "The Annotated Diffusion Transformer": None,
    "Low-Rank Adapters Revisited: When Does Rank Matter?": "2107.04411",
}
ZOTERO_EXPORTS = [
    ("zotero_export.bib", "bibtex"),
    ("zotero_export_native.bib", "bibtex"),
    ("zotero_export.ris", "ris"),
    ("zotero_export_crlf.ris", "ris"),
    ("zotero_export.csv", "zotero-csv"),
]


def _by_title(name: str) -> dict[str, Paper]:
    return {paper.title: paper for paper in parse_file(SAMPLES / name).papers}


@pytest.mark.parametrize(("name", "format"), ZOTERO_EXPORTS)
def test_each_zotero_export_gives_exactly_the_library(name: str, format: str) -> None:
    result = parse_file(SAMPLES / name)
    assert (result.format, result.problems) == (format, [])
    assert [paper.title for paper in result.papers] == list(LIBRARY)
    ids = {paper.title: paper.arxiv_id for paper in result.papers}
    expected = dict(LIBRARY)
    if format == "ris":  # RIS has no eprint field: only the DOI, URL or T2 carry an id
        expected["Calibrated Uncertainty for Diffusion Policies via Conformal Trajectory Sets"] = (
            None
        )
    assert ids == expected
    assert all(paper.source == name for paper in result.papers)


@pytest.mark.parametrize(("name", "format"), ZOTERO_EXPORTS)
def test_authors_are_split_on_records_not_on_every_comma(name: str, format: str) -> None:
    papers = _by_title(name)
    planning = papers["Retrieval-Augmented Planning with Language Models for Embodied Agents"]
    assert planning.authors == ("Jane Doe", "John Smith", "The ABC Consortium")
    assert planning.author_count == 3
    scaling = papers["Scaling Laws for Sparse Autoencoders on Vision Transformer Activations"]
    assert scaling.authors == ("Chidi Okonkwo", "Freja Larsen", "Jorge Ibáñez")
    assert papers["Oriole-7B: Technical Report"].authors == ("Oriole Labs",)
    turbulence = papers["Neural Operators for Turbulent Flow Forecasting at Scale"]
    assert turbulence.authors[0] == "Thomas Müller" and turbulence.authors[1] == "Lucía García"


def test_dates_from_full_dates_months_and_bare_years() -> None:
    ris = _by_title("zotero_export.ris")
    assert ris["Oriole-7B: Technical Report"].published == date(2024, 3, 18)  # DA 2024/03/18/
    assert ris["Neural Operators for Turbulent Flow Forecasting at Scale"].published == date(
        2024, 1, 1
    )  # DA 2024/// is a bare year
    scene = "Open-Vocabulary 3D Scene Graphs from Posed RGB-D Streams"
    assert ris[scene].published == date(2024, 6, 1)  # DA 2024/06//
    bib = _by_title("zotero_export.bib")
    assert bib[scene].published == date(2024, 6, 1)  # year + month = jun
    csv = _by_title("zotero_export.csv")
    assert csv["Low-Rank Adapters Revisited: When Does Rank Matter?"].published == date(2021, 7, 9)


def test_latex_becomes_text_and_math_is_kept() -> None:
    bbt = _by_title("zotero_export.bib")
    planning = bbt["Retrieval-Augmented Planning with Language Models for Embodied Agents"]
    assert "an $\\alpha$-weighted mixture" in planning.abstract
    assert "Müller kitchen suite" in planning.abstract
    assert "from 41.2% to 55.8% & halves" in planning.abstract
    native = _by_title("zotero_export_native.bib")
    scaling = native["Scaling Laws for Sparse Autoencoders on Vision Transformer Activations"]
    assert "an $\\ell_1$ penalty" in scaling.abstract
    assert "$L(N) \\propto N^{-0.21}$" in scaling.abstract
    assert latex_to_text("Ib{\\'a}{\\~n}ez and Garc{\\'\\i}a -- {\\textbackslash}o") == (
        "Ibáñez and García – \\o"
    )
    assert latex_to_text("\\emph{Deep} {{RL}} in 100\\% of~cases") == "Deep RL in 100% of cases"


def test_notes_citing_other_papers_never_give_the_arxiv_id() -> None:
    # the first record's note says "Same memory bank as arXiv:2302.00001?" in both exports
    for name in ("zotero_export_native.bib", "zotero_export.ris"):
        papers = _by_title(name)
        title = "Retrieval-Augmented Planning with Language Models for Embodied Agents"
        assert papers[title].arxiv_id == "2301.12345"


def test_jabref_library_with_macros_comments_and_pasted_scholar_entries() -> None:
    result = parse_file(SAMPLES / "reading_list_jabref.bib")
    assert (result.format, result.problems, len(result.papers)) == ("bibtex", [], 8)
    papers = {paper.title: paper for paper in result.papers}
    cooperate = papers[
        "When Do LLM Agents Cooperate? Emergent Reciprocity in Repeated Negotiation Games"
    ]
    assert cooperate.arxiv_id == "2406.11817"  # eprint, and DOI 10.48550/ARXIV.…
    assert cooperate.authors[1] == "Léa Fontaine"
    web_agents = papers[
        "Sparse Reward Shaping from Natural-Language Critiques for Long-Horizon Web Agents"
    ]
    assert (web_agents.arxiv_id, web_agents.url) == (
        "2406.12260",
        "https://arxiv.org/abs/2406.12260",
    )
    score = papers["Score-Based Generative Priors for Radio Interferometric Imaging"]
    assert (score.arxiv_id, score.published) == ("2403.09114", date(2024, 1, 1))  # quoted values
    keller = papers["Low-rank adapters revisited: When does rank matter?"]
    assert keller.arxiv_id == "2107.04411"  # journal={arXiv preprint arXiv:2107.04411}
    scene = papers["Open-Vocabulary 3D Scene Graphs from Posed RGB-D Streams"]
    assert scene.url == "https://doi.org/10.1109/CVPR52733.2024.01988"  # no URL: the DOI's page
    assert scene.arxiv_id is None  # a DOI that is not arXiv's gives no id


def test_bibtex_entry_problems_are_lines_and_no_entries_is_refused() -> None:
    text = "@misc{a, title = {Kept}, year = 2024}\n@misc{b, year = 2023}\n@misc{c, title = {Cut"
    result = parse_bibtex(text, source="x.bib")
    assert [paper.title for paper in result.papers] == ["Kept"]
    assert result.problems[0] == "line 2: @misc{b} has no title"
    assert "unbalanced braces" in result.problems[1]
    with pytest.raises(ParseError, match="no BibTeX entries"):
        parse_bibtex("% only a comment\n", source="x.bib")


def test_semantic_scholar_response() -> None:
    result = parse_file(SAMPLES / "semantic_scholar_search.json")
    assert (result.format, result.problems, len(result.papers)) == ("semantic-scholar", [], 5)
    first, restricted, *_ = result.papers
    assert first.arxiv_id == "2406.11817"
    assert first.link == "https://arxiv.org/abs/2406.11817"  # an arXiv paper links to arXiv
    assert "drops to < 50% for n > 3 agents" in first.abstract  # plain text stays as it is
    assert first.published == date(2024, 6, 17)
    assert restricted.abstract == ""  # "abstract": null
    assert restricted.url.startswith("https://www.semanticscholar.org/paper/")
    by_title = {paper.title: paper for paper in result.papers}
    year_only = next(p for p in by_title.values() if p.published == date(2019, 1, 1))
    assert year_only.arxiv_id is None


def test_wrongly_typed_fields_are_problems_not_text() -> None:
    path = Path("typed.jsonl")
    path.write_text(
        '{"title": ["not", "a", "string"], "abstract": "x"}\n'
        '{"title": "Fine", "abstract": {"nested": true}}\n'
        '{"title": "Good Paper", "abstract": "Real text.", "authors": ["A. B"]}\n',
        encoding="utf-8",
    )
    result = parse_file(path)
    assert [paper.title for paper in result.papers] == ["Good Paper"]
    assert result.problems == [
        "line 1: 'title' is a list, not text",
        "line 2: 'abstract' is an object, not text",
    ]
    s2 = Path("s2.json")
    s2.write_text('{"total": 2, "offset": 0, "data": [{"title": 7}, {"title": ["x"]}]}')
    assert parse_file(s2).problems == ["item 2: 'title' is a list, not text"]


@pytest.mark.parametrize(
    ("name", "format"),
    [
        *ZOTERO_EXPORTS,
        ("reading_list_jabref.bib", "bibtex"),
        ("semantic_scholar_search.json", "semantic-scholar"),
        ("hf_daily_papers_2024-06-18.json", "hf-json"),
        ("arxiv_rss_cs.CV+cs.LG.xml", "arxiv"),
        ("arxiv_rdf_cs.LG_2021.xml", "arxiv"),
    ],
)
def test_formats_are_detected_from_content(name: str, format: str) -> None:
    text = (SAMPLES / name).read_text(encoding="utf-8-sig")
    assert detect_format(text, "misleading.txt") == format


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("hf_error_page.html", "an HTML page"),
        ("server.log", "unknown format"),
        ("notes.md", "unknown format"),  # its fenced @misc{...} snippet is not a library
        ("random_words.txt", "unknown format"),
    ],
)
def test_files_that_are_no_source_are_refused_with_one_line(name: str, reason: str) -> None:
    with pytest.raises(ParseError) as refused:
        parse_file(SAMPLES / "not_a_source" / name)
    assert str(refused.value).startswith(reason) and "\n" not in str(refused.value)


def test_format_names() -> None:
    assert set(REFERENCE_FORMATS) <= set(FORMATS)
    assert len(set(FORMATS)) == len(FORMATS) == 9


@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("zotero_export.bib", 8),
        ("zotero_export_native.bib", 8),
        ("reading_list_jabref.bib", 8),
        ("zotero_export.ris", 8),
        ("zotero_export_crlf.ris", 8),
        ("zotero_export.csv", 8),
        ("semantic_scholar_search.json", 5),
        ("hf_daily_papers_2024-06-18.json", 6),
        ("hf_daily_papers_empty.json", 0),
        ("arxiv_rss_cs.CV+cs.LG.xml", 8),
        ("arxiv_rss_empty_weekend.xml", 0),
        ("arxiv_rdf_cs.LG_2021.xml", 5),
        ("arxiv_atom_export_api.xml", 6),
        ("arxiv_atom_empty.xml", 0),
    ],
)
def test_paperboy_parse_gives_exactly_the_papers_in_each_sample(
    ctx: Context, name: str, count: int
) -> None:
    result = ContextRunner(ctx).invoke(app, ["parse", str(SAMPLES / name), "--json"])
    assert result.exit_code == 0, result.output
    papers = json.loads(result.stdout)
    assert len(papers) == count and result.stderr == ""  # no warnings: nothing skipped
    assert len({p["title"] for p in papers}) == count
