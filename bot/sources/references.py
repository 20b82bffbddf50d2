"""What the reference-manager formats (BibTeX, RIS, Zotero CSV) share: one record → one paper.

A lab's library describes a paper with a bibliographic record, not a feed item: authors as
"Last, First", a date that is often a bare year, a DOI, and an arXiv id hidden in whichever
field the exporting tool chose (the URL, a `10.48550/arXiv.…` DOI, `eprint`, Zotero's
"Extra" line, `journal = {arXiv:2107.04411 [cs, stat]}`). `reference_paper` turns those
fields into a `Paper` the same way for all three formats. Free-text fields are searched only
for an explicit "arXiv:" id (BibTeX's `note` field is one of them); annotations
(`annote`, RIS `N1`) are never searched, since an annotation often cites *other* papers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from bot.paper import ARXIV_ID, Paper, extract_arxiv_id
from bot.sources.base import clean_text, month_number, person_name

__all__ = ["reference_date", "reference_paper"]

_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)
_ARXIV_URL = re.compile(r"^https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/", re.IGNORECASE)
_ARXIV_LABEL = re.compile(rf"\barxiv\s*:\s*({ARXIV_ID})", re.IGNORECASE)
_BARE_ID = re.compile(rf"^{ARXIV_ID}(?:v\d+)?$", re.IGNORECASE)
_DOI = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)?(10\.\d{4,9}/\S+)$", re.IGNORECASE)


def reference_date(year: object, month: object = None, day: object = None) -> date | None:
    """The date a record gives: year, month and day when all are there; a bare year or
    year-month becomes the first day of that year or month (a library's "2023" is a year,
    and this is the earliest date it can mean)."""
    try:
        number = int(str(year).strip()[:4])
    except ValueError:
        return None
    month_text = clean_text(month)
    if month_text.isdigit():
        month_value: int | None = int(month_text)
    else:
        month_value = month_number(month_text) if month_text else None
    day_text = clean_text(day)
    try:
        return date(number, month_value or 1, int(day_text) if day_text.isdigit() else 1)
    except ValueError:
        return None


def _arxiv_id(*, urls: Iterable[str], doi: str, eprint: str, labelled: Iterable[str]) -> str | None:
    """The versionless arXiv id of a record: from an arXiv DOI, an eprint that is an arXiv
    id, an arxiv.org URL, or an explicit "arXiv:<id>" in a free-text field."""
    if match := _ARXIV_DOI.match(doi):
        return extract_arxiv_id(match[1])
    if _BARE_ID.match(eprint):
        return extract_arxiv_id(eprint)
    for url in urls:
        if _ARXIV_URL.match(url):
            return extract_arxiv_id(url)
    for text in labelled:
        if match := _ARXIV_LABEL.search(text):
            return extract_arxiv_id(match[1])
    return None


def _doi(value: str) -> str:
    match = _DOI.match(clean_text(value))
    return match[1] if match else ""


def reference_paper(
    *,
    title: str,
    abstract: str = "",
    authors: Iterable[str] = (),
    published: date | None = None,
    urls: Iterable[str] = (),
    doi: str = "",
    eprint: str = "",
    labelled: Iterable[str] = (),
    source: str | None = None,
) -> Paper:
    """One record's paper. `authors` are bibliographic names (see `person_name`); `urls`
    in order of preference (the first http(s) one is the paper's link, else its DOI's
    page); `labelled` are free-text fields that may say "arXiv:<id>" (Extra, journal,
    BibTeX's `note`, report number), never annotations about other papers."""
    names = tuple(name for name in (person_name(a) for a in authors) if name)
    links = [clean_text(url) for url in urls]
    links = [url for url in links if url.startswith(("http://", "https://"))]
    doi_text = _doi(doi)
    url = links[0] if links else (f"https://doi.org/{doi_text}" if doi_text else None)
    return Paper(
        title=clean_text(title),
        abstract=clean_text(abstract),
        authors=names,
        author_count=len(names) or None,
        published=published,
        url=url,
        arxiv_id=_arxiv_id(
            urls=links, doi=doi_text, eprint=clean_text(eprint), labelled=list(labelled)
        ),
        source=source,
    )
