"""The claim status machine: every status change in the service goes through here.

    unverified -> queued -> in_review -> corroborated | disputed | refuted | unverifiable
    corroborated | disputed | refuted | unverifiable -> needs_recheck -> queued
    queued | in_review -> unverified        (unassign, editors only)

`transition()` is the one door: it locks the claim row, checks the move, the actor,
the client's version and the guard, then writes the StatusChange, bumps the version
and records an outbox event, all in one transaction.

Copy groups (claims/matching/copies.py): a group is reviewed once, on its first claim.
Its copies follow every status change of the first in the same transaction
(`copies_follow`) and are never moved on their own; `copy_split` is how an editor takes a
wrongly grouped copy out, with the reason in its history.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from . import jobs

from .corroboration.independence import corroboration_shortfall
from .corroboration.propagation import verdict_propagate
from .delivery.outbox import outbox_nudge, outbox_record
from .delivery.publishing import verdict_publish
from .models import VERDICTS, Claim, ClaimStatus, EvidenceStance, PublishedVerdict, HistoryKind, OutboxEvent, StatusChange
from .roles import can_edit_desk, is_editor, is_reviewer

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


class CopyInGroup(WorkflowError):
    """The claim is a copy: its group is reviewed on the group's first claim."""

    code = "copy_of_group"


class NotACopy(WorkflowError):
    """Only a copy can be split out of a group."""

    code = "not_a_copy"


def _refuse_copy(claim: Claim, to: str) -> None:
    if claim.copy_of_id is not None:
        raise CopyInGroup(
            f"claim {claim.pk} is a copy of claim {claim.copy_of_id}: its group is reviewed there, and its status "
            "follows that claim's (an editor may split it out of the group)",
            claim=claim, to=to, allowed=[],
        )


def copies_follow(*, group_ids: Sequence[int]) -> int:
    """The copies of these first claims take their status and verdict time (one UPDATE). Returns how many."""
    if not group_ids:
        return 0
    first = Claim.objects.filter(pk=OuterRef("copy_of"))
    return Claim.objects.filter(copy_of_id__in=list(group_ids)).update(
        status=Subquery(first.values("status")[:1]),
        verdict_at=Subquery(first.values("verdict_at")[:1]),
        status_changed_at=Subquery(first.values("status_changed_at")[:1]),
        version=F("version") + 1,
        updated_at=timezone.now(),
    )


# A guard gets (claim, note, actor) and returns the reason for refusal, or None.
Guard = Callable[[Claim, str, AbstractBaseUser | None], str | None]


def _stances(claim: Claim) -> set[str]:
    # Suggested evidence counts for nothing until a reviewer accepts it.
    return set(
        claim.evidence.filter(is_suggestion=False, withdrawn_at__isnull=True).values_list("stance", flat=True).distinct()
    )


def signed_off(claim: Claim, note: str, actor: AbstractBaseUser | None) -> bool:
    """An editor signed off since the claim entered its current status, or is making the move with a note."""
    if is_editor(actor) and note.strip():
        return True
    return claim.history.filter(kind=HistoryKind.SIGN_OFF, at__gte=claim.status_changed_at).exists()


def guard_corroborated(claim: Claim, note: str, actor: AbstractBaseUser | None) -> str | None:
    return corroboration_shortfall(claim, signed_off=signed_off(claim, note, actor))


def guard_refuted(claim: Claim, note: str, actor: AbstractBaseUser | None) -> str | None:
    if EvidenceStance.CONTRADICTS not in _stances(claim):
        return "refuted needs at least one piece of contradicting evidence"
    return None


def guard_disputed(claim: Claim, note: str, actor: AbstractBaseUser | None) -> str | None:
    stances = _stances(claim)
    if not {EvidenceStance.SUPPORTS, EvidenceStance.CONTRADICTS} <= stances:
        return "disputed needs both supporting and contradicting evidence"
    return None


def guard_unverifiable(claim: Claim, note: str, actor: AbstractBaseUser | None) -> str | None:
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
    # The version first: the loser of a race sees the claim already moved, and the truth
    # is that its copy is stale (stale_version), not that the move is invalid.
    if expected_version is not None and expected_version != locked.version:
        raise StaleVersion(
            f"claim {locked.pk} is at version {locked.version}, not {expected_version}: reload it and try again",
            claim=locked, to=to, allowed=allowed_moves(locked, actor),
        )
    _refuse_copy(locked, to)
    move = check_move(locked, to, actor)
    if to == S.QUEUED and not actor_roles(locked, actor) & {SYSTEM, EDITOR} and assignee != actor:
        raise TransitionForbidden(
            "a reviewer may only queue a claim for themselves", claim=locked, to=to, allowed=allowed_moves(locked, actor)
        )
    if move.guard is not None and (reason := move.guard(locked, note, actor)):
        raise GuardFailed(
            f"cannot move to {to}: {reason}", claim=locked, to=to, allowed=allowed_moves(locked, actor)
        )
    return _apply(locked, to=to, actor=actor, note=note, assignee=assignee)


