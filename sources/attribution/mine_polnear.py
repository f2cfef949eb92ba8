"""Mine speaker nouns from PolNeAR's train split into ``data/polnear_speaker_nouns.txt``.

    python -m sources.attribution.mine_polnear POLNEAR_TRAIN_DIR [--min-count 3] [--check]

POLNEAR_TRAIN_DIR is a folder of PolNeAR's train split (NAME.txt and NAME.ann, brat
standoff); the data set is third-party and never shipped with the project.

Every PolNeAR attribution names its Source. The head word of a Source that is a
common noun ("Allies say", "a bartender said", "Cement makers argue", "his
confidants") is a word that names people who speak. The extractor's own lists
(``human_nouns.txt``, ``vague_groups.txt``, ``person_roles.txt`` ...) were
written by hand; this command adds the common-noun heads the train split uses
at least ``--min-count`` times and those lists do not already hold, leaving out
words that have a level of their own (records, institutions, outlets, reports).
The rules use the mined words only where nothing else classified a subject:
an unspecific plural is a vague group ("Companies say", rule 12) and an
indefinite singular an unnamed individual ("a bartender said", rule 15).

Only the train split is read (never dev or test). The output is sorted and
carries its own provenance header, so rerunning the command reproduces the
file byte for byte; ``--check`` compares instead of writing (exit 1 on a
difference).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from functools import lru_cache
from pathlib import Path

from .gazetteers import DATA_DIR, _words, load
from .polnear import read_ann

OUT = DATA_DIR / "polnear_speaker_nouns.txt"
_STOP = frozenset({"one", "some", "many", "most", "all", "both", "each", "others", "other", "few", "several", "none",
                   "people", "number", "lot", "majority", "percent", "half", "third", "quarter", "share", "group",
                   "side", "part", "kind", "sort", "type", "way", "thing", "lot", "bunch", "host", "list", "series"})


# verbs only people take: saying, and the inner states PolNeAR also annotates
_HUMAN_CUES = frozenset({"say", "tell", "argue", "insist", "admit", "deny", "complain", "claim", "believe", "think",
                         "want", "fear", "hope", "worry", "feel", "agree", "warn", "urge", "ask", "vow", "promise",
                         "acknowledge", "explain", "add", "cheer", "chant", "boo", "applaud", "criticize", "wonder",
                         "know", "expect", "doubt", "like", "love", "hate", "blame", "accuse", "praise", "demand",
                         "plead", "scream", "shout", "yell", "joke", "reply", "respond", "recall", "tweet", "contend"})


def _cue_lemma(cue: str) -> str:
    """A rough lemma of a cue's last verb-like word ("has long argued" -> "argue")."""
    words = [w for w in re.findall(r"[a-z']+", cue.lower()) if w not in ("has", "have", "had", "was", "were", "is",
                                                                       "are", "be", "been", "also", "not", "to")]
    if not words:
        return ""
    w = words[0]
    irregular = {"said": "say", "says": "say", "told": "tell", "thought": "think", "felt": "feel", "knew": "know",
                 "believes": "believe", "believed": "believe"}
    if w in irregular:
        return irregular[w]
    for suffix, repl in (("ied", "y"), ("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            stem = w[: -len(suffix)] + repl
            return stem if stem in _HUMAN_CUES else stem + "e" if stem + "e" in _HUMAN_CUES else stem
    return w


def source_heads(texts: list[str], nlp) -> list[str | None]:
    """The head word (lemma) of each Source span, if it is a common noun: the root
    of the span parsed on its own ("Cement makers" -> "maker", "a bartender at
    the inn" -> "bartender")."""
    out: list[str | None] = []
    with nlp.select_pipes(enable=["tok2vec", "tagger", "attribute_ruler", "lemmatizer", "parser"]):
        for doc in nlp.pipe(texts, batch_size=256):
            root = next((t for t in doc if t.dep_ == "ROOT"), None)
            if root is None or root.pos_ != "NOUN" or root.tag_ not in ("NN", "NNS") or not root.text.islower():
                out.append(None)
                continue
            lemma = root.lemma_.lower()
            out.append(lemma if lemma.isalpha() and len(lemma) > 2 and lemma not in _STOP else None)
    return out


@lru_cache(maxsize=1)
def _hand_human_nouns() -> frozenset[str]:
    return _words("human_nouns.txt")


def _known(word: str) -> bool:
    """Words the hand-written lists already hold, or that have a level of their own."""
    gaz = load()
    hand = _hand_human_nouns()  # not gaz.human_nouns: that holds the mined words too
    sing = word[:-1] if word.endswith("s") else word
    forms = {word, sing, word[:-2] if word.endswith("es") else word}
    for f in forms:
        if (f in hand or f in gaz.vague_groups or f in gaz.anonymous_roles or f in gaz.institutions
                or f in gaz.documents.entries or f in gaz.document_bodies.entries or f in gaz.statement_nouns
                or f in gaz.kin or f in gaz.outlet_nouns.entries or f in gaz.institution_staff
                or gaz.person_roles.find([f]) or gaz.official_titles.find([f]) or gaz.anonymous.find([f])
                or f in gaz.hedge_nouns or f in ("report", "story", "article", "poll", "survey", "source")):
            return True
    return False


def mine(folder: Path, min_count: int = 3) -> tuple[list[str], dict]:
    from .extractor import get_nlp

    texts: list[str] = []
    cues: list[str] = []
    n_articles = 0
    for ann in sorted(Path(folder).glob("*.ann")):
        n_articles += 1
        for rel in read_ann(ann):
            if rel.source is not None:
                texts.append(rel.source.text)
                cues.append(_cue_lemma(rel.cue.text))
    counts: Counter = Counter()
    human: Counter = Counter()
    for head, cue in zip(source_heads(texts, get_nlp()), cues):
        if head is not None:
            counts[head] += 1
            human[head] += cue in _HUMAN_CUES
    # a person's word: seen often enough, and at least half the time with a verb only people take
    words = sorted(w for w, n in counts.items() if n >= min_count and 2 * human[w] >= n and not _known(w))
    stats = {"articles": n_articles, "sources": len(texts), "common_noun_heads": sum(counts.values()),
             "distinct_heads": len(counts), "kept": len(words), "min_count": min_count}
    return words, stats


def render(words: list[str], stats: dict) -> str:
    head = [
        "# Speaker nouns (lemmas) mined from PolNeAR train: common-noun heads of gold Sources.",
        "# Generated by: python -m sources.attribution.mine_polnear POLNEAR_TRAIN_DIR "
        f"--min-count {stats['min_count']}",
        f"# {stats['articles']} articles, {stats['sources']} Sources, {stats['common_noun_heads']} common-noun heads "
        f"({stats['distinct_heads']} distinct); kept {stats['kept']} seen >= {stats['min_count']} times, at least",
        "# half of them with a verb only people take (say, tell, argue, think, want ...), and not in the",
        "# hand-written lists. Do not edit by hand: rerun the command.",
    ]
    return "\n".join(head + words) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sources.attribution.mine_polnear", description=__doc__.split("\n\n")[0])
    ap.add_argument("train", type=Path, help="PolNeAR's train folder (NAME.txt + NAME.ann)")
    ap.add_argument("--min-count", type=int, default=3)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--check", action="store_true", help="compare with the shipped file instead of writing it")
    args = ap.parse_args(argv)
    if not any(args.train.glob("*.ann")):
        print(f"error: no .ann files in {args.train}", file=sys.stderr)
        return 2
    words, stats = mine(args.train, args.min_count)
    text = render(words, stats)
    if args.check:
        same = args.out.is_file() and args.out.read_text(encoding="utf-8") == text
        print(("same as " if same else "DIFFERS from ") + str(args.out))
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}: {stats}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
