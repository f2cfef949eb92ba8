"""The extraction sweeper: articles stuck pending, running (a dead worker) or failed are enqueued again.

A running article carries its worker's hostname; each worker writes its own heartbeat row
(`worker:<hostname>`, claims/tasks.py), so an article whose worker is gone is requeued
after WORKER_LOST_AFTER (a minute), not after the whole time limit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from .. import jobs
from ..models import Article, ExtractionStatus, Heartbeat

logger = logging.getLogger(__name__)


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
    # Running past the time limit, or running on a worker whose own heartbeat is gone
    # (kill -9 of the whole worker: nobody re-queues its message before the visibility timeout).
    lost_after = now - settings.WORKER_LOST_AFTER
    alive = [
        name.removeprefix("worker:")
        for name in Heartbeat.objects.filter(name__startswith="worker:", beat_at__gt=lost_after).values_list("name", flat=True)
    ]
    worker_gone = Q(updated_at__lte=lost_after) & ~Q(extraction_worker="") & ~Q(extraction_worker__in=alive)
    crashed = Article.objects.filter(
        Q(extraction_status=ExtractionStatus.RUNNING)
        & (Q(updated_at__lte=now - settings.EXTRACTION_RUNNING_TIMEOUT) | worker_gone)
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
                jobs.enqueue("extract_article", pk)
            except Exception as exc:
                logger.warning("broker unreachable (%s: %s): %d article(s) left for the next sweep",
                               type(exc).__name__, exc, len(to_send) - index)
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
    for pk in ids:
        try:
            jobs.enqueue("extract_article", pk)
        except Exception as exc:
            logger.warning("broker unreachable (%s: %s): re-extraction of %d article(s) left to the sweeper",
                           type(exc).__name__, exc, len(ids))
            return


def claim_tallies_compact() -> int:
    """Fold the desk's tally ledger (claims.models.ClaimTally) into one row per value; returns the
    rows left. In one statement: rows a writer appends meanwhile are not in its snapshot, and stay."""
    if connection.vendor != "postgresql":
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "WITH folded AS (DELETE FROM claims_claimtally RETURNING dimension, value, claims) "
            "INSERT INTO claims_claimtally (dimension, value, claims) "
            "SELECT dimension, value, sum(claims) FROM folded GROUP BY dimension, value HAVING sum(claims) <> 0"
        )
        return cursor.rowcount


SOURCING_KEY = ("grain", "period", "dimension", "level", "value")


def sourcing_tallies_compact() -> int:
    """Fold the Sourcing report's ledger (claims.models.SourcingTally) where rows were appended since
    the last pass: each value touched becomes one folded row again; returns the rows folded.

    Rows a writer appends meanwhile are not in this snapshot and wait for the next pass; a second
    pass running at once skips the rows this one deleted."""
    if connection.vendor != "postgresql":
        return 0
    key = ", ".join(SOURCING_KEY)
    same = " AND ".join(f"t.{column} = k.{column}" for column in SOURCING_KEY)
    folded = 0
    with transaction.atomic(), connection.cursor() as cursor:
        # Outlets' rows and the rows of every outlet apart: NULL never equals NULL in a join.
        for publisher, match in (("publisher_id IS NOT NULL", "t.publisher_id = k.publisher_id"),
                                 ("publisher_id IS NULL", "t.publisher_id IS NULL")):
            cursor.execute(
                f"WITH k AS (SELECT DISTINCT {key}, publisher_id FROM claims_sourcingtally WHERE NOT folded AND {publisher}), "
                f"gone AS (DELETE FROM claims_sourcingtally t USING k WHERE {same} AND {match} "
                f"RETURNING t.{key.replace(', ', ', t.')}, t.publisher_id, t.claims) "
                f"INSERT INTO claims_sourcingtally ({key}, publisher_id, claims, folded) "
                f"SELECT {key}, publisher_id, sum(claims), true FROM gone GROUP BY {key}, publisher_id HAVING sum(claims) <> 0"
            )
            folded += cursor.rowcount
    return folded
