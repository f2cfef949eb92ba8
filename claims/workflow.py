"""The claim status machine: every status change in the service goes through here.

    unverified -> queued -> in_review -> corroborated | disputed | refuted | unverifiable
    corroborated | disputed | refuted | unverifiable -> needs_recheck -> queued
    queued | in_review -> unverified        (unassign, editors only)

`transition()` is the one door: it locks the claim row, checks the move, the actor,
the client's version and the guard, then writes the StatusChange, bumps the version
and records an outbox event, all in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from .models import VERDICTS, Claim, ClaimStatus, EvidenceStance, OutboxEvent, StatusChange
from .roles import is_editor, is_reviewer

S = ClaimStatus

# Who may make a move. "system" is a change without a human actor (tasks).
SYSTEM, ASSIGNEE, EDITOR, REVIEWER = "system", "assignee", "editor", "reviewer"


class WorkflowError(Exception):
    """Base of every refusal; `allowed` names the moves open to this actor now."""

    code = "workflow_error"

    def __init__(self, message: str, *, claim: Claim, to: str, allowed: list[str]):
        super().__init__(message)
        self.claim, self.to, self.allowed = claim, to, allowed

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "detail": str(self),
            "claim": self.claim.pk,
            "status": self.claim.status,
            "requested": self.to,
            "allowed": self.allowed,
            "version": self.claim.version,
        }


class InvalidTransition(WorkflowError):
    """No such move from the claim's current status (or an unknown status)."""

    code = "invalid_transition"


class TransitionForbidden(WorkflowError):
    """The move exists but this actor may not make it."""

    code = "transition_forbidden"


class StaleVersion(WorkflowError):
    """The client saw an older version of the claim."""

    code = "stale_version"


class GuardFailed(WorkflowError):
    """The move is allowed but its precondition (evidence, note) does not hold."""

    code = "guard_failed"


Guard = Callable[[Claim, str], str | None]  # returns the reason for refusal, or None


def _stances(claim: Claim) -> set[str]:
    # Suggested evidence counts for nothing until a reviewer accepts it.
    return set(claim.evidence.filter(is_suggestion=False).values_list("stance", flat=True).distinct())


def guard_corroborated(claim: Claim, note: str) -> str | None:
    from .independence import corroboration_shortfall  # late: independence builds on the models

    return corroboration_shortfall(claim)


def guard_refuted(claim: Claim, note: str) -> str | None:
    if EvidenceStance.CONTRADICTS not in _stances(claim):
        return "refuted needs at least one piece of contradicting evidence"
    return None


def guard_disputed(claim: Claim, note: str) -> str | None:
    stances = _stances(claim)
    if not {EvidenceStance.SUPPORTS, EvidenceStance.CONTRADICTS} <= stances:
        return "disputed needs both supporting and contradicting evidence"
    return None


def guard_unverifiable(claim: Claim, note: str) -> str | None:
    if not note.strip():
        return "unverifiable needs a note saying what was tried"
    return None


@dataclass(frozen=True)
class Move:
    source: str
    target: str
    actors: frozenset[str]
    guard: Guard | None = None


_REVIEW = frozenset({ASSIGNEE, EDITOR})
_VERDICT_GUARDS: dict[str, Guard] = {
    S.CORROBORATED: guard_corroborated,
    S.DISPUTED: guard_disputed,
    S.REFUTED: guard_refuted,
    S.UNVERIFIABLE: guard_unverifiable,
}

MOVES: dict[tuple[str, str], Move] = {
    # A reviewer may take an unassigned claim for themselves (checked in transition()).
    (S.UNVERIFIED, S.QUEUED): Move(S.UNVERIFIED, S.QUEUED, frozenset({SYSTEM, EDITOR, REVIEWER})),
    (S.QUEUED, S.IN_REVIEW): Move(S.QUEUED, S.IN_REVIEW, _REVIEW),
    **{
        (S.IN_REVIEW, verdict): Move(S.IN_REVIEW, verdict, _REVIEW, guard)
        for verdict, guard in _VERDICT_GUARDS.items()
    },
    **{
        (verdict, S.NEEDS_RECHECK): Move(verdict, S.NEEDS_RECHECK, frozenset({SYSTEM, ASSIGNEE, EDITOR}))
        for verdict in VERDICTS
    },
    (S.NEEDS_RECHECK, S.QUEUED): Move(S.NEEDS_RECHECK, S.QUEUED, frozenset({SYSTEM, EDITOR})),
    (S.QUEUED, S.UNVERIFIED): Move(S.QUEUED, S.UNVERIFIED, frozenset({EDITOR})),
    (S.IN_REVIEW, S.UNVERIFIED): Move(S.IN_REVIEW, S.UNVERIFIED, frozenset({EDITOR})),
}


