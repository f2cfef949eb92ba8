"""Sentence rules: the governing attribution of one parsed sentence.

The entry point is :func:`attribute_sentence`, which returns a :class:`Finding`
for the governing attribution of the sentence's main clause or ``None`` when the
sentence speaks in the article's own voice.
"""

from __future__ import annotations

from ..gazetteers import Gazetteers, load
from .helpers import (  # noqa: F401
    _INDEF,
    ANON,
    ArticleContext,
    DOCUMENT,
    Finding,
    NAMED,
    OFFICIAL,
    OUTLET,
    OWN,
    UNATTRIBUTED,
    VAGUE,
    _GROWTH_VERBS,
    _OBJ,
    _PRONOUNS_FIRST,
    _PRONOUNS_PERSON,
    _PRONOUNS_PLURAL,
    _PRONOUNS_THING,
    _SPEAK_LEMMAS,
    _SPOKES,
    _owords,
    _span_text,
    _words,
    np_bounds,
)
from .speakers import (  # noqa: F401
    _poll_share,
    unnamed_polls,
    _appos_name,
    classify_np,
    known_org,
)
from .surface import surface_tag
from .clauses import (  # noqa: F401
    _agentless_passive,
    _find_via,
    _inverted_subject,
    _reduced_relative,
    has_clausal_complement,
    hedge_phrase,
    is_tag,
    main_verbs,
    subject_of,
    subject_of_own,
)


def _finding_from_np(gaz, ctx, head, v, cue, reason_fmt, anonymity, tag=False):
    low = head.lower_
    if (head.pos_ == "PRON" and low not in gaz.vague_groups) or low in (
            _PRONOUNS_PERSON | _PRONOUNS_THING | _PRONOUNS_PLURAL | _PRONOUNS_FIRST):
        if low not in _PRONOUNS_PERSON | _PRONOUNS_THING | _PRONOUNS_PLURAL:
            return None
        return Finding(UNATTRIBUTED, None, None, cue, "", pronoun=low, cue_token=v.i, tag=tag)
    res = classify_np(gaz, ctx, head, anonymity)
    if res is None:
        return None
    level, kind, text, a, b, person_like, named = res
    f = Finding(level, text, kind, cue, reason_fmt.format(cue=cue, speaker=text), cue_token=v.i, tag=tag,
                person_like=person_like, named=named)
    f.extra["plural"] = head.tag_ in ("NNS", "NNPS")
    if level == DOCUMENT and (_poll_share(head) or unnamed_polls(head)):
        # "47 percent": respondents; "Polls show": polls no one names -- not sources to store
        f.extra["not_source"] = True
    if kind == "person" and head.pos_ != "PROPN":
        # a later "she said" resolves to the name itself, not its introduction (rule 9)
        name = _appos_name(gaz, ctx, head)
        if name is not None:
            f.extra["name"] = _span_text(head.doc, *np_bounds(name))
    return f


_ANONYMITY_PHRASES = (
    "anonymity", "not authorized", "not authorised", "declined to be named", "asked not to be",
    "not to be named", "not to be identified", "speaking anonymously", "spoke anonymously",
    "on background", "requested anonymity", "not permitted to")


def sentence_anonymity(sent_tokens) -> bool:
    """The sentence grants its source anonymity ("spoke on condition of anonymity")."""
    lowered = " " + sent_tokens.text.lower() + " "
    return any(p in lowered for p in _ANONYMITY_PHRASES)


def attribute_sentence(
    sent_tokens, ctx: ArticleContext, gaz: Gazetteers | None = None, quoted: frozenset[int] | None = None
) -> Finding | None:
    """The governing attribution of one sentence (tokens ``doc[start:end]``).

    ``quoted`` holds the doc indices of tokens inside quotation marks: a
    reporting verb inside a quote is the quoted speaker's, not the article's.
    """
    gaz = gaz or load()
    quoted = quoted or frozenset()
    doc = sent_tokens.doc
    start, end = sent_tokens.start, sent_tokens.end
    roots = [t for t in sent_tokens if t.dep_ == "ROOT" or t.head.i < start or t.head.i >= end]
    roots = [t for t in roots if not t.is_space and not t.is_punct]
    if not roots:
        return None
    root = roots[0]
    anonymity = sentence_anonymity(sent_tokens)

    mains = main_verbs(root)
    for r in roots[1:]:
        mains.extend(main_verbs(r))
    candidates: list = []  # (priority, order, verb)
    seen = set()

    def consider(v, prio):
        if v.i not in seen:
            seen.add(v.i)
            candidates.append((prio, v.i, v))

    for k, v in enumerate(mains):
        if _reduced_relative(v):
            # "Residents say ..., a complaint county officials have acknowledged.":
            # the parser made the trailing relative clause the root; the clause
            # before it is the main one (rule 8)
            for c in v.children:
                if c.dep_ == "ccomp" and c.i < v.i:
                    consider(c, 1)
                    mains.append(c)
            continue
        consider(v, 1 if k == 0 else 3)
        for c in v.children:
            if c.dep_ == "parataxis":
                consider(c, 2)
            elif c.dep_ == "advcl" and c.tag_ == "VBG" and c.i > v.i and subject_of_own(c) is None:
                consider(c, 4)
                # "..., calling it a disgrace and insisting that ...": the participles coordinated with it
                for g in c.children:
                    if g.dep_ == "conj" and g.tag_ == "VBG" and subject_of_own(g) is None:
                        consider(g, 4)
            elif c.dep_ == "ccomp" and c.i > v.i:
                # trailing tags parsed as the complement's head: '"...", X said'
                consider(c, 5)
            elif c.dep_ in ("xcomp", "advcl") and v.lemma_.lower() in _RAISING_VERBS and c.i > v.i and (
                    c.dep_ == "xcomp" or any(g.dep_ == "aux" and g.lower_ == "to" for g in c.children)):
                # "continues to insist that ...", "went on to say": the speech is the main act
                consider(c, 2)
            elif c.dep_ == "prep" and c.lower_ == "by":
                # "responded by saying ...", "began by telling them ...", "landed in trouble
                # by saying ...": a statement as the means is what the sentence reports
                for g in c.children:
                    if g.dep_ == "pcomp" and g.tag_ == "VBG" and (
                            v.lemma_.lower() in _BY_VERBS or g.lemma_.lower() in _SAYING or (
                                g.lemma_.lower() in gaz.reporting_verbs and has_clausal_complement(g))):
                        consider(g, 4)
    # "The mayor is stressing that ...: a, b and c." parsed with the reporting verb as
    # the complement of a later verb: an opening "X says that" frames the sentence
    for t in sent_tokens:
        if t.dep_ != "ccomp" or t.head.i <= t.i or t.i in quoted or t.i in seen:
            continue
        if t.lemma_.lower() not in gaz.reporting_verbs or t.pos_ != "VERB":
            continue
        subj = subject_of_own(t)
        if subj is None or subj.pos_ not in ("PROPN", "NOUN"):
            continue
        lead = subj.left_edge.i
        while lead > start and doc[lead - 1].lower_ in ("but", "and", "still", ",", "yet", "so", "now"):
            lead -= 1
        if lead == start and any(c.dep_ == "ccomp" and c.i > t.i for c in t.children):
            consider(t, 0)
            mains.append(t)
        break
    # quote tags anywhere (", the source added," / "..., sources told the Herald.")
    for t in sent_tokens:
        if t.pos_ in ("VERB", "AUX") and t.lemma_.lower() in gaz.reporting_verbs and t.i not in seen:
            if is_tag(t, start, end):
                consider(t, 0 if t.i > root.i or t.dep_ != "ROOT" else 1)
    # "X was timing: Washington insisted ...": the clause after a colon elaborates
    # the one before it, which stays the main clause.
    colon = next((t.i for t in sent_tokens if t.text == ":" and t.i not in quoted), None)
    if colon is not None and root.i > colon and any(
        t.dep_ in ("nsubj", "nsubjpass") for t in doc[start:colon]
    ):
        candidates = [c for c in candidates if c[1] < colon or is_tag(c[2], start, end)]
    candidates = [c for c in candidates if c[1] not in quoted]
    candidates.sort(key=lambda x: (x[0], x[1]))

    best: Finding | None = None
    fronted = fronted_according(sent_tokens)
    if fronted is not None:
        best = _according_to(gaz, ctx, [fronted.head] if fronted.head is not fronted else [fronted],
                             start, end, anonymity, only=fronted)
    for _prio, _i, v in ([] if best is not None else candidates):
        f = _verb_finding(gaz, ctx, v, start, end, anonymity, mains)
        if f is not None:
            best = f
            break
    if best is None:
        best = _according_to(gaz, ctx, mains, start, end, anonymity)
    elif best.extra.get("act"):
        # "X has sanctioned the budget, according to insiders": the act is what the
        # sources tell; whoever the sentence cites for it governs (rule 2)
        best = _according_to(gaz, ctx, mains, start, end, anonymity) or best
    if best is None:
        best = _fronted_tag(gaz, ctx, sent_tokens, quoted, anonymity)
    if best is None:
        best = _loose_tag(gaz, ctx, sent_tokens, quoted, anonymity)
    if best is None:
        best = _as_clause(gaz, ctx, sent_tokens, quoted, anonymity, root)
    if best is None:
        best = _issued_record(gaz, ctx, mains, quoted, anonymity)
    if best is None:
        best = _copular_speech(gaz, ctx, root, quoted, anonymity)
    if best is None:
        best = _trailing_record_tag(gaz, sent_tokens)
    if best is None:
        best = _hedges(gaz, mains, start, end)
    if best is None:
        best = _subject_hedge(gaz, mains)
    if best is None:
        best = surface_tag(gaz, ctx, sent_tokens, quoted, anonymity, _finding_from_np)
    if best is not None:
        # later speakers of coordinated clauses ("..., and Trump has suggested ...")
        # are the nearest antecedents for the next sentence's "he"
        later = []
        for subj in sent_tokens:
            if subj.dep_ != "nsubj" or subj.i <= best.cue_token or subj.i in quoted:
                continue
            if subj.ent_type_ != "PERSON" and not (subj.pos_ == "PROPN" and subj.lower_ in ctx.officials):
                continue
            v = subj.head
            if v.lemma_.lower() in gaz.reporting_verbs or v.lemma_.lower() in gaz.speech_acts:
                later.append(subj)
        if later:
            res = classify_np(gaz, ctx, later[-1], anonymity)
            if res is not None:
                best.extra["later_person"] = Finding(res[0], res[2], res[1], "", "", person_like=True, named=True)
    return best


