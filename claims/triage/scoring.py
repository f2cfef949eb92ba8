"""Check-worthiness on stored claims: scored in batches by the fine-tuned classifier, from their text.

The pipeline scores an article's claims right after retrieval embeds them (the match_article
task); `claims_rescore_outdated` (the re-extraction beat job) re-scores claims whose score is of
another model version. Scoring writes the score, its version and the check-worthiness term of the
priority, and nothing else: the workflow status is never touched.

Priority (README, "Check-worthiness"):
    priority = attribution level (0-30) + source track record (about +-10)
               + round(CHECK_WORTHINESS_PRIORITY_WEIGHT x check_worthiness) + escalations and edits
The check-worthiness term is replaced, not added again, when a claim is re-scored.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery

from ..matching.retrieval import MODEL as EMBEDDING_MODEL
from ..models import Claim, ClaimEmbedding
from . import checkworthiness

BATCH = 500


def priority_term(score: float | None) -> int:
    return 0 if score is None else round(settings.CHECK_WORTHINESS_PRIORITY_WEIGHT * score)


def is_check_worthy(score: float | None) -> bool | None:
    return None if score is None else score >= checkworthiness.threshold()


def claims_score(*, claim_ids: Sequence[int], batch_size: int = BATCH) -> int:
    """Score these claims (those embedded and not yet scored by this model version). Returns how many."""
    version = checkworthiness.version()
    ids = list(claim_ids)
    done = 0
    for start in range(0, len(ids), batch_size):
        done += _score_batch(ids[start:start + batch_size], version)
    return done


def _score_batch(ids: list[int], version: str) -> int:
    """Score outside any transaction (the model's time holds no lock), then write under a row lock,
    taking each claim's score as it stands then: a claim another worker scored meanwhile is skipped."""
    rows = list(
        ClaimEmbedding.objects.filter(claim_id__in=ids, model=EMBEDDING_MODEL)
        .exclude(claim__check_worthiness_version=version)
        .order_by("claim_id").values_list("claim_id", "claim__text")
    )
    if not rows:
        return 0
    scores = dict(zip((pk for pk, _ in rows), checkworthiness.model().score([text for _, text in rows]).tolist()))
    with transaction.atomic():
        current = (Claim.objects.select_for_update().filter(pk__in=scores).exclude(check_worthiness_version=version)
                   .order_by("pk").values_list("pk", "check_worthiness"))
        claims = []
        for pk, old in current:
            claim = Claim(pk=pk, check_worthiness=scores[pk], check_worthiness_version=version)
            claim.priority = F("priority") + (priority_term(scores[pk]) - priority_term(old))
            claims.append(claim)
        Claim.objects.bulk_update(claims, ["check_worthiness", "check_worthiness_version", "priority"])
        _copies_take_scores([claim.pk for claim in claims])
    return len(claims)


def _copies_take_scores(first_ids: list[int]) -> None:
    """Copies are never embedded: they carry their group's score (the same sentence)."""
    first = Claim.objects.filter(pk=OuterRef("copy_of"))
    Claim.objects.filter(copy_of_id__in=first_ids).update(
        check_worthiness=Subquery(first.values("check_worthiness")[:1]),
        check_worthiness_version=Subquery(first.values("check_worthiness_version")[:1]),
    )


def claims_rescore_outdated(*, batch_size: int = BATCH, limit: int | None = None) -> int:
    """Re-score, in batches, every embedded claim whose score is missing or of another model version."""
    version = checkworthiness.version()
    done, last_id = 0, 0
    while limit is None or done < limit:
        ids = list(
            Claim.objects.filter(pk__gt=last_id, embedding__model=EMBEDDING_MODEL)
            .filter(~Q(check_worthiness_version=version))
            .order_by("pk").values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            break
        last_id = ids[-1]
        done += _score_batch(ids, version)
    return done