def actor_roles(claim: Claim, actor: AbstractBaseUser | None) -> frozenset[str]:
    if actor is None:
        return frozenset({SYSTEM})
    roles = set()
    if is_editor(actor):
        roles.add(EDITOR)
    if is_reviewer(actor):
        roles.add(REVIEWER)
    if actor.is_authenticated and claim.assignee_id is not None and claim.assignee_id == actor.pk:
        roles.add(ASSIGNEE)
    return frozenset(roles)


def moves_from(status: str) -> list[str]:
    return [target for (source, target) in MOVES if source == status]


def allowed_moves(claim: Claim, actor: AbstractBaseUser | None) -> list[str]:
    """The statuses this actor may move the claim to now (guards not evaluated)."""
    roles = actor_roles(claim, actor)
    return [move.target for move in MOVES.values() if move.source == claim.status and move.actors & roles]


def check_move(claim: Claim, to: str, actor: AbstractBaseUser | None) -> Move:
    """Raise InvalidTransition or TransitionForbidden, or return the move."""
    allowed = allowed_moves(claim, actor)
    if to not in ClaimStatus.values:
        raise InvalidTransition(
            f"unknown status {to!r}; statuses are {', '.join(ClaimStatus.values)}", claim=claim, to=to, allowed=allowed
        )
    move = MOVES.get((claim.status, to))
    if move is None:
        raise InvalidTransition(
            f"cannot move a claim from {claim.status} to {to}; from {claim.status} the workflow allows: "
            f"{', '.join(moves_from(claim.status)) or 'nothing'}",
            claim=claim, to=to, allowed=allowed,
        )
    if not move.actors & actor_roles(claim, actor):
        who = " or ".join(sorted(move.actors))
        raise TransitionForbidden(
            f"{_actor_label(actor)} may not move this claim from {claim.status} to {to} (only the {who} may); "
            f"you may: {', '.join(allowed) or 'nothing'}",
            claim=claim, to=to, allowed=allowed,
        )
    return move


def _actor_label(actor: AbstractBaseUser | None) -> str:
    return "the system" if actor is None else (actor.get_username() or "anonymous")


@transaction.atomic
def transition(
    *,
    claim: Claim | int,
    to: str,
    actor: AbstractBaseUser | None,
    note: str = "",
    expected_version: int | None = None,
    assignee: AbstractBaseUser | None = None,
) -> Claim:
    """Move a claim to `to`. The one function every caller uses to change a status.

    `assignee` is set when the move queues the claim (assignment); unassigning clears it.
    """
    claim_id = claim.pk if isinstance(claim, Claim) else claim
    locked = Claim.objects.select_for_update(of=("self",)).get(pk=claim_id)
    move = check_move(locked, to, actor)
    if to == S.QUEUED and not actor_roles(locked, actor) & {SYSTEM, EDITOR} and assignee != actor:
        raise TransitionForbidden(
            "a reviewer may only queue a claim for themselves", claim=locked, to=to, allowed=allowed_moves(locked, actor)
        )
    if expected_version is not None and expected_version != locked.version:
        raise StaleVersion(
            f"claim {locked.pk} is at version {locked.version}, not {expected_version}: reload it and try again",
            claim=locked, to=to, allowed=allowed_moves(locked, actor),
        )
    if move.guard is not None and (reason := move.guard(locked, note)):
        raise GuardFailed(
            f"cannot move to {to}: {reason}", claim=locked, to=to, allowed=allowed_moves(locked, actor)
        )
    return _apply(locked, to=to, actor=actor, note=note, assignee=assignee)


def _apply(claim: Claim, *, to: str, actor, note: str, assignee) -> Claim:
    now = timezone.now()
    from_status = claim.status
    StatusChange.objects.create(claim=claim, from_status=from_status, to_status=to, actor=actor, note=note)
    fields = ["status", "version", "status_changed_at", "updated_at"]
    claim.status, claim.version, claim.status_changed_at = to, claim.version + 1, now
    if to == S.QUEUED and assignee is not None:
        claim.assignee = assignee
        fields.append("assignee")
    elif to == S.UNVERIFIED:
        claim.assignee = None
        fields.append("assignee")
    if to in VERDICTS:
        claim.verdict_at = now
        claim.recheck_after = now + settings.RECHECK_AFTER
        fields += ["verdict_at", "recheck_after"]
    claim.save(update_fields=fields)
    OutboxEvent.objects.create(
        kind="claim.status_changed",
        claim=claim,
        payload={
            "claim": claim.pk,
            "article": claim.article_id,
            "from": from_status,
            "to": to,
            "version": claim.version,
            "actor": actor.get_username() if actor is not None else None,
            "note": note,
            "at": now.isoformat(),
        },
    )
    return claim
