"""Shared vocabulary of the attribution rules: levels, the :class:`Finding` and
:class:`ArticleContext` records, and small helpers over noun phrases and outlet names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..gazetteers import Gazetteers, load


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
     "inquirer", "sentinel", "dispatch", "globe", "ledger", "bulletin"}
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
    last_mentioned: object = None  # the last person the NER saw anywhere (token), the weakest antecedent


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
        if doc[i].text in ("-", "—", "–", "--", "―") and doc[i].whitespace_ and i > 0 and doc[i - 1].whitespace_:
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
        # "Developers and supporters in Congress say": a coordinated subject speaks as one
        if child.dep_ == "cc" and tok.dep_ == "nsubj" and any(
                c.dep_ == "conj" and c.pos_ in ("NOUN", "PROPN") and c.i == child.i + 1 + (
                    1 if doc[child.i + 1].dep_ in ("det", "poss", "amod", "compound") else 0)
                for c in tok.children):
            continue
        if child.dep_ == "conj" and tok.dep_ == "nsubj" and child.pos_ in ("NOUN", "PROPN") and doc[
                child.left_edge.i - 1].dep_ == "cc" and doc[child.left_edge.i - 1].lower_ == "and":
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
    ) and (head.lower_ != "agency" or doc[head.i - 1].lower_ in ("news", "press")):
        # ("the Environment Agency" is a government body; "Yonhap News Agency" an outlet)
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


_SPEAK_LEMMAS = frozenset({"speak", "talk"})
