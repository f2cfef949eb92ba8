"""The pipeline's services and tasks on real PostgreSQL (and Redis where a task is sent)."""

from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone

from claims import services, tasks, workflow
from claims.pipeline import assignment, ingestion, sweeper
from claims.pipeline.leases import job_lease, lease_acquire, lease_release
from claims.models import (
    Article,
    Claim,
    ClaimStatus,
    ExtractionStatus,
    Heartbeat,
    JobLease,
    Notification,
    OutboxEvent,
    StatusChange,
)
from sources.levels import AttributionLevel
from tests.factories import ArticleFactory, EvidenceFactory, UserFactory

S = ClaimStatus


def make_claims(n: int, *, status: str = S.UNVERIFIED, priority: int = 10, article=None, **fields) -> list[int]:
    """n claims on one article (test set-up writes rows directly; the code under test moves them)."""
    article = article or ArticleFactory(body="x" * (n + 2))
    rows = [
        Claim(article=article, start=i, end=i + 1, text="x", status=status, priority=priority, **fields) for i in range(n)
    ]
    return [c.pk for c in Claim.objects.bulk_create(rows)]


def reviewers(n: int, **kwargs) -> list:
    Group.objects.get_or_create(name="reviewers")  # transaction=True tests start without migration data
    return [UserFactory(username=f"rev{i}", roles=["reviewers"], **kwargs) for i in range(n)]


def loads(users) -> dict[int, int]:
    return {u.pk: Claim.objects.filter(assignee=u, status__in=assignment.LOAD_STATUSES).count() for u in users}


def history_snapshot() -> tuple:
    return (
        sorted(StatusChange.objects.values_list("claim_id", "from_status", "to_status", "actor_id")),
        sorted(Claim.objects.values_list("id", "status", "version", "assignee_id")),
        OutboxEvent.objects.count(),
        Notification.objects.count(),
    )


# --- workflow.transition_batch --------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["sql", "orm"])
def test_transition_batch_writes_what_transition_writes(path, reviewer):
    ids = make_claims(3, status=S.REFUTED)
    other = make_claims(1, status=S.IN_REVIEW, article=ArticleFactory())
    mover = workflow._transition_batch_sql if path == "sql" else workflow._transition_batch_orm
    steps, sources = workflow._batch_path([S.NEEDS_RECHECK, S.QUEUED])
    moved = mover(ids + other, steps, sources, "re-check", {ids[0]: reviewer.pk})

    assert sorted(moved) == ids  # the in_review claim is not a source of needs_recheck: left alone
    claims = {c.pk: c for c in Claim.objects.all()}
    assert {claims[pk].status for pk in ids} == {S.QUEUED} and claims[other[0]].status == S.IN_REVIEW
    assert [claims[pk].version for pk in ids] == [3, 3, 3]
    assert claims[ids[0]].assignee_id == reviewer.pk and claims[ids[1]].assignee_id is None
    rows = list(StatusChange.objects.filter(claim_id=ids[0]).order_by("id").values_list("from_status", "to_status", "actor", "note"))
    assert rows == [(S.REFUTED, S.NEEDS_RECHECK, None, "re-check"), (S.NEEDS_RECHECK, S.QUEUED, None, "re-check")]
    events = list(OutboxEvent.objects.filter(claim_id=ids[0]).order_by("id").values_list("payload", flat=True))
    assert [(e["from"], e["to"], e["version"], e["actor"]) for e in events] == [
        (S.REFUTED, S.NEEDS_RECHECK, 2, None), (S.NEEDS_RECHECK, S.QUEUED, 3, None),
    ]
    assert StatusChange.objects.count() == 6 and OutboxEvent.objects.count() == 6


@pytest.mark.django_db
def test_transition_batch_refuses_guarded_and_human_moves():
    ids = make_claims(1, status=S.IN_REVIEW)
    with pytest.raises(ValueError, match="guard"):
        workflow.transition_batch(claim_ids=ids, to=S.REFUTED)
    with pytest.raises(ValueError, match="may not"):
        workflow.transition_batch(claim_ids=ids, to=S.IN_REVIEW)  # queued -> in_review is the assignee's
    with pytest.raises(workflow.InvalidTransition):
        workflow.transition_batch(claim_ids=ids, to=[S.QUEUED, S.CORROBORATED])
    assert Claim.objects.get().status == S.IN_REVIEW and not StatusChange.objects.exists()


