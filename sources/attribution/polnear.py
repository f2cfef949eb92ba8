"""Score the extractor on a PolNeAR-format folder (brat standoff attributions).

    python -m sources.attribution.polnear DIR [--json]

``DIR`` holds ``NAME.txt`` + ``NAME.ann`` pairs (PolNeAR, Newell, Margolin and
Ruths, LREC 2018); ``metadata.tsv`` beside ``DIR`` or in it gives each article's
publisher, which is passed to the extractor as ``--publisher`` would be.

Every gold attribution (an ``E`` line) has a Cue span and usually a Source span.
Its *claim* is the extracted body sentence that contains the cue's first
character; cues outside every claim (headlines, dropped lines) are counted in
``cues_outside_claims`` and nowhere else.

Scope. PolNeAR annotates every attribution, including beliefs, intentions and
other inner states ("Trump wants", "voters think"), evidence ("polls show") and
nouns ("his claim that"). ATTRIBUTION.md treats inner states as the article's
own voice, so the headline recall is over *speech cues*: a cue with a verb of
saying (:data:`SPEECH_LEMMAS`: "said", "told", "has argued", "wrote", "noted",
"concluded", "outlined" ...) or "according to", that asserts (not "did not
say", "never mentioned"), is a verb (not the noun of "his claim that", "a
report that"), stands outside quotation marks (a cue inside a quote is the
quoted speaker's, rules 5 and 7) and whose Source is not the author ("I said", "we
told" in a columnist's copy are the publisher's own voice, rule 14). Recall over
all cues is printed too, for information; it is not a target.

- ``cue_recall`` (all / speech): the share of gold cues whose claim the
  extractor calls attributed (any level but ``unattributed``).
- ``speaker_accuracy``: over claims the extractor calls attributed that contain
  a speech cue whose gold Source is not a pronoun, the share whose predicted
  speaker matches one of those Sources: token F1 >= 0.5 (lower-cased ``\\w+``
  tokens), or F1 >= 0.5 with the Source's name without its apposition or title
  ("Jane Roe, a professor at ..." and "the lab's director, Jane Roe," -> "Jane
  Roe"; "nominee Gov. Jane Roe (D-VT)" -> "Gov. Jane Roe"). Claims whose only Sources are
  pronouns ("he", "who", "they") are scored apart (``pronoun_speaker_accuracy``):
  the predicted speaker must match a non-pronoun gold Source the article named
  before the claim.
- ``attributed_precision``: the share of claims the extractor calls attributed
  that contain a gold cue (of any kind).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

_TOKEN_RE = re.compile(r"\w+")

# metadata.tsv publisher codes -> the names a newsroom would pass as --publisher
PUBLISHERS = {
    "nyt": "The New York Times",
    "wash-post": "The Washington Post",
    "breitbart": "Breitbart",
    "huff-post": "The Huffington Post",
    "politico": "Politico",
    "usa-today": "USA Today",
    "west-journal": "Western Journalism",
}

_IRREGULAR = {
    "say": ("said",), "tell": ("told",), "write": ("wrote", "written"), "testify": ("testified", "testifies"),
    "deny": ("denied", "denies"), "reply": ("replied", "replies"), "quote": ("quoted", "quoting"),
}
SPEECH_LEMMAS = frozenset({
    "say", "tell", "add", "note", "write", "report", "state", "claim", "announce", "explain", "argue",
    "insist", "acknowledge", "tweet", "warn", "admit", "declare", "confirm", "deny", "conclude", "outline",
    "allege", "contend", "maintain", "assert", "testify", "recall", "predict", "suggest", "describe",
    "mention", "reply", "quote", "stress", "emphasize",
})


def _forms(lemma: str) -> set[str]:
    stem = lemma[:-1] if lemma.endswith("e") else lemma
    out = {lemma, lemma + ("es" if lemma.endswith(("s", "sh", "ch", "x")) else "s"), stem + "ed", stem + "ing"}
    out |= set(_IRREGULAR.get(lemma, ()))
    return out


SPEECH_FORMS = frozenset(f for lemma in SPEECH_LEMMAS for f in _forms(lemma)) | {"according"}
FIRST_PERSON = frozenset({"i", "we", "me", "us", "my", "our"})
NEGATIONS = frozenset({"not", "never", "n't", "nothing", "no"})
PRONOUNS = frozenset({"he", "she", "it", "they", "i", "we", "you", "who", "which", "that", "his", "her", "its",
                      "their", "him", "them", "me", "us", "my", "our", "whom", "whose"})


@dataclass
class Span:
    kind: str
    spans: list[tuple[int, int]]
    text: str

    @property
    def start(self) -> int:
        return self.spans[0][0]


@dataclass
class Relation:
    cue: Span
    source: Span | None
    contents: list[Span] = field(default_factory=list)
    nominal: bool = False  # the cue is a noun ("his claim that", "a report that")
    quoted: bool = False  # the cue lies inside a quotation (the quoted speaker's own attribution)

    @property
    def speech(self) -> bool:
        """A verb of saying or "according to", asserted, by someone other than the author."""
        cue = self.cue.text.lower().replace("’", "'").replace("n't", " n't ")
        if self.nominal or self.quoted or not set(words(cue)) & SPEECH_FORMS or set(cue.split()) & NEGATIONS:
            return False
        return self.source is None or not set(words(self.source.text)) <= FIRST_PERSON

    @property
    def pronoun_source(self) -> bool:
        return self.source is not None and set(words(self.source.text)) <= PRONOUNS


def words(s: str | None) -> list[str]:
    return _TOKEN_RE.findall(s.lower()) if s else []


def token_f1(a: str | None, b: str | None) -> float:
    ca, cb = Counter(words(a)), Counter(words(b))
    common = sum((ca & cb).values())
    if not common:
        return 0.0
    p, r = common / sum(ca.values()), common / sum(cb.values())
    return 2 * p * r / (p + r)


_APPOS_RE = re.compile(r",|\(| — | – | -- ")


def _names(gold: str) -> list[str]:
    """The name parts of a Source with its apposition and title left out: the
    comma- or parenthesis-separated parts, and the run of capitalised words that
    ends each ("The state's chairman, Jo Bell," -> "Jo Bell"; "nominee Gov. Jo
    Bell (R-IN)" -> "Gov. Jo Bell")."""
    out = []
    for part in _APPOS_RE.split(gold):
        part = part.strip(" )")
        if not part:
            continue
        out.append(part)
        toks = part.split()
        k = len(toks)
        while k > 0 and toks[k - 1][:1].isupper():
            k -= 1
        if 0 < k < len(toks):
            out.append(" ".join(toks[k:]))
    return out


def speaker_matches(pred: str | None, gold: str) -> bool:
    """Token F1 >= 0.5 with the gold Source, or with its name without the apposition."""
    if not pred:
        return False
    if token_f1(pred, gold) >= 0.5:
        return True
    return any(token_f1(pred, name) >= 0.5 for name in _names(gold) if name != gold)


def read_ann(path: Path) -> list[Relation]:
    """The attribution relations of one brat ``.ann`` file."""
    spans: dict[str, Span] = {}
    events: list[dict[str, list[str]]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("T"):
            parts = line.split("\t")
            if len(parts) < 2 or " " not in parts[1]:
                continue
            kind, offsets = parts[1].split(" ", 1)
            try:
                ranges = [tuple(int(x) for x in piece.split()) for piece in offsets.split(";")]
            except ValueError:
                continue
            spans[parts[0]] = Span(kind, [r for r in ranges if len(r) == 2], parts[2] if len(parts) > 2 else "")
        elif line.startswith("E"):
            parts = line.split("\t")
            if len(parts) < 2:
                continue
            roles: dict[str, list[str]] = {}
            for arg in parts[1].split():
                role, _, ref = arg.partition(":")
                roles.setdefault(role.rstrip("0123456789"), []).append(ref)
            events.append(roles)
    out = []
    for roles in events:
        cues = [spans[r] for r in roles.get("Cue", []) if r in spans and spans[r].spans]
        if not cues:
            continue
        sources = [spans[r] for r in roles.get("Source", []) if r in spans]
        contents = [spans[r] for r in roles.get("Content", []) if r in spans]
        out.append(Relation(cues[0], sources[0] if sources else None, contents))
    return out


_DETERMINERS = frozenset({"a", "an", "the", "this", "that", "these", "those", "his", "her", "its", "their", "our",
                          "my", "your", "s"})
_NOUN_CUES = frozenset({"claim", "claims", "report", "reports", "statement", "statements", "account", "accounts",
                        "description", "suggestion", "mention", "quote", "quotes", "assertion", "prediction",
                        "warning", "announcement", "tweet", "tweets", "explanation", "recollection", "comments",
                        "comment", "remarks", "denial", "admission", "testimony", "argument", "arguments"})


def mark_nominal(text: str, relations: list[Relation]) -> None:
    """A one-word cue that is a noun after a determiner or possessive ("Trump's
    claim that", "a report that") names a statement; it is not a verb of saying."""
    for rel in relations:
        cue = rel.cue.text.strip().lower()
        if cue not in _NOUN_CUES:
            continue
        before = words(text[max(0, rel.cue.start - 40) : rel.cue.start])
        while before and before[-1] in {"new", "latest", "earlier", "false", "repeated", "own", "recent", "initial"}:
            before.pop()
        rel.nominal = bool(before) and (before[-1] in _DETERMINERS or text[: rel.cue.start].rstrip().endswith(
            ("'s", "’s")))


def quote_spans(text: str) -> list[tuple[int, int]]:
    """Character spans inside quotation marks, paragraph by paragraph (curly
    quotes open and close; a straight quote toggles; a paragraph closes all)."""
    spans = []
    pos = 0
    for para in text.split("\n"):
        open_at = None
        for k, ch in enumerate(para):
            if ch == "“" or (ch == '"' and open_at is None):
                open_at = pos + k if open_at is None else open_at
            elif ch in "”\"" and open_at is not None:
                spans.append((open_at, pos + k))
                open_at = None
        pos += len(para) + 1
    return spans


def mark_quoted(text: str, relations: list[Relation]) -> None:
    """A cue inside a quotation is the quoted speaker's own attribution ("'..., he
    said, ...'" inside a quote): by ATTRIBUTION.md the sentence is the quote's
    (rules 5 and 7), so it is no cue of the article's."""
    spans = quote_spans(text)
    for rel in relations:
        rel.quoted = any(a < rel.cue.start < b for a, b in spans)


def read_publishers(folder: Path) -> dict[str, str]:
    for meta in (folder / "metadata.tsv", folder.parent / "metadata.tsv"):
        if meta.is_file():
            with meta.open(encoding="utf-8", newline="") as fh:
                return {row["filename"]: row.get("publisher", "") for row in csv.DictReader(fh, delimiter="\t")}
    return {}


def articles(folder: Path) -> list[tuple[str, str, str | None, list[Relation]]]:
    """``(name, text, publisher, relations)`` of every ``NAME.txt`` + ``NAME.ann`` pair."""
    pubs = read_publishers(folder)
    out = []
    for txt in sorted(folder.glob("*.txt")):
        ann = txt.with_suffix(".ann")
        if not ann.is_file():
            continue
        code = pubs.get(txt.stem, "")
        text = txt.read_text(encoding="utf-8")
        rels = read_ann(ann)
        mark_nominal(text, rels)
        mark_quoted(text, rels)
        out.append((txt.stem, text, PUBLISHERS.get(code, code or None), rels))
    return out


class PolnearTally:
    def __init__(self) -> None:
        self.c: Counter = Counter()
        self.misses: list[dict] = []
        self.wrong_speakers: list[dict] = []
        self.false_attributions: list[dict] = []

    def add(self, name: str, relations: list[Relation], claims: list[dict]) -> None:
        c = self.c
        starts = [cl["start"] for cl in claims]
        by_claim: dict[int, list[Relation]] = {}
        for rel in relations:
            k = _containing(claims, starts, rel.cue.start)
            if k is None:
                c["cues_outside_claims"] += 1
                continue
            by_claim.setdefault(k, []).append(rel)
        named_before: list[tuple[int, str]] = sorted(
            (rel.source.start, rel.source.text) for rel in relations
            if rel.source is not None and not rel.pronoun_source)
        for k, claim in enumerate(claims):
            rels = by_claim.get(k, [])
            attributed = claim["attribution_level"] != "unattributed"
            for rel in rels:
                c["cues"] += 1
                c["cues_hit"] += attributed
                if rel.speech:
                    c["speech_cues"] += 1
                    c["speech_cues_hit"] += attributed
                    if not attributed:
                        self.misses.append({"article": name, "cue": rel.cue.text, "text": claim["text"][:160]})
            if attributed:
                c["attributed"] += 1
                if rels:
                    c["attributed_ok"] += 1
                else:
                    self.false_attributions.append({"article": name, "level": claim["attribution_level"],
                                                    "speaker": claim.get("speaker"), "text": claim["text"][:160]})
                speech = [rel for rel in rels if rel.speech and rel.source is not None]
                named = [rel.source.text for rel in speech if not rel.pronoun_source]
                if named:
                    ok = any(speaker_matches(claim.get("speaker"), g) for g in named)
                    c["speakers"] += 1
                    c["speakers_ok"] += ok
                    if not ok:
                        self.wrong_speakers.append({"article": name, "pred": claim.get("speaker"), "gold": named,
                                                    "text": claim["text"][:160]})
                elif speech:
                    earlier = [t for s, t in named_before if s < claim["start"]]
                    c["pronoun_speakers"] += 1
                    c["pronoun_speakers_ok"] += any(speaker_matches(claim.get("speaker"), g) for g in earlier)

    def summary(self) -> dict:
        c = self.c

        def ratio(a: str, b: str) -> float:
            return round(c[a] / c[b], 4) if c[b] else 0.0

        return {
            "cues": c["cues"],
            "speech_cues": c["speech_cues"],
            "cues_outside_claims": c["cues_outside_claims"],
            "cue_recall": ratio("cues_hit", "cues"),
            "speech_cue_recall": ratio("speech_cues_hit", "speech_cues"),
            "speakers": c["speakers"],
            "speaker_accuracy": ratio("speakers_ok", "speakers"),
            "pronoun_speakers": c["pronoun_speakers"],
            "pronoun_speaker_accuracy": ratio("pronoun_speakers_ok", "pronoun_speakers"),
            "attributed": c["attributed"],
            "attributed_precision": ratio("attributed_ok", "attributed"),
        }


def _containing(claims: list[dict], starts: list[int], pos: int) -> int | None:
    import bisect

    k = bisect.bisect_right(starts, pos) - 1
    if k >= 0 and claims[k]["start"] <= pos < claims[k]["end"]:
        return k
    return None


def score_polnear(folder: Path, extract_many=None) -> dict:
    """Run the extractor over a PolNeAR-format folder; return the report."""
    if extract_many is None:
        from .extractor import extract_many
    arts = articles(Path(folder))
    tally = PolnearTally()
    for (name, _text, _pub, rels), claims in zip(arts, extract_many([(t, p) for _n, t, p, _r in arts])):
        tally.add(name, rels, [cl.as_dict() if hasattr(cl, "as_dict") else cl for cl in claims])
    from .extractor import EXTRACTOR_VERSION

    return {"extractor_version": EXTRACTOR_VERSION, "articles": len(arts), "overall": tally.summary(),
            "misses": tally.misses, "wrong_speakers": tally.wrong_speakers,
            "false_attributions": tally.false_attributions}


def _print(report: dict, out, verbose: bool) -> None:
    o = report["overall"]
    print(f"PolNeAR: {report['articles']} articles, extractor {report['extractor_version']}", file=out)
    print(f"  cue recall, all cues        {o['cue_recall']:.3f}  (n={o['cues']}; "
          f"{o['cues_outside_claims']} cues outside body claims)", file=out)
    print(f"  cue recall, speech cues     {o['speech_cue_recall']:.3f}  (n={o['speech_cues']})", file=out)
    print(f"  speaker accuracy            {o['speaker_accuracy']:.3f}  (n={o['speakers']})", file=out)
    print(f"  pronoun speakers, resolved  {o['pronoun_speaker_accuracy']:.3f}  (n={o['pronoun_speakers']})", file=out)
    print(f"  attributed-claim precision  {o['attributed_precision']:.3f}  (n={o['attributed']})", file=out)
    if verbose:
        for title, key in (("speech cues missed", "misses"), ("wrong speakers", "wrong_speakers"),
                           ("attributed without a gold cue", "false_attributions")):
            print(f"\n{title}:", file=out)
            for e in report[key]:
                print("  " + " | ".join(str(v) for v in e.values()), file=out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sources.attribution.polnear", description=__doc__.split("\n\n")[0])
    ap.add_argument("dir", type=Path, help="a PolNeAR-format folder (NAME.txt + NAME.ann)")
    ap.add_argument("--json", action="store_true", help="print the report as one JSON object")
    ap.add_argument("-v", "--verbose", action="store_true", help="list the misses and wrong speakers")
    args = ap.parse_args(argv)
    if not args.dir.is_dir():
        print(f"error: {args.dir} is not a directory", file=sys.stderr)
        return 2
    if not any(args.dir.glob("*.ann")):
        print(f"error: no NAME.txt + NAME.ann pairs in {args.dir}", file=sys.stderr)
        return 2
    report = score_polnear(args.dir)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        _print(report, sys.stdout, args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