def _apply(claim: Claim, *, to: str, actor, note: str, assignee) -> Claim:
    now = timezone.now()
    from_status = claim.status
    change = StatusChange.objects.create(claim=claim, from_status=from_status, to_status=to, actor=actor, note=note)
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
    copies_follow(group_ids=[claim.pk])
    outbox_record(
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
    if to in VERDICTS:
        verdict_publish(claim=claim, change=change)  # replaces the published one, if any
        verdict_propagate(claim=claim)
    return claim


@transaction.atomic
def sign_off(*, claim: Claim | int, actor: AbstractBaseUser, note: str) -> StatusChange:
    """Record an editor's sign-off on the claim's sourcing (policy gates), in its history."""
    claim_id = claim.pk if isinstance(claim, Claim) else claim
    locked = Claim.objects.select_for_update(of=("self",)).get(pk=claim_id)
    if not can_edit_desk(actor):
        raise TransitionForbidden(
            "only an editor may sign off on a claim's sourcing", claim=locked, to=locked.status,
            allowed=allowed_moves(locked, actor),
        )
    _refuse_copy(locked, locked.status)
    if not note.strip():
        raise GuardFailed(
            "a sign-off needs a note saying why the sourcing is acceptable", claim=locked, to=locked.status,
            allowed=allowed_moves(locked, actor),
        )
    entry = StatusChange.objects.create(
        claim=locked, kind=HistoryKind.SIGN_OFF, from_status=locked.status, to_status=locked.status, actor=actor, note=note
    )
    outbox_record(
        kind="claim.signed_off", claim=locked,
        payload={"claim": locked.pk, "status": locked.status, "actor": actor.get_username(), "note": note, "at": entry.at.isoformat()},
    )
    return entry


class NotPublished(WorkflowError):
    """There is no published fact-check to withdraw."""

    code = "not_published"


@transaction.atomic
def verdict_withdraw(*, claim: Claim | int, actor: AbstractBaseUser, reason: str) -> PublishedVerdict:
    """An editor takes a published fact-check down, with the reason, in the claim's history.

    Its page and ClaimReview answer 410 Gone from then on, until a new verdict republishes it.
    """
    claim_id = claim.pk if isinstance(claim, Claim) else claim
    locked = Claim.objects.select_for_update(of=("self",)).get(pk=claim_id)
    refuse = {"claim": locked, "to": locked.status, "allowed": allowed_moves(locked, actor)}
    if not can_edit_desk(actor):
        raise TransitionForbidden("only an editor may withdraw a published fact-check", **refuse)
    if not reason.strip():
        raise GuardFailed("a withdrawal needs a reason, which the claim's history keeps", **refuse)
    fact_check = PublishedVerdict.objects.select_for_update().filter(claim=locked).first()
    if fact_check is None or fact_check.is_withdrawn:
        state = "was withdrawn already" if fact_check is not None else "was never published"
        raise NotPublished(f"the fact-check of claim {locked.pk} {state}", **refuse)
    entry = StatusChange.objects.create(
        claim=locked, kind=HistoryKind.WITHDRAWAL, from_status=locked.status, to_status=locked.status, actor=actor, note=reason
    )
    fact_check.withdrawn_at, fact_check.withdrawn_reason, fact_check.modified_at = entry.at, reason, entry.at
    fact_check.save(update_fields=["withdrawn_at", "withdrawn_reason", "modified_at"])
    outbox_record(
        kind="claim.fact_check_withdrawn", claim=locked,
        payload={"claim": locked.pk, "verdict": fact_check.verdict, "actor": actor.get_username(), "reason": reason,
                 "at": entry.at.isoformat()},
    )
    return fact_check


@transaction.atomic
def copy_split(
    *, claim: Claim | int, actor: AbstractBaseUser, reason: str, expected_version: int | None = None
) -> Claim:
    """An editor takes a wrongly grouped copy out of its group: it becomes its own claim, unverified.

    The verdict of the group no longer applies to it, so it starts over (embedded, matched and
    queued like any new claim, never grouped again). Both the claim's and the group's history
    record the split, with the reason; newsroom tools get `claim.split_from_group`.
    """
    claim_id = claim.pk if isinstance(claim, Claim) else claim
    locked = Claim.objects.select_for_update(of=("self",)).get(pk=claim_id)
    refuse = {"claim": locked, "to": S.UNVERIFIED, "allowed": []}
    if not can_edit_desk(actor):
        raise TransitionForbidden("only an editor may split a claim out of its copy group", **refuse)
    if expected_version is not None and expected_version != locked.version:
        raise StaleVersion(
            f"claim {locked.pk} is at version {locked.version}, not {expected_version}: reload it and try again", **refuse
        )
    if locked.copy_of_id is None:
        raise NotACopy(f"claim {locked.pk} is in no copy group (it is a group's first claim or its own claim)", **refuse)
    if not reason.strip():
        raise GuardFailed("a split needs a reason, which the claim's history keeps", **refuse)
    group_id, from_status, now = locked.copy_of_id, locked.status, timezone.now()
    StatusChange.objects.create(
        claim=locked, kind=HistoryKind.SPLIT, from_status=from_status, to_status=S.UNVERIFIED, actor=actor,
        note=f"split out of the copy group of claim {group_id}: {reason}",
    )
    first = Claim.objects.get(pk=group_id)
    StatusChange.objects.create(
        claim=first, kind=HistoryKind.SPLIT, from_status=first.status, to_status=first.status, actor=actor,
        note=f"claim {locked.pk} (article {locked.article_id}) split out of this group: {reason}",
    )
    locked.copy_of, locked.copy_method, locked.copy_score, locked.copy_split = None, "", None, True
    locked.attribution_differs, locked.status, locked.assignee = False, S.UNVERIFIED, None
    locked.verdict_at, locked.recheck_after, locked.status_changed_at = None, None, now
    locked.version += 1
    locked.save(update_fields=[
        "copy_of", "copy_method", "copy_score", "copy_split", "attribution_differs", "status", "assignee",
        "verdict_at", "recheck_after", "status_changed_at", "version", "updated_at",
    ])
    outbox_record(
        kind="claim.split_from_group", claim=locked,
        payload={"claim": locked.pk, "article": locked.article_id, "group": group_id, "from": from_status,
                 "to": S.UNVERIFIED, "version": locked.version, "actor": actor.get_username(), "reason": reason,
                 "at": now.isoformat()},
    )
    article_id = locked.article_id
    jobs.enqueue_on_commit("match_article", article_id, what=f"matching of article {article_id} after a split")
    return locked


# --- Batched system moves (the pipeline's beat jobs) ----------------------------------


def _batch_path(path: str | Sequence[str]) -> tuple[list[str], list[str]]:
    """Check a path of guard-free system moves against MOVES; return (steps, source statuses)."""
    steps = [path] if isinstance(path, str) else list(path)
    if not steps:
        raise ValueError("transition_batch needs at least one target status")
    sources = [source for (source, target), move in MOVES.items() if target == steps[0] and SYSTEM in move.actors]
    previous = None
    for step in steps:
        moves = [m for (s, t), m in MOVES.items() if t == step and (previous is None or s == previous)]
        if not moves:
            raise InvalidTransition(f"no move to {step} from {previous}", claim=Claim(), to=step, allowed=[])
        for move in moves:
            if move.guard is not None:
                raise ValueError(f"moving to {step} has a guard: use transition() one claim at a time")
            if previous is not None and SYSTEM not in move.actors:
                raise ValueError(f"the system may not move claims from {previous} to {step}")
        previous = step
    if not sources:
        raise ValueError(f"the system may not move claims to {steps[0]}")
    return steps, sources


@transaction.atomic
def transition_batch(
    *,
    claim_ids: Sequence[int],
    to: str | Sequence[str],
    note: str = "",
    assignees: Mapping[int, int] | None = None,
) -> list[int]:
    """Move many claims as the system (actor None) along `to`, one step or a path of steps.

    The batch twin of transition(), with the same rules: every step must be a move in
    MOVES open to the system and without a guard (verdicts are human, one at a time);
    the rows are locked in pk order; a claim whose status is not a source of the first
    step is left alone (as transition() would refuse it); each step writes its
    StatusChange row and outbox event and bumps the version; all in one transaction.
    `assignees` ({claim id: user id}) sets the assignee when the path ends in queued.
    Returns the ids actually moved.
    """
    steps, sources = _batch_path(to)
    ids = sorted({int(pk) for pk in claim_ids})
    if not ids:
        return []
    if assignees and steps[-1] != S.QUEUED:
        raise ValueError("assignees are only set by a move to queued")
    from django.db import connection

    batch = _transition_batch_sql if connection.vendor == "postgresql" else _transition_batch_orm
    moved = batch(ids, steps, sources, note, assignees or {})
    if moved:
        copies_follow(group_ids=moved)
        outbox_nudge()  # one delivery round for the whole batch's events
    return moved


def _transition_batch_orm(ids, steps, sources, note, assignees) -> list[int]:
    # Portable path (SQLite, the embedded default): same rows as the SQL path, in Python.
    now = timezone.now()
    locked = list(
        Claim.objects.select_for_update(of=("self",)).filter(pk__in=ids, status__in=sources, copy_of__isnull=True).order_by("pk")
    )
    history, events = [], []
    for claim in locked:
        previous = claim.status
        for step in steps:
            claim.version += 1
            history.append(StatusChange(claim=claim, from_status=previous, to_status=step, actor=None, note=note, at=now))
            events.append(OutboxEvent(kind="claim.status_changed", claim=claim, payload=_event_payload(claim, previous, step, claim.version, note, now)))
            previous = step
        claim.status, claim.status_changed_at, claim.updated_at = steps[-1], now, now
        if claim.pk in assignees:
            claim.assignee_id = assignees[claim.pk]
    Claim.objects.bulk_update(locked, ["status", "version", "status_changed_at", "updated_at", "assignee"])
    StatusChange.objects.bulk_create(history)  # bulk_create bypasses save(): still insert-only
    OutboxEvent.objects.bulk_create(events)
    return [claim.pk for claim in locked]


def _event_payload(claim: Claim, from_status: str, to: str, version: int, note: str, now) -> dict:
    return {
        "claim": claim.pk, "article": claim.article_id, "from": from_status, "to": to,
        "version": version, "actor": None, "note": note, "at": now.isoformat(),
    }


# One statement per batch: lock, update, history and outbox rows (data-modifying CTEs).
_BATCH_SQL = """
WITH locked AS (
    SELECT id, status, version, article_id FROM claims_claim
    WHERE id = ANY(%(ids)s) AND status = ANY(%(sources)s) AND copy_of_id IS NULL
    ORDER BY id FOR UPDATE
), moved AS (
    UPDATE claims_claim AS c
    SET status = %(final)s, version = c.version + %(n)s, status_changed_at = %(now)s, updated_at = %(now)s,
        assignee_id = COALESCE(a.assignee_id, c.assignee_id)
    FROM locked AS l
    LEFT JOIN unnest(%(a_claims)s::bigint[], %(a_users)s::bigint[]) AS a(claim_id, assignee_id) ON a.claim_id = l.id
    WHERE c.id = l.id
    RETURNING c.id, l.status AS from_status, l.version AS from_version, c.article_id
), steps AS (
    SELECT m.id, m.article_id, s.n, m.from_version + s.n AS version,
           CASE WHEN s.n = 1 THEN m.from_status ELSE (%(steps)s::text[])[s.n - 1] END AS from_status,
           (%(steps)s::text[])[s.n] AS to_status
    FROM moved AS m CROSS JOIN generate_series(1, %(n)s) AS s(n)
), history AS (
    INSERT INTO claims_statuschange (claim_id, kind, from_status, to_status, actor_id, note, at)
    SELECT id, %(kind)s, from_status, to_status, NULL, %(note)s, %(now)s FROM steps ORDER BY id, n
), events AS (
    INSERT INTO claims_outboxevent (kind, claim_id, payload, created_at, dispatched_at)
    SELECT 'claim.status_changed', id,
           jsonb_build_object('claim', id, 'article', article_id, 'from', from_status, 'to', to_status,
                              'version', version, 'actor', NULL, 'note', %(note)s, 'at', %(now_iso)s),
           %(now)s, NULL
    FROM steps ORDER BY id, n
)
SELECT id FROM moved ORDER BY id
"""


def _transition_batch_sql(ids, steps, sources, note, assignees) -> list[int]:
    from django.db import connection

    now = timezone.now()
    pairs = sorted(assignees.items())
    params = {
        "ids": ids, "sources": sources, "final": steps[-1], "n": len(steps), "steps": steps,
        "a_claims": [c for c, _ in pairs], "a_users": [u for _, u in pairs],
        "now": now, "now_iso": now.isoformat(), "note": note, "kind": HistoryKind.TRANSITION.value,
    }
    with connection.cursor() as cursor:
        cursor.execute(_BATCH_SQL, params)
        return [row[0] for row in cursor.fetchall()]
