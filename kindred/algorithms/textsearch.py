"""Typo-tolerant BM25 search over short documents, held in memory.

Each query word is expanded to the index's own words that equal it, start with it,
or are within a small edit distance of it ("mentering" → "mentoring"), then the
documents are scored with BM25 (`bm25s`) and filtered by a caller's mask. Every
hit says which index words matched, so pages can say why a result is there.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import bm25s
import numpy as np
from rapidfuzz import fuzz, process

# bm25s sets its own logger to DEBUG and would narrate every index build.
logging.getLogger("bm25s").setLevel(logging.WARNING)

STOPWORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "i",
        "in",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "the",
        "their",
        "to",
        "we",
        "with",
        "you",
        "your",
    }
)
_WORD = re.compile(r"[a-z0-9]+")


def tokenize(text: str) -> list[str]:
    """Lower-case, accent-free words of two letters or more, without stop words."""
    plain = text.lower()
    if not plain.isascii():
        folded = unicodedata.normalize("NFKD", plain)
        plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return [w for w in _WORD.findall(plain) if len(w) > 1 and w not in STOPWORDS]


@dataclass(frozen=True)
class Hit:
    index: int
    score: float
    matched: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    hits: list[Hit]  # best first, at most `limit`
    expansions: list[Expansion]
    total: int  # how many documents matched
    matched: np.ndarray  # bool mask of every matching document


@dataclass(frozen=True)
class Expansion:
    word: str  # what the person typed
    terms: tuple[str, ...]  # index words it stands for
    corrected: bool  # True when no exact or prefix match existed


class TextIndex:
    """An immutable index over `documents`, each given as its list of tokens."""

    def __init__(self, documents: Sequence[Sequence[str]]) -> None:
        self.size = len(documents)
        self._doc_terms = [frozenset(doc) for doc in documents]
        self.vocabulary = sorted({t for doc in documents for t in doc})
        self._vocab_set = frozenset(self.vocabulary)
        self._vocab_array = np.array(self.vocabulary or [""])
        self._bm25 = bm25s.BM25()
        if self.size:
            self._bm25.index(
                [list(doc) or [""] for doc in documents], show_progress=False
            )

    def expand(self, word: str) -> Expansion:
        """The index words that `word` stands for."""
        exact = (word,) if word in self._vocab_set else ()
        prefix: tuple[str, ...] = ()
        if len(word) >= 3:
            prefix = tuple(
                t for t in self._prefixed(word) if t != word and len(t) <= len(word) + 6
            )[:8]
        if exact or prefix:
            return Expansion(word, exact + prefix, False)
        if len(word) < 4:
            return Expansion(word, (), True)
        cutoff = 80 if len(word) >= 6 else 75
        close = process.extract(
            word, self.vocabulary, scorer=fuzz.ratio, score_cutoff=cutoff, limit=3
        )
        return Expansion(word, tuple(term for term, _score, _i in close), True)

    def _prefixed(self, word: str) -> list[str]:
        start = int(np.searchsorted(self._vocab_array, word))
        found = []
        for term in self.vocabulary[start : start + 50]:
            if not term.startswith(word):
                break
            found.append(term)
        return found

    def scores(self, text: str) -> np.ndarray:
        """BM25 relevance of every document to any word of `text` (0 for none)."""
        total = np.zeros(self.size, dtype=np.float32)
        if not self.size:
            return total
        for expansion in (self.expand(w) for w in tokenize(text)):
            if expansion.terms:
                weight = 0.8 if expansion.corrected else 1.0
                total += weight * np.asarray(
                    self._bm25.get_scores(list(expansion.terms)), dtype=np.float32
                )
        return total

    def search(
        self,
        query: str,
        *,
        mask: np.ndarray | None = None,
        limit: int = 20,
    ) -> Outcome:
        """Best documents for `query` among those where `mask` is True.

        A document matches when it holds every query word (or a word it expands
        to). With an empty query every masked document matches, in index order.
        """
        words = tokenize(query)
        expansions = [self.expand(w) for w in words]
        allowed = np.ones(self.size, dtype=bool) if mask is None else mask
        if not words:
            ids = np.flatnonzero(allowed)
            hits = [Hit(int(i), 0.0, ()) for i in ids[:limit]]
            return Outcome(hits, [], int(ids.size), allowed)
        if not self.size or any(not e.terms for e in expansions):
            return Outcome([], expansions, 0, np.zeros(self.size, dtype=bool))
        scores = np.zeros(self.size, dtype=np.float32)
        for expansion in expansions:
            word_scores = np.asarray(
                self._bm25.get_scores(list(expansion.terms)), dtype=np.float32
            )
            allowed = allowed & (word_scores > 0)
            weight = 0.8 if expansion.corrected else 1.0
            scores += weight * word_scores
        candidates = np.flatnonzero(allowed)
        total = int(candidates.size)
        if total > limit:
            top = np.argpartition(-scores[candidates], limit - 1)[:limit]
            candidates = candidates[top]
        ordered = candidates[np.argsort(-scores[candidates], kind="stable")]
        wanted = {t for e in expansions for t in e.terms}
        hits = [
            Hit(int(i), float(scores[i]), tuple(sorted(wanted & self._doc_terms[i])))
            for i in ordered
        ]
        return Outcome(hits, expansions, total, allowed)
