"""Speaker classification: which attribution level and speaker kind a noun phrase
(the subject of a reporting verb, the object of "according to") stands for.
"""

from __future__ import annotations

from ..gazetteers import Gazetteers
from .helpers import (  # noqa: F401
    _PAPER_WORDS,
    ANON,
    ArticleContext,
    DOCUMENT,
    NAMED,
    OFFICIAL,
    OUTLET,
    OWN,
    VAGUE,
    _GOV_WORDS,
    _INDEF,
    _MEDIA_WORDS,
    _REPORT_NOUNS,
    _SPEAK_LEMMAS,
    _SPOKES,
    _TITLE_LIKE,
    _outlet_key,
    _owords,
    _role_tokens,
    _span_text,
    _words,
    is_outlet,
    is_outlet_name,
    np_bounds,
)


_QUANT_HEADS = frozenset({"one", "two", "three", "four", "some", "several", "each", "both", "many", "none",
                          "all", "either", "neither", "most", "another", "chorus", "handful", "number", "host",
                          "slew", "dozens", "scores", "hundreds", "thousands", "string"})


# after an anonymous source, "the people said" / "the person added" refers back to it
_BACKREF_LEMMAS = frozenset({"person", "people", "individual", "source", "insider"})


_DEFINITE = frozenset({"the", "both", "these", "those", "that", "this", "two", "three", "all"})


def name_chain(head) -> tuple[int, int]:
    """Token range of the run of proper nouns around ``head`` ("Cordillera Alta")."""
    doc = head.doc
    a = b = head.i
    while a - 1 >= 0 and doc[a - 1].pos_ == "PROPN" and doc[a - 1].dep_ in ("compound", "nmod", "amod", "flat"):
        a -= 1
    while b + 1 < len(doc) and doc[b + 1].pos_ == "PROPN" and doc[b + 1].head.i == head.i and doc[b + 1].dep_ in ("flat", "compound"):
        b += 1
    return a, b


def person_evidence(gaz: Gazetteers, head) -> bool:
    """Signs that a proper name is a person whatever NER says: an honorific
    ("Dr.", "Mr"), a "who" relative clause, or an appositive naming a human role
    ("Marisol Carvajal, a spokeswoman for ...")."""
    if head.pos_ != "PROPN":
        return False
    doc = head.doc
    a, _b = name_chain(head)
    if doc[a].lower_ in gaz.honorifics or (a > 0 and doc[a - 1].lower_ in gaz.honorifics):
        return True
    # a personal title in front: "President Trump", "Fire Chief Gary Lindqvist"
    if any(doc[i].lower_ in _TITLE_LIKE for i in range(max(a - 1, 0), head.i)) and head.ent_type_ not in ("ORG", "GPE"):
        return True
    # "Voss's attorney, Linda Okafor": a name in apposition to a human role
    if head.dep_ == "appos" and head.head.pos_ == "NOUN" and _human_noun(gaz, head.head):
        return True
    for c in head.rights:
        if c.dep_ == "relcl" and c.left_edge.lower_ in ("who", "whose", "whom"):
            return True
        # "Harriet Cole, speaking to reporters, ...": only people speak to reporters
        if c.dep_ == "acl" and c.tag_ == "VBG" and c.lemma_.lower() in _SPEAK_LEMMAS:
            return True
        if c.dep_ == "appos" and c.pos_ == "NOUN":
            lem = c.lemma_.lower()
            if lem in gaz.institutions or c.lower_ in gaz.institutions:
                return False
            if _human_noun(gaz, c):
                return True
    return False


def _human_noun(gaz: Gazetteers, tok) -> bool:
    """A common noun naming a person's role (not a body): spokeswoman, attorney, analyst."""
    low, lem = tok.lower_, tok.lemma_.lower()
    if lem in gaz.institutions or low in gaz.institutions:
        return False
    return (low in _SPOKES or lem in _TITLE_LIKE or low in gaz.human_nouns or lem in gaz.human_nouns
            or bool(gaz.person_roles.find([low])) or bool(gaz.person_roles.find([lem])))


