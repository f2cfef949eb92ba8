"""A learned cue classifier beside the rules (issue 30).

The rules attribute a sentence when they recognise its reporting verb. Where they find
nothing, a verb they do not know may still report speech ("released a memo arguing",
"endorsed", "responded with"), and whether it does depends on its context. This model
decides that from the parse: for each verb of the sentence that has a subject (not "I" or
"we") and stands outside quotation marks, a logistic regression over hashed features of
the verb, its dependents, its subject and its place in the sentence gives the chance that
the verb is an attribution cue. The most likely verb at or above the model's threshold
makes the finding; its subject is classified by the rules' own speaker classification
(``rules.sentence.speaker_finding``), so the level, speaker and pronoun resolution stay theirs.

Trained on PolNeAR (``python -m sources.attribution.cue_training train``, cue_training.py): a verb is a
positive example when it lies in the Cue span of an attribution in ATTRIBUTION.md's scope
(asserted, a verb, outside quotes, not the author's own). Only the sentences the rules
leave without a finding are read, in training and at run time alike. The weights ship as
``data/cue_model.npz`` (float16, the hashed buckets), read with numpy only.

The threshold is chosen by cross-validation over the training articles' folds (the
pooled out-of-fold predictions), never on one split: see ``cue_training.choose_threshold``.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy

from .gazetteers import DATA_DIR

MODEL_PATH = DATA_DIR / "cue_model.npz"
BUCKETS = 1 << 17
FIRST_PERSON = frozenset({"i", "we", "me", "us"})
MODALS = frozenset({"will", "would", "could", "can", "may", "might", "should", "must"})
_QUOTES = frozenset({'"', "“", "”", "''", "``"})
# a verb under these reports inside a subordinate clause: rule 8, the main clause governs
_SUBORDINATE_DEPS = frozenset({"relcl", "acl", "csubj", "pcomp"})


# --------------------------------------------------------------------------- features


def subordinate(verb, span) -> bool:
    """The verb stands in a relative, adverbial or subject clause ("which critics say",
    "Because officials argue"): by rule 8 it does not attribute the sentence."""
    t = verb
    while t.head.i != t.i and span.start <= t.head.i < span.end:
        if t.dep_ in _SUBORDINATE_DEPS or (t.dep_ == "advcl" and any(c.dep_ == "mark" for c in t.children)):
            return True
        t = t.head
    return False


def candidates(span, quoted: frozenset[int]) -> list[tuple[object, object]]:
    """``(verb, subject)`` pairs the model scores: main-clause verbs outside quotes with a
    subject that is not the author. A refusal ("declined to comment") asserts nothing:
    the rules' own reading of it stands."""
    from .rules import subject_of
    from .rules.sentence import _NO_COMMENT_VERBS

    out = []
    for tok in span:
        if tok.pos_ != "VERB" or tok.i in quoted or tok.lemma_.lower() in _NO_COMMENT_VERBS:
            continue
        if subordinate(tok, span):
            continue
        subj = subject_of(tok)
        if subj is None or subj.lower_ in FIRST_PERSON or subj.i in quoted:
            continue
        out.append((tok, subj))
    return out