def _quote_follows(v, end: int) -> bool:
    """'..., writing "Feels great to ..."', 'tweeted in response: "..."': a quotation
    opening right after the verb (or its short adverbial) is its complement."""
    doc = v.doc
    for i in range(v.i + 1, min(v.i + 5, end)):
        t = doc[i]
        if t.text in ("“", "\"", "''", "‘") and i + 1 < end and not doc[i + 1].is_punct:
            return True
        if t.text == ":":
            continue
        if t.is_punct or t.pos_ in ("VERB", "AUX", "NOUN", "PROPN", "PRON") and t.dep_ not in ("pobj", "npadvmod"):
            return False
    return False


_SAYING = frozenset({"say", "tell", "write", "add", "claim", "warn", "argue", "insist", "tweet", "admit"})
_REBUT_VERBS = frozenset({"reject", "refute", "contest", "rebut", "challenge", "question"})
_CLAIM_NOUNS = frozenset({"characterisation", "characterization", "claim", "allegation", "accusation", "suggestion",
                          "assertion", "notion", "idea", "report", "account", "description", "criticism", "charge",
                          "premise", "narrative", "assessment", "conclusion", "finding", "argument"})
_RAISING_VERBS = frozenset({"continue", "keep", "appear", "seem", "go", "begin", "start", "proceed", "repeat",
                            "hasten", "rush", "tend", "like", "love", "dare"})
_BY_VERBS = frozenset({"respond", "react", "reply", "begin", "start", "open", "close", "end", "finish", "conclude",
                       "answer", "counter", "punctuate", "kick", "wrap"})
_TAG_FORMS = frozenset({"VBD", "VBZ", "VBP"})


_TAG_OPENERS = frozenset({",", "”", "\"", "''", "—", "–"})
_PLAIN_NP = frozenset({"DET", "ADJ", "NOUN", "PROPN", "PART", "NUM"})


