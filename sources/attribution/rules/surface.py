"""Surface patterns: reporting cues read off the token sequence where the small
parser's tree hides them.

These run last, on a sentence the tree rules found no attribution in, and only
add one. Each reads the order of words, not the dependency arcs, because the
arcs are what went wrong:

- an opening "X says that ...", "Some note that ...", "The nominee continues to
  insist, ..., that ...", 'Jo Roe, a historian who ..., recalled, "..."' whose
  verb the parser tagged as a noun or hung under a later clause;
- a name fused into a fronted phrase: "In a meeting with the editorial board of
  the Post Trump said that ...";
- a closing ", according to X." whose object the parser read as a clause
  ("according to show insiders").

Rule 8 holds: the speaker phrase must open the sentence (after a conjunction or
a fronted prepositional phrase), so a verb in a relative or subordinate clause
("..., which Washington says", "While his advisers have suggested ...") never
matches.
"""

from __future__ import annotations

from functools import lru_cache

from ..gazetteers import Gazetteers
from .speakers import classify_np
from .helpers import _PRONOUNS_FIRST, NAMED, OFFICIAL, UNATTRIBUTED, Finding, _span_text

_IRREGULAR = {"say": ("said", "says"), "tell": ("told",), "write": ("wrote",), "testify": ("testified", "testifies"),
              "deny": ("denied", "denies"), "reply": ("replied", "replies"), "hold": ("held",),
              "think": ("thought",), "find": ("found",), "feel": ("felt",), "forecast": ("forecast",)}
_LEADS = frozenset({"but", "and", "still", "yet", "so", "now", "however", "meanwhile", "also", "instead", ","})
_NP_POS = frozenset({"DET", "ADJ", "NOUN", "PROPN", "NUM", "PART", "CCONJ"})
_NP_ADV = frozenset({"also", "again", "repeatedly", "forcefully", "flatly", "firmly", "publicly", "privately",
                     "often", "frequently", "long", "previously", "later", "then", "now", "still", "even",
                     "strongly", "quickly", "recently", "insistently", "boldly", "openly", "has", "have", "had"})
_RAISING = frozenset({"continues", "continue", "continued", "keeps", "kept", "went", "goes", "began", "begins"})
_QUOTES = frozenset({"“", "\"", "''", "‘"})
_SUBORD = frozenset({"who", "which", "that", "whom", "whose", "where", "when", "while", "if", "because", "although",
                     "though", "as", "since", "after", "before", "unless", "whether"})
_QUANT = frozenset({"some", "many", "others", "most", "few", "several"})
_CLAUSE_SUBJ = frozenset({"he", "she", "they", "it", "we", "i", "there", "this", "the"})


@lru_cache(maxsize=4)
def _forms(lemmas: frozenset[str]) -> frozenset[str]:
    """Finite forms of the reporting verbs ("says", "said", "claims", "argued")."""
    out = set()
    for lemma in lemmas:
        if " " in lemma:
            continue
        stem = lemma[:-1] if lemma.endswith("e") else lemma
        if lemma.endswith("y") and lemma[-2:-1] not in "aeiou":
            out |= {lemma[:-1] + "ies", lemma[:-1] + "ied"}
        else:
            out |= {lemma + ("es" if lemma.endswith(("s", "sh", "ch", "x")) else "s"), stem + "ed"}
        out.add(lemma)  # the base: "they note that", "experts say"
        out |= set(_IRREGULAR.get(lemma, ()))
    return frozenset(out)


def surface_tag(gaz: Gazetteers, ctx, sent_tokens, quoted, anonymity, finding_from_np) -> Finding | None:
    return (_opening_frame(gaz, ctx, sent_tokens, quoted, anonymity, finding_from_np)
            or _closing_according(gaz, ctx, sent_tokens, quoted, anonymity, finding_from_np))


