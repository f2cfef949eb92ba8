"""Find claims in other articles that state the same thing, through the one retrieval.

After extraction the pipeline embeds an article's first claims (copies of a group elsewhere
are grouped already, claims/matching/copies.py) and asks retrieval for each claim's closest
groups in other articles (dense and lexical candidates, fused score). A lightly edited copy
of a group's sentence (CLAIM_COPY_MIN_RATIO) joins that group; the rest, at or above the calibrated
"same claim" threshold, at most CLAIM_MATCH_MAX_PER_CLAIM per claim, are stored as
ClaimMatch rows with a stance (a negated rewording contradicts). The index holds one record
per group, so the rows grow with the claims, never with the copies' square. A match from an
independent chain becomes a *suggested* evidence item: a reviewer decides, never the match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from sources.normalize import normalize_sentence

from ..corroboration.independence import claim_chain
from ..models import Article, Claim, ClaimMatch, CopyMethod, Evidence, EvidenceStance, ExtractionStatus, MatchStatus
from . import copies, retrieval
from .lexical import number_tokens

METHOD = "retrieval"
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
NEGATIONS = frozenset("not no never n't nor none neither denied denies deny false untrue without".split())


def is_negated(text: str) -> bool:
    """An odd number of negations: "X did not happen" against "X happened" (double negations cancel)."""
    words = [w.lower().replace("’", "'") for w in _WORD.findall(text)]
    return sum(1 for w in words if w in NEGATIONS or w.endswith("n't")) % 2 == 1


def stance_between(a: str, b: str) -> str:
    return EvidenceStance.CONTRADICTS if is_negated(a) != is_negated(b) else EvidenceStance.SUPPORTS


def numbers_agree(a: str, b: str) -> bool:
    """The figures of the claim that gives fewer are all in the other: "$15 million in 2020" is not
    the same claim as "$50 million", however alike the sentences read (retrieval ranks them close)."""
    mine, theirs = number_tokens(a), number_tokens(b)
    fewer, more = (mine, theirs) if len(mine) <= len(theirs) else (theirs, mine)
    return fewer <= more


def is_same_claim(score: float, a: str, b: str, *, threshold: float) -> bool:
    """The match decision: retrieval calls them close enough, and their figures agree."""
    return score >= threshold and numbers_agree(a, b)


def match_threshold() -> float:
    return settings.CLAIM_MATCH_THRESHOLD if settings.CLAIM_MATCH_THRESHOLD is not None else retrieval.fusion().threshold


def wording_ratio(a: str, b: str) -> float:
    """How alike two sentences' words are, in order (difflib ratio over normalised words, 0-1).

    A wire copy trimmed by a clause or edited in a word or two keeps its words in order (0.84 and
    up); another outlet's own account of the same claim reorders and replaces them (0.82 at most on
    our labelled rewordings).
    """
    return SequenceMatcher(None, normalize_sentence(a).split(), normalize_sentence(b).split(), autojunk=False).ratio()


def is_copy_of(score: float, a: str, b: str, *, threshold: float) -> bool:
    """The copy decision: retrieval calls them the same claim, and the wording is one story's, lightly
    edited (CLAIM_COPY_MIN_RATIO), with the same figures and the same negation."""
    return (is_same_claim(score, a, b, threshold=threshold) and is_negated(a) == is_negated(b)
            and wording_ratio(a, b) >= settings.CLAIM_COPY_MIN_RATIO)


@dataclass(frozen=True)
class Candidate:
    claim_id: int
    other_id: int
    score: float
    stance: str


@dataclass(frozen=True)
class Found:
    """What matching found for an article's claims: reworded copies to group, and matches to store."""

    copies: list[copies.Joining]
    matches: list[Candidate]