# --- assignment -----------------------------------------------------------------------


@pytest.mark.django_db
def test_assign_goes_to_least_loaded_and_higher_priority_first(settings):
    settings.PIPELINE_BATCH_SIZE = 4  # several batches
    busy, idle = reviewers(2)
    make_claims(3, status=S.IN_REVIEW, assignee=busy)
    anonymous = make_claims(2, priority=30, attribution_level=AttributionLevel.ANONYMOUS)
    documents = make_claims(6, priority=0, article=ArticleFactory(), attribution_level=AttributionLevel.DOCUMENT)

    result = assignment.claims_assign()

    assert result.moved == 8
    assert set(Claim.objects.filter(pk__in=anonymous).values_list("assignee_id", flat=True)) == {idle.pk}
    assert loads([busy, idle]) == {busy.pk: 6, idle.pk: 5}  # 3+3 and 0+5: within one
    queued_order = list(StatusChange.objects.filter(to_status=S.QUEUED).order_by("id").values_list("claim_id", flat=True))
    assert queued_order[:2] == anonymous and set(queued_order[2:]) == set(documents)


@pytest.mark.django_db
def test_assign_twice_changes_nothing_the_second_time():
    users = reviewers(3)
    make_claims(10)
    first = assignment.claims_assign()
    snapshot = history_snapshot()
    second = assignment.claims_assign()
    assert (first.moved, second.moved) == (10, 0)
    assert history_snapshot() == snapshot
    assert sorted(loads(users).values()) == [3, 3, 4]


@pytest.mark.django_db
def test_inactive_and_non_reviewers_get_nothing():
    active = reviewers(1)[0]
    UserFactory(username="gone", roles=["reviewers"], is_active=False)
    UserFactory(username="eddie", roles=["editors"])
    make_claims(4)
    assignment.claims_assign()
    assert set(Claim.objects.values_list("assignee_id", flat=True)) == {active.pk}


@pytest.mark.django_db
def test_no_reviewers_leaves_claims_unverified():
    make_claims(2)
    assert assignment.claims_assign().moved == 0
    assert set(Claim.objects.values_list("status", flat=True)) == {S.UNVERIFIED}


