"""Bounded work per article: the caps around the extractor (pure, no database). The pipeline and
the `extract_claims` command both extract through `extract_bounded`, under the same caps.

- characters per article (ARTICLE_MAX_CHARS) is checked at ingestion;
- claims per article (ARTICLE_MAX_CLAIMS) is estimated before parsing from the raw
  segmentation (no spaCy: milliseconds), and checked again after extraction: an article
  beyond it fails with the reason instead of queueing tens of thousands of claims;
- characters per claim (CLAIM_MAX_CHARS): a run-on "sentence" is cut at clause
  boundaries (; : — , and ...), else at a space, and each part records the cut in its reason;
- memory: the body is parsed one chunk (sources.attribution.CHUNK_CHARS) at a time
  (`batch_size=1`), so peak memory follows the chunk size, not the article size.
"""

from __future__ import annotations

import re
from dataclasses import replace

from django.conf import settings


class ExtractionRefused(Exception):
    """The article is beyond a cap: it is marked failed with this reason and not retried."""


# Where a run-on sentence may be cut, best first: after ; or : or a dash, then after a
# comma, then before a conjunction; the cut lands after the mark (and its spaces).
_CLAUSE_MARKS = (
    re.compile(r"[;:]\s+|\s[—–-]{1,2}\s+"),
    re.compile(r",\s+"),
    re.compile(r"\s+(?=(?:and|but|or|while|whereas|because|although|which|who)\s)"),
)


def _cut_at(text: str, start: int, end: int, limit: int) -> tuple[int, str]:
    """Where to end the part that begins at `start` (at most `limit` characters), and why."""
    window_start = start + limit // 3  # never a sliver: at least a third of the limit
    window = text[window_start : start + limit]
    for pattern in _CLAUSE_MARKS:
        cuts = [m.end() for m in pattern.finditer(window)]
        if cuts:
            return window_start + cuts[-1], "clause"
    space = text.rfind(" ", window_start, start + limit)
    if space > start:
        return space + 1, "length"
    return start + limit, "length"


def split_long_claims(claims: list, *, limit: int | None = None, cut_spans: frozenset = frozenset()) -> list:
    """Claims longer than `limit` characters become several claims, cut at clause or length boundaries.

    The parts keep the attribution of the whole and their spans still index the body;
    each part's `reason` records the cut, as does a claim the segmenter already cut from a
    longer run-on (`cut_spans`). Other claims are returned as they are.
    """
    limit = limit or settings.CLAIM_MAX_CHARS
    out = []
    for claim in claims:
        if claim.end - claim.start <= limit:
            if (claim.start, claim.end) in cut_spans:
                out.append(_noted(claim, f"cut from a longer run-on sentence at a length boundary (CLAIM_MAX_CHARS={limit})"))
            else:
                out.append(claim)
            continue
        text = claim.text
        spans, kinds, pos = [], set(), 0
        while len(text) - pos > limit:
            cut, kind = _cut_at(text, pos, len(text), limit)
            part_end = len(text[:cut].rstrip())
            if part_end > pos:
                spans.append((pos, part_end))
                kinds.add(kind)
            pos = cut
            while pos < len(text) and text[pos].isspace():
                pos += 1
        if pos < len(text):
            spans.append((pos, len(text.rstrip())))
        how = " and ".join(sorted(kinds))  # "clause", "length" or both
        whole = (f"a {len(text)}-character piece of a longer run-on sentence" if (claim.start, claim.end) in cut_spans
                 else f"a {len(text)}-character run-on sentence")
        for index, (a, b) in enumerate(spans, start=1):
            note = f"cut: part {index} of {len(spans)} of {whole}, at {how} boundaries (CLAIM_MAX_CHARS={limit})"
            out.append(_noted(replace(claim, start=claim.start + a, end=claim.start + b, text=text[a:b]), note))
    return out


def _noted(claim, note: str):
    return replace(claim, reason=(f"{claim.reason}; {note}" if claim.reason else note)[:500])


def _segments(body: str):
    from sources.attribution.extractor import _sanitize  # the extractor segments the sanitized text
    from sources.attribution.segment import clean_and_segment

    return [s for s in clean_and_segment(_sanitize(body)).segments if s.body]


def estimated_claims(segments: list, *, limit: int | None = None) -> int:
    """An upper estimate of the claims an article gives: its body sentences, long ones counted per part."""
    limit = limit or settings.CLAIM_MAX_CHARS
    return sum(-(-(s.end - s.start) // limit) for s in segments)


def check_claim_count(count: int, *, estimated: bool, cap: int | None = None) -> None:
    cap = settings.ARTICLE_MAX_CLAIMS if cap is None else cap
    if cap and count > cap:
        what = f"about {count} sentences" if estimated else f"{count} claims"
        raise ExtractionRefused(
            f"the article gives {what}; the limit is {cap} claims per article (ARTICLE_MAX_CLAIMS): "
            "split it into several articles, or raise the limit"
        )


def extract_bounded(
    body: str, *, publisher: str | None, max_claims: int | None = None, max_claim_chars: int | None = None
) -> list:
    """The extractor under the caps: refuse early when the article is beyond them, parse chunk by chunk, cut run-ons.

    The caps are the settings' (ARTICLE_MAX_CLAIMS, CLAIM_MAX_CHARS) unless given.
    """
    from sources.attribution import extract_many

    if not body.strip():
        return []
    segments = _segments(body)  # raw segmentation, no spaCy: milliseconds even for megabytes
    check_claim_count(estimated_claims(segments, limit=max_claim_chars), estimated=True, cap=max_claims)
    claims = next(extract_many([(body, publisher)], batch_size=1))  # one chunk in memory at a time
    claims = split_long_claims(
        claims, limit=max_claim_chars, cut_spans=frozenset((s.start, s.end) for s in segments if s.cut)
    )
    check_claim_count(len(claims), estimated=False, cap=max_claims)
    return claims