def _loose_tag(gaz, ctx, sent_tokens, quoted, anonymity) -> Finding | None:
    """A parenthetical or trailing tag the parser did not attach as one:
    "Democrats, the author notes, applaud ...", "The motive, police said: ...",
    "..., its chair, Ruth Okafor, said on Monday.", '..." City police Chief Ann
    Bell said Monday.', '..., Ann Bell, a fellow at the institute, said.' -- a
    finite reporting verb right after a short noun phrase (or a name and its role)
    opened by a comma, a closing quote or a dash, and closed by punctuation or
    the sentence end. Read off the token sequence, since the small parser often
    hangs these phrases on the wrong head."""
    doc = sent_tokens.doc
    start, end = sent_tokens.start, sent_tokens.end
    for t in sent_tokens:
        if t.i in quoted or t.i - start < 3:
            continue
        lemma = t.lemma_.lower()
        if t.tag_ == "NNS" and t.lower_.endswith("s") and t.lower_ != "reports":
            lemma = t.lower_[:-1]  # "..., the doctor maintains." tagged as a plural noun
        elif t.tag_ not in _TAG_FORMS:
            continue
        if lemma not in gaz.reporting_verbs and lemma not in gaz.speech_acts:
            continue
        if any(c.dep_ in ("nsubj", "nsubjpass") for c in t.children) and t.dep_ in ("ROOT", "ccomp", "parataxis"):
            continue  # an ordinary clause: the verb rules saw it
        nxt = t.i + 1
        while nxt < end and doc[nxt].dep_ in ("npadvmod", "advmod", "prep", "pobj", "det", "compound", "amod") \
                and doc[nxt].text not in (",", ":", ".") and nxt - t.i <= 4:
            nxt += 1
        if nxt < end and doc[nxt].text not in (",", ":", ".", ";", "—", "–") or nxt - t.i > 4:
            continue
        # the comma-separated pieces before the verb, nearest first
        k = t.i - 1
        if doc[k].text == ",":
            k -= 1
        pieces = []
        while len(pieces) < 2 and k >= start:
            j = k
            while j >= start and doc[j].text not in _TAG_OPENERS and k - j < 9:
                j -= 1
            if j <= start or doc[j].text not in _TAG_OPENERS or j == k:
                break
            pieces.append((j + 1, k))
            if doc[j].text != ",":
                break  # a closing quote or a dash opens the tag
            k = j - 1
        if not pieces:
            continue
        lo, hi = pieces[0]
        phrase = [doc[i] for i in range(lo, hi + 1)]
        if phrase[0].pos_ == "SCONJ" or phrase[0].lower_ in ("if", "when", "while", "because", "although"):
            continue
        names = [x for x in phrase if x.pos_ == "PROPN" and x.ent_type_ == "PERSON"]
        head = None
        if len(pieces) == 2 and not names and any(x.pos_ == "NOUN" and _human_noun_tok(gaz, x) for x in phrase):
            # "Ann Bell, a fellow at the institute, said": the name before the role speaks
            lo2, hi2 = pieces[1]
            earlier = [doc[i] for i in range(lo2, hi2 + 1)]
            if all(x.pos_ in ("PROPN", "PUNCT") for x in earlier) and any(x.ent_type_ == "PERSON" for x in earlier):
                head, lo, hi, phrase = earlier[-1], lo2, hi2, earlier
        if head is None:
            if any(x.is_punct or x.pos_ in ("VERB", "AUX") and not x.text[:1].isupper() for x in phrase):
                continue
            nouns = [x for x in phrase if x.pos_ in ("NOUN", "PROPN", "PRON")]
            if not nouns:
                continue
            head = names[-1] if names else nouns[-1]
            if len(pieces) == 2 and not names and any(doc[i].ent_type_ == "PERSON" for i in range(*pieces[1])) is False:
                pass
        if head.lower_ in _PRONOUNS_FIRST:
            continue
        f = _finding_from_np(gaz, ctx, head, t, t.text, "parenthetical tag '{cue}': '{speaker}'", anonymity, True)
        if f is None and head.pos_ == "NOUN" and _human_noun_tok(gaz, head) and all(
                x.pos_ in _PLAIN_NP for x in phrase):
            # rule 15 on a phrase the parser split: "the candidate's former doctor"
            first = phrase[0].lower_
            level = ANON if first in _INDEF else NAMED if first == "the" or any(
                x.tag_ == "POS" or x.dep_ == "poss" for x in phrase) else None
            if level is not None:
                text = _span_text(doc, lo, hi)
                f = Finding(level, text, "anonymous" if level == ANON else "person", t.text,
                            f"parenthetical tag '{t.text}': '{text}'", cue_token=t.i, tag=True, person_like=True)
        if f is None or (f.level == UNATTRIBUTED and not f.pronoun):
            continue
        a, b = np_bounds(head)
        if f.speaker and lo < a and b <= hi and all(x.pos_ in _PLAIN_NP for x in phrase):
            # the parser cut the phrase short ("the author" as a compound of "notes")
            f.speaker = _span_text(doc, lo, hi)
        return f
    return None


_FRONTED_TAGS = frozenset({"said", "says", "added", "adds", "wrote", "writes", "noted", "notes", "explained",
                           "recalled", "argued", "asked", "replied", "warned", "tweeted"})


def _fronted_tag(gaz, ctx, sent_tokens, quoted, anonymity) -> Finding | None:
    """'Said Pratt: "..."', 'Added the senator, "..."': an inverted tag that opens
    the sentence and introduces the quotation after it."""
    doc = sent_tokens.doc
    start, end = sent_tokens.start, sent_tokens.end
    first = doc[start]
    if first.lower_ not in _FRONTED_TAGS or first.i in quoted:
        return None
    for k in range(start + 2, min(start + 10, end)):
        if doc[k].text in (":", ",") and k + 1 < end and (
                doc[k + 1].text in ("“", "\"", "''", "‘") or doc[k].text == ":"):
            nouns = [t for t in doc[start + 1 : k] if t.pos_ in ("PROPN", "NOUN")]
            if not nouns or any(t.pos_ in ("VERB", "AUX") and not t.text[:1].isupper() for t in doc[start + 1 : k]):
                return None
            f = _finding_from_np(gaz, ctx, nouns[-1], first, first.text, "fronted tag '{cue}': '{speaker}'", anonymity,
                                 True)
            if f is not None and f.speaker and f.level != UNATTRIBUTED:
                f.speaker = _span_text(doc, start + 1, k - 1)
            return f
    return None


def _human_noun_tok(gaz, tok) -> bool:
    from .speakers import _human_noun

    return _human_noun(gaz, tok)


def _as_clause(gaz, ctx, sent_tokens, quoted, anonymity, root) -> Finding | None:
    """'As the Ledger reported, ...', 'As the senator acknowledges: "..."': an "as"
    clause of reporting with no object of its own attributes the clause it
    introduces (the reported content is the main clause)."""
    for t in sent_tokens:
        if t.dep_ != "advcl" or t.i in quoted or t.head.i != root.i or t.pos_ != "VERB":
            continue
        lemma = t.lemma_.lower()
        if lemma not in gaz.reporting_verbs and lemma not in gaz.speech_acts:
            continue
        if not any(c.dep_ == "mark" and c.lower_ == "as" for c in t.children):
            continue
        if any(c.dep_ in ("dobj", "ccomp", "nsubjpass", "xcomp") for c in t.children):
            continue
        subj = next((c for c in t.children if c.dep_ == "nsubj"), None)
        if subj is None and t.tag_ == "VBN":
            # "As stated in the senator's commentary, ...", "As reported by the Ledger, ..."
            f = _as_passive(gaz, ctx, t, anonymity)
            if f is not None:
                return f
            continue
        if subj is None or any(c.dep_ == "auxpass" for c in t.children):
            continue
        f = _finding_from_np(gaz, ctx, subj, t, t.text, "'as' clause '{cue}': '{speaker}'", anonymity, False)
        if f is not None:
            return f
    return None


_RESPONSE_NOUNS = frozenset({"response", "reaction", "answer", "reply", "retort", "rejoinder", "message", "argument",
                             "defense", "defence", "explanation", "instinct", "advice", "verdict", "pitch"})


_POSSESSIVE_PRONOUNS = {"his": "he", "her": "she", "their": "they", "its": "it"}


