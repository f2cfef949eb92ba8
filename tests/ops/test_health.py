"""GET /health/ and collect_health() on real PostgreSQL and real Redis."""

from datetime import timedelta

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from claims.models import Heartbeat
from tests.database_url import test_database_url
from verifier.health import PARTS, collect_health

pytestmark = pytest.mark.django_db


def _probe_schedule(*, every_seconds: int = 60) -> PeriodicTask:
    # Our own schedule: the migration's rows are gone after any transactional test flushed them.
    interval, _ = IntervalSchedule.objects.get_or_create(every=every_seconds, period=IntervalSchedule.SECONDS)
    return PeriodicTask.objects.create(
        name=f"ops probe {every_seconds}s", task="celery.accumulate", interval=interval, args="[1]"
    )


def _all_fresh(*, worker_age=timedelta(seconds=5), beat_age=timedelta(seconds=5)) -> None:
    now = timezone.now()
    Heartbeat.objects.update_or_create(name="worker", defaults={"beat_at": now - worker_age})
    # Beat stamps last_run_at on a schedule when it sends its task.
    PeriodicTask.objects.update(last_run_at=None)
    probe = _probe_schedule()
    PeriodicTask.objects.filter(pk=probe.pk).update(last_run_at=now - beat_age)


def test_health_is_200_when_all_up_then_503_naming_broker_while_redis_is_down(client, settings, own_redis):
    settings.CELERY_BROKER_URL = own_redis.url
    _all_fresh()

    response = client.get("/health/")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok" and body["failed"] == []
    assert set(body["parts"]) == set(PARTS)
    assert body["parts"]["queue_length"]["value"] == 0
    assert body["parts"]["worker"]["age_seconds"] >= 5

    own_redis.stop()
    response = client.get("/health/")
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "fail"
    assert "broker" in body["failed"]
    assert body["parts"]["broker"]["ok"] is False
    assert body["parts"]["database"]["ok"] is True

    own_redis.start()
    response = client.get("/health/")
    assert response.status_code == 200, response.json()


def test_queue_length_counts_waiting_messages(settings, own_redis):
    import redis

    settings.CELERY_BROKER_URL = own_redis.url
    conn = redis.Redis.from_url(own_redis.url)
    conn.lpush("celery", "m1", "m2")
    conn.lpush("celery\x06\x163", "m3")  # kombu's list for priority step 3
    assert collect_health()["queue_length"]["value"] == 3


def test_stale_worker_heartbeat_is_503_naming_worker(client, settings, own_redis):
    settings.CELERY_BROKER_URL = own_redis.url
    settings.HEALTH_WORKER_MAX_AGE_SECONDS = 180
    _all_fresh(worker_age=timedelta(seconds=600))

    response = client.get("/health/")
    body = response.json()
    assert response.status_code == 503
    assert body["failed"] == ["worker"]
    assert body["parts"]["worker"]["age_seconds"] >= 600
    assert "stale" in body["parts"]["worker"]["detail"]


def test_missing_heartbeat_and_beat_never_run_are_named(client, settings, own_redis):
    settings.CELERY_BROKER_URL = own_redis.url
    Heartbeat.objects.filter(name="worker").delete()
    PeriodicTask.objects.update(last_run_at=None)

    body = client.get("/health/").json()
    assert body["failed"] == ["worker", "beat"]
    assert body["parts"]["worker"]["last_seen"] is None


def test_stale_beat_is_503_naming_beat(client, settings, own_redis):
    settings.CELERY_BROKER_URL = own_redis.url
    settings.HEALTH_BEAT_MAX_AGE_SECONDS = 360
    _all_fresh(beat_age=timedelta(hours=2))

    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["failed"] == ["beat"]


def test_filesystem_broker_reports_folder_and_file_count(settings, tmp_path):
    queue = tmp_path / "queue"
    queue.mkdir()
    (queue / "1.msg").write_text("{}")
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(queue), "data_folder_out": str(queue)}
    health = collect_health()
    assert health["broker"]["ok"] is True
    assert health["queue_length"]["value"] == 1

    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path / "missing")}
    health = collect_health()
    assert health["broker"]["ok"] is False
    assert health["queue_length"]["ok"] is False


def test_health_leaks_no_broker_password(client, settings):
    # Port 1 refuses at once: the failure detail must still not carry the password.
    settings.CELERY_BROKER_URL = "redis://:s3cret-pass@127.0.0.1:1/0"
    response = client.get("/health/")
    assert response.status_code == 503
    assert "broker" in response.json()["failed"]
    assert "s3cret-pass" not in response.content.decode()


def test_health_needs_no_login_and_is_not_cached(client):
    response = client.get("/health/")
    assert response.status_code in (200, 503)
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert client.post("/health/").status_code == 405


def _database_url_of_test_db() -> str:
    return test_database_url()


@pytest.mark.slow
def test_a_real_beat_process_makes_the_beat_part_healthy(transactional_db, settings, own_redis):
    """celery beat (DatabaseScheduler) on the test database stamps last_run_at; health sees it."""
    settings.CELERY_BROKER_URL = own_redis.url  # beat's messages go to a Redis that dies with the test
    PeriodicTask.objects.update(enabled=False)
    probe = _probe_schedule(every_seconds=1)
    assert collect_health()["beat"]["ok"] is False

    env = dict(os.environ, DATABASE_URL=_database_url_of_test_db(), CELERY_BROKER_URL=own_redis.url)
    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "-q", "-A", "verifier", "beat", "--loglevel", "INFO", "--pidfile=",
         "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler"],
        cwd=Path(__file__).resolve().parents[2], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        for _ in range(1200):  # up to 120 s on a busy box; beat sends the probe as soon as it is up
            probe.refresh_from_db()
            if probe.last_run_at or beat.poll() is not None:
                break
            time.sleep(0.1)
        assert probe.last_run_at, "beat never stamped last_run_at"
        beat_part = collect_health()["beat"]
        assert beat_part["ok"] is True, beat_part
    finally:
        beat.terminate()
        output = beat.communicate(timeout=30)[0]
    assert "Traceback" not in output, output[-3000:]
