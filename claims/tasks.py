"""Celery tasks: thin, take ids, call services, idempotent. The top layer: nothing in claims imports it
(domain code asks for work by name through claims/jobs.py; the names are `claims.tasks.<function>`).

Delivery is at least once (acks_late, reject_on_worker_lost: verifier/settings.py), so
every task may run twice; each is written so that a second run leaves the same rows.
Beat jobs take a JobLease first (claims/pipeline/leases.py): two beat processes by mistake still
run each job once at a time. Transient database/broker errors retry with backoff.
"""

import os
import socket
import threading
import time

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.db import InterfaceError, OperationalError

from .delivery import notifications, webhooks
from .matching import alerts
from .matching import matches as matching
from .models import Article, Claim
from .pipeline import assignment, feeds, health, ingestion, sweeper
from .pipeline.leases import beat_period, job_lease
from .triage import scoring

TRANSIENT = (OperationalError, InterfaceError, ConnectionError, TimeoutError)
RETRY = {"autoretry_for": TRANSIENT, "retry_backoff": True, "retry_backoff_max": 300, "retry_jitter": True}
# Stop a beat job's loop well before the soft time limit; the next run continues.
RUN_BUDGET_SECONDS = 0.8 * settings.CELERY_TASK_SOFT_TIME_LIMIT


@shared_task(bind=True, max_retries=8, **RETRY)
def extract_article(self, article_id: int, force: bool = False) -> None:
    # idempotent: unique (article, start, end); the hostname lets the sweeper see this worker die
    article = ingestion.article_extract(article_id=article_id, force=force, worker=self.request.hostname or "")
    if article is None:
        return
    # Matched here and now (a tenth of the extraction's cost): sent as its own task, it would wait
    # behind every extraction in the queue, and a rewording would find its group too late (by then
    # copies have joined it, or a reviewer has it). A failure is retried as match_article.
    try:
        _match_and_queue(article_id)
    except TRANSIENT:
        try:
            match_article.delay(article_id)
        except Exception:  # broker gone as well: the sweeper matches it
            pass


@shared_task(bind=True, max_retries=5, **RETRY)
def match_article(self, article_id: int) -> int:
    """Embed an article's claims, match them against other articles (idempotent: one row per pair),
    score their check-worthiness from those embeddings, then queue them (scored first, so the
    threshold applies). Runs inside extract_article; this task is its retry and the sweeper's."""
    return _match_and_queue(article_id)


def _match_and_queue(article_id: int) -> int:
    try:
        matched = len(matching.article_match(article_id=article_id))
    except Article.DoesNotExist:  # deleted since: nothing to match
        return 0
    alerts.article_raise_alerts(article_id=article_id)  # a claim checked before, back in new copy
    scoring.claims_score(claim_ids=list(Claim.objects.filter(article_id=article_id).values_list("pk", flat=True)))
    try:
        if Claim.objects.filter(article_id=article_id, status="unverified").exists():
            assign_claims.delay()
    except Exception:  # broker gone: the beat tick assigns them
        pass
    return matched


@shared_task(bind=True, max_retries=3, **RETRY)
def assign_claims(self) -> dict:
    with job_lease("assign_claims", period=beat_period(self.request)) as lease:
        if not lease:
            return {"skipped": "another run holds the lease"}
        result = assignment.claims_assign(lease=lease, max_seconds=RUN_BUDGET_SECONDS)
        if result.skipped:  # recheck_due is assigning right now; it or the next tick takes these
            return {"skipped": "another run is assigning claims"}
        return {"assigned": result.moved, "batches": result.batches}


@shared_task(bind=True, max_retries=3, **RETRY)
def recheck_due(self) -> dict:
    with job_lease("recheck_due", period=beat_period(self.request)) as lease:
        if not lease:
            return {"skipped": "another run holds the lease"}
        result = assignment.claims_recheck_due(lease=lease, max_seconds=RUN_BUDGET_SECONDS, lanes=settings.PIPELINE_LANES)
        if result.skipped:
            return {"skipped": "another run is assigning claims"}
        return {"reopened": result.moved, "batches": result.batches}


@shared_task(bind=True, max_retries=3, **RETRY)
def escalate_stale(self) -> dict:
    with job_lease("escalate_stale", period=beat_period(self.request)) as lease:
        if not lease:
            return {"skipped": "another run holds the lease"}
        result = assignment.claims_escalate_stale(lease=lease)
        notifications.notifications_email_pending()
        return {"escalated": result.moved}