def _copular_speech(gaz, ctx, root, quoted, anonymity) -> Finding | None:
    """A main clause that is only a frame for the speech in it (rule 8's
    exception: the clause carries the news):

    - 'there are some economists who argue that ...', 'X is among those who say ...':
      the people of the relative clause speak;
    - 'his best response was to say he would ...', 'their reaction is to tell the
      public that ...': whoever owns the response speaks.
    """
    if root.lemma_.lower() != "be" or root.i in quoted:
        return None
    kids = list(root.children)
    expl = any(c.dep_ == "expl" for c in kids)
    for c in kids:
        nouns = []
        if c.dep_ == "attr" and expl:
            nouns = [c]
        elif c.dep_ == "prep" and c.lower_ == "among":
            nouns = [g for g in c.children if g.dep_ == "pobj"]
        for n in nouns:
            rel = next((g for g in n.children if g.dep_ == "relcl" and g.lemma_.lower() in gaz.reporting_verbs
                        and g.i not in quoted and has_clausal_complement(g)
                        and any(h.dep_ == "nsubj" and h.lower_ in ("who", "that") for h in g.children)), None)
            if rel is None:
                continue
            who = n if expl else subject_of_own(root)
            if who is None:
                return None
            f = _finding_from_np(gaz, ctx, who, rel, rel.text, "'{speaker}' in a frame clause '{cue}'", anonymity)
            if f is None or (f.level == UNATTRIBUTED and not f.pronoun):
                return None
            if expl and f.speaker and not f.pronoun:
                a, _b = np_bounds(n)  # the people, without the clause they speak in
                f.speaker = _span_text(n.doc, a, rel.left_edge.i - 1) if rel.left_edge.i > a else f.speaker
            return f
    # "his best response was to say ...": the owner of the response
    say = next((c for c in kids if c.dep_ in ("xcomp", "ccomp") and c.lemma_.lower() in gaz.reporting_verbs
                and c.i not in quoted and any(g.lower_ == "to" for g in c.lefts) and has_clausal_complement(c)), None)
    subj = subject_of_own(root)
    if say is None or subj is None:
        return None
    for n in [subj] + [c for c in subj.children if c.dep_ == "conj"]:
        if n.lemma_.lower() in _RESPONSE_NOUNS:
            owner = next((g for g in n.children if g.dep_ == "poss"), None)
            if owner is None:
                return None
            pron = _POSSESSIVE_PRONOUNS.get(owner.lower_)
            if pron is not None:  # "his response": the "he" the next sentences resolve
                return Finding(UNATTRIBUTED, None, None, say.text, "", pronoun=pron, cue_token=say.i)
            f = _finding_from_np(gaz, ctx, owner, say, say.text, "'{speaker}'s " + n.text + " is to '{cue}'", anonymity)
            return f if f is not None and (f.level != UNATTRIBUTED or f.pronoun) else None
    return None


_ISSUE_VERBS = frozenset({"issue", "release", "publish", "put", "send", "post", "circulate", "distribute", "file",
                          "unveil", "deliver", "produce", "submit"})


def _issued_record(gaz, ctx, mains, quoted, anonymity) -> Finding | None:
    """'X issued a statement saying ...', 'He released a letter from his doctor that
    says ...': the statement's or the record's clause is the sentence's news (the
    exception of rule 8), so it is attributed -- a statement to its issuer, a
    record to the record."""
    for v in mains[:2]:
        if v.lemma_.lower() not in _ISSUE_VERBS or v.i in quoted:
            continue
        for n in v.children:
            if n.dep_ not in _OBJ or n.pos_ != "NOUN":
                continue
            lemma = n.lemma_.lower()
            statement = lemma in gaz.statement_nouns
            if not statement and lemma not in gaz.documents.entries and n.lower_ not in gaz.documents.entries:
                continue
            end = v.sent.end
            says = next((c for c in n.children if c.dep_ in ("acl", "relcl") and c.lemma_.lower() in gaz.reporting_verbs
                         and c.i not in quoted and (c.tag_ == "VBG" or c.dep_ == "relcl")
                         and (has_clausal_complement(c) or _quote_follows(c, end))), None)
            if says is None:
                continue
            if statement:
                subj = subject_of(v)
                if subj is None:
                    return None
                f = _finding_from_np(gaz, ctx, subj, says, says.text, "'{speaker}' issued a statement '{cue}'",
                                     anonymity)
                return f if f is not None and (f.level != UNATTRIBUTED or f.pronoun) else None
            a, b = np_bounds(n)
            text = _span_text(v.doc, a, b)
            return Finding(DOCUMENT, text, "document", says.text, f"record '{text}' {says.text}", cue_token=says.i)
    return None


def _as_passive(gaz, ctx, t, anonymity) -> Finding | None:
    for c in t.children:
        if not (c.dep_ == "agent" or c.dep_ == "prep" and c.lower_ in ("in", "by")):
            continue
        pobj = next((g for g in c.children if g.dep_ == "pobj"), None)
        if pobj is None or pobj.pos_ not in ("NOUN", "PROPN"):
            continue
        f = _finding_from_np(gaz, ctx, pobj, t, t.text, "'as' clause '{cue}' in/by '{speaker}'", anonymity)
        if f is not None and f.level != UNATTRIBUTED:
            return f
        owner = next((g for g in pobj.children if g.dep_ == "poss"), None)
        if owner is not None and pobj.pos_ == "NOUN":
            # "in Davis' commentary": what the owner wrote
            f = _finding_from_np(gaz, ctx, owner, t, t.text, "'as' clause '{cue}' in the words of '{speaker}'", anonymity)
            if f is not None and f.level != UNATTRIBUTED and not f.pronoun:
                a, b = np_bounds(pobj)
                f.speaker = _span_text(t.doc, a, b)
                return f
    return None


_AUTHOR_VERBS = frozenset({"send", "write", "sign", "author", "draft", "pen", "circulate"})


def _remember_writer(ctx: ArticleContext, subj) -> None:
    """'The memo, sent by hardware chief Oren Malik, says ...': Malik wrote the record."""
    for c in subj.children:
        if c.dep_ == "acl" and c.tag_ == "VBN" and c.lemma_.lower() in _AUTHOR_VERBS:
            for ag in c.children:
                if ag.dep_ == "agent":
                    for o in ag.children:
                        if o.dep_ == "pobj" and o.pos_ == "PROPN":
                            ctx.record_writers.add(o.lower_)


_FINDING_FORMS = frozenset({"show", "shows", "showed", "suggest", "suggests", "indicate", "indicates"})


def _trailing_record_tag(gaz, sent_tokens) -> Finding | None:
    """'..., data compiled by Ledgerline show.': a record tag after the last comma,
    which the small parser often mistakes for a noun phrase ('Ledgerline show')."""
    toks = [t for t in sent_tokens if not (t.is_punct and t.text != ",")]
    if len(toks) < 4 or toks[-1].lower_ not in _FINDING_FORMS:
        return None
    k = max((i for i, t in enumerate(toks) if t.text == ","), default=None)
    if k is None or len(toks) - k - 2 > 8 or k + 1 >= len(toks) - 1:
        return None
    first = next((t for t in toks[k + 1 : -1] if t.pos_ in ("NOUN", "PROPN")), None)
    if first is None or not (first.lemma_.lower() in gaz.documents.entries or first.lower_ in gaz.documents.entries):
        return None
    doc = sent_tokens.doc
    a, b = toks[k + 1].i, toks[-2].i
    while a < b and doc[a].lower_ in ("and", "but"):
        a += 1
    phrase = _span_text(doc, a, b)
    return Finding(DOCUMENT, phrase, "document", toks[-1].text, f"record tag '{phrase} {toks[-1].text}'",
                   cue_token=toks[-1].i, tag=True)


