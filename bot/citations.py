"""Papers out to reference managers: a reading list as BibTeX or RIS text.

The reverse of the reference-manager sources: each entry carries what Zotero, Mendeley or
JabRef need to import a preprint cleanly (title, authors as "Surname, Given", year and
date, the link, the abstract, and the arXiv id as `eprint`/`archivePrefix` in BibTeX and
`AN  - arXiv:…` in RIS). BibTeX values are braced, with TeX's special characters escaped so
that braces always balance; RIS values are one line each. Pure: no store, no Slack.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Literal, Protocol

__all__ = ["FORMATS", "CitedPaper", "ExportFormat", "bibtex", "export", "filename", "ris"]

ExportFormat = Literal["bibtex", "ris"]
FORMATS: tuple[ExportFormat, ...] = ("bibtex", "ris")
_EXTENSIONS = {"bibtex": "bib", "ris": "ris"}
_TEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_TEX = re.compile("|".join(map(re.escape, _TEX_SPECIALS)))
_KEY_WORD = re.compile(r"[a-z0-9]+")
_SKIPPED_TITLE_WORDS = frozenset("a an the on of for in to with and towards".split())


class CitedPaper(Protocol):
    """What an entry is written from (`bot.library.PaperView` is one)."""

    @property
    def title(self) -> str: ...
    @property
    def abstract(self) -> str: ...
    @property
    def authors(self) -> tuple[str, ...]: ...
    @property
    def author_count(self) -> int | None: ...
    @property
    def published(self) -> date | None: ...
    @property
    def url(self) -> str: ...
    @property
    def arxiv_id(self) -> str | None: ...


def export(papers: Sequence[CitedPaper], format: ExportFormat) -> str:
    """The papers as one BibTeX or RIS file's text, in the order given."""
    return bibtex(papers) if format == "bibtex" else ris(papers)


def filename(stem: str, format: ExportFormat) -> str:
    """`stem` with the format's extension: "paperboy-saved.bib"."""
    return f"{stem}.{_EXTENSIONS[format]}"


def bibtex(papers: Sequence[CitedPaper]) -> str:
    """BibTeX `@misc` entries with unique citation keys (surname, year, first title word)."""
    entries = []
    for key, paper in zip(_keys(papers), papers, strict=True):
        fields = [("title", _tex(paper.title))]
        authors = [_tex(_surname_first(a)) for a in paper.authors if a.strip()]
        if (paper.author_count or 0) > len(authors) and authors:
            authors.append("others")
        if authors:
            fields.append(("author", " and ".join(authors)))
        if paper.published:
            fields += [("year", str(paper.published.year)), ("date", paper.published.isoformat())]
        if paper.arxiv_id:
            fields += [("eprint", paper.arxiv_id), ("archivePrefix", "arXiv")]
        fields.append(("url", paper.url.replace("{", "%7B").replace("}", "%7D")))
        if paper.abstract:
            fields.append(("abstract", _tex(" ".join(paper.abstract.split()))))
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        entries.append(f"@misc{{{key},\n{body}\n}}\n")
    return "\n".join(entries)


def ris(papers: Sequence[CitedPaper]) -> str:
    """RIS records (`TY  - JOUR` … `ER  - `), one tag per line."""
    records = []
    for paper in papers:
        lines = [("TY", "JOUR"), ("TI", paper.title)]
        lines += [("AU", _surname_first(a)) for a in paper.authors if a.strip()]
        if paper.published:
            lines += [
                ("PY", str(paper.published.year)),
                ("DA", paper.published.strftime("%Y/%m/%d")),
            ]
        if paper.arxiv_id:
            lines += [("JO", "arXiv"), ("AN", f"arXiv:{paper.arxiv_id}")]
        lines.append(("UR", paper.url))
        if paper.abstract:
            lines.append(("AB", paper.abstract))
        text = "".join(f"{tag}  - {_line(value)}\n" for tag, value in lines)
        records.append(text + "ER  - \n")
    return "\n".join(records)


def _line(value: str) -> str:
    return " ".join(value.split())


def _tex(text: str) -> str:
    return _TEX.sub(lambda m: _TEX_SPECIALS[m.group(0)], " ".join(text.split()))


def _surname_first(name: str) -> str:
    """ "Jane A. Doe" as "Doe, Jane A." (a name with a comma is kept as it is)."""
    name = " ".join(name.split())
    if "," in name or " " not in name:
        return name
    given, surname = name.rsplit(" ", 1)
    return f"{surname}, {given}"


def _ascii_words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text.casefold())
    return _KEY_WORD.findall(folded.encode("ascii", "ignore").decode())


def _keys(papers: Iterable[CitedPaper]) -> list[str]:
    keys: list[str] = []
    taken: set[str] = set()
    for paper in papers:
        first = paper.authors[0] if paper.authors else ""
        surname = (_ascii_words(_surname_first(first).split(",")[0]) or ["anon"])[-1]
        year = str(paper.published.year) if paper.published else ""
        words = [w for w in _ascii_words(paper.title) if w not in _SKIPPED_TITLE_WORDS]
        base = key = f"{surname}{year}{words[0] if words else 'paper'}"
        repeat = 0
        while key in taken:
            repeat += 1
            key = base + _suffix(repeat)
        taken.add(key)
        keys.append(key)
    return keys


def _suffix(n: int) -> str:
    """a, b, …, z, aa, ab, … for the 1st, 2nd, … repeat of a key."""
    out = ""
    while n > 0:
        n, rest = divmod(n - 1, 26)
        out = chr(ord("a") + rest) + out
    return out
