"""Attribution rules over one parsed sentence (spaCy dependency structure).

Everything here reads tokens of an already-parsed ``Doc``; nothing calls the
pipeline again. The entry point is :func:`attribute_sentence`, which returns a
:class:`Finding` for the governing attribution of the sentence's main clause or
``None`` when the sentence speaks in the article's own voice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .gazetteers import Gazetteers, load

DOCUMENT = "document"
OFFICIAL = "official"
NAMED = "named_person"
OUTLET = "other_outlet"
ANON = "anonymous"
VAGUE = "vague"
UNATTRIBUTED = "unattributed"
OWN = "own_voice"  # internal: the publisher itself ("our correspondent")

_SUBJ = frozenset({"nsubj", "nsubjpass", "csubj", "expl"})
_OBJ = frozenset({"dobj", "dative", "obj", "iobj"})
_CUT_PUNCT = frozenset({",", "(", "—", "–", ":", ";", "[", "\""})
_TOPIC_PREPS = frozenset({"on", "about", "into", "over", "regarding", "concerning", "of"})
_PRONOUNS_PERSON = frozenset({"he", "she", "him", "her"})
_PRONOUNS_THING = frozenset({"it"})
_PRONOUNS_PLURAL = frozenset({"they", "them"})
_PRONOUNS_FIRST = frozenset({"i", "we", "you", "me", "us"})
_SPOKES = frozenset({"spokesman", "spokeswoman", "spokesperson", "spokespeople", "spokesmen", "spokespersons"})
_GROWTH_VERBS = frozenset(
    {"be", "grow", "mount", "swirl", "circulate", "persist", "abound", "intensify", "rise", "increase",
     "spread", "emerge", "build", "linger", "remain", "surface"}
)
_INDEF = frozenset({"a", "an", "one", "another", "some"})
_OUTLET_SUFFIXES = frozenset(
    {"times", "post", "journal", "herald", "news", "tribune", "gazette", "chronicle", "telegraph",
     "guardian", "independent", "observer", "mail", "express", "mirror", "standard", "star",
     "magazine", "radio", "tv", "television", "newspaper", "agency", "press", "daily", "weekly",
     "review", "courier", "examiner", "inquirer", "sentinel", "dispatch", "bulletin", "monitor",
     "register", "record", "globe", "reporter", "wire", "newswire", "broadcasting", "network"}
)
# newspaper title words that, alone after "the" and capitalised, are a short-form
# back-reference to a paper ("told the Post", "the Journal reported")
_PAPER_WORDS = frozenset(
    {"times", "post", "journal", "herald", "tribune", "gazette", "chronicle", "telegraph", "guardian",
     "independent", "observer", "mail", "express", "mirror", "standard", "star", "courier", "examiner",
     "inquirer", "sentinel", "dispatch", "globe"}
)
_REPORT_NOUNS = frozenset({"report", "reports", "story", "stories", "article", "articles", "coverage",
                           "investigation", "analysis", "reporting", "broadcast", "interview"})
_MEDIA_WORDS = frozenset({"media", "press", "newspaper", "news", "newspapers", "tabloid", "television",
                          "tv", "radio", "local", "state-run", "state"})
_TITLE_LIKE = frozenset({"president", "minister", "secretary", "senator", "sen.", "rep.", "gov.",
                         "governor", "mayor", "chancellor", "premier", "general", "gen.", "admiral",
                         "commissioner", "ambassador", "spokesman", "spokeswoman", "spokesperson",
                         "chairman", "chairwoman", "chief", "director", "king", "queen", "prince",
                         "judge", "justice", "prosecutor", "attorney", "commander", "lord", "leader",
                         "speaker", "treasurer", "comptroller", "envoy", "sheriff", "pope"})
_GOV_WORDS = frozenset({"government", "ministry", "department", "administration", "white", "kremlin",
                        "president", "minister", "secretary", "senator", "governor", "mayor", "parliament",
                        "congress", "senate", "police", "military", "army", "navy", "pentagon", "cabinet",
                        "regime", "embassy", "office", "council", "commission", "court", "judge",
                        "prosecutor", "prosecutors", "officials", "official", "authorities", "commanders",
                        "commander", "chancellor", "premier", "king", "queen", "lord", "ambassador"})


@dataclass
class Finding:
    level: str
    speaker: str | None
    kind: str | None
    cue: str
    reason: str
    via: str | None = None
    cue_token: int = -1  # doc index of the cue, for quote-tag propagation
    tag: bool = False  # the cue is a quote tag (", X said.")
    pronoun: str | None = None  # unresolved pronoun speaker ("he")
    person_like: bool = False  # the speaker can be the antecedent of he/she
    named: bool = False  # the speaker is a named person
    extra: dict = field(default_factory=dict)


@dataclass
class ArticleContext:
    """State carried across sentences of one article."""

    publisher_keys: frozenset[str] = frozenset()
    officials: dict = field(default_factory=dict)  # surname -> full name known to be official
    last_person: Finding | None = None
    last_thing: Finding | None = None
    last_plural: Finding | None = None
    anon_via: str | None = None
    anon_seen: bool = False  # an anonymous source was cited earlier ("the people said" refers back)
    orgs: set = field(default_factory=set)  # lower-cased names introduced as organisations
    persons: set = field(default_factory=set)  # lower-cased names introduced as people
    weak_persons: set = field(default_factory=set)  # names only the NER calls people (orgs win)
    weak_orgs: set = field(default_factory=set)  # names only the NER calls organisations (weak persons win)
    record_writers: set = field(default_factory=set)  # surnames of people who wrote a record cited earlier


# --------------------------------------------------------------------------- helpers


def _outlet_key(name: str) -> frozenset[str]:
    words = [w.strip(".,'’\"").lower() for w in name.replace("’s", "").replace("'s", "").split()]
    stop = {"the", "news", "website", "online", "com", "agency", "newspaper", "'s", "s", ""}
    return frozenset(w for w in words if w not in stop)


def publisher_keys(publisher: str | None) -> frozenset[str]:
    return _outlet_key(publisher) if publisher else frozenset()


def _span_text(doc, a: int, b: int) -> str:
    """Original text of tokens a..b inclusive."""
    return doc[a : b + 1].text


def np_bounds(tok) -> tuple[int, int]:
    """The speaker phrase of a noun head: its subtree cut at an appositive comma,
    a relative clause, a parenthesis or a topic prepositional phrase."""
    doc = tok.doc
    left = tok.left_edge.i
    right = tok.right_edge.i
    # a dateline ("Vornholm (AMP) - ", "WASHINGTON (Reuters) — ") is not part of
    # the speaker: a phrase never runs across a spaced dash before its head
    for i in range(left, tok.i):
        if doc[i].text in ("-", "—", "–", "--") and doc[i].whitespace_ and i > 0 and doc[i - 1].whitespace_:
            left = i + 1
    # never start with punctuation / conjunction leftovers
    while left < tok.i and (doc[left].is_punct or doc[left].dep_ in ("cc", "punct") or doc[left].lower_ in ("but", "and")):
        left += 1
    cut = right
    for child in tok.rights:
        restrictive = child.dep_ in ("relcl", "acl") and doc[child.left_edge.i - 1].text not in _CUT_PUNCT and (
            child.left_edge.i - 1 > tok.i or child.left_edge.i == tok.i + 1)
        # "a memo seen by Business Insider": the outlet that saw a record relays
        # it (rule 4 via), it is not part of the source's name
        if restrictive and child.dep_ == "acl" and child.tag_ == "VBN" and _outlet_agent(child):
            cut = min(cut, child.left_edge.i - 1)
            break
        # "officials who spoke on condition of anonymity because they were not
        # authorized to speak publicly": the grant of anonymity is how the text
        # names the source (rules 3 and 10), however long
        if restrictive and (child.right_edge.i - tok.i <= 12 or _grants_anonymity(child)):
            continue
        # "public broadcaster NRK", "defence lawyer Ann Berry": a name right after
        # its descriptor, with no comma, is the same phrase, not an apposition
        if child.dep_ == "appos" and child.pos_ == "PROPN" and child.left_edge.i == tok.i + 1:
            continue
        if child.dep_ in ("relcl", "acl", "appos", "punct", "cc", "conj", "parataxis", "advcl") or (
            child.dep_ == "prep" and child.lower_ in _TOPIC_PREPS and child.i > tok.i + 0
            and not _prep_is_identity(child)
        ):
            cut = min(cut, child.left_edge.i - 1)
            break
    for i in range(tok.i + 1, cut + 1):
        if doc[i].text in _CUT_PUNCT or doc[i].text == "-" and doc[i].whitespace_:
            cut = i - 1
            break
    while cut > tok.i and (doc[cut].is_punct or doc[cut].dep_ == "cc"):
        cut -= 1
    # a trailing time phrase is when the source spoke, not who it is:
    # "figures published by the department last month", "a study ... on Wednesday"
    if cut > tok.i and doc[cut].ent_type_ in ("DATE", "TIME"):
        i = cut
        while i > tok.i and doc[i].ent_type_ in ("DATE", "TIME"):
            i -= 1
        if doc[i].dep_ == "prep" and doc[i].lower_ in ("on", "in", "at", "since", "from") and i > tok.i:
            i -= 1
        if i >= tok.i:
            cut = i
    if cut < left:
        cut = tok.i
    return left, cut


_ANON_GRANTS = ("anonymity", "not authorized", "not authorised", "not to be named", "not to be identified",
                "anonymously", "declined to be named")


def _grants_anonymity(clause) -> bool:
    text = clause.doc[clause.left_edge.i : clause.right_edge.i + 1].text.lower()
    return any(p in text for p in _ANON_GRANTS)


def _outlet_agent(participle) -> bool:
    """'seen by Business Insider', 'reviewed by The Hudson Ledger': the agent of
    the participle is a news organisation."""
    gaz = load()
    for c in participle.children:
        if c.dep_ == "agent":
            for o in c.children:
                if o.dep_ == "pobj":
                    a, b = o.left_edge.i, o.i
                    if is_outlet(gaz, o.doc, a, b, o):
                        return True
    return False


# members and ranks of a body: "two members of the negotiating team", "officials
# of the ministry" -- the 'of' phrase is who they are, not a topic
_MEMBER_NOUNS = frozenset({"member", "members", "official", "officials", "representative", "representatives",
                           "staff", "employee", "employees", "leader", "leaders", "observer", "observers",
                           "delegate", "delegates", "officer", "officers", "executive", "executives"})


def _prep_is_identity(prep) -> bool:
    """'head of the NAO', 'spokesman of the party': 'of' that names an institution;
    'Federation of Residential Builders', 'Bank of England': 'of' inside a proper name."""
    if prep.lower_ != "of":
        return False
    if prep.head.lower_ in _TITLE_LIKE | _SPOKES | _MEMBER_NOUNS | {"head"}:
        return True
    if prep.head.pos_ != "PROPN":
        return False
    for c in prep.children:
        if c.dep_ != "pobj":
            continue
        if c.pos_ == "PROPN":
            return True
        # "Department of Health and Social Care spokesperson": the name runs on
        # into the role noun that heads the phrase
        if c.lower_ in _SPOKES | _TITLE_LIKE and any(
                g.pos_ == "PROPN" and g.dep_ in ("compound", "nmod", "amod") for g in c.lefts):
            return True
    return False


def _words(doc, a: int, b: int) -> list[str]:
    return [doc[i].lower_ for i in range(a, b + 1)]


def _owords(doc, a: int, b: int) -> list[str]:
    """The same tokens in their original case (for case-sensitive gazetteer entries)."""
    return [doc[i].text for i in range(a, b + 1)]


def _role_tokens(tok) -> list:
    """Tokens of appositives / relative clauses describing the speaker."""
    out: list = []
    for child in tok.rights:
        if child.dep_ == "acl" and child.tag_ == "VBG" and child.lemma_.lower() in _SPEAK_LEMMAS:
            continue  # "X, speaking to reporters outside the court,": where, not who
        if child.dep_ in ("appos", "acl", "relcl", "prep"):
            out.extend(child.subtree)
    return out


def _role_words(tok) -> list[str]:
    return [t.lower_ for t in _role_tokens(tok)]


def _has_person(doc, a: int, b: int) -> bool:
    for i in range(a, b + 1):
        if doc[i].ent_type_ == "PERSON":
            return True
    return False


def _proper(doc, a: int, b: int) -> bool:
    return any(doc[i].pos_ == "PROPN" for i in range(a, b + 1))


def is_outlet_name(gaz: Gazetteers, doc, a: int, b: int, head) -> bool:
    # only the head's own name counts: "a study published in The Lancet" is a study
    b = min(b, head.i) if a <= head.i else b
    toks = [doc[i] for i in range(a, b + 1) if doc[i].lower_ not in ("'s", "’s")]
    if gaz.outlets.find([t.lower_ for t in toks], [t.text for t in toks]):
        return True
    # "X Times", "Y Herald": a proper name ending in a newspaper word
    if head.pos_ == "PROPN" and head.lower_ in _OUTLET_SUFFIXES and any(
        doc[i].pos_ == "PROPN" for i in range(a, head.i)
    ):
        return True
    # "the Chilean daily El Mercurio", "newspaper La Tercera": an outlet noun
    # in front of a proper name names a news organisation
    if head.pos_ == "PROPN" and any(
        doc[i].lower_ in gaz.outlet_descriptors and doc[i].pos_ != "PROPN" for i in range(a, head.i)
    ):
        return True
    return False


def is_paper_backref(doc, a: int, head) -> bool:
    """'the Post', 'the Journal': a capitalised newspaper word alone after 'the'."""
    return (head.pos_ == "PROPN" and head.lower_ in _PAPER_WORDS and head.text[:1].isupper()
            and head.i >= 1 and doc[head.i - 1].lower_ == "the" and a >= head.i - 1
            and not (head.i + 1 < len(doc) and doc[head.i + 1].pos_ == "PROPN"))


def is_outlet(gaz: Gazetteers, doc, a: int, b: int, head) -> bool:
    if is_outlet_name(gaz, doc, a, b, head):
        return True
    words = _words(doc, a, b)
    low = head.lower_
    if low in gaz.outlet_nouns.entries or " ".join(words[-2:]) in gaz.outlet_nouns.entries:
        return True
    if is_paper_backref(doc, a, head):
        return True
    # "El Mercurio newspaper said" / "the Kommersant daily reported"
    for c in head.children:
        if c.dep_ == "appos" and c.lemma_.lower() in gaz.outlet_descriptors:
            return True
    return False


# --------------------------------------------------------------------------- speaker classification


_QUANT_HEADS = frozenset({"one", "two", "three", "four", "some", "several", "each", "both", "many", "none",
                          "all", "either", "neither", "most", "another"})
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
    text = _span_text(doc, a, b)
    words = _words(doc, a, b)
    owords = _owords(doc, a, b)
    lemma = head.lemma_.lower()
    propn = head.pos_ == "PROPN"
    if propn and (head.is_sent_start or head.i == a) and _common_word(gaz, low):
        # a capitalised first word the tagger took for a name ("Polls show", "Workers said")
        propn = False
        lemma = low[:-1] if low.endswith("s") and low[:-1] in _lexicon(gaz) else low
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
    if "our" in words or (ctx.publisher_keys and _outlet_key(text) and _outlet_key(text) <= ctx.publisher_keys
                          and is_outlet(gaz, doc, a, b, head)) or (ctx.publisher_keys and _publisher_desk(gaz, ctx, doc, a, b)):
        return (OWN, None, text, a, b, True, False)

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


# --------------------------------------------------------------------------- clause structure


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
            if any(doc[i].text in ("-", "—", "–", "--") and doc[i].whitespace_ for i in range(subs[0].i + 1, later.left_edge.i)):
                return later
    if subs:
        return subs[0]
    # shared subject of a coordinated verb / participle
    if v.dep_ in ("conj", "advcl", "xcomp") and v.head is not v:
        for c in v.head.children:
            if c.dep_ in ("nsubj", "nsubjpass") and c.i < v.i:
                return c
    return None


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
    if before not in (",", "”", "\"", "—", "–", ":", "’", "'") or lo == start:
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


# --------------------------------------------------------------------------- sentence rule


def _finding_from_np(gaz, ctx, head, v, cue, reason_fmt, anonymity, tag=False):
    low = head.lower_
    if head.pos_ == "PRON" or low in _PRONOUNS_PERSON | _PRONOUNS_THING | _PRONOUNS_PLURAL | _PRONOUNS_FIRST:
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
    if kind == "person" and head.pos_ != "PROPN":
        # a later "she said" resolves to the name itself, not its introduction (rule 9)
        name = _appos_name(gaz, ctx, head)
        if name is not None:
            f.extra["name"] = _span_text(head.doc, *np_bounds(name))
    return f


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
    lowered = " " + sent_tokens.text.lower() + " "
    anonymity = any(p in lowered for p in (
        "anonymity", "not authorized", "not authorised", "declined to be named", "asked not to be",
        "not to be named", "not to be identified", "speaking anonymously", "spoke anonymously",
        "on background", "requested anonymity", "not permitted to"))

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
            elif c.dep_ == "ccomp" and c.i > v.i:
                # trailing tags parsed as the complement's head: '"...", X said'
                consider(c, 5)
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
        best = _trailing_record_tag(gaz, sent_tokens)
    if best is None:
        best = _hedges(gaz, mains, start, end)
    if best is None:
        best = _subject_hedge(gaz, mains)
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


def _reduced_relative(v) -> bool:
    """'..., a complaint officials have acknowledged': the verb's subject carries
    an 'a'/'an' that cannot belong to a plural head -- it is the noun the clause
    modifies, so the verb heads a reduced relative clause, not the sentence."""
    subj = subject_of_own(v)
    return subj is not None and subj.tag_ == "NNS" and any(
        c.dep_ == "det" and c.lower_ in ("a", "an") and c.i < subj.i - 1 for c in subj.children)


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


def subject_of_own(v):
    for c in v.children:
        if c.dep_ in ("nsubj", "nsubjpass"):
            return c
    return None


_NO_COMMENT_VERBS = frozenset({"decline", "refuse"})
_COMMENT_VERBS = frozenset({"comment", "discuss", "respond", "elaborate", "say", "answer", "speak", "address"})
_SPEAK_LEMMAS = frozenset({"speak", "talk"})


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


def _verb_finding(gaz, ctx, v, start, end, anonymity, mains) -> Finding | None:
    doc = v.doc
    lemma = v.lemma_.lower()
    if v.pos_ not in ("VERB", "AUX"):
        return None
    tag = is_tag(v, start, end)
    subj = subject_of(v)
    if subj is not None and not start <= subj.i < end:
        subj = None
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
        if lemma == "tell":
            a, b = np_bounds(subj)
            lo, hi = hedge_phrase(v)
            phrase = _span_text(doc, min(a, lo), max(v.i, b))
            return Finding(ANON, phrase, "anonymous", v.text, f"passive '{v.text}' with no source: '{phrase}'",
                           cue_token=v.i, tag=tag)
        return None

    clausal = has_clausal_complement(v) or tag
    ok_verb = (lemma in gaz.reporting_verbs and clausal) or lemma in gaz.speech_acts
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
                return Finding(DOCUMENT, res[2], "document", v.text,
                               f"finding '{v.text}' of record '{res[2]}'", cue_token=v.i, tag=tag)
        return None
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


def _hedges(gaz, mains, start, end) -> Finding | None:
    for v in mains:
        doc = v.doc
        lemma = v.lemma_.lower()
        # agentless hedge passives: 'is seen as', 'is rumoured to', 'are said to be'
        if lemma in gaz.hedge_passive and _agentless_passive(v):
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
