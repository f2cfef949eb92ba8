"""Nothing is lost, nothing is doubled: real Redis, real Celery worker processes, real PostgreSQL.

Workers run against the pytest test database (transaction=True: they see committed
rows) and a redis-server of the test's own, which a test may stop and restart.
"""

import logging
from datetime import timedelta
import threading

import pytest
from django.db import connection, transaction

from claims import tasks
from claims.pipeline import ingestion, sweeper
from claims.models import Article, Claim, ClaimStatus, ExtractionStatus, Notification, OutboxEvent, StatusChange
from sources.attribution import extract
from tests.e2e.conftest import wait_for

BODY = (
    "Officials said the bridge {n} will reopen on Monday. Analysts say traffic will double. "
    "The mayor told reporters the repairs cost $2 million. Sources familiar with the plan said "
    "a second bridge is under study. The Daily Mirror reported that tolls may rise."
)


def expected_claims(article: Article) -> list[tuple[int, int, str]]:
    """What one clean run of the extractor gives for this article."""
    return sorted((c.start, c.end, c.attribution_level) for c in extract(article.body, publisher=article.publisher.name))


def stored_claims(article: Article) -> list[tuple[int, int, str]]:
    return sorted(Claim.objects.filter(article=article).values_list("start", "end", "attribution_level"))


def status_of(article_id: int) -> str:
    return Article.objects.values_list("extraction_status", flat=True).get(pk=article_id)


@pytest.mark.django_db(transaction=True)
def test_sigkill_of_the_worker_process_mid_extraction_redelivers_it(broker, worker_factory):
    article, _ = ingestion.ingest_article(body=BODY.format(n=1), publisher="Daily")  # enqueued on commit
    assert broker.queue_length() == 1
    worker = worker_factory(EXTRACTION_TEST_SLEEP=3)

    wait_for(lambda: status_of(article.pk) == ExtractionStatus.RUNNING, timeout=60, what="extraction to start")
    worker.kill_child()  # the pool process dies mid-task; acks_late + reject_on_worker_lost re-queue it

    wait_for(lambda: status_of(article.pk) == ExtractionStatus.DONE, timeout=90, what="redelivered extraction")
    article.refresh_from_db()
    assert article.extraction_attempts == 2
    assert stored_claims(article) == expected_claims(article) != []
    assert "WorkerLostError" in worker.output()  # the main process saw its child die and re-queued the task


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_sigkill_of_the_whole_worker_is_redelivered_after_the_visibility_timeout(broker, worker_factory):
    article, _ = ingestion.ingest_article(body=BODY.format(n=2), publisher="Daily")
    fast_restore = {"CELERY_VISIBILITY_TIMEOUT": 4, "CELERY_UNACKED_RESTORE_INTERVAL": 1, "CELERY_UNACKED_RESTORE_THROTTLE": 1}
    first = worker_factory(EXTRACTION_TEST_SLEEP=30, **fast_restore)
    wait_for(lambda: status_of(article.pk) == ExtractionStatus.RUNNING, timeout=60, what="extraction to start")
    # Main process and child: nobody is left to re-queue; the message sits unacked in Redis
    # (on a slow machine the 4 s visibility timeout may already have put it back).
    first.kill_all()

    worker_factory(**fast_restore)  # Redis hands the unacked message out again after the visibility timeout
    wait_for(lambda: status_of(article.pk) == ExtractionStatus.DONE, timeout=90, what="restored extraction")
    article.refresh_from_db()
    assert article.extraction_attempts == 2
    assert stored_claims(article) == expected_claims(article) != []


