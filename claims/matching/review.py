"""A reviewer's word on a match: confirming carries verdicts across, rejecting withdraws its suggestions."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ..corroboration.propagation import verdict_propagate
from ..models import Claim, ClaimMatch, Evidence, MatchStatus
from ..roles import can_review_match, require


@transaction.atomic
def match_review(*, match: ClaimMatch, actor, confirm: bool) -> ClaimMatch:
    """A reviewer confirms (same statement) or rejects a match; rejecting withdraws its suggestions."""
    match = ClaimMatch.objects.select_for_update().get(pk=match.pk)
    assignees = Claim.objects.filter(pk__in=[match.claim_a_id, match.claim_b_id]).values_list("assignee_id", flat=True)
    require(can_review_match(actor, assignee_ids=list(assignees)),
            "only an assignee of one of the two claims or an editor may review a match")
    match.status = MatchStatus.CONFIRMED if confirm else MatchStatus.REJECTED
    match.reviewed_by, match.reviewed_at = actor, timezone.now()
    match.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    if confirm:  # a verdict already given on either side now reaches the other
        for claim in Claim.objects.filter(pk__in=[match.claim_a_id, match.claim_b_id]):
            if claim.has_verdict:
                verdict_propagate(claim=claim)
    else:
        Evidence.objects.filter(
            is_suggestion=True, claim_id__in=[match.claim_a_id, match.claim_b_id],
            related_claim_id__in=[match.claim_a_id, match.claim_b_id],
        ).delete()
    return match
