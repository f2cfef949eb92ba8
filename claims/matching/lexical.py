"""The lexical half of retrieval: our tokens, and BM25 features of a query against its candidates.

The database finds the candidates and counts the documents holding each query term (GIN over a
tsvector on PostgreSQL, FTS5 on SQLite: claims/matching/engines/). What is computed here is
the same arithmetic on both, from the candidates' own texts: Lucene's BM25 (k1 1.5, b 0.75,
idf log(1 + (N - df + 0.5) / (df + 0.5))), the idf-weighted share of the query's terms a
record holds, and the share of the query's figures it states.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

K1, B = 1.5, 0.75  # bm25s's defaults
# BM25's average document length, fixed rather than counted (no engine gives it for free): a
# claim, or a fact-check's claim and headline together, is about this many terms.
AVERAGE_TERMS = 16.0
# The most documents the lexical candidates of one query may touch (rare_terms): a bound on the
# rows a query reads in any archive. MAP@5 on CheckThat! dev is the same from 1,000 to 20,000.
LEXICAL_BUDGET = 2_000
_WORD = re.compile(r"(?u)\b[^\W_][^\W_]+\b")  # words of two letters or digits and more
# Lucene's English stop set (the one bm25s uses): short on purpose. Longer lists drop words that
# decide a fact-check ("not", "first", "two", "never").
_STOP = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their then there these "
    "they this to was will with".split()
)


def tokens(text: str) -> list[str]:
    """Lower-cased words of two characters or more, without the stop set (numbers, names, hashtags' words kept)."""
    return [w for w in (m.lower() for m in _WORD.findall(text or "")) if w not in _STOP]


def number_tokens(text: str) -> set[str]:
    """The figures of a text as tokens ("$2.1bn in 2024" -> {"1bn", "2024"})."""
    return {t for t in tokens(text) if any(c.isdigit() for c in t)}


@dataclass(frozen=True)
class TermStats:
    """What the database counted: documents searched, and how many hold each term."""

    documents: int
    df: Mapping[str, int]

    def idf(self, term: str) -> float:
        df = self.df.get(term, 0)
        n = max(self.documents, df, 1)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


def rare_terms(query_terms: Sequence[str], stats: TermStats, budget: int) -> list[str]:
    """The query's terms that lexical candidates are fetched by: the rarest first, while the
    documents holding them stay within `budget`. A common word finds thousands of records and
    ranks none of them (it still counts in the features); a query of common words only leaves
    its candidates to the dense side."""
    chosen, total = [], 0
    for term in sorted(set(query_terms), key=lambda t: (stats.df.get(t, 0), t)):
        df = stats.df.get(term, 0)
        if df == 0:
            continue
        if total + df > budget:
            break
        chosen.append(term)
        total += df
    return chosen


def features(query: str, documents: Sequence[str], stats: TermStats) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each candidate document text: BM25 for the query; coverage, the idf-weighted share of the
    query's terms the document contains (1 when it holds them all, whatever its length); and the
    share of the query's numbers it contains (1 when the query has none): "$15 million in 2020"
    is not "$50 million" however alike the sentences are."""
    terms = set(tokens(query))
    idf = {term: stats.idf(term) for term in terms if stats.df.get(term, 0) > 0}
    total_idf = sum(idf.values())
    numbers = number_tokens(query)
    bm25 = np.zeros(len(documents), dtype=np.float32)
    coverage = np.zeros(len(documents), dtype=np.float32)
    figures = np.ones(len(documents), dtype=np.float32)
    for i, text in enumerate(documents):
        words = tokens(text)
        counts = Counter(words)
        norm = K1 * (1 - B + B * len(words) / AVERAGE_TERMS)
        for term, weight in idf.items():
            tf = counts.get(term, 0)
            if tf:
                bm25[i] += weight * tf * (K1 + 1) / (tf + norm)
                coverage[i] += weight
        if numbers:
            figures[i] = len(numbers & counts.keys()) / len(numbers)
    if total_idf:
        coverage /= total_idf
    return bm25, coverage, figures
