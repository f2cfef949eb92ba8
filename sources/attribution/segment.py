"""Body cleaning and sentence segmentation on raw text (no spaCy).

The output is a list of :class:`Segment` covering the body: every span indexes
the original text. Boilerplate lines and the headline become ``body=False``
segments (they are parsed, so the parse sees the same text as a bare
``nlp.pipe`` would, but never turned into claims).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .gazetteers import load

MAX_SEGMENT_CHARS = 3000
_TERMINALS = ".!?…"
_CLOSERS = "\"”’')]»"
_OPENERS = "\"“‘'([«"
_SITE_TAG_MARKS = ("·", "•", "|", "—", "–")
_BOUNDARY_RE = re.compile(r"[.!?…]+[\"”’')\]»]*\s+")
_WORD_RE = re.compile(r"\S+")
_GLUE_RE = re.compile(r"^((?:[A-Z][\w.&'’-]*\s+){0,4}[A-Z][\w&'’-]*?[a-z])(?=[A-Z][a-z])")

# Abbreviations after which a full stop does not end a sentence.
_TITLE_ABBREV = frozenset(
    "mr mrs ms dr prof sen rep gov gen lt col capt cpt sgt st jr sr rev hon fr messrs mme mlle "
    "maj adm cmdr cdr supt insp det pres supt no nos vs v mt ft fig figs op cf al approx est dept "
    "univ assn bros ave blvd rd".split()
)
_MONTH_ABBREV = frozenset("jan feb mar apr jun jul aug sep sept oct nov dec".split())
_DOTTED_RE = re.compile(r"(?:[A-Za-z]\.){2,}|(?:[A-Za-z]\.)+[A-Za-z]")
# Words that commonly open a sentence: after an ambiguous abbreviation ("U.S.",
# "Inc.", an initial) a following capitalised word in this list starts a new one.
_SENTENCE_STARTERS = frozenset(
    "the a an he she it they we i you his her its their our this that these those there "
    "but and or so yet in on at for with by from as after before when while since if "
    "meanwhile however still also then now later earlier last next one two three some many "
    "most several both each all no not what who why how where mr mrs ms dr".split()
)
_TAG_VERBS = frozenset(
    "said says say wrote writes told tells added adds asked asks explained explains continued "
    "insisted insists recalled noted notes replied declared tweeted posted shouted argued warned "
    "stated concluded claimed exclaimed quipped conceded admitted acknowledged responded "
    "countered maintained reported reports".split()
)


@dataclass(frozen=True)
class Segment:
    start: int
    end: int
    body: bool
    paragraph: int = 0
    cut: bool = False  # a piece of a run-on "sentence" longer than MAX_SEGMENT_CHARS, cut at a space


@dataclass
class CleanResult:
    segments: list[Segment]
    publisher_hint: str | None


def _is_boilerplate(line: str) -> bool:
    if len(line) <= 400 and load().boilerplate_sentences.fullmatch(line) is not None:
        return True  # promotions and cross-links that read like sentences
    if len(line) > 240:
        return False
    words = line.split()
    if len(words) >= 8 and line[-1] in _TERMINALS:
        return False
    if all(not ch.isalnum() for ch in line):
        return True
    return load().boilerplate.fullmatch(line) is not None


# A machine line left in the body by a wire or a CMS: a reference tag ("Ref 1796391781."), or a
# code of digits and punctuation alone. Whether a whole line or the last sentence of a paragraph,
# it is no claim (issue 30).
_MACHINE_LINE = re.compile(r"(?:ref(?:erence)?\.?\s*(?:no\.?|number|#|:)?\s*)?[\d\W_]*\d{4,}[\d\W_]*", re.IGNORECASE)


def is_machine_line(sentence: str) -> bool:
    return _MACHINE_LINE.fullmatch(sentence.strip()) is not None


def _is_subhead(line: str) -> bool:
    """A mid-body subhead, credit or link line: short and unpunctuated ("The
    Road Ahead", "Jane Roe/Reuters", "Watch the full interview"). Edited copy ends
    every sentence with punctuation, so a real sentence is never taken for one;
    a line ending with a colon introduces what follows and stays."""
    if len(line) > 160:
        return False
    words = line.split()
    if not words or len(words) > 10:
        return False
    last = line[-1]
    return last not in _TERMINALS + _CLOSERS + ":;,"


def _lines(text: str):
    """(start, end) of each stripped non-empty line, plus whether a blank line follows."""
    out = []
    pos = 0
    n = len(text)
    while pos <= n:
        nl = text.find("\n", pos)
        if nl == -1:
            nl = n
        s, e = pos, nl
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        out.append((s, e))
        pos = nl + 1
        if nl == n:
            break
    return out


def _split_site_tag(text: str, s: int, e: int) -> tuple[int, str | None]:
    """For a site-tag line ("· Yahoo NewsAs Washington ..."), return where the body
    starts and the site name."""
    i = s
    while i < e and (text[i] in "".join(_SITE_TAG_MARKS) or text[i].isspace()):
        i += 1
    rest = text[i:e]
    lowered = rest.lower()
    gaz = load()
    best = None
    for name in gaz.outlets.entries:
        if lowered.startswith(name) and (best is None or len(name) > len(best)):
            nxt = rest[len(name) : len(name) + 1]
            if nxt == "" or nxt.isupper() or nxt.isspace() or nxt in _OPENERS:
                best = name
    if best is not None:
        j = i + len(best)
        while j < e and text[j].isspace():
            j += 1
        return j, rest[: len(best)]
    m = _GLUE_RE.match(rest)
    if m:
        return i + m.end(1), m.group(1)
    return e, rest.strip() or None


def _ambiguous_split_ok(next_word: str) -> bool:
    w = next_word.strip(_OPENERS).lower()
    return w in _SENTENCE_STARTERS


def split_sentences(text: str, s: int, e: int) -> list[tuple[int, int]]:
    """Sentence spans inside one line ``text[s:e]`` (stripped)."""
    spans: list[tuple[int, int]] = []
    cur = s
    line = text[s:e]
    for m in _BOUNDARY_RE.finditer(line):
        bend = s + m.end()  # start of the next sentence
        if bend >= e:
            break
        punct_end = s + m.end() - len(m.group(0)) + len(m.group(0).rstrip())
        nxt_m = _WORD_RE.match(text, bend)
        nxt = nxt_m.group(0) if nxt_m else ""
        first = nxt.lstrip(_OPENERS)[:1]
        if not first or not (first.isupper() or first.isdigit()):
            continue
        # the word carrying the punctuation
        wstart = text.rfind(" ", s, s + m.start()) + 1 if " " in line[: m.start()] else s
        word = text[max(wstart, s) : s + m.start()].lstrip(_OPENERS)
        punct = m.group(0).strip()
        if punct.startswith(".") and not punct.startswith("..") and not any(c in punct for c in "!?"):
            low = word.lower().rstrip(".")
            closed = any(c in punct for c in _CLOSERS)
            if not closed:
                if low in _TITLE_ABBREV:
                    continue
                if low in _MONTH_ABBREV and first.isdigit():
                    continue
                if low in _MONTH_ABBREV:
                    if not _ambiguous_split_ok(nxt):
                        continue
                if _DOTTED_RE.fullmatch(word) or (len(low) == 1 and low.isalpha()):
                    # U.S. / a.m. / initials
                    if not _ambiguous_split_ok(nxt):
                        continue
        spans.append((cur, punct_end))
        cur = bend
    spans.append((cur, e))
    return _join_quote_tags(text, spans)


def _join_quote_tags(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """'"...matter!" Trump wrote on Truth Social.' is one span with its tag (rule 7)."""
    if len(spans) < 2:
        return spans
    out = [spans[0]]
    for s, e in spans[1:]:
        ps, pe = out[-1]
        prev = text[ps:pe]
        if prev and prev[-1] in "\"”" and len(prev) > 1 and prev[-2] in _TERMINALS:
            seg = text[s:e]
            words = seg.split()
            if (
                seg[:1] not in _OPENERS
                and 1 < len(words) <= 8
                and seg[-1:] in _TERMINALS
                and any(w.lower().strip(",.") in _TAG_VERBS for w in words[:4])
            ):
                out[-1] = (ps, e)
                continue
        out.append((s, e))
    return out


def _cap(spans: list[tuple[int, int]], text: str) -> list[tuple[int, int, bool]]:
    """Spans no longer than MAX_SEGMENT_CHARS, each with whether it was cut from a longer run-on."""
    out = []
    for s, e in spans:
        was_cut = False
        while e - s > MAX_SEGMENT_CHARS:
            cut = text.rfind(" ", s + MAX_SEGMENT_CHARS // 2, s + MAX_SEGMENT_CHARS)
            if cut <= s:
                cut = s + MAX_SEGMENT_CHARS
            out.append((s, cut, True))
            was_cut = True
            s = cut
            while s < e and text[s].isspace():
                s += 1
        if e > s:
            out.append((s, e, was_cut))
    return out


def clean_and_segment(text: str) -> CleanResult:
    lines = _lines(text)
    nonempty = [i for i, (s, e) in enumerate(lines) if e > s]
    segments: list[Segment] = []
    publisher_hint = None
    headline_idx = None
    if len(nonempty) >= 2:
        i0 = nonempty[0]
        s0, e0 = lines[i0]
        first = text[s0:e0]
        blank_after = i0 + 1 < len(lines) and lines[i0 + 1][1] == lines[i0 + 1][0]
        nxt_s = lines[nonempty[1]][0]
        tag_after = text[nxt_s] in _SITE_TAG_MARKS[:3]
        no_final_punct = first[-1] not in _TERMINALS + _CLOSERS
        if (
            len(first.split()) <= 30
            and first[-1] not in ".,;:"
            and (blank_after or tag_after or no_final_punct)
        ):
            headline_idx = i0
    paragraph = 0
    prev_blank = True
    for i, (s, e) in enumerate(lines):
        if e == s:
            prev_blank = True
            continue
        if prev_blank:
            paragraph += 1
        prev_blank = False
        if i == headline_idx:
            segments.append(Segment(s, e, False, paragraph))
            continue
        line = text[s:e]
        if line[0] in _SITE_TAG_MARKS[:3]:
            body_start, site = _split_site_tag(text, s, e)
            if publisher_hint is None and site:
                publisher_hint = site
            segments.append(Segment(s, body_start, False, paragraph))
            if body_start >= e:
                continue
            s = body_start
            line = text[s:e]
        if _is_boilerplate(line) or _is_subhead(line):
            segments.append(Segment(s, e, False, paragraph))
            continue
        for a, b, was_cut in _cap(split_sentences(text, s, e), text):
            segments.append(Segment(a, b, not is_machine_line(text[a:b]), paragraph, was_cut))
    return CleanResult(segments, publisher_hint)