@shared_task(bind=True, max_retries=3, **RETRY)
def reextract_outdated(self) -> dict:
    with job_lease("reextract_outdated", period=beat_period(self.request)) as lease:
        if not lease:
            return {"skipped": "another run holds the lease"}
        queued = sweeper.articles_reextract_outdated()
        # A new check-worthiness model: re-score from the claims' text, a bounded share a run (statuses untouched).
        rescored = scoring.claims_rescore_outdated(limit=settings.CHECK_WORTHINESS_RESCORE_PER_RUN)
        return {"queued": len(queued), "rescored": rescored}


@shared_task(bind=True, max_retries=3, **RETRY)
def sweep_pending(self) -> dict:
    with job_lease("sweep_pending", period=beat_period(self.request)) as lease:
        if not lease:
            return {"skipped": "another run holds the lease"}
        result = sweeper.articles_sweep()
        notifications.notifications_email_pending()  # notices whose email was lost with a worker
        sweeper.claim_tallies_compact()  # the desk's counters, folded
        sweeper.sourcing_tallies_compact()  # the Sourcing report's, where they changed
        unmatched = [] if result.broker_down else matching.articles_match_pending()
        try:
            for article_id in unmatched:  # matching whose message was lost
                match_article.delay(article_id)
        except Exception:  # the broker went away mid-sweep: the next sweep finds the rest
            pass
        return {
            "enqueued": len(result.enqueued), "gave_up": len(result.gave_up), "broker_down": result.broker_down,
            "matching_enqueued": len(unmatched),
        }


@shared_task(bind=True, max_retries=3, **RETRY)
def heartbeat(self) -> None:
    hostname = self.request.hostname or socket.gethostname()
    health.heartbeat_record(name="worker", hostname=hostname, pid=os.getpid())


@worker_ready.connect
def _heartbeat_on_start(sender=None, **kwargs) -> None:
    """A freshly started worker shows as alive at once, not a minute later; and it keeps its own heartbeat."""
    try:
        heartbeat.delay()
    except Exception:  # no broker yet: the beat schedule sends the next one
        pass
    hostname = getattr(sender, "hostname", None) or socket.gethostname()
    threading.Thread(target=_own_heartbeat, args=(hostname,), name="worker-heartbeat", daemon=True).start()


def _own_heartbeat(hostname: str) -> None:
    """This worker's row `worker:<hostname>`, written every WORKER_HEARTBEAT_SECONDS by its main process.

    It needs no broker and no beat: when the whole worker dies (kill -9, a lost machine),
    the row goes stale and the sweeper requeues the article it was running.
    """
    from django.db import connection

    while True:
        try:
            health.heartbeat_record(name=f"worker:{hostname}", hostname=hostname, pid=os.getpid())
        except Exception:  # the database is down: the next beat tries again
            connection.close()
        time.sleep(settings.WORKER_HEARTBEAT_SECONDS)


# --- Webhooks (claims/delivery/webhooks.py) ----------------------------------------------
@shared_task(bind=True, autoretry_for=TRANSIENT, retry_backoff=True, retry_backoff_max=300, max_retries=3)
def deliver_outbox(self) -> dict:
    """Fan outbox events out to webhook deliveries and send the due ones (idempotent)."""
    return webhooks.deliver_outbox()


# --- Watched feeds (claims/pipeline/feeds.py) and repeat alerts (claims/matching/alerts.py) ------------
@shared_task(bind=True, max_retries=3, **RETRY)
def poll_feeds(self) -> dict:
    """Poll the due feeds. Each feed is leased, so a second beat's run (or an overlapping one) polls others."""
    outcomes = feeds.feeds_poll(max_seconds=RUN_BUDGET_SECONDS)
    return {"polled": len(outcomes), "failed": sum(not o.ok for o in outcomes),
            "articles": sum(o.articles for o in outcomes)}


@shared_task(bind=True, max_retries=3, **RETRY)
def alerts_digest(self) -> dict:
    with job_lease("alerts_digest", period=beat_period(self.request)) as lease:
        if not lease:
            return {"skipped": "another run holds the lease"}
        return {"alerts": alerts.alerts_email_digest()}