def _subject_hedge(gaz, mains) -> Finding | None:
    """'The announcement, widely interpreted in X as a prelude, ...' (rule 12)."""
    for v in mains[:1]:
        subj = subject_of_own(v)
        if subj is None:
            continue
        for c in subj.children:
            if c.dep_ == "acl" and c.lemma_.lower() in gaz.hedge_passive and c.tag_ == "VBN":
                adv = [g for g in c.lefts if g.dep_ == "advmod" and g.lower_ == "widely"]
                if not adv:
                    continue
                doc = v.doc
                hi = c.i
                for g in c.rights:
                    if g.dep_ == "prep" and g.lower_ == "as":
                        break
                    hi = g.right_edge.i
                phrase = _span_text(doc, adv[0].i, hi)
                return Finding(VAGUE, phrase, None, phrase, f"hedge on the subject: '{phrase}'", cue_token=c.i)
    return None


_NO_COMMENT_VERBS = frozenset({"decline", "refuse"})


_COMMENT_VERBS = frozenset({"comment", "discuss", "respond", "elaborate", "say", "answer", "speak", "address"})


def _speaking_participle(v, subj) -> bool:
    """'X, speaking to reporters, did not rule out ...': a participle of speaking
    on the verb or its subject."""
    cands = list(v.children) + (list(subj.children) if subj is not None else [])
    return any(c.dep_ in ("advcl", "acl") and c.tag_ == "VBG" and c.lemma_.lower() in _SPEAK_LEMMAS
               and subject_of_own(c) is None for c in cands)


def _speech_vehicle(gaz, v) -> bool:
    """'addressed the layoffs in a post on X', 'defended it in an interview'."""
    for c in v.children:
        if c.dep_ == "prep" and c.lower_ == "in":
            for n in c.children:
                if n.dep_ == "pobj":
                    words = [t.lower_ for t in n.lefts if t.dep_ == "compound"] + [n.lower_]
                    if n.lemma_.lower() in gaz.speech_vehicles or " ".join(words[-2:]) in gaz.speech_vehicles:
                        return True
    return False


def _is_request(v) -> bool:
    """'asked the court to impose ...' (addressee + to-infinitive) or 'asked for a
    sentence of eight years' / 'called for an inquiry' (a 'for' object)."""
    kids = list(v.children)
    # "requested anonymity to discuss ...": how the source was granted anonymity, not a claim
    if any(c.dep_ in _OBJ and c.lemma_.lower() == "anonymity" for c in kids):
        return False
    if any(c.dep_ == "xcomp" and any(g.dep_ == "aux" and g.lower_ == "to" for g in c.children) for c in kids):
        return any(c.dep_ in _OBJ or c.dep_ == "nsubj" and c.i > v.i for c in kids) or any(
            c.dep_ == "xcomp" and any(g.dep_ == "nsubj" for g in c.children) for c in kids)
    return any(c.dep_ == "prep" and c.lower_ == "for" and any(g.dep_ == "pobj" for g in c.children) for c in kids)


def _as_evidence_that(gaz, v) -> bool:
    for c in v.children:
        if c.dep_ == "prep" and c.lower_ == "as":
            for n in c.children:
                if n.dep_ == "pobj" and n.lemma_.lower() in gaz.evidence_nouns and any(
                        g.dep_ in ("acl", "ccomp") and any(m.dep_ == "mark" and m.lower_ == "that" for m in g.children)
                        for g in n.children):
                    return True
    return False


# verbs of saying only people take: their subject speaks even when no list knows the word
_PEOPLE_VERBS = frozenset({"say", "tell", "argue", "insist", "claim", "admit", "deny", "complain", "contend",
                           "acknowledge", "add", "assert", "maintain", "concede", "vow", "boast", "joke", "allege",
                           "retort", "reply", "recall", "testify", "lament", "quip", "exclaim", "grumble"})


def _people_subject(gaz, subj, v, tag) -> Finding | None:
    """'Cement makers argue that ...', 'Mourners say ...', 'The families said ...': a
    common noun no list knows, the subject of a verb only people take with what
    they said. An unspecific plural is a vague group (rule 12); one individual
    by an indefinite description is anonymous, a definite group or individual
    points back to people the article identified (rule 15)."""
    if subj.pos_ != "NOUN" or v.tag_ == "VBG" or not (
            subj.text.islower() or subj.is_sent_start and subj.text[1:].islower()):
        return None  # (a participle's "subject", a subhead run into the sentence)
    institution = subj.lemma_.lower() in gaz.institutions or subj.lower_ in gaz.institutions
    doc = subj.doc
    a, b = np_bounds(subj)
    if any(doc[i].pos_ in ("VERB", "AUX") and doc[i].dep_ not in ("amod", "compound") for i in range(a, b + 1)):
        return None
    text = _span_text(doc, a, b)
    dets = {c.lower_ for c in subj.children if c.dep_ in ("det", "poss", "predet")}
    definite = bool(dets & {"the", "these", "those", "his", "her", "their", "its", "our", "my", "your"}) or any(
        c.dep_ == "poss" for c in subj.children)
    if "our" in dets or "my" in dets:
        return None  # the publisher's own voice is the rules' business
    plural = subj.tag_ == "NNS"
    if institution and (definite or not plural):
        return None  # "the company said" is the institution's: the speaker rules' business
    if plural and not definite:
        level, kind = VAGUE, "group"
    elif definite:
        level, kind = NAMED, "person"
    elif dets & {"a", "an", "one", "another"}:
        level, kind = ANON, "anonymous"
    else:
        return None
    return Finding(level, text, kind, v.text, f"people ('{text}') who '{v.text}'", cue_token=v.i, tag=tag,
                   person_like=not plural, named=False)


