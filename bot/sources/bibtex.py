"""BibTeX (`.bib`) libraries as Zotero (Better BibTeX or built-in), JabRef, Google Scholar
and arXiv write them.

`bibtexparser` is not a dependency, so this is a small parser of the grammar those tools
produce: `@type{key, field = value, ...}` (or parentheses), values in braces (nested),
quotes or bare (numbers and `@String` macros, the month names), joined with `#`;
`@String` defines macros, `@Comment` and `@Preamble` are skipped, text between entries is
ignored. Field values are turned from LaTeX into text (`M{\\"u}ller` → Müller, `\\%` → %,
`{\\textbackslash}` → \\, case-protecting braces dropped; math such as `$\\alpha$` is kept,
as arXiv keeps it). Authors split on "and" outside braces. An entry without a title is a
problem, not fatal; text with no entry at all is refused.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

from bot.sources.base import ParseError, ParseResult, clean_text
from bot.sources.references import reference_date, reference_paper

__all__ = ["FORMAT", "looks_like_bibtex", "parse"]

FORMAT = "bibtex"

_ENTRY_START = re.compile(r"@\s*([A-Za-z]+)\s*([{(])")
_FIRST_ENTRY = re.compile(r"\A(?:\s*(?:%[^\n]*)?\n)*\s*@\s*[A-Za-z]+\s*[{(]")
_NAME = re.compile(r"\s*([^\s=,{}()\"#]+)\s*")
_MONTHS = ("jan feb mar apr may jun jul aug sep oct nov dec").split()
_ESCAPES = {"%": "%", "&": "&", "$": "$", "#": "#", "_": "_", "{": "{", "}": "}"}
_NAMED = {
    "textbackslash": "\\",
    "textasciicircum": "^",
    "textasciitilde": "~",
    "textunderscore": "_",
    "ss": "ß",
    "o": "ø",
    "O": "Ø",
    "ae": "æ",
    "AE": "Æ",
    "aa": "å",
    "AA": "Å",
    "oe": "œ",
    "OE": "Œ",
    "l": "ł",
    "L": "Ł",
    "i": "ı",
}
_ACCENTS = {
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "c": "\u0327",
    "v": "\u030c",
    "u": "\u0306",
    "H": "\u030b",
    "k": "\u0328",
    "r": "\u030a",
}
_ESCAPE = re.compile(r"\\([%&$#_{}])")
_NAMED_COMMAND = re.compile(
    r"\{?\\(" + "|".join(sorted(_NAMED, key=len, reverse=True)) + r")\b\s*(?:\{\})?\}?"
)
_ACCENT = re.compile(
    r"\{?\\([\'`^\"~=.])\s*(?:\{(\\?[A-Za-z])\}|(\\?[A-Za-z]))\}?"
    r"|\{?\\([cvuHkr])(?:\{(\\?[A-Za-z])\}|\s+(\\?[A-Za-z]))\}?"
)
_FORMATTING = re.compile(r"\\(?:textit|textbf|textsc|texttt|textrm|textsf|textup|emph|mbox)\s*\{")
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)


def looks_like_bibtex(text: str) -> bool:
    """Whether the text starts (after blank and `%` comment lines) with a BibTeX entry."""
    return bool(_FIRST_ENTRY.match(text))


@dataclass
class _Entry:
    kind: str
    key: str
    line: int
    fields: dict[str, str] = field(default_factory=dict)
    authors: list[str] = field(default_factory=list)


class _Scanner:
    """Reads entries from BibTeX text, resolving `@String` macros as it goes."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.macros = {name: str(number) for number, name in enumerate(_MONTHS, start=1)}

    def line(self, pos: int) -> int:
        return self.text.count("\n", 0, pos) + 1

    def entries(self) -> Iterator[_Entry | str]:
        """The entries in file order, and a "line N: reason" for each that cannot be read."""
        while match := _ENTRY_START.search(self.text, self.pos):
            line_start = self.text.rfind("\n", 0, match.start()) + 1
            if self.text[line_start : match.start()].lstrip().startswith("%"):
                self.pos = match.end()  # "@" in a comment line
                continue
            kind, opener = match[1].lower(), match[2]
            closer = "}" if opener == "{" else ")"
            start = match.start()
            self.pos = match.end()
            try:
                if kind in ("comment", "preamble"):
                    self._skip_balanced(opener, closer)
                elif kind == "string":
                    name, value = self._field()
                    self.macros[name.lower()] = value
                    self._expect(closer)
                else:
                    yield self._entry(kind, closer, self.line(start))
            except ParseError as error:
                yield f"line {self.line(start)}: {error}"
                self.pos = start + 1  # resynchronise on the next "@"

    def _entry(self, kind: str, closer: str, line: int) -> _Entry:
        end = self.text.find(",", self.pos)
        stop = self.text.find(closer, self.pos)
        if end < 0 or 0 <= stop < end:
            raise ParseError(f"@{kind} entry without fields")
        entry = _Entry(kind, self.text[self.pos : end].strip(), line)
        self.pos = end + 1
        while True:
            self._spaces()
            if self._peek() == closer:
                self.pos += 1
                return entry
            name, value = self._field(raw_authors=entry)
            entry.fields[name.lower()] = value
            self._spaces()
            if self._peek() == ",":
                self.pos += 1
            elif self._peek() != closer:
                raise ParseError(f"@{kind}{{{entry.key}: expected ',' after field {name!r}")

    def _field(self, raw_authors: _Entry | None = None) -> tuple[str, str]:
        match = _NAME.match(self.text, self.pos)
        if not match:
            raise ParseError("expected a field name")
        self.pos = match.end()
        self._expect("=")
        parts: list[str] = []
        while True:
            self._spaces()
            parts.append(self._value())
            self._spaces()
            if self._peek() != "#":
                break
            self.pos += 1
        raw = "".join(parts)
        if raw_authors is not None and match[1].lower() == "author":
            raw_authors.authors = _split_authors(raw)
        return match[1], raw

    def _value(self) -> str:
        char = self._peek()
        if char == "{":
            self.pos += 1
            start = self.pos
            self._skip_balanced("{", "}")
            return self.text[start : self.pos - 1]
        if char == '"':
            return self._quoted()
        match = _NAME.match(self.text, self.pos)
        if not match:
            raise ParseError("expected a value")
        self.pos = match.end()
        word = match[1]
        return word if word.isdigit() else self.macros.get(word.lower(), word)

    def _quoted(self) -> str:
        depth, start = 0, self.pos + 1
        index = start
        while index < len(self.text):
            char = self.text[index]
            if char == "\\":
                index += 2  # an escaped character never opens, closes or ends anything
                continue
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
            elif char == '"' and depth == 0:
                self.pos = index + 1
                return self.text[start:index]
            index += 1
        raise ParseError("unterminated quoted value")

    def _skip_balanced(self, opener: str, closer: str) -> None:
        """Move past the `closer` matching an `opener` just passed (`self.pos` is after it)."""
        depth, index = 1, self.pos
        while index < len(self.text):
            char = self.text[index]
            if char == "\\":
                index += 2
                continue
            if char == opener:
                depth += 1
            elif char == closer:
                depth -= 1
                if depth == 0:
                    self.pos = index + 1
                    return
            index += 1
        raise ParseError("unbalanced braces (the entry never ends)")

    def _expect(self, char: str) -> None:
        self._spaces()
        if self._peek() != char:
            raise ParseError(f"expected {char!r}")
        self.pos += 1

    def _spaces(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def _peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""


def _split_authors(raw: str) -> list[str]:
    """Names of an `author` value, split on "and" at brace depth 0; "others" dropped."""
    names, depth, start = [], 0, 0
    for index, char in enumerate(raw):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif depth == 0 and (match := _AND.match(raw, index)) and index > start:
            names.append(raw[start:index])
            start = match.end()
    names.append(raw[start:])
    texts = (latex_to_text(name) for name in names)
    return [name for name in texts if name and name.lower() != "others"]


def _accent(match: re.Match[str]) -> str:
    mark = match[1] or match[4]
    letter = match[2] or match[3] or match[5] or match[6]
    base = {"\\i": "i", "\\j": "j"}.get(letter, letter.lstrip("\\"))
    return unicodedata.normalize("NFC", base + _ACCENTS[mark])


def latex_to_text(value: str) -> str:
    """Plain text from a BibTeX field value: escapes and accents decoded, formatting
    commands and grouping braces dropped, `--`/`---` as dashes, `~` as a space; math
    (`$...$`) is kept."""
    protected: list[str] = []

    def protect(text: str) -> str:
        protected.append(text)
        return f"\ue000{len(protected) - 1}\ue001"

    text = _ESCAPE.sub(lambda m: protect(_ESCAPES[m[1]]), value)
    text = _ACCENT.sub(lambda m: protect(_accent(m)), text)
    text = _NAMED_COMMAND.sub(lambda m: protect(_NAMED[m[1]]), text)
    text = _FORMATTING.sub("{", text)
    text = text.replace("{", "").replace("}", "")
    text = text.replace("---", "—").replace("--", "–")
    text = re.sub(r"(?<!\\)~", " ", text)
    text = re.sub("\ue000(\\d+)\ue001", lambda m: protected[int(m[1])], text)
    return clean_text(text)


def parse(text: str, *, source: str | None = None) -> ParseResult:
    """Parse a BibTeX library; `source` is stored on each paper.

    Returns one paper per entry with a title, and "line N: reason" for entries skipped.

    Raises:
        ParseError: the text holds no BibTeX entry at all.
    """
    items = list(_Scanner(text).entries())
    if not any(isinstance(item, _Entry) for item in items):
        detail = f": {items[0]}" if items else ""
        raise ParseError(f"no BibTeX entries found{detail}")
    result = ParseResult(FORMAT, [], [])
    for entry in items:
        if isinstance(entry, str):
            result.problems.append(entry)
            continue
        fields = {name: latex_to_text(value) for name, value in entry.fields.items()}
        if not fields.get("title"):
            result.problems.append(f"line {entry.line}: @{entry.kind}{{{entry.key}}} has no title")
            continue
        result.papers.append(
            reference_paper(
                title=fields["title"],
                abstract=fields.get("abstract", ""),
                authors=entry.authors,
                published=reference_date(fields.get("year", ""), fields.get("month")),
                urls=[fields.get("url", "")],
                doi=fields.get("doi", ""),
                eprint=fields.get("eprint", ""),
                labelled=[
                    fields.get(name, "")
                    for name in ("number", "journal", "note", "howpublished", "archiveprefix")
                ],
                source=source,
            )
        )
    return result
