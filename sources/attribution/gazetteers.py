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


def _phrases(name: str) -> Phrases:
    return Phrases.from_lines(_read_lines(name))


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
    """A set of (multi-)word phrases with whole-word n-gram lookup.

    Entries written with capitals in the data file ("WHO", "the Sun", "Fed")
    are case-sensitive: acronyms and one-word titles that are also common
    English words must not match the common word ("who ran the bakery").
    Their capitalised words are compared with the original text, so callers
    pass ``orig`` (the same tokens, original case); without it they never match.
    """

    __slots__ = ("entries", "max_n", "cased")

    def __init__(self, entries, cased: dict[str, tuple[str, ...]] | None = None):
        self.entries = frozenset(entries)
        self.cased = cased or {}
        self.max_n = max((len(e.split()) for e in self.entries), default=1)

    @classmethod
    def from_lines(cls, lines: list[str]) -> "Phrases":
        cased = {}
        for line in lines:
            if line != line.lower():
                cased[line.lower()] = tuple(line.split())
        return cls(frozenset(line.lower() for line in lines), cased)

    def __contains__(self, phrase: str) -> bool:
        return phrase in self.entries

    def _case_ok(self, cand: str, orig: list[str] | None, i: int) -> bool:
        pattern = self.cased.get(cand)
        if pattern is None:
            return True
        if orig is None:
            return False
        return all(p == o for p, o in zip(pattern, orig[i : i + len(pattern)]) if p != p.lower())

    def find(self, words: list[str], orig: list[str] | None = None) -> str | None:
        """Longest entry occurring as a contiguous run of ``words`` (lower-case);
        ``orig`` holds the same words in their original case."""
        n_words = len(words)
        for n in range(min(self.max_n, n_words), 0, -1):
            for i in range(n_words - n + 1):
                cand = " ".join(words[i : i + n])
                if cand in self.entries and self._case_ok(cand, orig, i):
                    return cand
        return None

    def ends(self, words: list[str], orig: list[str] | None = None) -> str | None:
        """Longest entry that ends on the last of ``words``."""
        n_words = len(words)
        for n in range(min(self.max_n, n_words), 0, -1):
            cand = " ".join(words[n_words - n :])
            if cand in self.entries and self._case_ok(cand, orig, n_words - n):
                return cand
        return None

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
    request_verbs: frozenset[str]
    evidence_nouns: frozenset[str]
    official_acts: frozenset[str]
    boilerplate: re.Pattern[str]
    boilerplate_sentences: re.Pattern[str]
    institutions: frozenset[str]
    org_suffixes: frozenset[str]
    honorifics: frozenset[str]
    human_nouns: frozenset[str]
    statement_nouns: frozenset[str]
    research_verbs: frozenset[str]
    outlet_descriptors: frozenset[str]
    record_vehicles: frozenset[str]
    institution_staff: frozenset[str]
    publisher_desks: frozenset[str]
    kin: frozenset[str]
    hedge_adverb_passive: frozenset[str]
    scope_adverbs: frozenset[str]
    hedge_subject_of: frozenset[str]
    speech_vehicles: frozenset[str]


@lru_cache(maxsize=1)
def load() -> Gazetteers:
    hedges = _sections("hedges.txt")
    boiler = "|".join(f"(?:{p})" for p in _read_lines("boilerplate.txt"))
    return Gazetteers(
        outlets=_phrases("outlets.txt"),
        outlet_nouns=_phrases("outlet_nouns.txt"),
        anonymous=_phrases("anonymous.txt"),
        anonymous_roles=_words("anonymous_roles.txt"),
        vague_groups=_words("vague_groups.txt"),
        hedge_passive=hedges.get("passive", frozenset()),
        hedge_nouns=hedges.get("nouns", frozenset()),
        hedge_adverbs=hedges.get("adverbs", frozenset()),
        report_adverbs=hedges.get("report_adverbs", frozenset()),
        documents=_phrases("documents.txt"),
        document_bodies=_phrases("document_bodies.txt"),
        official_titles=_phrases("official_titles.txt"),
        person_roles=_phrases("person_roles.txt"),
        reporting_verbs=_sections("reporting_verbs.txt")["clausal"],
        speech_acts=_sections("reporting_verbs.txt")["speech_acts"],
        request_verbs=_sections("reporting_verbs.txt")["requests"],
        evidence_nouns=_sections("reporting_verbs.txt")["evidence_nouns"],
        official_acts=_words("official_acts.txt"),
        boilerplate=re.compile(rf"(?:{boiler})[\s.:!|»>-]*", re.IGNORECASE),
        boilerplate_sentences=re.compile(
            "|".join(f"(?:{p})" for p in _read_lines("boilerplate_sentences.txt")), re.IGNORECASE),
        institutions=_words("institutions.txt"),
        org_suffixes=frozenset(_read_lines("org_suffixes.txt")),  # case-sensitive: "Capital", "Inc."
        honorifics=_words("honorifics.txt"),
        # the hand-written list, and the speaker nouns mined from PolNeAR train (mine_polnear)
        human_nouns=_words("human_nouns.txt") | _words("polnear_speaker_nouns.txt"),
        statement_nouns=_sections("documents_extra.txt")["statements"],
        research_verbs=_sections("documents_extra.txt")["finding_verbs"],
        outlet_descriptors=_words("outlet_descriptors.txt"),
        record_vehicles=_sections("documents_extra.txt")["record_vehicles"],
        institution_staff=_words("institution_staff.txt"),
        publisher_desks=_words("publisher_desks.txt"),
        kin=_words("kin.txt"),
        hedge_adverb_passive=hedges.get("adverb_passive", frozenset()),
        scope_adverbs=hedges.get("scope_adverbs", frozenset()),
        hedge_subject_of=hedges.get("subject_of", frozenset()),
        speech_vehicles=_sections("documents_extra.txt")["speech_vehicles"],
    )
