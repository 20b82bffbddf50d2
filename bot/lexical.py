"""paperboy's terms (`tokenize`) and BM25 over a few documents held in memory.

The tokenizer keeps acronyms and names whole ("RevCol", "MoIE", "Re^2TAL") and also indexes
the parts of joined names, so either spelling matches; every lexical engine of paperboy is
fed these terms (the library's own is `bot.text_index`, tantivy over the same terms and the
same BM25). `LexicalIndex` is an inverted index of compact `array` postings (document
position, term frequency) that grows one document at a time, for the texts a process holds
beside the on-disk index: papers stored since the index last caught up, a digest window's
papers scored against interest lines. Its scores can take their IDF and average length from
a larger corpus (`CorpusStats`), so that a paper scores the same against the whole library
whichever engine holds it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from array import array
from collections import ChainMap, Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from itertools import chain

import numpy as np

__all__ = ["K1", "B", "CorpusStats", "LexicalIndex", "idf", "par_score", "query_terms", "tokenize"]

K1 = 1.2  # BM25 term-frequency saturation (tantivy's, Lucene's)
B = 0.75  # BM25 length normalisation

_TOKEN = re.compile(r"\w+(?:[\^\-+.']\w+)*")
_ASCII_TOKEN = re.compile(_TOKEN.pattern, re.ASCII)
_JOINER = re.compile(r"[\^\-+.']")
_STOPWORD_TEXT = (
    "a an and are as at be by can do for from has have how in into is it its of on or our "
    "that the their them then there these they this to via was we were what when which while "
    "who will with without"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def _stem(word: str) -> str:
    """A light plural stemmer: 'networks' and 'network' share a term."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _token_terms(token: str) -> tuple[str, ...]:
    """The terms of one case-folded token: none for a stopword, the whole and parts if joined."""
    if token in _STOPWORDS:
        return ()
    parts = _JOINER.split(token)
    if len(parts) > 1:
        return (token, *(_stem(p) for p in parts if p and p not in _STOPWORDS))
    return (_stem(token),)


# Tokens then terms for ASCII text (nearly every abstract) without the slow Unicode regex:
# every byte that no token can hold becomes a space and `bytes.split` cuts the chunks, each
# a run of \w and joiner characters. Tokens never cross a chunk's edge, so the regex run
# on one chunk finds what it finds there in the whole text.
_ASCII_WORD = b"0123456789_abcdefghijklmnopqrstuvwxyz^-+.'"
_ASCII_BLANKS = bytes(c if c in _ASCII_WORD else 0x20 for c in range(256))

# chunk (ASCII bytes, or a token of non-ASCII text) -> its terms. Abstracts repeat a small
# vocabulary, so after warm-up almost every chunk is a C-level dict hit instead of a regex,
# a stopword test, a split and a stem in Python. Entries are never evicted (a lookup between
# check and use cannot fail); once full, new chunks are worked out per call instead.
# ~250 bytes an entry: 64k entries, ~16 MB at most.
_TERMS: dict[str | bytes, tuple[str, ...]] = {}
_TERMS_LIMIT = 1 << 16


def _chunk_terms(chunk: str | bytes) -> tuple[str, ...]:
    if isinstance(chunk, bytes):
        tokens = _ASCII_TOKEN.findall(chunk.decode("ascii"))
        return tuple(chain.from_iterable(map(_token_terms, tokens)))
    return _token_terms(chunk)


def _chunks(text: str) -> list[bytes] | list[str]:
    """The case-folded chunks of a text: ASCII runs (see above), else the regex's tokens."""
    if text.isascii():  # NFKC is the identity, and ASCII \w matches the same characters
        return text.encode("ascii").lower().translate(_ASCII_BLANKS).split()
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())


def _terms_lookup(chunks: list[bytes] | list[str]) -> Callable[[str | bytes], tuple[str, ...]]:
    """A function giving the terms of each of `chunks`, filling the shared cache first."""
    missing = set(chunks).difference(_TERMS)
    if not missing:
        return _TERMS.__getitem__
    fresh = {chunk: _chunk_terms(chunk) for chunk in missing}
    if len(_TERMS) + len(fresh) <= _TERMS_LIMIT:
        _TERMS.update(fresh)
        return _TERMS.__getitem__
    return ChainMap(fresh, _TERMS).__getitem__


def tokenize(text: str) -> list[str]:
    """The index terms of a title, abstract or query: NFKC-folded, without stopwords; a
    joined name ("Re^2TAL", "GPT-4") yields the whole name and each of its parts."""
    chunks = _chunks(text)
    return list(chain.from_iterable(map(_terms_lookup(chunks), chunks)))