def _content_follows(doc, k: int, end: int) -> bool:
    """What comes after a reporting verb is its reported content: "that ...", a
    colon, a quotation, a clause with its own subject ("said he would ..."), or
    ", ..., that" after a short adverbial."""
    if k >= end:
        return False
    t = doc[k]
    if t.lower_ == "that" or t.text == ":" or t.text in _QUOTES:
        return True
    if t.text == ",":
        if k + 1 < end and doc[k + 1].text in _QUOTES:
            return True
        # ", most recently in a Labor Day interview with ABC News, that ..."
        for j in range(k + 1, min(k + 16, end)):
            if doc[j].lower_ == "that" and doc[j - 1].text == ",":
                return True
            if doc[j].pos_ == "VERB" and doc[j].tag_ != "VBG":
                return False
        return False
    # "said he would ...", "claims Trump is ..."
    if t.lower_ in _CLAUSE_SUBJ and t.lower_ != "the" or t.pos_ == "PROPN":
        for j in range(k + 1, min(k + 6, end)):
            if doc[j].pos_ in ("VERB", "AUX") and doc[j].tag_ in ("VBD", "VBZ", "VBP", "MD"):
                return True
            if doc[j].is_punct:
                return False
    return False


def _opening_frame(gaz, ctx, sent_tokens, quoted, anonymity, finding_from_np) -> Finding | None:
    doc = sent_tokens.doc
    start, end = sent_tokens.start, sent_tokens.end
    forms = _forms(gaz.reporting_verbs)
    k = start
    while k < end and doc[k].lower_ in _LEADS:
        k += 1
    if k >= end or k in quoted:
        return None
    if doc[k].dep_ == "prep" and doc[k].pos_ == "ADP":
        return _fused_name(gaz, ctx, sent_tokens, k, quoted, anonymity, finding_from_np, forms)
    lo = k
    pieces: list[tuple[int, int]] = []  # the noun phrase and its apposition, comma-separated
    j = k
    while j < end and j - k < 24:
        t = doc[j]
        low = t.lower_
        if j in quoted:
            return None
        if low in ("who", "which", "whom", "whose") and pieces and doc[j - 1].pos_ == "NOUN":
            # "Jo Roe, a historian who attended the session, recalled": a relative
            # clause inside the apposition, closed by the comma before the verb
            close = next((i for i in range(j, min(j + 14, end)) if doc[i].text == ","), None)
            if close is None:
                return None
            j = close
            continue
        if low in _SUBORD:
            return None
        if low in forms and (j > lo or pieces) and (t.tag_ in ("VBD", "VBZ", "NNS") or t.tag_ in ("VBP", "NN", "VB") and (
                doc[j - 1].tag_ in ("NNS", "NNPS") or doc[j - 1].lower_ in _QUANT
                or doc[j - 1].lower_ == "to" and doc[j - 2].lower_ in _RAISING)):
            break  # a base form only after a plural ("experts say", "some note") or "continues to"
        if t.text == ",":
            pieces.append((lo, j - 1))
            lo = j + 1
        elif t.pos_ in ("VERB", "AUX"):
            if low not in _RAISING and low not in _NP_ADV and not (t.tag_ == "VBN" and t.dep_ == "amod"):
                return None
        elif t.pos_ == "PRON" and low not in _CLAUSE_SUBJ | _QUANT:
            return None
        elif t.pos_ not in _NP_POS | {"PRON", "ADV", "ADP", "PUNCT"} and low not in _NP_ADV and low != "to":
            return None
        j += 1
    else:
        return None
    if j >= end or len(pieces) > 2:
        return None
    verb = doc[j]
    # the words between the phrase and the verb: adverbs, auxiliaries, "continues to"
    b = j - 1
    while b >= lo and (doc[b].lower_ in _NP_ADV or doc[b].lower_ in _RAISING or doc[b].lower_ == "to"
                       or doc[b].pos_ == "ADV"):
        b -= 1
    if pieces and any(doc[i].pos_ == "PROPN" for i in range(pieces[0][0], pieces[0][1] + 1)):
        a, b = pieces[0]  # "Jo Roe, a historian ..., recalled": the name speaks
    elif pieces:
        return None
    else:
        a = lo
    return _finding(gaz, ctx, doc, a, b, verb, end, anonymity, finding_from_np)