def known_org(gaz: Gazetteers, ctx: ArticleContext, head) -> bool:
    """A proper name introduced earlier in the article as an organisation
    ("copper miner Cordillera Alta", "Brantwood Capital, which ...")."""
    if head.pos_ != "PROPN" or not (ctx.orgs or ctx.weak_orgs):
        return False
    a, b = name_chain(head)
    key = head.doc[a : b + 1].text.lower()
    if key in ctx.persons or head.lower_ in ctx.persons:
        return False
    if key in ctx.orgs or head.lower_ in ctx.orgs:
        return True
    # NER-only evidence on both sides: a full name it called a person wins
    if key in ctx.weak_persons or head.lower_ in ctx.weak_persons:
        return False
    return key in ctx.weak_orgs or head.lower_ in ctx.weak_orgs


def _appos_name(gaz: Gazetteers, ctx: ArticleContext, head):
    """'the housing minister, Lee Pritchard': the appositive person's name."""
    for c in head.rights:
        if c.dep_ == "appos" and c.pos_ == "PROPN" and (
            c.ent_type_ == "PERSON" or person_evidence(gaz, c) or c.lower_ in ctx.persons
        ) and not known_org(gaz, ctx, c):
            return c
    return None


def classify_np(gaz: Gazetteers, ctx: ArticleContext, head, sentence_anonymity: bool = False):
    """Classify the noun phrase headed by ``head`` as a speaker.

    Returns ``(level, kind, speaker_text, a, b, person_like, named)`` or ``None``
    when the phrase is not a recognisable source (e.g. "the move").
    """
    doc = head.doc
    low = head.lower_
    # "one of the people", "two of the sources": the group after "of" is the source
    if low in _QUANT_HEADS and head.pos_ in ("NUM", "PRON", "DET", "NOUN", "ADJ"):
        pobj = next((g for c in head.children if c.dep_ == "prep" and c.lower_ == "of"
                     for g in c.children if g.dep_ == "pobj"), None)
        if pobj is not None:
            res = classify_np(gaz, ctx, pobj, sentence_anonymity)
            if res is None:
                return None
            a = head.left_edge.i
            while a < head.i and doc[a].is_punct:
                a += 1
            return (res[0], res[1], _span_text(doc, a, res[4]), a, res[4], res[5], res[6])
    a, b = np_bounds(head)
    if _poll_share(head):
        # "Twenty-four percent said", "six in 10 say", "majorities of primary voters
        # said": the respondents of a survey, whose results are the record
        a, b = head.left_edge.i, max(b, head.right_edge.i)
        return (DOCUMENT, "document", _span_text(doc, a, b), a, b, False, False)
    text = _span_text(doc, a, b)
    words = _words(doc, a, b)
    owords = _owords(doc, a, b)
    lemma = head.lemma_.lower()
    propn = head.pos_ == "PROPN"
    if propn and (head.is_sent_start or head.i == a) and _common_word(gaz, low) and not (
            low in ctx.persons or low in ctx.officials or low in ctx.weak_persons):
        # (a surname the article introduced as a person stays one: "Critic said")
        # a capitalised first word the tagger took for a name ("Polls show", "Workers said")
        propn = False
        lemma = low[:-1] if low.endswith("s") and low[:-1] in _lexicon(gaz) else low
    if not propn and head.pos_ == "NOUN" and head.text[:1].isupper() and (
            low in ctx.persons or low in ctx.officials or low in ctx.weak_persons
            or (not head.is_sent_start and head.i != a and head.ent_type_ == "PERSON")):
        # a name the tagger took for a common noun ("Marsh shot back", "Cook tweeted")
        # that the article introduced as a person
        propn = True
    role_toks = _role_tokens(head)
    role = [t.lower_ for t in role_toks]
    orole = [t.text for t in role_toks]
    is_org = known_org(gaz, ctx, head)
    # a person is named by the head's own words ("Defense Secretary Pete Hegseth"),
    # not by a modifier ("data from Dealogic", "sources close to Mr Hockney")
    # a possessor is whose the group is, not who speaks: "Vrabel's opponents"
    own = {t.i for c in head.children if c.dep_ == "poss" and head.pos_ == "NOUN" for t in c.subtree}
    has_person = not is_org and (
        any(doc[i].ent_type_ == "PERSON" and i not in own for i in range(a, min(b, head.i) + 1))
        or (propn and (low in ctx.officials or low in ctx.persons or low in ctx.weak_persons
                                      or person_evidence(gaz, head)))
    )
    det = doc[a].lower_ if a < head.i else ""
    plural = head.tag_ in ("NNS", "NNPS")
    institution = lemma in gaz.institutions or low in gaz.institutions

    # the publisher's own voice ("our correspondent", "the BBC's reporter", "Mirror Sport")
    if "our" in owords or (ctx.publisher_keys and _outlet_key(text) and _outlet_key(text) <= ctx.publisher_keys
                          and is_outlet(gaz, doc, a, b, head)) or (ctx.publisher_keys and _publisher_desk(gaz, ctx, doc, a, b)):
        return (OWN, None, text, a, b, True, False)

    # "<publisher> meteorologist X", "the Ledger's columnist X": a journalist speaks
    # for the outlet that employs them -- the publisher's own voice, or another outlet
    staff = _outlet_staff(gaz, ctx, doc, a, b, head)
    if staff is not None:
        return (staff, "outlet" if staff == OUTLET else None, text, a, b, True, False)
    # outlets and their reports
    if low in _REPORT_NOUNS or lemma in ("report", "story", "article"):
        if plural and (det in ("", "some", "several", "many", "other") or set(words) & _MEDIA_WORDS):
            return (OUTLET, "outlet", text, a, b, False, False)
        if is_outlet_name(gaz, doc, a, b, head) or set(words[: head.i - a]) & _MEDIA_WORDS:
            own = ctx.publisher_keys and _outlet_key(text) and _outlet_key(" ".join(words[:-1])) <= ctx.publisher_keys
            return (OWN if own else OUTLET, "outlet", text, a, b, False, False)
    # a well-known outlet's full name beats what the article remembered of one of its words
    if (not is_org or gaz.outlets.find(words[: head.i - a + 1], owords[: head.i - a + 1])) and is_outlet(
            gaz, doc, a, b, head):
        if ctx.publisher_keys and _outlet_key(text) and _outlet_key(text) <= ctx.publisher_keys:
            return (OWN, None, text, a, b, False, False)
        return (OUTLET, "outlet", text, a, b, False, False)

    # statements and releases speak for whoever issued them ("a news release from
    # the police department"): the issuer is the source ("said in a statement" is official)
    if not propn and lemma in gaz.statement_nouns:
        for c in head.children:
            if c.dep_ == "prep" and c.lower_ in ("from", "by", "of"):
                issuer = next((g for g in c.children if g.dep_ == "pobj"), None)
                if issuer is not None:
                    res = classify_np(gaz, ctx, issuer, sentence_anonymity)
                    if res is not None and res[0] == OFFICIAL:
                        return res

    # documents
    if (not has_person or not propn) and (lemma in gaz.documents.entries or low in gaz.documents.entries):
        return (DOCUMENT, "document", text, a, b, False, False)

    # anonymous sources
    anon_hit = gaz.anonymous.find(words) or gaz.anonymous.find(role)
    if not has_person and (lemma == "source" or anon_hit):
        return (ANON, "anonymous", text, a, b, True, False)
    if not has_person and not _proper_name_head(head):
        if ctx.anon_seen and det in _DEFINITE and (lemma in _BACKREF_LEMMAS or (
                lemma in gaz.anonymous_roles and not plural and low not in _SPOKES)):
            return (ANON, "anonymous", text, a, b, True, False)
        if lemma in gaz.anonymous_roles or low in gaz.anonymous_roles:
            if low not in _SPOKES and (det in _INDEF or sentence_anonymity) and not plural:
                return (ANON, "anonymous", text, a, b, True, False)
            if sentence_anonymity:
                return (ANON, "anonymous", text, a, b, True, False)

    # "his aides say", "campaign advisers said": staff speaking on the record for
    # their principal or campaign are official (rule 10), unless anonymity is granted
    if not has_person and plural and not sentence_anonymity and lemma in _STAFF_ROLES and (
            any(c.dep_ in ("poss", "compound", "amod") for c in head.children)):
        return (OFFICIAL, "organization", text, a, b, False, False)
    # a person named in apposition to a role: "Voss's attorney, Linda Okafor" /
    # "the housing minister, Lee Pritchard" -- the name is the speaker
    if not propn and not has_person:
        name = _appos_name(gaz, ctx, head)
        hw = [low, lemma]
        if name is not None:
            na, nb = np_bounds(name)
            # a descriptor run straight into the name is how the text names the
            # source (rule 3): "Western Plains coach Mike Harlan"; after a comma
            # the name alone is the speaker ("Voss's attorney, Linda Okafor")
            if not any(doc[i].is_punct for i in range(head.i + 1, na)):
                na = min(a, na)
            ntext = _span_text(doc, na, nb)
            if gaz.person_roles.find(hw) or gaz.person_roles.find(words):
                return (NAMED, "person", ntext, na, nb, True, True)
            if low in _SPOKES or gaz.official_titles.find(words, owords):
                return (OFFICIAL, "person", ntext, na, nb, True, True)
            # "His agent, Dean Farrow", "a neighbour, Jane Roe": another human role
            # with a name in apposition is that individual on the record (rule 11);
            # insider roles ("an aide, X") are left to the official/anonymous rules
            if _human_noun(gaz, head) and lemma not in gaz.anonymous_roles and low not in gaz.anonymous_roles:
                return (NAMED, "person", ntext, na, nb, True, True)
        # "Voss's attorney said": a role that belongs to a named person is one individual
        if gaz.person_roles.find(hw) and not plural and any(
            c.dep_ == "poss" and c.pos_ == "PROPN" for c in head.children
        ):
            return (NAMED, "person", text, a, b, True, True)

    # "his family", "the victim's mother": relatives who speak on the record are
    # identifiable individuals (rule 11: witnesses and residents are named_person)
    if not propn and not has_person and (low in gaz.kin or lemma in gaz.kin) and any(
            c.dep_ == "poss" for c in head.children):
        return (NAMED, "person", text, a, b, True, False)
    # "Doctors' leaders", "farmers' representatives": the spokespeople of an
    # unnamed group are as unspecific as the group (rule 12 weasel attribution)
    if not propn and not has_person and plural and any(
            c.dep_ == "poss" and c.lower_.endswith("s") and (
                (c.pos_ == "NOUN" and c.tag_ == "NNS") or (c.pos_ == "PROPN" and c.i == a))
            and _group_word(gaz, c.lower_) for c in head.children):
        return (VAGUE, "group", text, a, b, False, False)
    # vague groups
    if not has_person and (low in gaz.vague_groups or lemma in gaz.vague_groups) and not propn:
        # staff of a named institution speak for it: "analysts at Santander said"
        for c in head.children if low in gaz.institution_staff else ():
            if c.dep_ == "prep" and c.lower_ in ("at", "from", "with") and any(
                g.dep_ == "pobj" and g.pos_ == "PROPN" for g in c.children
            ):
                return (OFFICIAL, "organization", text, a, b, False, False)
        # a definite group identified earlier ("the researchers" of a study, "the
        # study's authors") are those named people, not a weasel group
        if (det == "the" or any(c.dep_ == "poss" for c in head.children)) and plural and (
            gaz.person_roles.find([low]) or gaz.person_roles.find([lemma])
        ):
            return (NAMED, "person", text, a, b, True, False)
        return (VAGUE, "group", text, a, b, False, False)
    # "the Brantwood founders", "the company's co-founders": a definite group tied
    # to a name is those identifiable people, not a weasel group
    if not has_person and plural and det == "the" and (low in gaz.human_nouns or lemma in gaz.human_nouns) and any(
            c.dep_ == "compound" and c.text[:1].isupper() and c.i > a for c in head.children):
        return (NAMED, "person", text, a, b, True, False)

    all_words = words + role
    all_orig = owords + orole
    person_role = gaz.person_roles.find(role) or gaz.person_roles.find(words)
    if person_role and "former" in role and not gaz.person_roles.find(words):
        # "Dančo, a former finance ministry economist": a past job says nothing
        # about whom the person speaks for now
        person_role = None
    title = gaz.official_titles.find(all_words, all_orig)
    if has_person:
        surname = head.lower_
        if _personal_title_head(gaz, doc, a, head):
            return (NAMED, "person", text, a, b, True, True)
        if person_role and not (title and not gaz.person_roles.find(role) and gaz.official_titles.find(words, owords)):
            return (NAMED, "person", text, a, b, True, True)
        if title or surname in ctx.officials:
            return (OFFICIAL, "person", text, a, b, True, True)
        return (NAMED, "person", text, a, b, True, True)
    if head.ent_type_ in ("GPE", "ORG", "NORP", "FAC") or (propn):
        kind = "government" if head.ent_type_ in ("GPE", "NORP") or set(all_words) & _GOV_WORDS else "organization"
        if head.ent_type_ == "NORP" and plural:
            return (VAGUE, "group", text, a, b, False, False)
        return (OFFICIAL, kind, text, a, b, False, False)
    if low in _SPOKES or title:
        kind = "government" if set(all_words) & _GOV_WORDS else "organization"
        if low in _SPOKES:
            kind = "person" if not set(all_words) & _GOV_WORDS else "government"
        # an institution ("the company", "the emergency office") is an "it", not a "he"
        person_like = low in _SPOKES or (not plural and not institution)
        return (OFFICIAL, kind, text, a, b, person_like, False)
    # an unspecific group of people with no claimed access ("rural financial
    # counsellors say", "many farmers fear"): weasel attribution
    det_words = {c.lower_ for c in head.children if c.dep_ in ("det", "predet", "amod", "nummod")}
    if plural and not propn and not det_words & {"the", "these", "those", "our", "their", "his", "her"} and not any(
        c.dep_ == "poss" for c in head.children) and (
        low in gaz.human_nouns or lemma in gaz.human_nouns or gaz.person_roles.find([lemma])
    ):
        return (VAGUE, "group", text, a, b, False, False)
    # rule 15: one individual identified only by a description. "a bartender said",
    # "one voter said": the reader cannot check who it is (anonymous); "the
    # businessman said", "the Republican nominee's spokesman": a definite
    # description points back to the individual the article named (named person)
    if not propn and not plural and not institution and head.pos_ == "NOUN" and _human_noun(gaz, head):
        if not det and a == head.i and head.i > 0 and doc[head.i - 1].pos_ == "DET":
            det = doc[head.i - 1].lower_  # "the author notes" parsed as a compound of the verb
        if det in _INDEF:
            return (ANON, "anonymous", text, a, b, True, False)
        if det in ("the", "this", "that") or any(c.dep_ == "poss" for c in head.children):
            return (NAMED, "person", text, a, b, True, False)
    return None