@pytest.mark.django_db(transaction=True)
def test_redis_down_loses_no_article_and_the_sweeper_recovers_all(broker, worker_factory, settings, caplog):
    settings.EXTRACTION_PENDING_GRACE = settings.EXTRACTION_PENDING_TIMEOUT = timedelta(0)
    # Redis up but no worker yet: these are enqueued, then the Redis restart (no persistence) loses them.
    before = [ingestion.ingest_article(body=BODY.format(n=f"a{n}"), publisher="Daily")[0] for n in range(3)]
    assert broker.queue_length() == 3
    broker.stop()

    with caplog.at_level(logging.WARNING, logger="claims.services"):
        during = [ingestion.ingest_article(body=BODY.format(n=f"b{n}"), publisher="Daily")[0] for n in range(3)]
    assert all(Article.objects.filter(pk=a.pk, extraction_status=ExtractionStatus.PENDING).exists() for a in during)
    assert caplog.text.count("could not enqueue extraction") == 3
    assert sweeper.articles_sweep().broker_down  # the sweeper itself copes with a dead broker

    broker.start()
    assert broker.queue_length() == 0  # the three queued messages died with Redis
    worker_factory()
    swept = sweeper.articles_sweep()
    assert sorted(swept.enqueued) == sorted(a.pk for a in before + during)

    every = before + during
    wait_for(lambda: all(status_of(a.pk) == ExtractionStatus.DONE for a in every), timeout=120, what="all extracted")
    for article in every:
        article.refresh_from_db()
        assert article.extraction_attempts == 1  # each ran exactly once
        assert stored_claims(article) == expected_claims(article) != []


@pytest.mark.django_db(transaction=True)
def test_ingesting_with_redis_down_does_not_hang(broker):
    broker.stop()
    done = threading.Event()

    def ingest():
        try:
            ingestion.ingest_article(body=BODY.format(n="hang"), publisher="Daily")
            done.set()
        finally:
            connection.close()

    thread = threading.Thread(target=ingest, daemon=True)
    thread.start()
    # Bounded publish retries and connect timeouts (settings): the enqueue gives up, the article is stored.
    assert done.wait(timeout=60), "ingestion hung on a dead broker"
    assert Article.objects.get().extraction_status == ExtractionStatus.PENDING


@pytest.mark.django_db(transaction=True)
def test_the_same_tasks_delivered_twice_leave_the_rows_of_one_run(broker, worker_factory):
    from django.contrib.auth.models import Group

    from tests.factories import UserFactory

    Group.objects.get_or_create(name="reviewers")
    UserFactory(username="rita", roles=["reviewers"])
    UserFactory(username="omar", roles=["reviewers"])
    article, _ = ingestion.ingest_article(body=BODY.format(n=3), publisher="Daily")
    tasks.extract_article.delay(article.pk)  # a second delivery of the same extraction
    worker_factory()
    wait_for(lambda: broker.queue_length() == 0 and status_of(article.pk) == ExtractionStatus.DONE, timeout=90,
             what="both deliveries")
    from claims.pipeline.assignment import auto_assignable

    # Claims scored below the check-worthiness threshold stay unverified by design (README, "Check-worthiness").
    wait_for(lambda: not Claim.objects.filter(auto_assignable(), status=ClaimStatus.UNVERIFIED).exists(), timeout=60,
             what="assignment")
    for _ in range(2):  # redelivered assignment: nothing left to do
        tasks.assign_claims.delay()
    wait_for(lambda: broker.queue_length() == 0, timeout=30, what="assign deliveries")
    n = Claim.objects.filter(auto_assignable()).count()
    assert n and stored_claims(article) == expected_claims(article)
    assert Claim.objects.filter(status=ClaimStatus.QUEUED, assignee__isnull=False).count() == n
    assert StatusChange.objects.count() == n and OutboxEvent.objects.count() == n
    assert sum(n.claims.count() for n in Notification.objects.all()) == n


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_schedules_nothing(broker):
    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        ingestion.ingest_article(body=BODY.format(n="rollback"), publisher="Daily")
        raise Abort
    assert broker.queue_length() == 0 and not Article.objects.exists()
    ingestion.ingest_article(body=BODY.format(n="commit"), publisher="Daily")
    assert broker.queue_length() == 1  # the same code, committed, does enqueue
