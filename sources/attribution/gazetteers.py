"""Gazetteers: the data files in ``data/`` loaded once into frozen sets.

Every list is plain text, one entry a line, ``#`` starts a comment. Entries are
lower-cased; multi-word entries are matched as whole-word n-grams.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


def _read_lines(name: str) -> list[str]:
    lines = []
    for raw in (DATA_DIR / name).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def _words(name: str) -> frozenset[str]:
    return frozenset(line.lower() for line in _read_lines(name))


def _sections(name: str) -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    current = ""
    for line in _read_lines(name):
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            continue
        out.setdefault(current, set()).add(line.lower())
    return {k: frozenset(v) for k, v in out.items()}


class Phrases:
    """A set of (multi-)word phrases with whole-word n-gram lookup."""

    __slots__ = ("entries", "max_n")

    def __init__(self, entries: frozenset[str]):
        self.entries = entries
        self.max_n = max((len(e.split()) for e in entries), default=1)

    def __contains__(self, phrase: str) -> bool:
        return phrase in self.entries

    def find(self, words: list[str]) -> str | None:
        """Longest entry occurring as a contiguous run of ``words`` (lower-case)."""
        best = None
        n_words = len(words)
        for n in range(min(self.max_n, n_words), 0, -1):
            for i in range(n_words - n + 1):
                cand = " ".join(words[i : i + n])
                if cand in self.entries:
                    return cand
        return best

    def in_text(self, lowered_text: str) -> bool:
        return any(
            (" " + e + " ") in lowered_text for e in self.entries
        )


@dataclass(frozen=True)
class Gazetteers:
    outlets: Phrases
    outlet_nouns: Phrases
    anonymous: Phrases
    anonymous_roles: frozenset[str]
    vague_groups: frozenset[str]
    hedge_passive: frozenset[str]
    hedge_nouns: frozenset[str]
    hedge_adverbs: frozenset[str]
    report_adverbs: frozenset[str]
    documents: Phrases
    document_bodies: Phrases
    official_titles: Phrases
    person_roles: Phrases
    reporting_verbs: frozenset[str]
    speech_acts: frozenset[str]
    official_acts: frozenset[str]
    boilerplate: re.Pattern[str]


@lru_cache(maxsize=1)
def load() -> Gazetteers:
    hedges = _sections("hedges.txt")
    outlet_words = _words("outlets.txt")
    boiler = "|".join(f"(?:{p})" for p in _read_lines("boilerplate.txt"))
    return Gazetteers(
        outlets=Phrases(outlet_words),
        outlet_nouns=Phrases(_words("outlet_nouns.txt")),
        anonymous=Phrases(_words("anonymous.txt")),
        anonymous_roles=_words("anonymous_roles.txt"),
        vague_groups=_words("vague_groups.txt"),
        hedge_passive=hedges.get("passive", frozenset()),
        hedge_nouns=hedges.get("nouns", frozenset()),
        hedge_adverbs=hedges.get("adverbs", frozenset()),
        report_adverbs=hedges.get("report_adverbs", frozenset()),
        documents=Phrases(_words("documents.txt")),
        document_bodies=Phrases(_words("document_bodies.txt")),
        official_titles=Phrases(_words("official_titles.txt")),
        person_roles=Phrases(_words("person_roles.txt")),
        reporting_verbs=_sections("reporting_verbs.txt")["clausal"],
        speech_acts=_sections("reporting_verbs.txt")["speech_acts"],
        official_acts=_words("official_acts.txt"),
        boilerplate=re.compile(rf"(?:{boiler})[\s.:!|»>-]*", re.IGNORECASE),
    )
