"""Assignment, re-checks and escalation: the queue behind the beat jobs.
Services (writes, one transaction per batch); tasks.py wraps them.

Every job here is batched and idempotent: a batch locks its rows with
`select_for_update(skip_locked=True)` (two runs never touch one claim), makes its
status changes through claims.workflow (`transition_batch`, the batch twin of
`transition`), commits, and moves on. Running a job twice leaves the same rows.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from ..delivery import notifications
from ..models import VERDICTS, Claim, ClaimStatus, Evidence
from ..paging import rows_after
from ..roles import EDITORS, REVIEWERS
from ..triage import checkworthiness
from ..workflow import transition_batch
from .leases import Lease

logger = logging.getLogger(__name__)

S = ClaimStatus
# A reviewer's load: the claims waiting for them or in their hands.
LOAD_STATUSES = (S.QUEUED, S.IN_REVIEW)


# --- Assignment -----------------------------------------------------------------------


class AssignmentBusy(Exception):
    """Another assignment run holds the assignment lock."""


# Any fixed 64-bit number: the PostgreSQL advisory lock key of "assigning claims to reviewers".
ASSIGNMENT_LOCK_KEY = 0x636C61696D73_01


@contextmanager
def assignment_lock(*, wait_seconds: float = 30.0) -> Iterator[None]:
    """One assigning run at a time (assign_claims, recheck_due, in any process).

    A session-level PostgreSQL advisory lock, released when the run ends or its
    connection dies (a killed worker never leaves it behind). Loads are counted once
    inside it, so two runs never balance against stale counts; rows stay
    skip-locked as well. SQLite (one embedded worker) has no advisory locks: a no-op.
    """
    if connection.vendor != "postgresql":
        yield
        return
    deadline = time.monotonic() + wait_seconds
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [ASSIGNMENT_LOCK_KEY])
            if cursor.fetchone()[0]:
                break
            if time.monotonic() >= deadline:
                raise AssignmentBusy("another run is assigning claims")
            time.sleep(0.2)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [ASSIGNMENT_LOCK_KEY])


class ReviewerLoads:
    """Least-loaded-first chooser for one run: loads counted once, then kept in memory.

    Shared by the run's lanes (threads), so the run balances exactly; `assignment_lock`
    keeps other runs out while it lasts.
    """

    def __init__(self) -> None:
        reviewer_ids = list(
            get_user_model().objects.filter(groups__name=REVIEWERS, is_active=True).order_by("pk").values_list("pk", flat=True)
        )
        counted = dict(
            Claim.objects.filter(assignee_id__in=reviewer_ids, status__in=LOAD_STATUSES)
            .values("assignee_id").annotate(n=Count("id")).values_list("assignee_id", "n")
        )
        self.loads = {pk: counted.get(pk, 0) for pk in reviewer_ids}
        self._heap = [(load, pk) for pk, load in self.loads.items()]
        heapq.heapify(self._heap)
        self._mutex = threading.Lock()

    def __bool__(self) -> bool:
        return bool(self.loads)

    def pick_many(self, n: int) -> list[int]:
        with self._mutex:
            chosen = []
            for _ in range(n):
                load, pk = heapq.heappop(self._heap)
                heapq.heappush(self._heap, (load + 1, pk))
                self.loads[pk] = load + 1
                chosen.append(pk)
            return chosen

    def unpick(self, pks: Sequence[int]) -> None:
        # Chosen claims that were not moved after all (their status changed under us).
        if not pks:
            return
        with self._mutex:
            for pk in pks:
                self.loads[pk] -= 1
            self._heap = [(load, rid) for rid, load in self.loads.items()]
            heapq.heapify(self._heap)


def _queue(ids: Sequence[int], *, loads: ReviewerLoads, path: Sequence[str], note: str) -> dict[int, list[int]]:
    """Move `ids` along `path` (ending in queued) to the least-loaded reviewers; returns {reviewer: claims}."""
    mapping = dict(zip(ids, loads.pick_many(len(ids))))
    moved = set(transition_batch(claim_ids=ids, to=path, note=note, assignees=mapping))
    by_reviewer: dict[int, list[int]] = defaultdict(list)
    for claim_id, reviewer_id in mapping.items():
        if claim_id in moved:
            by_reviewer[reviewer_id].append(claim_id)
    loads.unpick([reviewer_id for claim_id, reviewer_id in mapping.items() if claim_id not in moved])
    return by_reviewer


@dataclass
class RunResult:
    moved: int = 0
    batches: int = 0
    per_reviewer: Counter = field(default_factory=Counter)
    stopped_early: bool = False
    skipped: bool = False

    def add(self, by_reviewer: dict[int, list[int]]) -> None:
        self.batches += 1
        for reviewer_id, claim_ids in by_reviewer.items():
            self.per_reviewer[reviewer_id] += len(claim_ids)
            self.moved += len(claim_ids)


class _Run:
    """A job run split into lanes (threads, one database connection each) sharing one result."""

    def __init__(self, *, lease: Lease | None, max_seconds: float | None):
        self.lease, self.max_seconds, self.started = lease, max_seconds, time.monotonic()
        self.result, self.mutex, self.stop = RunResult(), threading.Lock(), threading.Event()

    def keep_going(self) -> bool:
        with self.mutex:
            if self.stop.is_set():
                return False
            if (self.lease is not None and not self.lease.renew()) or (
                self.max_seconds is not None and time.monotonic() - self.started >= self.max_seconds
            ):
                self.result.stopped_early = True
                self.stop.set()
            return not self.stop.is_set()

    def record(self, by_reviewer: dict[int, list[int]], moved_without_assignee: int = 0) -> None:
        with self.mutex:
            self.result.add(by_reviewer)
            self.result.moved += moved_without_assignee

    def lanes(self, body, count: int) -> None:
        if count <= 1:
            body(0)
            return
        errors: list[BaseException] = []

        def lane(index: int) -> None:
            try:
                body(index)
            except BaseException as exc:  # re-raised below, in the caller's thread
                errors.append(exc)
                self.stop.set()
            finally:
                connection.close()

        threads = [threading.Thread(target=lane, args=(i,), name=f"lane-{i}") for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]


def auto_assignable(now: datetime | None = None) -> Q:
    """Unscored (nothing is held back for want of a score) or scored at or above the threshold; and
    matched, or waiting for it longer than ASSIGN_WAIT_FOR_MATCHING: a claim queued before its
    article is matched could no longer join the copy group it rewords (it is being worked on)."""
    now = now or timezone.now()
    worthy = Q(check_worthiness__isnull=True) | Q(check_worthiness__gte=checkworthiness.threshold())
    matched = (Q(article__matched_at__gte=F("article__extracted_at")) | Q(article__extracted_at__isnull=True)
               | Q(created_at__lte=now - settings.ASSIGN_WAIT_FOR_MATCHING))
    return worthy & matched


def claims_assign(
    *, batch_size: int | None = None, lease: Lease | None = None, max_seconds: float | None = None,
    lanes: int = 1, wait_seconds: float = 5.0,
) -> RunResult:
    """Queue every waiting claim for the least-loaded active reviewer, higher priority first.

    Waiting means needs_recheck (a published verdict being re-checked goes first) or
    unverified and not scored below CHECK_WORTHY_THRESHOLD (those wait under the "not
    check-worthy" filter until a reviewer or editor pulls one into the queue). Each batch: claims skip-locked (lanes, or anyone else, never take the
    same claim), one batched workflow move, one notice per reviewer, committed before
    the next. Skips (result.skipped) if another run is assigning for `wait_seconds`.
    """
    batch_size = batch_size or settings.PIPELINE_BATCH_SIZE
    run = _Run(lease=lease, max_seconds=max_seconds)
    try:
        with assignment_lock(wait_seconds=wait_seconds):
            loads = ReviewerLoads()
            if not loads:
                logger.warning("no active member of the %r group: claims stay unassigned", REVIEWERS)
                return run.result

            def lane(index: int) -> None:
                for status in (S.NEEDS_RECHECK, S.UNVERIFIED):
                    while True:
                        with transaction.atomic():
                            waiting = Claim.objects.filter(status=status, copy_of__isnull=True)  # a group once
                            if status == S.UNVERIFIED:  # below the threshold: stays unverified, pulled by hand
                                waiting = waiting.filter(auto_assignable())
                            ids = list(
                                waiting
                                .order_by("-priority", "created_at", "id")
                                .select_for_update(skip_locked=True, of=("self",))
                                .values_list("id", flat=True)[:batch_size]
                            )
                            if not ids:
                                break
                            by_reviewer = _queue(ids, loads=loads, path=[S.QUEUED], note="assigned to the least-loaded reviewer")
                            notifications.notify_assigned(claims_by_reviewer=by_reviewer)
                        run.record(by_reviewer)
                        if len(ids) < batch_size or not run.keep_going():
                            break
                    if run.stop.is_set():
                        return

            run.lanes(lane, lanes)
    except AssignmentBusy:
        logger.info("assignment skipped: another run is assigning claims")
        run.result.skipped = True
    return run.result


def _recheck_candidates(
    *, after: tuple[datetime, int] | None, lane: int, lanes: int, now: datetime, limit: int
) -> list[tuple[int, datetime, bool]]:
    """(claim id, recheck_after, evidence since the verdict) of the verdicts due by `now`, after the
    key `after` in (recheck_after, id) order: one seek into claim_recheck_due_idx a batch, skip-locked.
    A lane takes the ids that fall to it (id modulo lanes)."""
    claims = Claim.objects.filter(status__in=VERDICTS, copy_of__isnull=True, recheck_after__lte=now)
    if after is not None:
        claims = claims.filter(rows_after(Claim._meta.db_table, ("recheck_after", "id"), after))
    if lanes > 1:
        claims = claims.annotate(lane=F("id") % lanes).filter(lane=lane)
    evidence_since_verdict = Exists(Evidence.objects.filter(claim_id=OuterRef("pk"), created_at__gt=OuterRef("verdict_at")))
    rows = (
        claims.order_by("recheck_after", "id")
        .select_for_update(skip_locked=True, of=("self",))
        .values_list("id", "recheck_after")[:limit]
    )
    rows = list(rows)
    # Why each is due, for the history's note (a batch's rows only).
    changed = set(Claim.objects.filter(pk__in=[pk for pk, _ in rows]).filter(evidence_since_verdict)
                  .values_list("pk", flat=True)) if rows else set()
    return [(pk, recheck_after, pk in changed) for pk, recheck_after in rows]


def claims_recheck_due(
    *, now: datetime | None = None, batch_size: int | None = None, lease: Lease | None = None,
    max_seconds: float | None = None, lanes: int = 1, wait_seconds: float = 60.0,
) -> RunResult:
    """Reopen verdicts whose recheck_after passed or that got evidence after the verdict.

    verdict -> needs_recheck -> queued (least-loaded reviewer) in one batched workflow
    move: two history rows and two outbox events per claim. With no active reviewer the
    claims stop at needs_recheck and the next assignment run queues them. `lanes`
    splits the id range between threads (one connection each) to use several cores.
    """
    now = now or timezone.now()
    batch_size = batch_size or settings.PIPELINE_BATCH_SIZE
    run = _Run(lease=lease, max_seconds=max_seconds)
    try:
        with assignment_lock(wait_seconds=wait_seconds):
            loads = ReviewerLoads()

            def lane(index: int) -> None:
                after = None
                while True:
                    with transaction.atomic():
                        rows = _recheck_candidates(after=after, lane=index, lanes=lanes, now=now, limit=batch_size)
                        if not rows:
                            return
                        after = rows[-1][1], rows[-1][0]
                        groups = (
                            ([pk for pk, _, changed in rows if not changed], "re-check: recheck_after passed"),
                            ([pk for pk, _, changed in rows if changed], "re-check: evidence added since the verdict"),
                        )
                        assigned: dict[int, list[int]] = defaultdict(list)
                        parked = 0
                        for ids, note in groups:
                            if not ids:
                                continue
                            if loads:
                                for reviewer_id, claim_ids in _queue(
                                    ids, loads=loads, path=[S.NEEDS_RECHECK, S.QUEUED], note=note
                                ).items():
                                    assigned[reviewer_id] += claim_ids
                            else:
                                parked += len(transition_batch(claim_ids=ids, to=S.NEEDS_RECHECK, note=note))
                        notifications.notify_assigned(claims_by_reviewer=assigned, kind="claims.recheck")
                    run.record(assigned, parked)
                    if len(rows) < batch_size or not run.keep_going():
                        return

            run.lanes(lane, lanes)
    except AssignmentBusy:
        logger.info("re-check skipped: another run is assigning claims")
        run.result.skipped = True
    return run.result


# --- Escalation -----------------------------------------------------------------------


def claims_escalate_stale(
    *, now: datetime | None = None, batch_size: int | None = None, lease: Lease | None = None
) -> RunResult:
    """Claims waiting in queued/in_review past REVIEW_SLA gain priority, once per SLA window.

    Escalation raises priority (by ESCALATION_PRIORITY_BOOST) and tells the assignee (or,
    for an unassigned claim, the editors); it does not take the claim away from its
    reviewer, who may be midway through the evidence. Window n is the n-th SLA period
    since the claim entered its status; the notice's dedupe_key names the window, so a
    second run in the same window changes nothing.
    """
    now = now or timezone.now()
    sla = settings.REVIEW_SLA
    batch_size = batch_size or settings.PIPELINE_BATCH_SIZE
    result, last_id = RunResult(), 0
    editor_ids = list(
        get_user_model().objects.filter(groups__name=EDITORS, is_active=True).order_by("pk").values_list("pk", flat=True)
    )
    while True:
        with transaction.atomic():
            rows = list(
                Claim.objects.filter(id__gt=last_id, status__in=LOAD_STATUSES, status_changed_at__lte=now - sla,
                                     copy_of__isnull=True)
                .order_by("id")
                .select_for_update(skip_locked=True, of=("self",))
                .values_list("id", "status_changed_at", "assignee_id")[:batch_size]
            )
            if not rows:
                break
            last_id = rows[-1][0]
            keys = {
                pk: f"claim.escalated:{pk}:{int(changed_at.timestamp())}:{int((now - changed_at) / sla)}"
                for pk, changed_at, _ in rows
            }
            recipients = {pk: [assignee_id] if assignee_id else editor_ids for pk, _, assignee_id in rows}
            escalated = notifications.notify_escalated(keys=keys, recipients=recipients)
            if escalated:
                Claim.objects.filter(pk__in=escalated).update(
                    priority=F("priority") + settings.ESCALATION_PRIORITY_BOOST, updated_at=now
                )
        result.batches += 1
        result.moved += len(escalated)
        if len(rows) < batch_size or (lease is not None and not lease.renew()):
            break
    return result