def features(verb, subj, span, gaz) -> list[str]:
    """Named features of one candidate verb (hashed by :func:`hashed`)."""
    lemma = verb.lemma_.lower()
    dep = verb.dep_
    f = [
        "bias", f"l={lemma}", f"w={verb.lower_}", f"t={verb.tag_}", f"d={dep}", f"ld={lemma}|{dep}",
        f"hd={verb.head.dep_ if verb.head.i != verb.i else '-'}",
        f"rv={lemma in gaz.reporting_verbs}", f"sa={lemma in gaz.speech_acts}",
    ]
    path, h = [], verb
    for _ in range(3):
        if h.head.i == h.i:
            break
        path.append(h.dep_)
        h = h.head
    f.append("p=" + ">".join(path) if path else "p=ROOT")
    if verb.head.i != verb.i:
        f.append(f"hl={verb.head.lemma_.lower()}|{dep}")
    kids = set()
    for c in verb.children:
        cd = c.dep_
        kids.add(cd)
        if cd in ("dobj", "prep", "mark", "advmod", "prt", "dative", "agent", "acomp", "attr"):
            f.append(f"c={cd}|{c.lemma_.lower()}")
            f.append(f"lc={lemma}|{cd}|{c.lemma_.lower()}")
        elif cd == "aux":
            f.append("modal" if c.lower_ in MODALS else f"aux={c.lemma_.lower()}")
        elif cd == "neg":
            f.append("neg")
        elif cd in ("ccomp", "xcomp"):
            marks = [g.lower_ for g in c.children if g.dep_ == "mark"]
            f.append(f"{cd}|{marks[0] if marks else '-'}")
            f.append(f"l{cd}={lemma}")
            if cd == "xcomp":
                f.append(f"xl={c.lemma_.lower()}")
        if cd == "dobj":
            for g in c.children:
                if g.dep_ in ("acl", "relcl", "prep") and g.i > c.i:
                    f.append(f"dobj>{g.dep_}|{g.lemma_.lower()}")
    f.extend(f"k={k}" for k in sorted(kids))
    f.append("kids=" + ",".join(sorted(k for k in kids if k in ("ccomp", "dobj", "xcomp", "prep", "nsubjpass"))))
    # the subject
    s_low = subj.lemma_.lower()
    f += [f"sp={subj.pos_}", f"st={subj.tag_}", f"se={subj.ent_type_ or '-'}", f"sl={s_low}",
          f"sd={subj.dep_}", f"lsp={lemma}|{subj.pos_}", f"lse={lemma}|{subj.ent_type_ or '-'}",
          f"inv={subj.i > verb.i}", f"sh={s_low in gaz.human_nouns}", f"si={s_low in gaz.institutions}",
          f"sv={s_low in gaz.vague_groups}", f"sown={subj.head.i == verb.i}"]
    for c in subj.children:
        if c.dep_ in ("appos", "compound", "amod", "poss", "det"):
            f.append(f"s{c.dep_}={c.lemma_.lower() if c.dep_ != 'compound' else c.pos_}")
    # the sentence around it
    doc = verb.doc
    start, end = span.start, span.end
    nxt = doc[verb.i + 1] if verb.i + 1 < end else None
    prv = doc[verb.i - 1] if verb.i - 1 >= start else None
    f.append(f"n={nxt.lower_ if nxt is not None else '</s>'}")
    f.append(f"v={prv.lower_ if prv is not None else '<s>'}")
    f.append(f"ln={lemma}|{nxt.lower_ if nxt is not None else '</s>'}")
    ahead = [t.text for t in doc[verb.i + 1 : min(end, verb.i + 4)]]
    f.append(f"qa={any(t in _QUOTES for t in ahead)}")
    f.append(f"colon={':' in ahead}")
    f.append(f"at={min(4, (verb.i - start) * 4 // max(1, end - start))}")
    f.append(f"sq={any(t.text in _QUOTES for t in span)}")
    f.append(f"tail={verb.i >= end - 3}")
    return f


def hashed(names: list[str]) -> numpy.ndarray:
    """Stable buckets (crc32, not Python's salted hash())."""
    return numpy.fromiter((zlib.crc32(n.encode()) % BUCKETS for n in names), dtype=numpy.int64, count=len(names))


def sentence_candidates(span, quoted, gaz) -> list[tuple[object, object, numpy.ndarray]]:
    return [(v, s, hashed(features(v, s, span, gaz))) for v, s in candidates(span, quoted)]


# --------------------------------------------------------------------------- the model


@dataclass
class CueModel:
    weights: numpy.ndarray  # float32, BUCKETS
    threshold: float
    meta: dict = field(default_factory=dict)

    def probability(self, buckets: numpy.ndarray) -> float:
        z = float(self.weights[buckets].sum())
        return 1.0 / (1.0 + numpy.exp(-z))

    def finding(self, span, ctx, gaz, quoted, anonymity: bool, offset: int = 0):
        """The finding of the likeliest cue at or above the threshold (None when there is none)."""
        from .rules import has_clausal_complement, is_tag
        from .rules.sentence import speaker_finding

        scored = sorted(((self.probability(b), v.i, v, s) for v, s, b in sentence_candidates(span, quoted, gaz)),
                        key=lambda x: (-x[0], x[1]))
        for p, _i, v, s in scored:
            if p < self.threshold:
                break
            f = speaker_finding(gaz, ctx, v, s, anonymity, is_tag(v, span.start, span.end), has_clausal_complement(v))
            if f is not None:
                f.reason = f"learned cue (p={p:.2f}): {f.reason}"
                f.extra["learned"] = round(p, 3)
                return f
        return None

    def save(self, path: Path) -> None:
        numpy.savez_compressed(path, weights=self.weights.astype(numpy.float16),
                               threshold=numpy.float64(self.threshold),
                               meta=numpy.frombuffer(json.dumps(self.meta, sort_keys=True).encode(), dtype=numpy.uint8))

    @classmethod
    def read(cls, path: Path) -> CueModel:
        with numpy.load(path) as z:
            return cls(z["weights"].astype(numpy.float32), float(z["threshold"]),
                       json.loads(z["meta"].tobytes().decode()))


@lru_cache(maxsize=1)
def shipped() -> CueModel | None:
    """The model file shipped with the project (None when it is absent: the rules alone)."""
    return CueModel.read(MODEL_PATH) if MODEL_PATH.is_file() else None


class Recorder:
    """Stands in for a model while training: keeps every candidate with its absolute offset."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, tuple[int, int], numpy.ndarray]] = []

    def finding(self, span, ctx, gaz, quoted, anonymity: bool, offset: int = 0):
        for v, s, b in sentence_candidates(span, quoted, gaz):
            a, z = s.left_edge.idx, s.right_edge.idx + len(s.right_edge)
            self.rows.append((v.idx + offset, (a + offset, z + offset), b))
        return None

    def take(self) -> list[tuple[int, tuple[int, int], numpy.ndarray]]:
        rows, self.rows = self.rows, []
        return rows