def _verb_finding(gaz, ctx, v, start, end, anonymity, mains) -> Finding | None:
    doc = v.doc
    lemma = v.lemma_.lower()
    if v.pos_ not in ("VERB", "AUX") and not (
            v.pos_ == "NOUN" and v.dep_ == "ROOT" and v.tag_ == "NNS" and lemma in gaz.reporting_verbs
            and any(c.dep_ == "nsubj" for c in v.children) and any(c.dep_ == "ccomp" for c in v.children)):
        return None  # (a root "claims"/"notes" with a subject and a clause is the verb, mis-tagged)
    # "did not say whether ...", "does not answer whether ...": no assertion
    if any(c.dep_ == "neg" for c in v.children) and any(
            c.dep_ == "ccomp" and any(m.dep_ == "mark" and m.lower_ in ("whether", "if") for m in c.children)
            for c in v.children):
        return None
    tag = is_tag(v, start, end)
    subj = subject_of(v)
    if subj is not None and not start <= subj.i < end:
        subj = None
    if subj is not None and subj.i > v.i + 3 and doc[v.i - 1].text == "," and v.i - 2 >= start:
        # '..." Roe, a top adviser, said Thursday on "Morning Desk."': a
        # "subject" far after the verb is a misparsed title; the speaker is the
        # phrase that closes before the verb
        t = doc[v.i - 2]
        while t.dep_ == "appos" and t.head.i < t.i and t.head.pos_ == "PROPN" and t.head.i >= start:
            t = t.head
        subj = t if t.pos_ in ("PROPN", "NOUN") else None
    if subj is None and lemma in gaz.reporting_verbs and v.i > start and (tag or doc[v.i - 1].text in (",", "”", "\"")):
        subj = _inverted_subject(v)
    reporting = lemma in gaz.reporting_verbs or lemma in gaz.speech_acts
    if subj is None:
        return None

    # passive "the BBC News Website was told" / "X was told by officials"
    if v.tag_ == "VBN" and any(c.dep_ == "auxpass" for c in v.children):
        if not reporting:
            return None
        agent = next((c for c in v.children if c.dep_ == "agent"), None)
        if agent is not None:
            pobj = next((c for c in agent.children if c.dep_ == "pobj"), None)
            if pobj is not None:
                return _finding_from_np(gaz, ctx, pobj, v, v.text, "agent of '{cue}': '{speaker}'", anonymity, tag)
        # '"described as "a breach" by the agency"': the parser hung the agent on the
        # complement; the first "by" phrase after the verb is still its agent
        for t in doc[v.i + 1 : end]:
            if t.dep_ == "prep" and t.lower_ == "by" and t.head.i != v.i:
                pobj = next((c for c in t.children if c.dep_ == "pobj"), None)
                if pobj is not None and pobj.pos_ in ("PROPN", "NOUN"):
                    f = _finding_from_np(gaz, ctx, pobj, v, v.text, "agent of '{cue}': '{speaker}'", anonymity, tag)
                    if f is not None and f.level not in (UNATTRIBUTED,):
                        return f
                break
        if lemma == "tell":
            a, b = np_bounds(subj)
            lo, hi = hedge_phrase(v)
            phrase = _span_text(doc, min(a, lo), max(v.i, b))
            return Finding(ANON, phrase, "anonymous", v.text, f"passive '{v.text}' with no source: '{phrase}'",
                           cue_token=v.i, tag=tag)
        return None

    clausal = has_clausal_complement(v) or tag or _quote_follows(v, end) or (
        # "continues to insist, ..., that ...": the clause hangs on the raising verb
        v.dep_ == "xcomp" and v.head.lemma_.lower() in _RAISING_VERBS and has_clausal_complement(v.head))
    ok_verb = (lemma in gaz.reporting_verbs and clausal) or lemma in gaz.speech_acts
    # "did not mention the project": a speech act that did not happen asserts nothing
    if ok_verb and not clausal and lemma not in gaz.reporting_verbs and any(c.dep_ == "neg" for c in v.children):
        return None
    # "declined to comment", "refused to discuss the matter": no assertion is made
    if lemma in _NO_COMMENT_VERBS and any(c.dep_ == "xcomp" and c.lemma_.lower() in _COMMENT_VERBS for c in v.children):
        return None
    # "Reese, speaking to reporters, did not rule out leaving", "addressed the
    # layoffs in a post on X": a speech participle or a speech vehicle makes the
    # main clause the subject's statement (journalistic convention)
    if not ok_verb and v in mains and (_speaking_participle(v, subj) or _speech_vehicle(gaz, v)):
        ok_verb = True
    # "must report to prison", "reports to the board": 'report' meaning go/answer to, not tell
    if lemma == "report" and not clausal and not any(c.dep_ in _OBJ for c in v.children) and any(
            c.dep_ == "prep" and c.lower_ in ("to", "for", "back") for c in v.children):
        ok_verb = False
    # "rejects that characterisation", "refuted the claim": rejecting a statement is one
    if not ok_verb and lemma in _REBUT_VERBS and any(
            c.dep_ in _OBJ and c.lemma_.lower() in _CLAIM_NOUNS for c in v.children):
        ok_verb = True
    # a request on the record ("asked the judge to ...", "asked for eight years") is the requester's
    if not ok_verb and lemma in gaz.request_verbs and _is_request(v):
        ok_verb = True
    # "seized on the reports as evidence that ...": presenting X as proof of a clause argues it
    if not ok_verb and v in mains and _as_evidence_that(gaz, v):
        ok_verb = True
    # 'reports a union source as saying' / 'quoted X as saying'
    if lemma in ("report", "quote", "cite") and any(c.dep_ in _OBJ for c in v.children):
        obj = next(c for c in v.children if c.dep_ in _OBJ)
        inner = _finding_from_np(gaz, ctx, obj, v, v.text, "object of '{cue}': '{speaker}'", anonymity, tag)
        if inner is not None and inner.level not in (OWN,):
            outer = classify_np(gaz, ctx, subj, anonymity) if subj.pos_ != "PRON" else None
            if outer is not None and outer[0] == DOCUMENT and lemma == "cite":
                # "The complaint cites text messages ...": the record cites its evidence
                return Finding(DOCUMENT, outer[2], "document", v.text, f"record '{outer[2]}' {v.text} its evidence",
                               cue_token=v.i, tag=tag)
            if outer is not None and outer[0] == OUTLET:
                inner.via = outer[2]
            elif outer is not None and outer[0] == OWN:
                inner.via = ""
            return inner
    if not ok_verb:
        # spokespeople speak for an institution whatever the verb ("called on X to quit")
        if subj.lower_ in _SPOKES and v in mains:
            ok_verb = True
        elif v in mains and not any(c.dep_ == "prt" for c in v.children) and (lemma in gaz.official_acts or any(
                c.dep_ == "xcomp" and c.lemma_.lower() in gaz.official_acts for c in v.children)):
            # "the judge dismissed ..." and "the judge refused to dismiss ...": both rule
            res = classify_np(gaz, ctx, subj, anonymity)
            if res is not None and res[0] == OFFICIAL:
                f = _finding_from_np(gaz, ctx, subj, v, v.text, "official act '{cue}' by '{speaker}'", anonymity, tag)
                if f is not None:
                    f.extra["act"] = True
                return f
            return None
    if not ok_verb:
        # 'the NAO found that ...' / 'the data show ...'
        if lemma in ("find", "show", "reveal", "conclude", "estimate") and has_clausal_complement(v):
            a, b = np_bounds(subj)
            if gaz.document_bodies.find(_words(doc, a, b), _owords(doc, a, b)):
                return Finding(DOCUMENT, _span_text(doc, a, b), "document", v.text,
                               f"finding '{v.text}' of record body '{_span_text(doc, a, b)}'", cue_token=v.i, tag=tag)
        # a record's finding with a plain object: "a separate analysis ... found a similar pattern"
        if lemma in gaz.research_verbs and v in mains and subj.pos_ == "NOUN":
            res = classify_np(gaz, ctx, subj, anonymity)
            if res is not None and res[0] == DOCUMENT:
                g = Finding(DOCUMENT, res[2], "document", v.text,
                            f"finding '{v.text}' of record '{res[2]}'", cue_token=v.i, tag=tag)
                if unnamed_polls(subj):
                    g.extra["not_source"] = True  # "Polls show": no pollster to look up
                return g
        return None
    return speaker_finding(gaz, ctx, v, subj, anonymity, tag, clausal)