_STAFF_ROLES = frozenset({"aide", "adviser", "advisor", "staffer", "strategist", "operative", "spokesperson"})
_SHARE_HEADS = frozenset({"percent", "%", "majority", "majorities", "plurality", "pluralities", "half", "third",
                          "thirds", "quarter", "quarters", "fifth", "fifths"})


def _poll_share(head) -> bool:
    """A share of respondents: "47 percent", "six in 10", "a majority of voters"."""
    low = head.lower_
    kids = list(head.children)
    if low in ("percent", "%") and any(c.dep_ == "nummod" or c.pos_ == "NUM" for c in kids):
        return True
    if low in _SHARE_HEADS and low not in ("percent", "%"):
        ofs = [c for c in kids if c.dep_ == "prep" and c.lower_ == "of"]
        if any(g.dep_ == "pobj" and g.tag_ in ("NNS", "NNPS") and g.lower_ in _RESPONDENTS
               for c in ofs for g in c.children):
            return True
        # "Nearly half said ...", "A majority say ...": a bare share speaking is a poll's
        if not ofs and head.dep_ == "nsubj" and head.head.lemma_.lower() in ("say", "tell", "think", "believe"):
            return True
    # "six in 10 (voters) say": a number with "in" + number
    if head.pos_ == "NUM" and head.text in ("10", "ten") and any(
            c.dep_ == "quantmod" and c.lower_ == "in" for c in kids):
        return True
    if head.pos_ == "NUM" and any(c.dep_ == "prep" and c.lower_ == "in" and any(
            g.pos_ == "NUM" and g.text in ("10", "ten", "100", "five", "4", "3", "three", "four")
            for g in c.children) for c in kids):
        return True
    return False


