"""BM25 over an in-process inverted index that grows one document at a time.

The lexical half of retrieval. Off-the-shelf BM25 libraries (bm25s, rank-bm25) rebuild their
index to add a document; a desk adds claims all day, so postings here are appended in place
(`array` buffers: 6 bytes a posting, about 90 MB at 1M claims) and a query touches only the
postings of its own terms. Scores follow Lucene's BM25 (k1 1.5, b 0.75, idf
log(1 + (N - df + 0.5) / (df + 0.5))), the variant bm25s uses by default.
"""

from __future__ import annotations

import math
import re
from array import array
from collections.abc import Iterable, Sequence

import numpy as np

from .vectors import KeyRows
K1, B = 1.5, 0.75  # bm25s's defaults
_WORD = re.compile(r"(?u)\b\w\w+\b")  # bm25s's default token pattern
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
    """The figures of a text as tokens ("$2.1bn in 2024" -> {"2", "1bn", "2024"})."""
    return {t for t in tokens(text) if any(c.isdigit() for c in t)}


class LexicalIndex:
    """Documents are addressed by integer keys; a key added again replaces its document."""

    def __init__(self) -> None:
        self._postings: dict[str, tuple[array, array]] = {}  # term -> (slots, term frequencies)
        self._keys = array("q")  # slot -> key (-1 once removed)
        self._lengths = array("I")  # slot -> document length in tokens
        self._slot_of = KeyRows()  # key -> slot
        self._total_length = 0

    def __len__(self) -> int:
        return self._slot_of.count

    def add(self, keys: Sequence[int], texts: Sequence[str]) -> None:
        self.remove(k for k in keys if self._slot_of.get(k) >= 0)
        first = len(self._keys)
        for key, text in zip(keys, texts):
            words = tokens(text)
            slot = len(self._keys)
            self._keys.append(key)
            self._lengths.append(len(words))
            self._total_length += len(words)
            counts: dict[str, int] = {}
            for word in words:
                counts[word] = counts.get(word, 0) + 1
            for word, count in counts.items():
                slots, freqs = self._postings.setdefault(word, (array("I"), array("H")))
                slots.append(slot)
                freqs.append(min(count, 65535))
        self._slot_of.set(np.asarray(list(keys), dtype=np.int64), np.arange(first, len(self._keys), dtype=np.int32))

    def remove(self, keys: Iterable[int]) -> None:
        """Removed documents keep their postings but score nothing (their key is -1)."""
        for key in list(keys):
            slot = self._slot_of.get(key)
            if slot >= 0:
                self._slot_of.clear(np.array([key]))
                self._keys[slot] = -1
                self._total_length -= self._lengths[slot]

    def _idf(self, df: int) -> float:
        n = max(self._slot_of.count, df, 1)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def _term_scores(self, term: str) -> tuple[np.ndarray, np.ndarray, float] | None:
        """(slots, BM25 term scores, idf) of the live documents holding `term`."""
        entry = self._postings.get(term)
        if entry is None:
            return None
        slots = np.frombuffer(entry[0], dtype=np.uint32)
        live = np.frombuffer(self._keys, dtype=np.int64)[slots] >= 0  # a replaced document's postings stay behind
        slots = slots[live]
        if not len(slots):
            return None
        freqs = np.frombuffer(entry[1], dtype=np.uint16)[live].astype(np.float32)
        lengths = np.frombuffer(self._lengths, dtype=np.uint32)[slots].astype(np.float32)
        average = self._total_length / max(self._slot_of.count, 1) or 1.0
        tf = freqs * (K1 + 1) / (freqs + K1 * (1 - B + B * lengths / average))
        idf = self._idf(len(slots))
        return slots, idf * tf, idf

    def search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The k best keys and their BM25 scores (only documents sharing a term with the query)."""
        accumulated = [scored[:2] for term in set(tokens(query)) if (scored := self._term_scores(term)) is not None]
        if not accumulated:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        slots = np.concatenate([s for s, _ in accumulated])
        # One pass over the postings into a dense array (bincount), cheaper than sorting them.
        summed = np.bincount(slots, weights=np.concatenate([v for _, v in accumulated]), minlength=len(self._keys))
        touched = np.flatnonzero(summed)
        if len(touched) > k:
            touched = touched[np.argpartition(-summed[touched], k - 1)[:k]]
        keys, summed = np.frombuffer(self._keys, dtype=np.int64)[touched], summed[touched].astype(np.float32)
        order = np.argsort(-summed, kind="stable")
        return keys[order], summed[order]

    def scores_for(self, query: str, keys: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For the given keys: BM25 scores for the query; coverage, the idf-weighted share of the
        query's terms the document contains (1 when it holds them all, whatever its length); and
        the share of the query's numbers it contains (1 when the query has none): "$15 million in
        2020" is not "$50 million" however alike the sentences are."""
        slots = self._slot_of.rows(np.asarray(list(keys), dtype=np.int64))
        wanted = {int(slot): j for j, slot in enumerate(slots.tolist()) if slot >= 0}
        scores = np.zeros(len(keys), dtype=np.float32)
        covered = np.zeros(len(keys), dtype=np.float32)
        terms = set(tokens(query))
        numbers = number_tokens(query)
        numbers_found = np.zeros(len(keys), dtype=np.float32)
        scored_terms = [(term, scored) for term in terms if (scored := self._term_scores(term)) is not None]
        total_idf = sum(idf for _, (_, _, idf) in scored_terms)
        if wanted and total_idf:
            wanted_slots = np.fromiter(wanted, dtype=np.uint32, count=len(wanted))
            for term, (slots, values, idf) in scored_terms:
                hit = np.flatnonzero(np.isin(slots, wanted_slots))
                for index in hit.tolist():  # at most one posting per candidate and term
                    position = wanted[int(slots[index])]
                    scores[position] += values[index]
                    covered[position] += idf
                    numbers_found[position] += term in numbers
            covered /= total_idf
        return scores, covered, numbers_found / len(numbers) if numbers else np.ones(len(keys), dtype=np.float32)
