"""Job leases: a scheduled job runs once at a time, even if two beat processes run by mistake.

A lease is a JobLease row per job name. Taking it is one conditional UPDATE (free or
expired, or already ours): the database serialises two takers on the row lock and
re-checks the condition, so exactly one wins. The expiry bounds how long a crashed
holder blocks the job; a long run renews it between batches and stops if it lost it.
Row-level `select_for_update(skip_locked=True)` inside the jobs is the second line:
even two runs at once never touch the same claim. A run sent by beat also takes the
period: the row stores the start of the period its last scheduled run belonged to, and
a second send in the same period (a second beat by mistake) is skipped, so each beat
job runs once per period, not once per beat process. `runs` counts the runs.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from ..models import JobLease

logger = logging.getLogger(__name__)

DEFAULT_TTL = timedelta(minutes=20)  # longer than the hard time limit of a job run (900 s)


class Lease:
    """A held lease; falsy when it was not acquired."""

    def __init__(self, name: str, holder: str, ttl: timedelta, acquired: bool):
        self.name, self.holder, self.ttl, self.acquired = name, holder, ttl, acquired

    def __bool__(self) -> bool:
        return self.acquired

    def renew(self) -> bool:
        """Push the expiry forward; False (and the run should stop) if someone else holds it now."""
        if not self.acquired:
            return False
        renewed = JobLease.objects.filter(name=self.name, holder=self.holder).update(expires_at=timezone.now() + self.ttl)
        self.acquired = renewed == 1
        if not self.acquired:
            logger.warning("lease %s was lost by %s (expired and taken over)", self.name, self.holder)
        return self.acquired


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def period_start(now: datetime, period: timedelta) -> datetime:
    """The start of the period `now` falls in: periods are aligned on the epoch, so every process agrees."""
    seconds = max(period.total_seconds(), 1.0)
    return datetime.fromtimestamp((now.timestamp() // seconds) * seconds, tz=dt_timezone.utc)


def lease_acquire(
    *, name: str, ttl: timedelta = DEFAULT_TTL, now: datetime | None = None, period: timedelta | None = None
) -> Lease:
    """Take the lease named `name` if it is free or expired. Runs in its own short transaction.

    With `period` (a run sent by beat every `period`), the lease also covers the period:
    it is taken only if no run has started in the current period yet, so a second beat
    process's send of the same job in the same period is skipped, not run again.
    """
    if transaction.get_connection().in_atomic_block:
        raise RuntimeError("take a lease outside any transaction, so that other processes see it at once")
    now = now or timezone.now()
    holder = _holder()
    try:
        JobLease.objects.get_or_create(name=name, defaults={"expires_at": now - timedelta(seconds=1)})
    except IntegrityError:  # created by a concurrent taker in the meantime: fine, the row exists
        pass
    free = Q(name=name) & (Q(expires_at__lte=now) | Q(holder=""))
    changes = {"holder": holder, "expires_at": now + ttl, "last_started_at": now, "runs": F("runs") + 1}
    if period is not None:
        start = period_start(now, period)
        free &= Q(period_start__isnull=True) | Q(period_start__lt=start)
        changes["period_start"] = start
    taken = JobLease.objects.filter(free).update(**changes)
    return Lease(name, holder, ttl, acquired=taken == 1)


def lease_release(lease: Lease) -> None:
    if not lease.acquired:
        return
    now = timezone.now()
    JobLease.objects.filter(name=lease.name, holder=lease.holder).update(holder="", expires_at=now, last_finished_at=now)
    lease.acquired = False


@contextmanager
def job_lease(name: str, *, ttl: timedelta = DEFAULT_TTL, period: timedelta | None = None) -> Iterator[Lease]:
    """`with job_lease("recheck_due") as lease: if lease: ...` — released on exit, even on error.

    `period`: the beat period of a scheduled run (once per period; see lease_acquire).
    """
    lease = lease_acquire(name=name, ttl=ttl, period=period)
    if not lease:
        logger.info("job %s skipped: another run holds its lease or already ran in this period", name)
    try:
        yield lease
    finally:
        lease_release(lease)


def beat_period(request) -> timedelta | None:
    """The interval of the beat schedule that sent this task (django-celery-beat's `periodic_task_name`
    header), or None for a run asked for otherwise (a nudge after extraction, a shell): those are
    not tied to a period, only to the run lease."""
    name = getattr(request, "periodic_task_name", None) or (getattr(request, "headers", None) or {}).get(
        "periodic_task_name"
    )
    if not name:
        return None
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.select_related("interval").filter(name=name).first()
    if task is None or task.interval is None:
        return None
    return task.interval.schedule.run_every