_POLL_WORDS = frozenset({"poll", "polls", "survey", "surveys", "polling"})


def unnamed_polls(head) -> bool:
    """"Polls show", "Instant polls showed", "recent surveys suggest": polls no one
    names (no pollster, no outlet, no determiner or possessor): speaker text, but
    no source a reader could look up."""
    if head.lower_ not in _POLL_WORDS or head.lower_ in ("poll", "survey") or not (
            head.tag_ in ("NNS", "NN") or head.tag_ in ("NNP", "NNPS") and head.is_sent_start):
        return False  # (a capitalised first word "Polls" is tagged as a name)
    for c in head.children:
        if c.dep_ in ("poss", "prep", "relcl", "acl", "appos", "nummod") or c.dep_ == "det" and c.lower_ != "the" \
                or c.pos_ == "PROPN" or (c.text[:1].isupper() and not c.is_sent_start):
            return False
    return True


_RESPONDENTS = frozenset({"voters", "respondents", "americans", "adults", "democrats", "republicans",
                          "independents", "people", "those", "residents", "likely", "caucus-goers", "participants"})


_JOURNALISTS = frozenset({"columnist", "correspondent", "reporter", "editor", "writer", "journalist",
                          "meteorologist", "forecaster", "anchor", "commentator", "critic", "photographer",
                          "producer", "presenter", "host", "analyst", "contributor", "blogger"})