def _fused_name(gaz, ctx, sent_tokens, k, quoted, anonymity, finding_from_np, forms) -> Finding | None:
    """'In a meeting with the board of the Post Trump said that ...': the person's
    name right before a subjectless reporting verb, after a fronted phrase."""
    doc = sent_tokens.doc
    end = sent_tokens.end
    for j in range(k + 2, min(k + 25, end)):
        t = doc[j]
        if t.is_punct or t.lower_ in _SUBORD or j in quoted or t.pos_ in ("VERB", "AUX") and t.lower_ not in forms:
            return None
        if t.lower_ in forms and t.tag_ in ("VBD", "VBZ") and not any(c.dep_ in ("nsubj", "nsubjpass") for c in t.children):
            # the name the article already introduced as a person ("President Trump" ... "Trump")
            name = doc[j - 1]
            low = name.lower_
            if name.pos_ != "PROPN" or not _content_follows(doc, j + 1, end):
                return None
            if low in ctx.officials:
                level, speaker = OFFICIAL, ctx.officials[low]
            else:
                # the same name where the tagger saw it as a person's
                res = None
                for x in doc:
                    if x.lower_ == low and x.ent_type_ == "PERSON" and x.dep_ != "poss" and x.i != name.i:
                        res = classify_np(gaz, ctx, x)
                        if res is not None and res[1] == "person" and res[0] in (OFFICIAL, NAMED):
                            break
                        res = None
                if res is None:
                    return None
                level, speaker = res[0], name.text
            return Finding(level, speaker, "person", t.text, f"name '{name.text}' fused into a fronted phrase + '{t.text}'",
                           cue_token=t.i, person_like=True, named=True)
    return None


def _finding(gaz, ctx, doc, a, b, verb, end, anonymity, finding_from_np) -> Finding | None:
    if a > b or b - a > 10:
        return None
    toks = [doc[i] for i in range(a, b + 1)]
    heads = [t for t in toks if t.pos_ in ("NOUN", "PROPN", "PRON") or t.lower_ in _QUANT]
    if not heads or any(t.pos_ in ("VERB", "AUX") and t.dep_ != "amod" for t in toks):
        return None
    if toks[-1].tag_ == "POS" or toks[-1].dep_ == "poss" or toks[-1].pos_ in ("DET", "ADJ") and toks[-1].lower_ not in _QUANT:
        return None  # "Trump's claims that", "his notes that": the cue is a noun
    head = toks[-1] if toks[-1] in heads else heads[-1]
    if head.lower_ in _PRONOUNS_FIRST:
        return None
    if not _content_follows(doc, verb.i + 1, end):
        return None
    f = finding_from_np(gaz, ctx, head, verb, verb.text, "opening '{speaker}' + '{cue}' (surface)", anonymity)
    if f is None or (f.level == UNATTRIBUTED and not f.pronoun):
        return None
    if f.speaker and not f.pronoun and all(t.pos_ in _NP_POS for t in toks) and toks[0].pos_ != "CCONJ":
        f.speaker = _span_text(doc, a, b)
    return f


def _closing_according(gaz, ctx, sent_tokens, quoted, anonymity, finding_from_np) -> Finding | None:
    """", according to show insiders." with the object misparsed as a clause."""
    doc = sent_tokens.doc
    start, end = sent_tokens.start, sent_tokens.end
    last = end - 1
    while last > start and doc[last].is_punct:
        last -= 1
    for k in range(max(start, last - 8), last):
        if doc[k].lower_ == "according" and doc[k + 1].lower_ == "to" and k > start and doc[k - 1].text in (
                ",", "—", "–") and k not in quoted:
            toks = [doc[i] for i in range(k + 2, last + 1)]
            if not toks or len(toks) > 6 or toks[-1].pos_ not in ("NOUN", "PROPN"):
                return None
            if any(t.is_punct or t.lower_ in _SUBORD for t in toks):
                return None
            f = finding_from_np(gaz, ctx, toks[-1], doc[k], "according to", "closing 'according to' '{speaker}'",
                                anonymity)
            if f is None or f.level == UNATTRIBUTED:
                return None
            if f.speaker:
                f.speaker = _span_text(doc, k + 2, last)
            return f
    return None
