"""The pipeline behind the beat jobs: ingestion, the extraction sweeper, assignment,
re-checks and escalation. Services (writes, one transaction per batch); tasks.py wraps them.

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
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q
from django.utils import timezone

from . import notifications, services
from .leases import Lease
from .models import VERDICTS, Article, Claim, ClaimStatus, Evidence, ExtractionStatus, Heartbeat
from .roles import EDITORS, REVIEWERS
from .workflow import transition_batch

logger = logging.getLogger(__name__)

S = ClaimStatus
# A reviewer's load: the claims waiting for them or in their hands.
LOAD_STATUSES = (S.QUEUED, S.IN_REVIEW)


# --- Ingestion ------------------------------------------------------------------------


def ingest_article(
    *, body: str, publisher: str, title: str = "", url: str = "", published_at: datetime | None = None
) -> tuple[Article, bool]:
    """Store an article and schedule its extraction after commit. Returns (article, created).

    Idempotent on the body (content_sha256): the same text twice is one article. A known
    url with a different body is a new revision: the new Article `supersedes` the old
    one, which stops being `is_current` (its claims and verdicts stay, as history).
    If the broker is down the enqueue failure is logged, never raised: the article
    stays pending and `articles_sweep` enqueues it later.
    """
    try:
        return services.article_ingest(body=body, publisher=publisher, title=title, url=url, published_at=published_at)
    except IntegrityError:
        # Two ingestions of the same body (or url) raced: the other one stored it; take theirs.
        if transaction.get_connection().in_atomic_block:
            raise
        return services.article_ingest(body=body, publisher=publisher, title=title, url=url, published_at=published_at)


# --- Extraction sweeper ---------------------------------------------------------------


def extraction_backoff(attempts: int):
    """How long a failed extraction waits before its next try (exponential, capped at 6 hours)."""
    base = settings.EXTRACTION_RETRY_BASE
    return min(base * (2 ** max(attempts - 1, 0)), base * 72)


def _stuck_articles(now: datetime) -> Iterable[tuple[int, str]]:
    """(id, reason) of articles whose extraction should be (re)started now."""
    never_enqueued = Q(extraction_enqueued_at__isnull=True, created_at__lte=now - settings.EXTRACTION_PENDING_GRACE)
    lost = Q(extraction_enqueued_at__lte=now - settings.EXTRACTION_PENDING_TIMEOUT)
    pending = Article.objects.filter(Q(extraction_status=ExtractionStatus.PENDING) & (never_enqueued | lost))
    for pk in pending.order_by("id").values_list("id", flat=True).iterator(chunk_size=2000):
        yield pk, "pending"
    crashed = Article.objects.filter(
        extraction_status=ExtractionStatus.RUNNING, updated_at__lte=now - settings.EXTRACTION_RUNNING_TIMEOUT
    )
    for pk in crashed.order_by("id").values_list("id", flat=True).iterator(chunk_size=2000):
        yield pk, "running"
    failed = Article.objects.filter(
        extraction_status=ExtractionStatus.FAILED, extraction_attempts__lt=settings.EXTRACTION_MAX_ATTEMPTS
    )
    for pk, attempts, updated_at in failed.order_by("id").values_list("id", "extraction_attempts", "updated_at"):
        if updated_at + extraction_backoff(attempts) <= now:
            yield pk, "failed"


@dataclass
class SweepResult:
    enqueued: list[int] = field(default_factory=list)
    gave_up: list[int] = field(default_factory=list)
    broker_down: bool = False


def articles_sweep(*, now: datetime | None = None, batch_size: int = 500) -> SweepResult:
    """Enqueue extraction of every article stuck pending, running (a dead worker) or failed (with backoff).

    Each chunk is claimed in its own transaction (status back to pending, enqueued_at
    stamped, rows skip-locked) before anything is sent, so a worker that has meanwhile
    started the article is never overwritten; if the broker is down the stamp is undone
    and the next sweep tries again. A crashed run that already used up its attempts is
    marked failed instead of looping forever.
    """
    from .tasks import extract_article  # late: tasks import this module

    now = now or timezone.now()
    result = SweepResult()
    candidates = list(_stuck_articles(now))
    for start in range(0, len(candidates), batch_size):
        chunk = dict(candidates[start : start + batch_size])
        with transaction.atomic():
            rows = list(
                Article.objects.filter(pk__in=chunk)
                .select_for_update(skip_locked=True)
                .order_by("id")
                .values_list("id", "extraction_status", "extraction_attempts")
            )
            # Re-check under the lock: a worker may have moved the article since we looked.
            ready = [pk for pk, status, _ in rows if status == chunk[pk]]
            exhausted = [
                pk for pk, status, attempts in rows
                if pk in ready and status == ExtractionStatus.RUNNING and attempts >= settings.EXTRACTION_MAX_ATTEMPTS
            ]
            if exhausted:
                Article.objects.filter(pk__in=exhausted).update(
                    extraction_status=ExtractionStatus.FAILED, updated_at=now,
                    extraction_error=f"the worker died during each of {settings.EXTRACTION_MAX_ATTEMPTS} attempts",
                )
                result.gave_up += exhausted
            to_send = [pk for pk in ready if pk not in exhausted]
            Article.objects.filter(pk__in=to_send).update(
                extraction_status=ExtractionStatus.PENDING, extraction_enqueued_at=now, updated_at=now
            )
        for index, pk in enumerate(to_send):
            try:
                extract_article.delay(pk)
            except Exception:
                logger.warning("broker unreachable: %d article(s) left for the next sweep", len(to_send) - index, exc_info=True)
                Article.objects.filter(pk__in=to_send[index:], extraction_status=ExtractionStatus.PENDING,
                                       extraction_enqueued_at=now).update(extraction_enqueued_at=None)
                result.broker_down = True
                return result
            result.enqueued.append(pk)
    if result.enqueued or result.gave_up:
        logger.info("sweep: enqueued %d article(s), gave up on %d", len(result.enqueued), len(result.gave_up))
    return result


def articles_reextract_outdated(*, extractor_version: str | None = None, batch_size: int = 500) -> list[int]:
    """Queue re-extraction of articles done by another extractor version (claims keep their workflow state).

    Only `done` articles: a failed one is the sweeper's (with its backoff), so nothing loops.
    """
    from sources.attribution import EXTRACTOR_VERSION

    version = extractor_version or EXTRACTOR_VERSION
    queued: list[int] = []
    last_id = 0
    while True:
        with transaction.atomic():
            ids = list(
                Article.objects.filter(id__gt=last_id, extraction_status=ExtractionStatus.DONE)
                .exclude(extractor_version=version)
                .order_by("id")
                .select_for_update(skip_locked=True)
                .values_list("id", flat=True)[:batch_size]
            )
            if not ids:
                break
            last_id = ids[-1]
            now = timezone.now()
            # Pending + stamped first: if the send below is lost, the sweeper picks them up.
            Article.objects.filter(pk__in=ids).update(
                extraction_status=ExtractionStatus.PENDING, extraction_attempts=0, extraction_enqueued_at=now, updated_at=now
            )
            transaction.on_commit(lambda ids=ids: _send_extractions(ids))
        queued += ids
    return queued


def _send_extractions(ids: Sequence[int]) -> None:
    from .tasks import extract_article

    for pk in ids:
        try:
            extract_article.delay(pk)
        except Exception:
            logger.warning("broker unreachable: re-extraction of %d article(s) left to the sweeper", len(ids), exc_info=True)
            return


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


def claims_assign(
    *, batch_size: int | None = None, lease: Lease | None = None, max_seconds: float | None = None,
    lanes: int = 1, wait_seconds: float = 5.0,
) -> RunResult:
    """Queue every waiting claim for the least-loaded active reviewer, higher priority first.

    Waiting means needs_recheck (a published verdict being re-checked goes first) or
    unverified. Each batch: claims skip-locked (lanes, or anyone else, never take the
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
                            ids = list(
                                Claim.objects.filter(status=status)
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


def _recheck_candidates(*, after_id: int, below_id: int | None, now: datetime, limit: int) -> list[tuple[int, bool]]:
    """(claim id, due by date) of verdicts to re-check, in id order within (after_id, below_id), skip-locked."""
    evidence_since_verdict = Exists(Evidence.objects.filter(claim_id=OuterRef("pk"), created_at__gt=OuterRef("verdict_at")))
    claims = Claim.objects.filter(id__gt=after_id, status__in=VERDICTS)
    if below_id is not None:
        claims = claims.filter(id__lt=below_id)
    rows = (
        claims.filter(Q(recheck_after__lte=now) | evidence_since_verdict)
        .order_by("id")
        .select_for_update(skip_locked=True, of=("self",))
        .values_list("id", "recheck_after")[:limit]
    )
    return [(pk, recheck_after is not None and recheck_after <= now) for pk, recheck_after in rows]


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
            bounds = Claim.objects.filter(status__in=VERDICTS).aggregate(lo=Min("id"), hi=Max("id"))
            if bounds["lo"] is None:
                return run.result
            span = (bounds["hi"] - bounds["lo"]) // max(lanes, 1) + 1

            def lane(index: int) -> None:
                last_id = bounds["lo"] + index * span - 1
                below = bounds["lo"] + (index + 1) * span if index < lanes - 1 else None
                while True:
                    with transaction.atomic():
                        rows = _recheck_candidates(after_id=last_id, below_id=below, now=now, limit=batch_size)
                        if not rows:
                            return
                        last_id = rows[-1][0]
                        groups = (
                            ([pk for pk, due in rows if due], "re-check: recheck_after passed"),
                            ([pk for pk, due in rows if not due], "re-check: evidence added since the verdict"),
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
                Claim.objects.filter(id__gt=last_id, status__in=LOAD_STATUSES, status_changed_at__lte=now - sla)
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


# --- Health ---------------------------------------------------------------------------


def heartbeat_record(*, name: str, hostname: str, pid: int) -> Heartbeat:
    beat, _ = Heartbeat.objects.update_or_create(
        name=name, defaults={"beat_at": timezone.now(), "detail": {"hostname": hostname, "pid": pid}}
    )
    return beat
