"""Clause structure: the main verbs of a sentence, their subjects, quote tags,
clausal complements, agentless passives and hedges.
"""

from __future__ import annotations

from .helpers import (  # noqa: F401
    _OBJ,
    _outlet_key,
    _owords,
    _span_text,
    _words,
    is_outlet,
    np_bounds,
)


def main_verbs(root) -> list:
    """Root plus the verbs coordinated with it, in order (main clause)."""
    out = [root]
    stack = [root]
    while stack:
        v = stack.pop()
        for c in v.children:
            if c.dep_ == "conj" and c.pos_ in ("VERB", "AUX"):
                out.append(c)
                stack.append(c)
    out.sort(key=lambda t: t.i)
    if out[0] is not root:
        out.remove(root)
        out.insert(0, root)
    return out


def subject_of(v):
    subs = [c for c in v.children if c.dep_ in ("nsubj", "nsubjpass")]
    if len(subs) > 1:
        # "Vornholm (AMP) - Kestria's opposition claimed ...": the first "subject"
        # is a dateline cut off by a dash; the subject proper follows it
        doc = v.doc
        for later in subs[1:]:
            if any(doc[i].text in ("-", "—", "–", "--", "―") and doc[i].whitespace_ for i in range(subs[0].i + 1, later.left_edge.i)):
                return later
            # '"My reaction, that was outrageous," the strategist said': the first
            # "subject" is inside the quote that the tag closes
            if any(doc[i].text in ("”", "\"", "''") for i in range(subs[0].i + 1, later.left_edge.i)):
                return later
            # "The motive, police said: ...": a topic set off by a comma, then the speaker
            if later.right_edge.i == v.i - 1 and v.i > later.i and doc[later.left_edge.i - 1].text == "," \
                    and subs[0].right_edge.i == later.left_edge.i - 2:
                return later
    if subs:
        return _dateline_or_misparse(subs[0], v)
    # "responded by saying ...": the subject of the verb the phrase hangs on
    if v.dep_ == "pcomp" and v.head.lower_ == "by" and v.head.head.pos_ in ("VERB", "AUX"):
        v = v.head.head
        subs = [c for c in v.children if c.dep_ in ("nsubj", "nsubjpass")]
        if subs:
            return subs[0]
    # shared subject of a coordinated verb / participle, through coordinated heads:
    # "The senator sought to calm them, and took a heckler in stride, saying ..."
    if v.dep_ in ("conj", "advcl", "xcomp") and v.head is not v:
        h = v.head
        for _ in range(3):
            for c in h.children:
                if c.dep_ in ("nsubj", "nsubjpass") and c.i < v.i:
                    return c
            if h.dep_ not in ("conj", "xcomp") or h.head.i == h.i or h.pos_ not in ("VERB", "AUX"):
                break
            h = h.head
        # a participle coordinated with a participle: "..., calling it X and insisting ..."
        h = v.head
        if v.dep_ == "conj" and v.tag_ == "VBG" and h.dep_ == "advcl" and h.tag_ == "VBG":
            for c in h.head.children:
                if c.dep_ in ("nsubj", "nsubjpass") and c.i < h.i:
                    return c
    return None


def _dateline_or_misparse(subj, v):
    """A person's name in apposition to a "subject" that cannot speak: a dateline
    ("SPRINGFIELD -- Governor Marsh, ..., said") or a fronted phrase the parser
    made the subject ("To understand the real X, Chief Justice Y said, ...")."""
    if subj.pos_ != "PROPN":
        return subj
    doc = subj.doc
    ap = next((c for c in subj.children if c.dep_ == "appos" and c.pos_ == "PROPN" and c.i > subj.i), None)
    if ap is None:
        return subj
    if subj.text.isupper() and len(subj.text) > 2 and subj.i + 1 < len(doc) and doc[subj.i + 1].text in (
            "--", "—", "–", "-", "―"):
        return ap
    if ap.right_edge.i == v.i - 1 and doc[ap.left_edge.i - 1].text == "," and ap.ent_type_ == "PERSON":
        return ap
    return subj


def _inverted_subject(v):
    """'said the source': spaCy sometimes parses the speaker as an object."""
    for c in v.rights:
        if c.dep_ in ("dobj", "attr", "npadvmod") and c.pos_ in ("NOUN", "PROPN", "PRON"):
            return c
    return None


def is_tag(v, start: int, end: int) -> bool:
    """A parenthetical or trailing quote tag: ', the source added,' / ', X told Y.'"""
    doc = v.doc
    if _reduced_relative(v):
        return False
    subj = subject_of(v)
    lo = v.i
    if subj is not None:
        lo = min(lo, subj.left_edge.i)
    hi = v.i
    for c in v.rights:
        if c.dep_ in ("ccomp", "parataxis", "xcomp", "advcl", "conj") or c.dep_ == "punct" and c.text != ".":
            continue
        hi = max(hi, c.right_edge.i)
    before = doc[lo - 1].text if lo - 1 >= start else ""
    after = doc[hi + 1].text if hi + 1 < end else ""
    if before not in (",", "”", "\"", "—", "–", ":", "’", "'", "''") or lo == start:
        return False
    return after in (",", ".", "!", "?", "—", "–", ":", ";", "") or hi + 1 >= end


