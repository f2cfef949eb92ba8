"""Two assignment runs at once (threads, each with its own PostgreSQL connection)."""

import threading

import pytest
from django.db import connection

from claims import tasks
from claims.pipeline import assignment
from claims.models import Claim, ClaimStatus, Notification, StatusChange
from tests.claims.test_pipeline import loads, make_claims, reviewers

S = ClaimStatus


def run_concurrently(target, n: int = 2) -> list:
    barrier = threading.Barrier(n)
    results, errors = [], []

    def body():
        try:
            barrier.wait()
            results.append(target())
        except Exception as exc:  # surfaced below: a thread's failure must fail the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=body) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def assert_each_claim_assigned_once(users, total: int) -> None:
    assert Claim.objects.filter(status=S.QUEUED, assignee__isnull=False).count() == total
    assert StatusChange.objects.filter(to_status=S.QUEUED).count() == total
    assert StatusChange.objects.filter(to_status=S.QUEUED).values("claim_id").distinct().count() == total
    per_reviewer = loads(users)
    assert sum(per_reviewer.values()) == total
    assert max(per_reviewer.values()) - min(per_reviewer.values()) <= 1, per_reviewer
    linked = list(Notification.claims.through.objects.values_list("claim_id", flat=True))
    assert len(linked) == len(set(linked)) == total  # each claim in exactly one notice


@pytest.mark.django_db(transaction=True)
def test_two_assignment_runs_at_once_assign_each_claim_once_and_balance_loads():
    users = reviewers(7)
    make_claims(1000)
    results = run_concurrently(lambda: assignment.claims_assign(batch_size=50, wait_seconds=60))
    assert sum(r.moved for r in results) == 1000 and not any(r.skipped for r in results)
    assert_each_claim_assigned_once(users, 1000)


@pytest.mark.django_db(transaction=True)
def test_one_run_in_two_lanes_skip_locks_its_way_through_without_overlap():
    users = reviewers(7)
    make_claims(1000)
    assert assignment.claims_assign(batch_size=50, lanes=2).moved == 1000
    assert_each_claim_assigned_once(users, 1000)


@pytest.mark.django_db(transaction=True)
def test_a_run_that_cannot_get_the_assignment_lock_skips_and_changes_nothing():
    reviewers(2)
    make_claims(10)
    with assignment.assignment_lock():
        results = run_concurrently(lambda: assignment.claims_assign(wait_seconds=0.5), n=1)
    assert results[0].skipped and results[0].moved == 0
    assert Claim.objects.filter(status=S.UNVERIFIED).count() == 10 and not StatusChange.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_assign_tasks_at_once_share_the_work_through_the_lease():
    users = reviewers(3)
    make_claims(1000)
    results = run_concurrently(tasks.assign_claims.run)
    assert sum(r.get("assigned", 0) for r in results) == 1000
    assert_each_claim_assigned_once(users, 1000)


@pytest.mark.django_db(transaction=True)
def test_recheck_and_assignment_at_once_keep_loads_balanced():
    from datetime import timedelta

    from django.utils import timezone

    users = reviewers(4)
    past = timezone.now() - timedelta(days=1)
    make_claims(400, status=S.REFUTED, recheck_after=past, verdict_at=past)
    make_claims(401)
    run_concurrently_two = [lambda: assignment.claims_assign(batch_size=40), lambda: assignment.claims_recheck_due(batch_size=40, lanes=2)]
    barrier, errors = threading.Barrier(2), []

    def body(job):
        try:
            barrier.wait()
            job()
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=body, args=(job,)) for job in run_concurrently_two]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    per_reviewer = loads(users)
    assert sum(per_reviewer.values()) == 801 and max(per_reviewer.values()) - min(per_reviewer.values()) <= 1
