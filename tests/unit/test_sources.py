"""Digest detection, the record and feed formats, and the files that must be refused."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.sources import (
    FORMATS,
    FileUnavailable,
    ParseError,
    decode_bytes,
    detect_format,
    parse_file,
    parse_text,
    read_source,
)
from tests.conftest import FIXTURES_DIR


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("source.jsonl", "jsonl"),
        ("source.csv", "csv"),
        ("daily_papers.json", "hf-json"),
        ("arxiv_atom.xml", "arxiv"),
        ("arxiv_rss.xml", "arxiv"),
    ],
)
def test_detects_format_from_content_not_name(name: str, expected: str) -> None:
    text = (FIXTURES_DIR / name).read_text(encoding="utf-8")
    assert detect_format(text) == expected
    assert detect_format(text, "misleading.txt") == expected


def test_detection_edge_cases() -> None:
    assert detect_format('{"title": "One", "abstract": "x"}') == "jsonl"
    assert detect_format('{"papers": [{"title": "One"}]}') == "hf-json"
    assert detect_format('[{"paper": {"title": "Cut') == "hf-json"
    assert detect_format("Title;Abstract\nA;b\n") == "csv"
    assert detect_format("just some words", "x.csv") == "csv"
    with pytest.raises(ParseError, match="unknown format"):
        detect_format("just some words")  # text of no known shape is refused, not a "paper"
    with pytest.raises(ParseError, match="HTML page"):
        detect_format("<!DOCTYPE html><html><body>hi</body></html>")


def test_jsonl_keeps_good_lines_and_reports_bad_ones() -> None:
    result = parse_file(FIXTURES_DIR / "source.jsonl")
    assert result.problems == ["line 7: not valid JSON", "line 9: missing title"]
    assert len(result.papers) == 8
    first, second = result.papers[:2]
    assert first.title == "Sparse Mixture of Experts for Molecules"
    assert (first.arxiv_id, first.published, first.authors) == (
        "2405.00001",
        date(2024, 5, 1),
        ("Ada Li", "Bo Chan"),
    )
    assert (second.authors, second.author_count) == (("A. Smith", "B. Jones", "C. Wu"), 3)
    by_title = {paper.title: paper for paper in result.papers}
    assert by_title["No Abstract Here"].link.startswith("https://arxiv.org/search/?query=")
    assert by_title["Wrapped HF Item"].arxiv_id == "2405.00004"
    assert by_title["Wrapped HF Item"].upvotes == 12
    assert by_title["Dated Loosely"].published == date(2024, 5, 4)
    assert by_title["Old-Style Id"].arxiv_id == "hep-th/9901001"


def test_csv_rows_quoted_newlines_and_missing_title() -> None:
    result = parse_file(FIXTURES_DIR / "source.csv")
    assert result.problems == ["line 5: missing title"]
    folding, frames, graphs = result.papers
    assert folding.title == "Protein Folding, Revisited"
    assert folding.abstract == "We revisit folding. Across two lines."
    assert (folding.arxiv_id, folding.authors) == ("2404.11111", ("Ann Lee", "Raj Patel"))
    assert frames.arxiv_id == "2404.22222"
    assert frames.link == "https://arxiv.org/abs/2404.22222"
    assert graphs.published == date(2024, 4, 9)


def test_csv_without_title_column_is_refused() -> None:
    with pytest.raises(ParseError, match="no 'title' column"):
        parse_text("name,abstract\nx,y\n", format="csv")


def test_hf_daily_papers_json() -> None:
    result = parse_file(FIXTURES_DIR / "daily_papers.json")
    assert result.problems == ["item 3: missing title"]
    video, agents = result.papers
    assert video.title == "Video Interpolation with Diffusion Priors"
    assert video.abstract == "We interpolate frames with a diffusion model."
    assert (video.arxiv_id, video.upvotes, video.published) == ("2403.01001", 23, date(2024, 3, 1))
    assert (video.authors, video.author_count) == (("Yu Sato", "Eve Ruiz"), 2)
    assert agents.link == "https://arxiv.org/abs/2403.01002"


def test_hf_json_accepts_papers_key_and_bare_list() -> None:
    bare = '[{"id": "2401.00001v2", "title": "A", "summary": "s"}]'
    assert parse_text(bare).papers[0].arxiv_id == "2401.00001"
    wrapped = parse_text('{"papers": [{"title": "B", "abstract": "a"}]}')
    assert (wrapped.format, wrapped.papers[0].title) == ("hf-json", "B")


def test_arxiv_atom_strips_html_and_versions() -> None:
    first, second = parse_file(FIXTURES_DIR / "arxiv_atom.xml").papers
    assert first.title == "Protein Structure Prediction with Sparse Attention"
    assert first.abstract == "We predict structures faster & cheaper. Second line."
    assert (first.arxiv_id, first.published) == ("2402.00101", date(2024, 1, 31))
    assert first.authors == ("Ida Berg", "Tariq Aziz")
    assert second.url == "http://arxiv.org/abs/2402.00102v1"


def test_arxiv_rss_splits_creators_and_drops_preamble() -> None:
    (paper,) = parse_file(FIXTURES_DIR / "arxiv_rss.xml").papers
    assert paper.abstract == "We revisit chain-of-thought prompting for tool-using agents."
    assert paper.authors == ("Lea Roth", "Sam Ohana", "Wen Zhu")
    assert (paper.arxiv_id, paper.published) == ("2402.01234", date(2024, 2, 5))


def test_explicit_format_and_unknown_format() -> None:
    assert parse_text('{"title": "T"}\n', format="jsonl").format == "jsonl"
    with pytest.raises(ParseError, match="unknown format 'pdf'"):
        parse_text("x", format="pdf")
    assert {"hf-text", "hf-json", "arxiv", "jsonl", "csv", "bibtex", "ris"} <= set(FORMATS)


# --- files that must be refused, each with a one-line reason --------------------------------


def _refused(path: Path, **kwargs: int) -> str:
    with pytest.raises(ParseError) as caught:
        parse_file(path, **kwargs)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_empty_and_blank_files(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_bytes(b"\xef\xbb\xbf  \r\n\n")
    assert _refused(tmp_path / "empty.txt") == "empty file"
    assert _refused(tmp_path / "blank.txt") == "empty file"


def test_binary_files(tmp_path: Path) -> None:
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10)
    (tmp_path / "noise.txt").write_bytes(bytes(range(1, 32)) * 20)
    assert "binary file" in _refused(tmp_path / "image.png")
    assert "binary file" in _refused(tmp_path / "noise.txt")


def test_truncated_json(tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    path.write_text('[\n  {"paper": {"id": "2401.1", "title": "Cut o', encoding="utf-8")
    assert _refused(path).startswith("truncated or invalid JSON at line 2 column")


def test_oversized_file_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.jsonl"
    path.write_bytes(b'{"title": "x"}\n' * 2000)
    message = _refused(path, max_bytes=1024)
    assert message.startswith("file too large")
    assert "limit" in message


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert "file disappeared" in _refused(tmp_path / "gone.txt")
    assert "a folder, not a regular file" in _refused(tmp_path)


def test_only_a_file_that_cannot_be_read_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(FileUnavailable):  # ingest retries these instead of remembering them
        read_source(tmp_path / "gone.txt")
    (tmp_path / "empty.txt").write_bytes(b"")
    with pytest.raises(ParseError) as refused:
        read_source(tmp_path / "empty.txt")
    assert not isinstance(refused.value, FileUnavailable)


def test_file_with_no_papers(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"abstract": "x"}\nnot json\n', encoding="utf-8")
    message = _refused(path)
    assert message.startswith("no papers found")
    assert "line 1: missing title" in message


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-32", "cp1252", "latin-1"])
def test_encodings_are_decoded(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "source.csv"
    text = "title,abstract\nCafé Crème: Naïve Résumés,Über façade déjà vu.\n"
    path.write_bytes(text.encode(encoding))
    assert read_source(path) == text
    assert parse_file(path).papers[0].title == "Café Crème: Naïve Résumés"


def test_cp1252_smart_quotes_and_latin1_fallback() -> None:
    assert decode_bytes("“quoted” – dash".encode("cp1252")) == "“quoted” – dash"
    long_line = b"caf\xe9 and cr\xe8me " * 20
    assert decode_bytes(long_line + b"\x81") == long_line.decode("latin-1") + "\x81"


def test_shipped_samples_parse_and_overlap() -> None:
    samples = Path(__file__).resolve().parents[2] / "bot" / "samples"
    results = {path.name: parse_file(path) for path in sorted(samples.iterdir())}
    formats = {result.format for result in results.values()}
    assert formats == set(FORMATS)  # a sample for every parser
    feeds = {name.rsplit(".", 1)[1] for name, result in results.items() if result.format == "arxiv"}
    assert feeds == {"atom", "rss"}  # both kinds of arXiv feed
    ids: dict[str, set[str]] = {}
    keys: dict[str, set[str]] = {}
    for name, result in results.items():
        assert not result.problems
        assert 6 <= len(result.papers) <= 10
        ids[name] = {paper.arxiv_id for paper in result.papers if paper.arxiv_id}
        keys[name] = {paper.identity.title_key for paper in result.papers}
    assert ids["hf_daily_papers.json"] & ids["arxiv_cs_lg.atom"]
    assert keys["hf_daily_2024-06-18.txt"] & keys["team_reading_list.jsonl"]
    assert keys["hf_daily_2024-06-18.txt"] & keys["arxiv_cs_lg.atom"]
    assert ids["arxiv_cs_cv.rss"] & ids["hf_daily_papers.json"]
    assert keys["arxiv_cs_cv.rss"] & keys["hf_daily_2024-06-18.txt"]
    assert ids["molecules_group_picks.csv"] & ids["arxiv_cs_lg.atom"]
    assert keys["molecules_group_picks.csv"] & keys["team_reading_list.jsonl"]


def test_author_strings_split_by_their_own_separators() -> None:
    from bot.sources.base import split_authors

    assert split_authors("Doe, Jane; Roe, Rick") == ("Jane Doe", "Rick Roe")
    assert split_authors("Ada Lovelace, Alan Turing and Grace Hopper") == (
        "Ada Lovelace",
        "Alan Turing",
        "Grace Hopper",
    )
    assert split_authors("The ABC Consortium; Doe, J.") == ("The ABC Consortium", "J. Doe")
    assert split_authors("van der Berg, Jan; Roe, Rick") == ("Jan van der Berg", "Rick Roe")
    assert split_authors("A. Smith, B. Jones; C. Wu") == ("A. Smith", "B. Jones", "C. Wu")