def speaker_finding(gaz, ctx, v, subj, anonymity, tag, clausal) -> Finding | None:
    """The finding of a verb known to report speech, from its subject: the outlet that
    relayed it, a record it was written in, "reportedly", "citing X" (also the learned
    cue classifier's way to a finding, cue_model.py)."""
    doc = v.doc
    lemma = v.lemma_.lower()
    # an outlet cannot be "the housing minister": an outlet subject with a person
    # in apposition is a misparsed "Appearing on <outlet>, the minister, X, said"
    # -- the person speaks, the outlet relays
    relay = None
    if subj.pos_ in ("NOUN", "PROPN"):
        outer = classify_np(gaz, ctx, subj, anonymity)
        if outer is not None and outer[0] == OUTLET:
            for c in subj.children:
                if c.dep_ == "appos" and c.i > subj.i:
                    inner = classify_np(gaz, ctx, c, anonymity)
                    if inner is not None and inner[0] in (OFFICIAL, NAMED) and inner[1] == "person":
                        relay = (c, outer[2])
                        break
    if relay is not None:
        f = _finding_from_np(gaz, ctx, relay[0], v, v.text, "subject of '{cue}': '{speaker}'", anonymity, tag)
        if f is not None:
            f.via = relay[1]
            return f
    f = _finding_from_np(gaz, ctx, subj, v, v.text, "subject of '{cue}': '{speaker}'", anonymity, tag)
    if f is None and lemma in _PEOPLE_VERBS and clausal:
        f = _people_subject(gaz, subj, v, tag)
    if f is None:
        return None
    if f.level == DOCUMENT:
        _remember_writer(ctx, subj)
    elif f.level in (OFFICIAL, NAMED) and lemma == "write" and f.speaker \
            and f.speaker.split()[-1].lower() in ctx.record_writers:
        # '"...," Malik wrote.' after the memo Malik sent was cited: still the record (rule 13)
        # the writer stays the next "he"/"she" at their own level
        f.extra["later_person"] = Finding(f.level, f.speaker, f.kind, "", "", person_like=True, named=f.named)
        f.level, f.kind = DOCUMENT, "document"
        f.reason += " (continues the record the writer was cited from)"
        return f
    # "Reuters reported, citing two sources, that ...": the cited source speaks,
    # the outlet relays it (rule 4)
    if f.level == OUTLET:
        cites = list(v.children)
        for cl in v.children:  # the parser may hang ", citing X," on the reported clause
            if cl.dep_ in ("ccomp", "advcl") and cl.i > v.i:
                cites += [g for g in cl.children if g.i < cl.left_edge.i or any(
                    m.dep_ == "mark" and g.i < m.i for m in cl.children)]
        for c in cites:
            if c.dep_ == "advcl" and c.lemma_.lower() in ("cite", "quote") and c.tag_ == "VBG":
                obj = next((g for g in c.children if g.dep_ in _OBJ), None)
                inner = _finding_from_np(gaz, ctx, obj, v, v.text, "source '{speaker}' cited", anonymity, tag) \
                    if obj is not None else None
                if inner is not None and inner.level not in (OWN, OUTLET, UNATTRIBUTED):
                    inner.via = f.speaker
                    inner.reason = f"'{f.speaker}' {v.text}, citing '{inner.speaker}'"
                    return inner
    if lemma in ("find", "show", "reveal", "conclude") and f.level == OFFICIAL:
        a, b = np_bounds(subj)
        if gaz.document_bodies.find(_words(doc, a, b), _owords(doc, a, b)):
            f.level, f.kind = DOCUMENT, "document"
    # "<Name> reported that ...": an unknown organisation that *reports* a clause is
    # a news organisation (companies report figures, outlets report events)
    if (lemma == "report" and f.level == OFFICIAL and f.kind == "organization" and subj.pos_ == "PROPN"
            and not known_org(gaz, ctx, subj) and any(c.dep_ == "ccomp" for c in v.children)
            and not gaz.official_titles.find(_words(doc, *np_bounds(subj)), _owords(doc, *np_bounds(subj)))):
        f.level, f.kind = OUTLET, "outlet"
        f.reason += " (a name reporting a clause: news organisation)"
    # "X wrote in the affidavit that ...", "the company said in a filing with the SEC":
    # a person quoting a record they filed -- the record governs (rule 13)
    if f.level in (OFFICIAL, NAMED):
        for c in v.children:
            if c.dep_ == "prep" and c.lower_ == "in":
                rec = next((g for g in c.children if g.dep_ == "pobj"), None)
                if rec is not None and rec.pos_ == "NOUN" and (
                    rec.lemma_.lower() in gaz.record_vehicles or rec.lower_ in gaz.record_vehicles
                ):
                    ra, rb = np_bounds(rec)
                    g = Finding(DOCUMENT, _span_text(doc, ra, rb), "document", v.text,
                                f"'{f.speaker}' {v.text} in a record: '{_span_text(doc, ra, rb)}'",
                                cue_token=v.i, tag=tag)
                    ctx.record_writers.add(f.speaker.split()[-1].lower())
                    if f.person_like:  # still the next "he"/"she"
                        g.extra["later_person"] = Finding(f.level, f.speaker, f.kind, "", "",
                                                          person_like=True, named=f.named)
                    return g
    if True:  # the outlet that relayed the speaker, if any
        via, _raw = _find_via(gaz, ctx, v)
        if via is None:
            # "speaking to the BBC's correspondent" as a participle on the subject
            for c in subj.children:
                if c.dep_ in ("acl", "advcl") and c.lemma_ in ("speak", "talk"):
                    via, _raw = _find_via(gaz, ctx, c)
                    if via is not None:
                        break
        if via is None:
            for c in v.children:
                if c.dep_ == "advcl" and c.lemma_ in ("speak", "talk"):
                    via, _raw = _find_via(gaz, ctx, c)
                    if via is not None:
                        break
        if via is not None:
            f.via = via  # "" marks the publisher itself
    # "X reportedly told teammates that ...": that X spoke at all is what unnamed
    # reports relay (rule 13); on a record ("the document reportedly said") the record governs
    if f.level not in (DOCUMENT, OUTLET, OWN) and not tag:
        adv = next((c for c in v.children if c.dep_ == "advmod" and c.lower_ in gaz.report_adverbs), None)
        if adv is not None:
            if lemma in _SAYING and f.speaker:
                # "X reportedly told teammates ...": X spoke, unnamed reports relay it;
                # an adverb is never the speaker
                return Finding(OUTLET, f.speaker, f.kind, adv.text,
                               f"unnamed reports ('{adv.text}') of what '{f.speaker}' {v.text}",
                               cue_token=adv.i, tag=tag, person_like=f.person_like, named=f.named)
            return Finding(OUTLET, adv.text, "outlet", adv.text, f"unnamed reports: '{adv.text}' on '{v.text}'",
                           cue_token=adv.i, tag=tag)
    return f


