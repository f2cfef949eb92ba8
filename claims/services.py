"""Every write to claims and evidence outside a status change (those live in workflow.py).

Articles and their extraction are the pipeline's (claims/pipeline/ingestion.py).
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from sources.models import Source, SourceKind
from sources.services import source_resolve

from .delivery.outbox import outbox_record
from .matching.fact_checks import stance_from_rating
from .matching.review import match_review
from .models import Claim, ClaimMatch, ClaimStatus, Evidence, EvidenceStance, FactCheck
from .roles import is_editor, is_reviewer
from .workflow import StaleVersion, TransitionForbidden, WorkflowError, allowed_moves


@transaction.atomic
def evidence_add(
    *,
    claim: Claim,
    stance: str,
    actor: AbstractBaseUser | None,
    source: Source | None = None,
    url: str = "",
    related_claim: Claim | None = None,
    note: str = "",
) -> Evidence:
    evidence = Evidence(
        claim=claim, stance=stance, source=source, url=url, related_claim=related_claim, note=note, added_by=actor
    )
    evidence.full_clean()
    if source is None and not url and related_claim is None:
        raise ValidationError("evidence needs a source, a url or a related claim")
    if related_claim is not None and related_claim.pk == claim.pk:
        raise ValidationError("a claim cannot be evidence for itself")
    evidence.save()
    return evidence


@transaction.atomic
def evidence_accept(*, evidence: Evidence, actor: AbstractBaseUser) -> Evidence:
    """A reviewer accepts a suggested evidence item: it counts from now on, and a suggestion
    that came from a matching claim confirms that match (the two state the same thing)."""
    evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
    if not evidence.is_suggestion:
        raise ValidationError("this evidence is not a suggestion")
    evidence.is_suggestion, evidence.added_by = False, actor
    evidence.save(update_fields=["is_suggestion", "added_by"])
    if evidence.related_claim_id is not None:
        low, high = sorted((evidence.claim_id, evidence.related_claim_id))
        match = ClaimMatch.objects.filter(claim_a_id=low, claim_b_id=high).first()
        if match is not None:
            match_review(match=match, actor=actor, confirm=True)
    return evidence


@transaction.atomic
def claim_update_triage(*, claim: Claim, priority: int, recheck_after: datetime | None) -> Claim:
    """Change the fields an editor may set by hand; status only ever moves through workflow."""
    locked = Claim.objects.select_for_update(of=("self",)).get(pk=claim.pk)
    locked.priority, locked.recheck_after = priority, recheck_after
    locked.save(update_fields=["priority", "recheck_after", "updated_at"])
    return locked


class AssignmentRefused(WorkflowError):
    """The claim cannot be handed to that person now (not a reviewer, or not an open claim)."""

    code = "assignment_refused"


@transaction.atomic
def claim_assign(
    *, claim: Claim | int, assignee: AbstractBaseUser, actor: AbstractBaseUser, expected_version: int | None = None
) -> Claim:
    """Hand an open claim (queued or in review) to another reviewer; editors only.

    Not a status change, so no history row; it bumps the version (the old assignee's
    view is stale now) and tells newsroom tools through the outbox.
    """
    claim_id = claim.pk if isinstance(claim, Claim) else claim
    locked = Claim.objects.select_for_update(of=("self",)).get(pk=claim_id)
    allowed = allowed_moves(locked, actor)
    if not is_editor(actor):
        raise TransitionForbidden("only an editor may reassign a claim", claim=locked, to=locked.status, allowed=allowed)
    if not (is_reviewer(assignee) or is_editor(assignee)):
        raise AssignmentRefused(
            f"{assignee.get_username()} is not a reviewer or editor", claim=locked, to=locked.status, allowed=allowed
        )
    if locked.status not in (ClaimStatus.QUEUED, ClaimStatus.IN_REVIEW):
        raise AssignmentRefused(
            f"only queued or in-review claims are reassigned; this one is {locked.status} "
            "(queue it with a transition to queued naming the assignee)",
            claim=locked, to=locked.status, allowed=allowed,
        )
    if expected_version is not None and expected_version != locked.version:
        raise StaleVersion(
            f"claim {locked.pk} is at version {locked.version}, not {expected_version}: reload it and try again",
            claim=locked, to=locked.status, allowed=allowed,
        )
    previous = locked.assignee_id
    locked.assignee, locked.version = assignee, locked.version + 1
    locked.save(update_fields=["assignee", "version", "updated_at"])
    outbox_record(
        kind="claim.assigned", claim=locked,
        payload={"claim": locked.pk, "from": previous, "to": assignee.pk, "version": locked.version,
                 "actor": actor.get_username(), "at": timezone.now().isoformat()},
    )
    return locked


def evidence_from_checked_before(*, claim: Claim, kind: str, record_id: int, actor: AbstractBaseUser) -> Evidence:
    """One click on "Checked before?": an imported fact-check, or one of our verdicts, becomes evidence.

    Goes through evidence_add like any other evidence: a fact-check counts as its publisher's
    word (an outlet) with its URL; our own verdict on the same claim elsewhere is a related claim.
    """
    if kind == "fact_check":
        fact_check = FactCheck.objects.get(pk=record_id)
        source = source_resolve(name=fact_check.author_name, kind=SourceKind.OUTLET) if fact_check.author_name else None
        rating = fact_check.rating_name or fact_check.rating_value or "no rating"
        return evidence_add(
            claim=claim, stance=stance_from_rating(fact_check), actor=actor, source=source, url=fact_check.url,
            note=f"fact-check by {fact_check.author_name or 'another organisation'}: {rating}",
        )
    other = Claim.objects.get(pk=record_id)
    stance = {ClaimStatus.CORROBORATED: EvidenceStance.SUPPORTS, ClaimStatus.REFUTED: EvidenceStance.CONTRADICTS}.get(
        other.status, EvidenceStance.CONTEXT
    )
    return evidence_add(claim=claim, stance=stance, actor=actor, related_claim=other,
                        note=f"claim #{other.pk} states the same and is {other.get_status_display().lower()}")