def _outlet_staff(gaz: Gazetteers, ctx: ArticleContext, doc, a: int, b: int, head) -> str | None:
    """OWN for the publisher's staff, OUTLET for another outlet's, else None: a
    journalist's role word in the phrase, with the outlet's name before it
    ("Gazette meteorologist Tom Reyes", "the Ledger's columnist Maria Fenn")."""
    role = next((i for i in range(a, b + 1) if doc[i].lower_ in _JOURNALISTS and doc[i].pos_ == "NOUN"), None)
    if role is None or role == a:
        return None
    lo = a
    while lo < role and doc[lo].lower_ == "the":
        lo += 1
    hi = role - 1
    if hi >= lo and doc[hi].lower_ in ("'s", "’s"):
        hi -= 1
    if hi < lo or not all(doc[i].text[:1].isupper() or doc[i].is_punct for i in range(lo, hi + 1)):
        return None
    key = _outlet_key(_span_text(doc, lo, hi))
    if ctx.publisher_keys and key and key <= ctx.publisher_keys:
        return OWN
    if is_outlet(gaz, doc, lo, hi, doc[hi]) or (doc[hi].lower_ in _PAPER_WORDS and doc[hi].text[:1].isupper()):
        return OUTLET
    return None


def _publisher_desk(gaz: Gazetteers, ctx: ArticleContext, doc, a: int, b: int) -> bool:
    """'Mirror Sport', 'BBC Sport': the publisher's name plus a desk word, all
    capitalised, is the publisher signing its own reporting (rule 14)."""
    while a < b and doc[a].lower_ == "the":
        a += 1
    if b <= a or doc[b].lower_ not in gaz.publisher_desks or not all(doc[i].text[:1].isupper() for i in range(a, b + 1)):
        return False
    key = _outlet_key(_span_text(doc, a, b - 1))
    return bool(key) and key <= ctx.publisher_keys


