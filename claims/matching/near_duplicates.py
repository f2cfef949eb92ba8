"""Find claims in other articles that state the same thing.

Each claim is reduced to its content words (stop words and attribution words dropped,
crude stemming), MinHash-signed and cut into bands; each band's hash is a bucket in
ClaimFingerprint. Claims sharing a bucket are candidates (an index lookup, so the cost
grows with the number of candidates, not with the number of stored claims); candidates
are scored exactly and the good ones stored as ClaimMatch rows. A match from an
independent chain becomes a *suggested* evidence item: a reviewer decides, never the match.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from spacy.lang.en.stop_words import STOP_WORDS

from ..corroboration.independence import claim_chain
from ..models import Article, Claim, ClaimFingerprint, ClaimMatch, Evidence, EvidenceStance, ExtractionStatus, MatchStatus

BANDS, ROWS = 20, 3  # P(candidate) = 1 - (1 - J^3)^20: 0.42 at Jaccard 0.3, 0.73 at 0.4, 0.02 at 0.1
_PRIME = (1 << 31) - 1
_MASK63 = (1 << 63) - 1
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
# Who said it is attribution, not content: two articles quoting different people on the
# same fact must still match.
ATTRIBUTION_WORDS = frozenset(
    "said says say saying told tell tells according reported reports reportedly added adds stated "
    "announced claimed claims wrote source sources official officials spokesperson spokesman spokeswoman "
    "familiar matter person people briefed condition anonymity told".split()
)
NEGATIONS = frozenset("not no never n't nor none neither denied denies deny false untrue without".split())
_STOP = frozenset(STOP_WORDS) | ATTRIBUTION_WORDS
_SUFFIXES = ("ations", "ation", "ings", "ing", "ied", "ies", "ed", "es", "s")


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


@dataclass(frozen=True)
class ClaimShape:
    tokens: frozenset[str]
    negated: bool


def claim_shape(text: str) -> ClaimShape:
    words = [w.lower().replace("’", "'") for w in _WORD.findall(text)]
    negated = sum(1 for w in words if w in NEGATIONS or w.endswith("n't")) % 2 == 1
    tokens = frozenset(_stem(w) for w in words if w not in _STOP and w not in NEGATIONS and len(w) > 1)
    return ClaimShape(tokens=tokens, negated=negated)


@lru_cache(maxsize=65536)
def _token_hash(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "big") % _PRIME


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(20261125)  # fixed: stored buckets must stay comparable
    a = rng.integers(1, _PRIME, size=(BANDS * ROWS, 1), dtype=np.uint64)
    b = rng.integers(0, _PRIME, size=(BANDS * ROWS, 1), dtype=np.uint64)
    return a, b


def buckets(tokens: Iterable[str]) -> list[int]:
    """One bucket per band; empty when the claim has too little content to match on."""
    hashes = np.fromiter((_token_hash(t) for t in tokens), dtype=np.uint64)
    if hashes.size < 3:
        return []
    a, b = _permutations()
    # 31-bit prime: a * h stays below 2**62, no overflow in uint64.
    signature = ((a * hashes[None, :] + b) % _PRIME).min(axis=1).reshape(BANDS, ROWS)
    return [
        int.from_bytes(hashlib.blake2b(band.to_bytes(2, "big") + row.tobytes(), digest_size=8).digest(), "big") & _MASK63
        for band, row in enumerate(signature)
    ]


def similarity(a: ClaimShape, b: ClaimShape) -> float:
    """Mean of Jaccard and overlap coefficient: rewordings that add or drop a clause still score."""
    if not a.tokens or not b.tokens:
        return 0.0
    common = len(a.tokens & b.tokens)
    jaccard = common / len(a.tokens | b.tokens)
    overlap = common / min(len(a.tokens), len(b.tokens))
    return round((jaccard + overlap) / 2, 4)


def stance_between(a: ClaimShape, b: ClaimShape) -> str:
    return EvidenceStance.CONTRADICTS if a.negated != b.negated else EvidenceStance.SUPPORTS


@dataclass(frozen=True)
class Candidate:
    claim_id: int
    other_id: int
    score: float
    stance: str


def find_candidates(claims: list[tuple[int, str]], *, exclude_article_id: int, threshold: float) -> list[Candidate]:
    """Score stored claims sharing a bucket with these (id, text) claims; return those above threshold."""
    shapes = {claim_id: claim_shape(text) for claim_id, text in claims}
    by_bucket: dict[int, list[int]] = defaultdict(list)
    for claim_id, shape in shapes.items():
        for bucket in buckets(shape.tokens):
            by_bucket[bucket].append(claim_id)
    if not by_bucket:
        return []
    hits = (
        ClaimFingerprint.objects.filter(bucket__in=list(by_bucket))
        .exclude(claim__article_id=exclude_article_id)
        .values_list("claim_id", "bucket")
    )
    pairs = {(mine, other) for other, bucket in hits for mine in by_bucket[bucket]}
    others = dict(Claim.objects.filter(pk__in={other for _, other in pairs}).values_list("pk", "text"))
    other_shapes = {pk: claim_shape(text) for pk, text in others.items()}
    found = []
    for mine, other in pairs:
        score = similarity(shapes[mine], other_shapes[other])
        if score >= threshold:
            found.append(Candidate(mine, other, score, stance_between(shapes[mine], other_shapes[other])))
    return found


@transaction.atomic
def claims_fingerprint(*, claims: list[tuple[int, str]]) -> None:
    """(Re)write the fingerprint rows of these claims. Idempotent."""
    ClaimFingerprint.objects.filter(claim_id__in=[claim_id for claim_id, _ in claims]).delete()
    ClaimFingerprint.objects.bulk_create(
        ClaimFingerprint(claim_id=claim_id, band=band, bucket=bucket)
        for claim_id, text in claims
        for band, bucket in enumerate(buckets(claim_shape(text).tokens))
    )


@transaction.atomic
def article_match(*, article_id: int) -> list[ClaimMatch]:
    """Fingerprint an article's claims, store their matches in other articles, suggest evidence.

    Idempotent, and a constant number of queries whatever the number of matches.
    """
    article = Article.objects.select_for_update().get(pk=article_id)
    claims = list(article.claims.values_list("pk", "text"))
    claims_fingerprint(claims=claims)
    article.matched_at = timezone.now()
    article.save(update_fields=["matched_at"])
    candidates = find_candidates(claims, exclude_article_id=article.pk, threshold=settings.CLAIM_MATCH_THRESHOLD)
    if not candidates:
        return []
    pairs = {tuple(sorted((c.claim_id, c.other_id))): c for c in candidates}
    ClaimMatch.objects.bulk_create(
        [ClaimMatch(claim_a_id=a, claim_b_id=b, score=c.score, stance=c.stance) for (a, b), c in pairs.items()],
        update_conflicts=True, unique_fields=["claim_a", "claim_b"], update_fields=["score", "stance"],
    )
    involved_ids = {pk for pair in pairs for pk in pair}
    matches = [
        m for m in ClaimMatch.objects.filter(claim_a_id__in=involved_ids, claim_b_id__in=involved_ids)
        if (m.claim_a_id, m.claim_b_id) in pairs
    ]
    involved = Claim.objects.select_related("speaker__affiliation", "via_outlet", "article__publisher").in_bulk(involved_ids)
    chains = {pk: {link.source_id for link in claim_chain(claim)} for pk, claim in involved.items()}
    wanted = []
    for match in matches:
        if match.status == MatchStatus.REJECTED or chains[match.claim_a_id] & chains[match.claim_b_id]:
            continue  # rejected, or the same chain: circular, not corroboration
        for this, other in ((match.claim_a_id, match.claim_b_id), (match.claim_b_id, match.claim_a_id)):
            if not involved[this].has_verdict:
                wanted.append(Evidence(
                    claim_id=this, related_claim_id=other, stance=match.stance, is_suggestion=True,
                    note=f"matching claim in another article (score {match.score:.2f})",
                ))
    existing = set(
        Evidence.objects.filter(is_suggestion=True, claim_id__in=involved_ids, related_claim_id__in=involved_ids)
        .values_list("claim_id", "related_claim_id", "stance")
    )
    Evidence.objects.bulk_create([e for e in wanted if (e.claim_id, e.related_claim_id, e.stance) not in existing])
    return matches


def articles_match_pending(*, older_than_seconds: int = 300, limit: int = 500) -> list[int]:
    """Extracted articles whose matching never ran (or predates their extraction): for the sweeper."""
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    return list(
        Article.objects.filter(extraction_status=ExtractionStatus.DONE, extracted_at__lt=cutoff)
        .filter(Q(matched_at__isnull=True) | Q(matched_at__lt=F("extracted_at")))
        .order_by("extracted_at")
        .values_list("pk", flat=True)[:limit]
    )