@pytest.mark.django_db
def test_assignment_notice_is_one_per_reviewer_per_batch_and_deduplicated(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    rita, omar = reviewers(2)
    ids = make_claims(4)
    assignment.claims_assign()
    notices = Notification.objects.order_by("recipient_id")
    assert [n.recipient_id for n in notices] == [rita.pk, omar.pk]
    assert all(n.claims.count() == 2 and n.kind == "claims.assigned" for n in notices)
    assert set(Notification.claims.through.objects.values_list("claim_id", flat=True)) == set(ids)
    # The same batch notified again (a redelivered task) is still one notice each.
    from claims.delivery.notifications import notify_assigned

    again = {n.recipient_id: list(n.claims.values_list("pk", flat=True)) for n in notices}
    notify_assigned(claims_by_reviewer=again)
    assert Notification.objects.count() == 2
    # Emails: sent once, then marked.
    from claims.delivery.notifications import notifications_email_pending

    assert notifications_email_pending() == 2 and len(mail.outbox) == 2
    assert notifications_email_pending() == 0 and len(mail.outbox) == 2
    assert "2 new claims in your queue" in mail.outbox[0].body


# --- re-checks ------------------------------------------------------------------------


@pytest.mark.django_db
def test_recheck_reopens_due_and_changed_verdicts_only():
    rita = reviewers(1)[0]
    now = timezone.now()
    due = make_claims(2, status=S.CORROBORATED, recheck_after=now - timedelta(days=1), verdict_at=now - timedelta(days=91))
    fresh = make_claims(1, status=S.REFUTED, article=ArticleFactory(), recheck_after=now + timedelta(days=80), verdict_at=now - timedelta(days=10))
    changed = make_claims(1, status=S.DISPUTED, article=ArticleFactory(), recheck_after=now + timedelta(days=80), verdict_at=now - timedelta(days=10))
    # added now, after the verdict (by the one service every door uses: it makes the verdict due)
    services.evidence_add(claim=Claim.objects.get(pk=changed[0]), stance="supports", actor=None,
                          url="https://records.example.org/new")
    old_evidence = EvidenceFactory(claim_id=fresh[0])
    type(old_evidence).objects.filter(pk=old_evidence.pk).update(created_at=now - timedelta(days=20))
    open_claim = make_claims(1, status=S.QUEUED, article=ArticleFactory(), recheck_after=now - timedelta(days=1))

    now = timezone.now()  # the job runs after the evidence came in
    result = assignment.claims_recheck_due(now=now)

    assert result.moved == 3
    statuses = dict(Claim.objects.values_list("id", "status"))
    assert {statuses[pk] for pk in due + changed} == {S.QUEUED}
    assert statuses[fresh[0]] == S.REFUTED and statuses[open_claim[0]] == S.QUEUED
    assert set(Claim.objects.filter(pk__in=due + changed).values_list("assignee_id", flat=True)) == {rita.pk}
    notes = dict(StatusChange.objects.filter(to_status=S.NEEDS_RECHECK).values_list("claim_id", "note"))
    assert notes == {due[0]: "re-check: recheck_after passed", due[1]: "re-check: recheck_after passed",
                     changed[0]: "re-check: evidence added since the verdict"}
    assert StatusChange.objects.count() == 6 and OutboxEvent.objects.count() == 6
    notice = Notification.objects.get()
    assert notice.kind == "claims.recheck" and notice.claims.count() == 3
    # Idempotent: nothing is due any more.
    snapshot = history_snapshot()
    assert assignment.claims_recheck_due(now=now).moved == 0
    assert history_snapshot() == snapshot


@pytest.mark.django_db
def test_recheck_without_reviewers_stops_at_needs_recheck_and_assignment_queues_later():
    now = timezone.now()
    ids = make_claims(3, status=S.UNVERIFIABLE, recheck_after=now - timedelta(hours=1))
    assignment.claims_recheck_due(now=now, batch_size=2)
    assert set(Claim.objects.values_list("status", flat=True)) == {S.NEEDS_RECHECK}
    rita = reviewers(1)[0]
    make_claims(1, article=ArticleFactory())
    assignment.claims_assign()
    assert set(Claim.objects.values_list("status", "assignee_id")) == {(S.QUEUED, rita.pk)}
    first_queued = StatusChange.objects.filter(to_status=S.QUEUED).order_by("id").values_list("claim_id", flat=True)
    assert set(first_queued[:3]) == set(ids)  # re-checks before new claims


# --- escalation -----------------------------------------------------------------------


@pytest.mark.django_db
def test_escalation_raises_priority_once_per_sla_window(settings):
    rita = reviewers(1)[0]
    editor = UserFactory(username="edna", roles=["editors"])
    now = timezone.now()
    late = make_claims(1, status=S.QUEUED, assignee=rita, priority=10)
    unassigned = make_claims(1, status=S.QUEUED, article=ArticleFactory(), priority=10)
    on_time = make_claims(1, status=S.IN_REVIEW, assignee=rita, article=ArticleFactory(), priority=10)
    Claim.objects.filter(pk__in=late + unassigned).update(status_changed_at=now - settings.REVIEW_SLA - timedelta(minutes=1))

    assert assignment.claims_escalate_stale(now=now).moved == 2
    assert assignment.claims_escalate_stale(now=now + timedelta(minutes=30)).moved == 0  # same window
    priorities = dict(Claim.objects.values_list("id", "priority"))
    boost = settings.ESCALATION_PRIORITY_BOOST
    assert priorities == {late[0]: 10 + boost, unassigned[0]: 10 + boost, on_time[0]: 10}
    assert set(Notification.objects.values_list("recipient_id", "kind")) == {
        (rita.pk, "claim.escalated"), (editor.pk, "claim.escalated"),
    }
    # The next SLA window escalates again.
    assert assignment.claims_escalate_stale(now=now + settings.REVIEW_SLA).moved == 2
    assert Claim.objects.get(pk=late[0]).priority == 10 + 2 * boost


# --- extraction, sweeper, re-extraction -------------------------------------------------


@pytest.fixture
def redis_queue():
    """The Celery queue in this test run's Redis database (emptied before and after)."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete("celery")
    yield client
    client.delete("celery")


def queued_tasks(client) -> list[tuple[str, list]]:
    import json

    messages = [json.loads(raw) for raw in client.lrange("celery", 0, -1)]
    return [(m["headers"]["task"], json.loads(__import__("base64").b64decode(m["body"]))[0]) for m in messages]


@pytest.mark.django_db
def test_extract_article_task_twice_gives_the_same_claims():
    article, _ = ingestion.ingest_article(
        body="Officials said the bridge will reopen on Monday. Analysts say traffic will double.", publisher="Daily"
    )
    tasks.extract_article.run(article.pk)  # .run: the task body, without a broker
    first = sorted(Claim.objects.values_list("start", "end", "attribution_level", "speaker_id"))
    tasks.extract_article.run(article.pk)
    tasks.extract_article.run(article.pk, force=True)
    article.refresh_from_db()
    assert first and sorted(Claim.objects.values_list("start", "end", "attribution_level", "speaker_id")) == first
    assert article.extraction_status == ExtractionStatus.DONE and article.extraction_attempts == 2  # 2nd run skipped
    tasks.extract_article.run(987654321)  # an article that is gone is not an error


@pytest.mark.django_db
def test_sweeper_enqueues_stuck_articles_and_backs_off_failures(redis_queue, settings):
    now = timezone.now()
    old = now - timedelta(hours=2)
    never = ArticleFactory(extraction_status=ExtractionStatus.PENDING)
    lost = ArticleFactory(extraction_status=ExtractionStatus.PENDING)
    just_sent = ArticleFactory(extraction_status=ExtractionStatus.PENDING)
    crashed = ArticleFactory(extraction_status=ExtractionStatus.RUNNING, extraction_attempts=1)
    crashed_often = ArticleFactory(extraction_status=ExtractionStatus.RUNNING, extraction_attempts=settings.EXTRACTION_MAX_ATTEMPTS)
    failed_once = ArticleFactory(extraction_status=ExtractionStatus.FAILED, extraction_attempts=1)
    failed_recently = ArticleFactory(extraction_status=ExtractionStatus.FAILED, extraction_attempts=4)
    failed_for_good = ArticleFactory(extraction_status=ExtractionStatus.FAILED, extraction_attempts=settings.EXTRACTION_MAX_ATTEMPTS)
    done = ArticleFactory()
    Article.objects.update(created_at=old, updated_at=old)
    Article.objects.filter(pk=lost.pk).update(extraction_enqueued_at=old)
    Article.objects.filter(pk=just_sent.pk).update(extraction_enqueued_at=now - timedelta(seconds=5))
    # 4 attempts: the next try waits base * 8 (40 min by default); this one failed 10 min ago.
    Article.objects.filter(pk=failed_recently.pk).update(updated_at=now - timedelta(minutes=10))

    result = sweeper.articles_sweep(now=now)

    expected = {never.pk, lost.pk, crashed.pk, failed_once.pk}
    assert set(result.enqueued) == expected and result.gave_up == [crashed_often.pk]
    assert sorted(pk for name, (pk,) in queued_tasks(redis_queue)) == sorted(expected)
    assert {name for name, _ in queued_tasks(redis_queue)} == {"claims.tasks.extract_article"}
    statuses = dict(Article.objects.values_list("id", "extraction_status"))
    assert {statuses[pk] for pk in expected} == {ExtractionStatus.PENDING}
    assert statuses[crashed_often.pk] == statuses[failed_for_good.pk] == statuses[failed_recently.pk] == ExtractionStatus.FAILED
    assert statuses[done.pk] == ExtractionStatus.DONE and statuses[just_sent.pk] == ExtractionStatus.PENDING
    # Idempotent: just enqueued, so the next sweep leaves them to the workers.
    assert sweeper.articles_sweep(now=now + timedelta(seconds=30)).enqueued == []


def test_backoff_grows_and_is_capped(settings):
    settings.EXTRACTION_RETRY_BASE = timedelta(minutes=5)
    assert [sweeper.extraction_backoff(n) for n in (1, 2, 3)] == [timedelta(minutes=m) for m in (5, 10, 20)]
    assert sweeper.extraction_backoff(30) == timedelta(hours=6)


@pytest.mark.django_db
def test_reextract_outdated_requeues_done_articles_of_another_version(redis_queue, django_capture_on_commit_callbacks):
    from sources.attribution import EXTRACTOR_VERSION

    old = ArticleFactory(extractor_version="0.0.1", extraction_attempts=3)
    current = ArticleFactory(extractor_version=EXTRACTOR_VERSION)
    failed = ArticleFactory(extractor_version="0.0.1", extraction_status=ExtractionStatus.FAILED)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweeper.articles_reextract_outdated() == [old.pk]
    assert queued_tasks(redis_queue) == [("claims.tasks.extract_article", [old.pk])]
    old.refresh_from_db()
    assert (old.extraction_status, old.extraction_attempts) == (ExtractionStatus.PENDING, 0)
    assert Article.objects.get(pk=current.pk).extraction_status == ExtractionStatus.DONE
    assert Article.objects.get(pk=failed.pk).extraction_status == ExtractionStatus.FAILED
    tasks.extract_article.run(old.pk)
    old.refresh_from_db()
    assert old.extractor_version == EXTRACTOR_VERSION and old.extraction_status == ExtractionStatus.DONE


# --- leases, heartbeat, beat schedule ---------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_lease_is_held_once_until_released_or_expired():
    first = lease_acquire(name="job")
    second = lease_acquire(name="job")
    assert first and not second
    lease_release(first)
    third = lease_acquire(name="job")
    assert third
    # A crashed holder never releases: its lease expires.
    later = lease_acquire(name="job", now=timezone.now() + timedelta(hours=1))
    assert later and not third.renew()
    assert JobLease.objects.get(name="job").holder == later.holder


@pytest.mark.django_db(transaction=True)
def test_a_beat_job_whose_lease_is_held_skips():
    reviewers(1)
    make_claims(2)
    with job_lease("assign_claims") as held:
        assert held
        assert tasks.assign_claims.run() == {"skipped": "another run holds the lease"}
        assert Claim.objects.filter(status=S.UNVERIFIED).count() == 2
    assert tasks.assign_claims.run() == {"assigned": 2, "batches": 1}


@pytest.mark.django_db
def test_heartbeat_records_the_worker():
    tasks.heartbeat.run()
    tasks.heartbeat.run()
    beat = Heartbeat.objects.get(name="worker")
    assert timezone.now() - beat.beat_at < timedelta(minutes=1)
    assert set(beat.detail) == {"hostname", "pid"}


@pytest.mark.django_db
def test_every_beat_schedule_names_a_registered_task():
    from django_celery_beat.models import PeriodicTask

    from verifier.celery import app

    names = set(PeriodicTask.objects.values_list("task", flat=True))
    assert {f"claims.tasks.{n}" for n in ("assign_claims", "recheck_due", "escalate_stale", "reextract_outdated",
                                          "sweep_pending", "heartbeat", "deliver_outbox")} <= names
    assert names - {"celery.backend_cleanup"} <= set(app.tasks)


def test_celery_is_configured_for_at_least_once_delivery():
    from verifier.celery import app

    conf = app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost and conf.worker_prefetch_multiplier == 1
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit > conf.task_soft_time_limit
    assert conf.task_publish_retry_policy["max_retries"] <= 3 and conf.broker_connection_timeout <= 5


@pytest.mark.django_db(transaction=True)
def test_beat_jobs_run_as_tasks_without_error(redis_queue):
    """Each beat task body runs on an empty database (smoke: names, leases, imports)."""
    for task in (tasks.assign_claims, tasks.recheck_due, tasks.escalate_stale, tasks.reextract_outdated, tasks.sweep_pending):
        assert "skipped" not in (task.run() or {})


@pytest.mark.django_db(transaction=True)
def test_a_scheduled_job_runs_once_per_period_however_many_beats_send_it():
    from datetime import datetime, timezone as dt_timezone

    from claims.models import JobLease
    from claims.pipeline.leases import lease_acquire, lease_release

    period = timedelta(minutes=1)
    t0 = datetime(2026, 1, 1, 12, 0, 5, tzinfo=dt_timezone.utc)
    first = lease_acquire(name="sweep_pending", period=period, now=t0)
    assert first
    lease_release(first)
    # A second beat's send 20 s later, after the first run finished: same period, skipped.
    assert not lease_acquire(name="sweep_pending", period=period, now=t0 + timedelta(seconds=20))
    # A nudge (no period) still runs: only beat's sends are tied to the period.
    nudge = lease_acquire(name="sweep_pending", now=t0 + timedelta(seconds=21))
    assert nudge
    lease_release(nudge)
    assert lease_acquire(name="sweep_pending", period=period, now=t0 + timedelta(seconds=60))  # the next period
    assert JobLease.objects.get(name="sweep_pending").runs == 3