_XCOMP_CLAIMS = frozenset({"claim", "pledge", "vow", "promise", "threaten", "profess", "purport", "say", "report"})


def has_clausal_complement(v) -> bool:
    for c in v.children:
        if c.dep_ in ("ccomp", "parataxis") or (c.dep_ == "punct" and c.text == ":"):
            return True
        if c.dep_ == "xcomp" and v.lemma_.lower() in _XCOMP_CLAIMS:
            return True
        if c.dep_ == "prep" and c.lower_ == "as":  # 'reports X as saying'
            return True
    return False


def hedge_phrase(v) -> tuple[int, int]:
    doc = v.doc
    lo = v.i
    for c in v.lefts:
        if c.dep_ in ("aux", "auxpass") and c.i >= lo - 3:
            lo = min(lo, c.i)
    # "are also said": the adverb breaks the phrase; keep from the verb
    advs = [i for i in range(lo, v.i) if doc[i].dep_ == "advmod"]
    if advs:
        lo = advs[-1] if doc[advs[-1]].lower_ == "widely" else v.i
    hi = v.i
    if v.i + 1 < len(doc) and doc[v.i + 1].lower_ == "as":
        hi = v.i + 1
    elif v.i + 1 < len(doc) and doc[v.i + 1].lower_ == "to" and doc[v.i + 1].dep_ in ("prep", "dative"):
        hi = v.i + 1  # "widely attributed to": the preposition belongs to the hedge
    elif v.i + 2 < len(doc) and doc[v.i + 1].lower_ == "to" and v.lemma_ == "say":
        # the idiom "is said to be"; "is said to have <done>" keeps only "is said to"
        hi = v.i + 2 if doc[v.i + 2].lower_ == "be" else v.i + 1
    # "It is understood that ...": the expletive subject is part of the formula
    if lo > 0 and doc[lo - 1].lower_ == "it" and doc[lo - 1].head.i == v.i and doc[lo - 1].dep_ in (
            "expl", "nsubjpass", "nsubj"):
        lo -= 1
    return lo, hi


def _agentless_passive(v) -> bool:
    kids = [c.dep_ for c in v.children]
    return v.tag_ == "VBN" and ("auxpass" in kids or "nsubjpass" in kids) and "agent" not in kids


def _find_via(gaz, ctx, v):
    """Outlet that relayed the source: object of 'told', 'speaking to X', 'in an interview with X'."""
    doc = v.doc
    cands = []
    for c in v.children:
        if c.dep_ in _OBJ:
            cands.append(c)
        if c.dep_ == "prep" and c.lower_ in ("to", "with"):
            cands.extend(g for g in c.children if g.dep_ == "pobj")
    for cand in cands:
        a, b = np_bounds(cand)
        sub = outlet_subspan(gaz, doc, a, b, cand)
        if sub is None:
            continue
        text = _span_text(doc, *sub)
        if ctx.publisher_keys and _outlet_key(text) <= ctx.publisher_keys:
            return "", text
        return text, text
    return None, None


def outlet_subspan(gaz, doc, a: int, b: int, head) -> tuple[int, int] | None:
    """Token range of the outlet named inside a phrase ("the BBC" in "the BBC's
    defence correspondent Paul Adams"), with its leading "the"."""
    words = _words(doc, a, b)
    hit = gaz.outlets.find(words, _owords(doc, a, b))
    if hit:
        n = len(hit.split())
        for i in range(len(words) - n + 1):
            if " ".join(words[i : i + n]) == hit:
                lo, hi = a + i, a + i + n - 1
                # extend over following proper nouns of the same name ("Reuters news agency")
                while hi + 1 <= b and doc[hi + 1].lower_ in ("news", "agency", "newspaper", "website", "online") :
                    hi += 1
                if lo > a and doc[lo - 1].lower_ == "the":
                    lo -= 1
                return lo, hi
    if is_outlet(gaz, doc, a, b, head):
        return a, b
    return None


def _reduced_relative(v) -> bool:
    """'..., a complaint officials have acknowledged': the verb's subject carries
    an 'a'/'an' that cannot belong to a plural head -- it is the noun the clause
    modifies, so the verb heads a reduced relative clause, not the sentence."""
    subj = subject_of_own(v)
    return subj is not None and subj.tag_ == "NNS" and any(
        c.dep_ == "det" and c.lower_ in ("a", "an") and c.i < subj.i - 1 for c in subj.children)


def subject_of_own(v):
    for c in v.children:
        if c.dep_ in ("nsubj", "nsubjpass"):
            return c
    return None