def _personal_title_head(gaz: Gazetteers, doc, a: int, head) -> bool:
    """'Defense attorney Paul Greer', 'defence lawyer X': the noun right before the
    name is a personal role (rule 11: lawyers speak for clients) and no official
    title ends on it -- 'U.S. Attorney X', 'District Attorney X', 'chief economist
    X' do, and stay official. A modifier ('Defense') does not make the title."""
    i = head.i
    if head.ent_type_ == "PERSON":
        while i - 1 >= a and doc[i - 1].ent_type_ == "PERSON":
            i -= 1
    else:
        i = name_chain(head)[0]
    k = i - 1
    if k < a or doc[k].pos_ not in ("NOUN", "PROPN") or not gaz.person_roles.find([doc[k].lower_]):
        return False
    return not gaz.official_titles.ends(_words(doc, a, k), _owords(doc, a, k))


def _lexicon(gaz: Gazetteers) -> frozenset[str]:
    lex = getattr(gaz, "_common_lexicon", None)
    if lex is None:
        lex = frozenset(gaz.vague_groups | gaz.human_nouns | gaz.institutions | gaz.anonymous_roles
                        | gaz.documents.entries | {"source", "sources"})
        object.__setattr__(gaz, "_common_lexicon", lex)
    return lex


def _group_word(gaz: Gazetteers, low: str) -> bool:
    """'doctors', 'farmers': a plural of an unspecific group or human noun."""
    return any(w in gaz.vague_groups or w in gaz.human_nouns for w in (low, low[:-1]))


def _common_word(gaz: Gazetteers, low: str) -> bool:
    lex = _lexicon(gaz)
    return low in lex or (low.endswith("s") and low[:-1] in lex)


def _proper_name_head(head) -> bool:
    return head.ent_type_ == "PERSON"
