"""Verdict propagation: a verdict on one claim flags its confirmed matches elsewhere."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from ..delivery.outbox import outbox_record
from ..models import Claim, ClaimMatch, EvidenceStance, MatchStatus
from .suggestions import suggest_evidence

_FLIP = {EvidenceStance.SUPPORTS: EvidenceStance.CONTRADICTS, EvidenceStance.CONTRADICTS: EvidenceStance.SUPPORTS}


def verdict_propagate(*, claim: Claim) -> int:
    """Flag confirmed matches of a claim that just got a verdict; runs inside its transition.

    Still-open matched claims get the verdict's evidence suggested (stances flipped when
    the match contradicts), and newsroom tools hear of it through the outbox.
    """
    now = timezone.now()
    matches = list(
        ClaimMatch.objects.filter(Q(claim_a=claim) | Q(claim_b=claim), status=MatchStatus.CONFIRMED)
    )
    if not matches:
        return 0
    evidence = list(
        claim.evidence.filter(is_suggestion=False, withdrawn_at__isnull=True).exclude(stance=EvidenceStance.CONTEXT)
    )
    others = Claim.objects.in_bulk([m.other(claim.pk) for m in matches])
    for match in matches:
        other = others[match.other(claim.pk)]
        match.propagated_verdict, match.propagated_at = claim.status, now
        match.save(update_fields=["propagated_verdict", "propagated_at"])
        same = match.stance == EvidenceStance.SUPPORTS
        note = f"claim #{claim.pk} in another article was found {claim.status}"
        suggest_evidence(claim=other, related=claim, stance=EvidenceStance.CONTEXT, note=note)
        for item in evidence:
            stance = item.stance if same else _FLIP[item.stance]
            if item.related_claim_id not in (None, other.pk):
                suggest_evidence(claim=other, related=item.related_claim, stance=stance, note=f"{note}: its evidence #{item.pk}")
            elif item.related_claim_id is None and item.source_id is not None:
                suggest_evidence(claim=other, related=claim, stance=stance, note=f"{note}: its evidence #{item.pk}", source=item.source)
        outbox_record(
            kind="claim.match_verdict",
            claim=other,
            payload={"claim": other.pk, "matched_claim": claim.pk, "verdict": claim.status, "match_stance": match.stance, "at": now.isoformat()},
        )
    return len(matches)