def find_candidates(claims: list[tuple[int, str]], *, may_join: set[int] = frozenset()) -> Found:
    """The groups of other articles that state what these (id, text) claims state.

    The index holds one record per group (its first claim), so a claim is compared with each
    story once, however many outlets ran it. A claim in `may_join` whose best hit is a lightly
    edited copy of that group's sentence (is_copy_of) joins the group; the others get
    at most CLAIM_MATCH_MAX_PER_CLAIM matches at or above the match threshold.
    """
    if not claims:
        return Found([], [])
    threshold = match_threshold()
    ids = [pk for pk, _ in claims]
    own = {retrieval.key_of(retrieval.CLAIM, pk) for pk in Claim.objects.filter(
        article_id__in=Claim.objects.filter(pk__in=ids).values("article_id")).values_list("pk", flat=True)}
    limit = settings.CLAIM_MATCH_MAX_PER_CLAIM
    hits = retrieval.search_many([text for _, text in claims], limit=limit + 1, kinds=(retrieval.CLAIM,), exclude=own,
                                 vectors=retrieval.claim_vectors(ids))
    texts = dict(claims)
    # A hit is a group's lead; counting it as its group (group or pk) guards a lead changed meanwhile.
    others = {pk: (text, group or pk) for pk, text, group in Claim.objects.filter(
        pk__in={h.id for row in hits for h in row if h.score >= threshold}).values_list("pk", "text", "copy_of")
        if retrieval.key_of(retrieval.CLAIM, group or pk) not in own}
    joins, found = [], []
    for (pk, _), row in zip(claims, hits):
        row = [hit for hit in row if hit.id in others]
        best = row[0] if row else None
        if best is not None and pk in may_join and is_copy_of(best.score, texts[pk], others[best.id][0], threshold=threshold):
            joins.append(copies.Joining(pk, others[best.id][1], CopyMethod.REWORDED, round(best.score, 4)))
            continue
        groups_seen = set()
        for hit in row:
            text, group = others[hit.id]
            if group in groups_seen or not is_same_claim(hit.score, texts[pk], text, threshold=threshold):
                continue
            groups_seen.add(group)
            found.append(Candidate(pk, group, round(hit.score, 4), stance_between(texts[pk], text)))
            if len(groups_seen) == limit:
                break
    return Found(joins, found)


@transaction.atomic
def article_match(*, article_id: int) -> list[ClaimMatch]:
    """Embed an article's first claims, group its rewordings, store its matches, suggest evidence.

    Copies (the same sentence as a group elsewhere) are neither embedded nor matched: their
    group's first stands for them. Idempotent, and a constant number of queries whatever the
    number of matches (the embeddings are written in their own batches first, so a retry does
    not redo them).
    """
    claims = list(Claim.objects.filter(article_id=article_id, copy_of__isnull=True).order_by("pk").values_list("pk", "text"))
    retrieval.claims_embed(claim_ids=[pk for pk, _ in claims])
    article = Article.objects.select_for_update().get(pk=article_id)
    article.matched_at = timezone.now()
    article.save(update_fields=["matched_at"])
    found = find_candidates(claims, may_join=set(copies.unworked([pk for pk, _ in claims])))
    joined = copies.claims_join(found.copies)
    copies.article_link_copy(article_id=article_id)
    candidates = [c for c in found.matches if c.claim_id not in set(joined)]
    if not candidates:
        return []
    pairs = {tuple(sorted((c.claim_id, c.other_id))): c for c in candidates}
    ClaimMatch.objects.bulk_create(
        [ClaimMatch(claim_a_id=a, claim_b_id=b, score=c.score, stance=c.stance, method=METHOD) for (a, b), c in pairs.items()],
        update_conflicts=True, unique_fields=["claim_a", "claim_b"], update_fields=["score", "stance", "method"],
    )
    involved_ids = {pk for pair in pairs for pk in pair}
    matches = [
        m for m in ClaimMatch.objects.filter(claim_a_id__in=involved_ids, claim_b_id__in=involved_ids)
        if (m.claim_a_id, m.claim_b_id) in pairs
    ]
    involved = Claim.objects.select_related("speaker__affiliation", "via_outlet", "article__publisher").in_bulk(involved_ids)
    chains = {pk: {link.key for link in claim_chain(claim)} for pk, claim in involved.items()}
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
