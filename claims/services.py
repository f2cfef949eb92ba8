"""Every write to claims and evidence outside a status change (those live in workflow.py).

Articles and their extraction are the pipeline's (claims/pipeline/ingestion.py).
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from sources.models import Source, SourceKind
from sources.services import source_resolve

from .delivery.outbox import outbox_record
from .matching.fact_checks import stance_from_rating
from .matching.review import match_review
from .models import VERDICTS, Claim, ClaimMatch, ClaimStatus, Evidence, EvidenceStance, FactCheck, HistoryKind, StatusChange
from .roles import (
    StateConflict,
    ROLE_GROUPS, can_edit_desk, can_take_work, can_withdraw_evidence, can_work_on_claim, require,
)
from .workflow import CopyInGroup, StaleVersion, TransitionForbidden, WorkflowError, allowed_moves, transition


@transaction.atomic
def admin_login_ensure(
    *, username: str, role: str, password: str | None = None, only_this_role: bool = False
) -> tuple[AbstractBaseUser, bool]:
    """A staff user who signs in to the admin in `role` ("reviewer" or "editor"); returns (user, created).

    A new user gets `password`; an existing one keeps theirs unless `password` is given.
    `only_this_role` also takes the other admin role away (the local logins of `make run`
    are one reviewer and one editor, never both in one).
    """
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    if role not in ("reviewer", "editor"):
        raise ValueError(f"an admin login is a reviewer or an editor, not {role!r}")
    group = Group.objects.get(name=ROLE_GROUPS[role])
    user, created = get_user_model().objects.get_or_create(username=username, defaults={"is_staff": True})
    if created and not password:
        raise ValueError("a new login needs a password")
    user.is_staff, user.is_active = True, True
    if password:
        user.set_password(password)
    user.full_clean(exclude=["password"] if not password else None)
    user.save()
    user.groups.add(group)
    if only_this_role:
        other = "editor" if role == "reviewer" else "reviewer"
        user.groups.remove(*Group.objects.filter(name=ROLE_GROUPS[other]))
    return user, created


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
    """Add evidence to a claim: its assignee or an editor (`actor=None` is the system)."""
    require(actor is None or can_work_on_claim(actor, claim), "only the claim's assignee or an editor may add evidence")
    evidence = Evidence(
        claim=claim, stance=stance, source=source, url=url, related_claim=related_claim, note=note, added_by=actor
    )
    evidence.full_clean()
    if source is None and not url and related_claim is None:
        raise ValidationError("evidence needs a source, a url or a related claim")
    if related_claim is not None and related_claim.pk == claim.pk:
        raise StateConflict("a claim cannot be evidence for itself")
    if claim.copy_of_id is not None:
        raise StateConflict(
            f"claim {claim.pk} is a copy of claim {claim.copy_of_id}: add evidence there, where the group is reviewed"
        )
    if related_claim is not None and related_claim.group_id == claim.group_id:
        raise StateConflict(f"claim {related_claim.pk} is a copy of the same sentence, which is no evidence for it")
    evidence.save()
    if claim.status in VERDICTS:
        # New evidence reopens the question: the verdict falls due for a re-check now (the re-check
        # job reads verdicts by due date alone). Scheduling, not content: the version stays.
        Claim.objects.filter(pk=claim.pk).filter(Q(recheck_after__isnull=True) | Q(recheck_after__gt=evidence.created_at)) \
            .update(recheck_after=evidence.created_at)
    return evidence


@transaction.atomic
def evidence_accept(*, evidence: Evidence, actor: AbstractBaseUser) -> Evidence:
    """A reviewer accepts a suggested evidence item: it counts from now on, and a suggestion
    that came from a matching claim confirms that match (the two state the same thing)."""
    evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
    require(can_work_on_claim(actor, evidence.claim), "only the claim's assignee or an editor may accept evidence")
    if not evidence.is_suggestion:
        raise StateConflict(f"evidence #{evidence.pk} is not a suggestion (it counts already)")
    evidence.is_suggestion, evidence.accepted_by = False, actor
    evidence.save(update_fields=["is_suggestion", "accepted_by"])
    if evidence.related_claim_id is not None:
        low, high = sorted((evidence.claim_id, evidence.related_claim_id))
        match = ClaimMatch.objects.filter(claim_a_id=low, claim_b_id=high).first()
        if match is not None:
            match_review(match=match, actor=actor, confirm=True)
    return evidence


OPEN = (ClaimStatus.QUEUED, ClaimStatus.IN_REVIEW)


@transaction.atomic
def claim_take_next(*, reviewer: AbstractBaseUser) -> Claim | None:
    """Work for a reviewer who asks for it ("take next"); None when there is none anywhere.

    1. their own highest-priority open claim; else
    2. the highest-priority unassigned waiting claim, queued for them; else
    3. from the most loaded queue (the reviewer with the most queued claims, more than one):
       its highest-priority claim not yet in review, handed over (version bumped,
       `claim.assigned` sent to newsroom tools). An idle reviewer never finds an empty
       queue while a colleague holds dozens.
    """
    require(can_take_work(reviewer), "only reviewers and editors take claims")
    order = ("-priority", "status_changed_at", "pk")
    own = Claim.objects.filter(assignee_id=reviewer.pk, status__in=OPEN).order_by(*order).first()
    if own is not None:
        return own
    unassigned = (
        Claim.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(status=ClaimStatus.UNVERIFIED, assignee__isnull=True, copy_of__isnull=True).order_by(*order).first()
    )
    if unassigned is not None:
        return transition(claim=unassigned.pk, to=ClaimStatus.QUEUED, actor=reviewer, assignee=reviewer)
    busiest = (
        Claim.objects.filter(status=ClaimStatus.QUEUED, assignee__isnull=False).exclude(assignee_id=reviewer.pk)
        .values("assignee_id").annotate(n=Count("id")).filter(n__gt=1).order_by("-n", "assignee_id").first()
    )
    if busiest is None:
        return None
    claim = (
        Claim.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(status=ClaimStatus.QUEUED, assignee_id=busiest["assignee_id"]).order_by(*order).first()
    )
    if claim is None:
        return None
    return _claim_hand_over(claim=claim, assignee=reviewer, actor_name="take next")


@transaction.atomic
def evidence_withdraw(*, evidence: Evidence, actor: AbstractBaseUser, reason: str) -> Evidence:
    """Withdraw evidence added by mistake: whoever added it, or an editor, with a reason.

    The row stays (marked withdrawn) and a history row keeps the reason; the guards and the
    corroboration count without it from now on. A verdict already given is not undone: mark
    the claim for re-check if it rested on this evidence.
    """
    evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
    require(can_withdraw_evidence(actor, evidence), "only whoever added this evidence, or an editor, may withdraw it")
    if evidence.withdrawn_at is not None:
        raise StateConflict(f"evidence #{evidence.pk} was already withdrawn")
    reason = reason.strip()
    if not reason:
        raise ValidationError("say why the evidence is withdrawn (kept in the claim's history)")
    evidence.withdrawn_at, evidence.withdrawn_by, evidence.withdrawal_reason = timezone.now(), actor, reason
    evidence.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    claim = Claim.objects.get(pk=evidence.claim_id)
    StatusChange.objects.create(
        claim=claim, kind=HistoryKind.EVIDENCE_WITHDRAWAL, from_status=claim.status, to_status=claim.status, actor=actor,
        note=f"Evidence #{evidence.pk} ({evidence}) withdrawn: {reason}",
    )
    return evidence


@transaction.atomic
def claim_update_triage(
    *, claim: Claim, actor: AbstractBaseUser, priority: int, recheck_after: datetime | None,
    expected_version: int | None = None,
) -> Claim:
    """Change the fields a reviewer may set by hand (priority, re-check date); status only ever
    moves through workflow. A change bumps the version, and a stale `expected_version` is refused
    (StaleVersion): a reviewer on an old page never silently overwrites a colleague's change.
    """
    locked = Claim.objects.select_for_update(of=("self",)).get(pk=claim.pk)
    require(can_work_on_claim(actor, locked), "only the claim's assignee or an editor may change its priority or re-check date")
    if expected_version is not None and expected_version != locked.version:
        raise StaleVersion(
            f"claim {locked.pk} is at version {locked.version}, not {expected_version}: reload it and try again",
            claim=locked, to=locked.status, allowed=allowed_moves(locked, None),
        )
    if locked.copy_of_id is not None:
        raise CopyInGroup(
            f"claim {locked.pk} is a copy of claim {locked.copy_of_id}: its priority and re-check date are that claim's",
            claim=locked, to=locked.status, allowed=[],
        )
    if (locked.priority, locked.recheck_after) == (priority, recheck_after):
        return locked
    locked.priority, locked.recheck_after, locked.version = priority, recheck_after, locked.version + 1
    locked.save(update_fields=["priority", "recheck_after", "version", "updated_at"])
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
    if not can_edit_desk(actor):
        raise TransitionForbidden("only an editor may reassign a claim", claim=locked, to=locked.status, allowed=allowed)
    if not can_take_work(assignee):
        raise AssignmentRefused(
            f"{assignee.get_username()} is not a reviewer or editor", claim=locked, to=locked.status, allowed=allowed
        )
    if locked.copy_of_id is not None:
        raise AssignmentRefused(
            f"claim {locked.pk} is a copy of claim {locked.copy_of_id}: its group is reviewed there; assign that claim",
            claim=locked, to=locked.status, allowed=allowed,
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
    return _claim_hand_over(claim=locked, assignee=assignee, actor_name=actor.get_username())


@transaction.atomic
def evidence_from_checked_before(*, claim: Claim, kind: str, record_id: int, actor: AbstractBaseUser) -> Evidence:
    """One click on "Checked before?": an imported fact-check, or one of our verdicts, becomes evidence.

    Goes through evidence_add like any other evidence: a fact-check counts as its publisher's
    word (an outlet) with its URL; our own verdict on the same claim elsewhere is a related claim.
    One transaction: a refused click leaves no new source behind.
    """
    require(can_work_on_claim(actor, claim), "only the claim's assignee or an editor may add evidence")
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


def _claim_hand_over(*, claim: Claim, assignee: AbstractBaseUser, actor_name: str) -> Claim:
    """Give a locked open claim to `assignee`: not a status change, so no history row; the version
    bumps (the old assignee's view is stale now) and newsroom tools hear of it through the outbox."""
    previous = claim.assignee_id
    claim.assignee, claim.version = assignee, claim.version + 1
    claim.save(update_fields=["assignee", "version", "updated_at"])
    outbox_record(
        kind="claim.assigned", claim=claim,
        payload={"claim": claim.pk, "from": previous, "to": assignee.pk, "version": claim.version,
                 "actor": actor_name, "at": timezone.now().isoformat()},
    )
    return claim