def query_terms(query: str) -> list[str]:
    """The distinct terms of a query, in order of first appearance."""
    return list(dict.fromkeys(tokenize(query)))


def idf(documents: int, doc_freq: int) -> float:
    """BM25's inverse document frequency (Lucene's and tantivy's): never negative."""
    return math.log(1.0 + (documents - doc_freq + 0.5) / (doc_freq + 0.5))


@dataclass(frozen=True)
class CorpusStats:
    """What BM25 takes from the corpus as a whole: its size, its documents' average
    length in terms, and each term's document frequency."""

    documents: int
    average_length: float
    doc_freq: Callable[[str], int]

    def plus(self, other: CorpusStats) -> CorpusStats:
        """The statistics of both corpora together (disjoint documents)."""
        documents = self.documents + other.documents
        length = self.average_length * self.documents + other.average_length * other.documents
        return CorpusStats(
            documents,
            length / documents if documents else 0.0,
            lambda term: self.doc_freq(term) + other.doc_freq(term),
        )


def par_score(terms: Collection[str], corpus: CorpusStats) -> float:
    """What a document of average length holding each of `terms` once scores: the sum of
    their IDFs (a term no document has weighs the most). Coverage is BM25 divided by it."""
    return sum(idf(corpus.documents, corpus.doc_freq(term)) for term in terms)


class LexicalIndex:
    """Okapi BM25 over documents numbered 0, 1, 2, … in the order they were added."""

    def __init__(self, *, k1: float = K1, b: float = B) -> None:
        self.k1 = k1
        self.b = b
        self._postings: dict[str, tuple[array, array]] = {}
        self._lengths = array("I")
        self._total_length = 0

    def __len__(self) -> int:
        return len(self._lengths)

    def add(self, texts: Iterable[str]) -> None:
        """Index more documents; each takes the next position."""
        postings, lengths = self._postings, self._lengths
        for text in texts:
            position = len(lengths)
            terms = tokenize(text)
            for term, tf in Counter(terms).items():  # counted in C; one pass per distinct term
                entry = postings.get(term)
                if entry is None:
                    entry = postings[term] = (array("I"), array("H"))
                entry[0].append(position)
                entry[1].append(tf if tf < 65535 else 65535)
            lengths.append(len(terms))
            self._total_length += len(terms)

    def corpus(self) -> CorpusStats:
        """This index's own statistics."""
        n = len(self._lengths)
        postings = self._postings
        return CorpusStats(
            n,
            self._total_length / n if n else 0.0,
            lambda term: len(postings[term][0]) if term in postings else 0,
        )

    def scores(self, query: str, *, corpus: CorpusStats | None = None) -> np.ndarray:
        """BM25 score of every document for `query` (zero where no term matches): float32,
        one per document position. IDF and average length come from `corpus` when given
        (a larger corpus these documents belong to), else from this index."""
        n = len(self._lengths)
        out = np.zeros(n, dtype=np.float32)
        if not n:
            return out
        stats = corpus or self.corpus()
        lengths = np.frombuffer(self._lengths, dtype=np.uint32).astype(np.float32)
        norm = self.k1 * (1.0 - self.b + self.b * lengths / (stats.average_length or 1.0))
        for term in set(tokenize(query)):
            entry = self._postings.get(term)
            if entry is None:
                continue
            docs = np.frombuffer(entry[0], dtype=np.uint32).astype(np.intp)
            tf = np.frombuffer(entry[1], dtype=np.uint16).astype(np.float32)
            weight = idf(stats.documents, max(stats.doc_freq(term), len(docs)))
            out[docs] += weight * tf * (self.k1 + 1.0) / (tf + norm[docs])
        return out

    def nbytes(self) -> int:
        """Approximate memory held by postings and lengths, in bytes."""
        postings = sum(
            p.itemsize * len(p) + f.itemsize * len(f) + len(t) + 200
            for t, (p, f) in self._postings.items()
        )
        return postings + self._lengths.itemsize * len(self._lengths)

    def coverage(self, query: str, *, corpus: CorpusStats | None = None) -> np.ndarray:
        """BM25 of every document for `query`, as a fraction of its par score (`par_score`).

        1.0 reads "every word of the query, rare names weighing most"; repeats can push it
        above 1 (to at most k1 + 1). Hybrid search fuses it (`bot.fusion`) and the matcher's
        lexical bonus for interest lines squashes it. Float32, one value per document
        position; zeros for an empty query. `corpus` as for `scores`.
        """
        n = len(self._lengths)
        terms = set(tokenize(query))
        if not n or not terms:
            return np.zeros(n, dtype=np.float32)
        stats = corpus or self.corpus()
        return self.scores(query, corpus=stats) / np.float32(par_score(terms, stats))