def _according_to(gaz, ctx, mains, start, end, anonymity, only=None) -> Finding | None:
    for v in mains:
        for c in ([only] if only is not None else v.subtree):
            if c.i < start or c.i >= end:
                continue
            if c.lower_ == "according" and c.i + 1 < end and c.doc[c.i + 1].lower_ == "to":
                to = c.doc[c.i + 1]
                pobj = next((g for g in to.children if g.dep_ == "pobj"), None)
                if pobj is None:
                    pobj = next((g for g in c.children if g.dep_ == "pobj"), None)
                if pobj is None:
                    continue
                # only 'according to' governing a main verb, not one buried in a relative clause;
                # but a sentence-final ", according to X." covers the whole sentence
                # whatever clause the parser hangs it on (journalistic convention)
                if only is None and not _governs_main(c, mains) and not _trailing(c, pobj, end):
                    continue
                # "According to the WSJ, which cites people familiar with ..."
                for rc in pobj.children:
                    if rc.dep_ == "relcl" and rc.lemma_ in ("cite", "quote"):
                        obj = next((g for g in rc.children if g.dep_ in _OBJ), None)
                        if obj is not None:
                            inner = _finding_from_np(gaz, ctx, obj, rc, "according to",
                                                     "source cited by '{speaker}'", anonymity)
                            if inner is not None:
                                outer = classify_np(gaz, ctx, pobj, anonymity)
                                if outer is not None and outer[0] == OUTLET:
                                    inner.via = outer[2]
                                inner.reason = f"'according to' {outer[2] if outer else ''}, which cites '{inner.speaker}'"
                                return inner
                f = _finding_from_np(gaz, ctx, pobj, c, "according to", "object of '{cue}': '{speaker}'", anonymity)
                if f is not None:
                    return f
    return None


def _trailing(according, pobj, end) -> bool:
    doc = according.doc
    if according.i == 0 or doc[according.i - 1].text not in (",", "—", "–"):
        return False
    last = pobj.right_edge.i
    return all(doc[i].is_punct for i in range(last + 1, end))


def fronted_according(sent_tokens):
    """'According to court records, investigators found ...': a fronted 'according
    to X,' frames the whole sentence, whatever its main verb."""
    k = 0
    toks = list(sent_tokens)
    while k < len(toks) and (toks[k].is_punct or toks[k].lower_ in ("but", "and", "yet", "so", "also")):
        k += 1
    if k + 1 < len(toks) and toks[k].lower_ == "according" and toks[k + 1].lower_ == "to":
        return toks[k]
    return None


def _governs_main(tok, mains) -> bool:
    main_ids = {v.i for v in mains}
    t = tok
    for _ in range(6):
        if t.head is t:
            return t.i in main_ids
        if t.head.i in main_ids:
            return True
        if t.dep_ in ("relcl", "acl", "advcl", "ccomp", "pcomp", "csubj"):
            return False
        t = t.head
    return False


# hedges only with "as": "has been mentioned as a potential nominee", "is floated as"
_AS_HEDGES = frozenset({"mention", "float", "peg"})


def _hedges(gaz, mains, start, end) -> Finding | None:
    for v in mains:
        doc = v.doc
        lemma = v.lemma_.lower()
        # agentless hedge passives: 'is seen as', 'is rumoured to', 'are said to be'
        if (lemma in gaz.hedge_passive or lemma in _AS_HEDGES and v.i + 1 < len(doc) and doc[v.i + 1].lower_ == "as") \
                and _agentless_passive(v):
            lo, hi = hedge_phrase(v)
            phrase = _span_text(doc, lo, hi)
            return Finding(VAGUE, phrase, None, phrase, f"agentless hedge '{phrase}'", cue_token=v.i)
        # "is widely attributed to", "is commonly blamed on": a cause held by nobody named
        if lemma in gaz.hedge_adverb_passive and _agentless_passive(v) and any(
                c.dep_ == "advmod" and c.lower_ in gaz.scope_adverbs for c in v.lefts):
            lo, hi = hedge_phrase(v)
            lo = min([c.i for c in v.lefts if c.dep_ == "advmod" and c.lower_ in gaz.scope_adverbs] + [lo])
            if hi == v.i and v.i + 1 < len(doc) and doc[v.i + 1].dep_ == "prep":
                hi = v.i + 1  # "widely blamed on"
            phrase = _span_text(doc, lo, hi)
            return Finding(VAGUE, phrase, None, phrase, f"agentless hedge '{phrase}'", cue_token=v.i)
        # "has been the subject of speculation": the subject is what others speculate about
        for c in v.children:
            if c.dep_ == "attr" and c.lemma_.lower() in gaz.hedge_subject_of and lemma == "be":
                for p in c.children:
                    n = next((g for g in p.children if g.dep_ == "pobj"), None) if p.dep_ == "prep" and p.lower_ == "of" else None
                    if n is not None and n.lemma_.lower() in gaz.hedge_nouns:
                        lo = c.left_edge.i if c.left_edge.dep_ == "det" else c.i
                        phrase = _span_text(doc, lo, n.i)
                        return Finding(VAGUE, phrase, None, phrase, f"rumour noun '{n.text}' with no source", cue_token=n.i)
        # 'Speculation is mounting that ...' / 'There was speculation ...'
        for c in v.children:
            if c.dep_ in ("nsubj", "attr") and c.lemma_.lower() in gaz.hedge_nouns and (
                lemma in _GROWTH_VERBS or c.dep_ == "attr"
            ):
                if c.dep_ == "attr" and not any(g.dep_ == "expl" for g in v.children):
                    continue
                return Finding(VAGUE, c.text, None, c.text, f"rumour noun '{c.text}' with no source", cue_token=c.i)
        for c in v.children:
            if c.dep_ == "advmod" and c.lower_ in gaz.report_adverbs:
                return Finding(OUTLET, c.text, "outlet", c.text, f"unnamed reports: '{c.text}'", cue_token=c.i)
            if c.dep_ == "advmod" and c.lower_ in gaz.hedge_adverbs:
                return Finding(VAGUE, c.text, None, c.text, f"hedge adverb '{c.text}'", cue_token=c.i)
        # "..., while X is rumoured to have ...", "..., with Y also rumoured to be
        # keen": a contrastive or absolute clause that carries a parallel piece of
        # news on a rumour (rules 8 and 12)
        for c in v.children:
            clause = None
            if c.dep_ == "advcl" and any(g.dep_ == "mark" and g.lower_ in ("while", "whereas") for g in c.children):
                clause = c
            elif c.dep_ == "prep" and c.lower_ == "with":
                clause = next((g for g in c.children if g.dep_ == "pcomp"), None)
            if clause is not None and clause.lemma_.lower() in gaz.hedge_passive and clause.tag_ in ("VBN", "VBD") \
                    and not any(g.dep_ == "agent" for g in clause.children) and any(
                        g.dep_ == "xcomp" and any(h.lower_ == "to" for h in g.lefts) for g in clause.children):
                lo, hi = hedge_phrase(clause)
                phrase = _span_text(doc, lo, hi)
                return Finding(VAGUE, phrase, None, phrase, f"hedge in a parallel clause '{phrase}'", cue_token=clause.i)
        # 'is alleged to have said': hedge on an xcomp chain
        for c in v.children:
            if c.dep_ == "xcomp" and c.lemma_.lower() in gaz.hedge_passive and _agentless_passive(c):
                lo, hi = hedge_phrase(c)
                phrase = _span_text(doc, lo, hi)
                return Finding(VAGUE, phrase, None, phrase, f"agentless hedge '{phrase}'", cue_token=c.i)
    return None
