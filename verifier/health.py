"""Health of the running service: database, broker, worker, beat and queue length.

`collect_health()` is read by GET /health/ (`health_view` below) and by the admin index.
Each part is a dict with at least {"ok": bool, "detail": str}; nothing in it names a
password, a URL with credentials or a secret, because /health/ is public.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from urllib.parse import urlparse

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

# Defaults when settings do not say otherwise. The worker heartbeat task runs every
# minute. Beat stamps last_run_at when it sends a task (settings.CELERY_BEAT_SYNC_EVERY=1
# saves it at once); its allowance is wider so a slow schedule alone does not alarm.
DEFAULT_WORKER_MAX_AGE_SECONDS = 180
DEFAULT_BEAT_MAX_AGE_SECONDS = 360
REDIS_TIMEOUT_SECONDS = 1.0
DEFAULT_QUEUE = "celery"
# kombu's Redis transport keeps one list per priority step; priority 0 is the bare name.
REDIS_PRIORITY_SEP = "\x06\x16"
REDIS_PRIORITY_STEPS = (0, 3, 6, 9)

PARTS = ("database", "search", "broker", "worker", "beat", "queue_length")


def collect_health() -> dict:
    """Check every part; never raises (a failing check is reported, not propagated)."""
    return {
        "database": _check_database(),
        "search": _check_search(),
        "broker": _check_broker(),
        "worker": _check_worker(),
        "beat": _check_beat(),
        "queue_length": _check_queue_length(),
    }


def health_failures(health: dict) -> list[str]:
    """Names of the parts that are not ok, in a stable order."""
    return [name for name, part in health.items() if not part.get("ok")]


def _error(exc: BaseException) -> str:
    # Type plus the first line of the message: enough to act on, short, no stack.
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}"[:300]


def _broker_url() -> str:
    return getattr(settings, "CELERY_BROKER_URL", "") or ""


def _is_redis(url: str) -> bool:
    return url.startswith(("redis://", "rediss://"))


def _redis_client(url: str):
    import redis

    return redis.Redis.from_url(
        url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS, retry_on_timeout=False
    )


def _broker_where(url: str) -> str:
    # host:port/db only; urlparse keeps the password in netloc, so rebuild without it.
    parsed = urlparse(url)
    return f"{parsed.scheme}://{parsed.hostname or 'localhost'}:{parsed.port or 6379}{parsed.path or ''}"


def _filesystem_queue_dir() -> str:
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {}
    return options.get("data_folder_in", "")


def _check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down" for a health report
        return {"ok": False, "detail": _error(exc), "vendor": connection.vendor}
    return {"ok": True, "detail": f"{connection.vendor} answers SELECT 1", "vendor": connection.vendor}


def _check_search() -> dict:
    """Similar-claim search runs in the database: on PostgreSQL it needs pgvector."""
    from claims.checks import pgvector_problem

    try:
        problem = pgvector_problem()
        if problem is None and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
                row = cursor.fetchone()
            if row is None:
                problem = "pgvector is available but not created in this database: run manage.py migrate"
            else:
                return {"ok": True, "detail": f"pgvector {row[0]} and full-text search in PostgreSQL"}
    except Exception as exc:
        return {"ok": False, "detail": _error(exc)}
    if problem:
        return {"ok": False, "detail": problem}
    return {"ok": True, "detail": f"{connection.vendor}: FTS5 and an exact scan in each process"}


def _check_broker() -> dict:
    url = _broker_url()
    if _is_redis(url):
        where = _broker_where(url)
        try:
            client = _redis_client(url)
            try:
                client.ping()
            finally:
                client.close()
        except Exception as exc:
            return {"ok": False, "detail": f"redis {where} unreachable: {_error(exc)}", "kind": "redis"}
        return {"ok": True, "detail": f"redis {where} answers PING", "kind": "redis"}
    if url.startswith("filesystem://"):
        folder = _filesystem_queue_dir()
        if folder and os.path.isdir(folder) and os.access(folder, os.W_OK):
            return {"ok": True, "detail": "filesystem broker folder is writable", "kind": "filesystem"}
        return {"ok": False, "detail": "filesystem broker folder is missing or not writable", "kind": "filesystem"}
    scheme = urlparse(url).scheme or "unknown"
    return {"ok": False, "detail": f"no health check for broker scheme {scheme!r}", "kind": scheme}


def _age_part(when: datetime | None, *, max_age: int, missing: str, what: str) -> dict:
    if when is None:
        return {"ok": False, "detail": missing, "last_seen": None, "age_seconds": None, "max_age_seconds": max_age}
    age = max(0, int((timezone.now() - when).total_seconds()))
    ok = age <= max_age
    state = "fresh" if ok else "stale"
    return {
        "ok": ok,
        "detail": f"{what} {age}s ago ({state}, limit {max_age}s)",
        "last_seen": when.isoformat(),
        "age_seconds": age,
        "max_age_seconds": max_age,
    }


def _check_worker() -> dict:
    from claims.models import Heartbeat

    max_age = int(getattr(settings, "HEALTH_WORKER_MAX_AGE_SECONDS", DEFAULT_WORKER_MAX_AGE_SECONDS))
    try:
        beat_at = Heartbeat.objects.filter(name="worker").values_list("beat_at", flat=True).first()
    except Exception as exc:
        return {"ok": False, "detail": f"cannot read heartbeat: {_error(exc)}", "last_seen": None, "age_seconds": None}
    return _age_part(beat_at, max_age=max_age, missing="no worker heartbeat yet", what="last worker heartbeat")


def _check_beat() -> dict:
    from django.db.models import Max
    from django_celery_beat.models import PeriodicTask

    max_age = int(getattr(settings, "HEALTH_BEAT_MAX_AGE_SECONDS", DEFAULT_BEAT_MAX_AGE_SECONDS))
    try:
        last_run = PeriodicTask.objects.aggregate(last=Max("last_run_at"))["last"]
    except Exception as exc:
        detail = f"cannot read beat schedule: {_error(exc)}"
        return {"ok": False, "detail": detail, "last_seen": None, "age_seconds": None}
    return _age_part(last_run, max_age=max_age, missing="beat has not run any schedule yet", what="last beat run")


def _check_queue_length() -> dict:
    url = _broker_url()
    if _is_redis(url):
        keys = [DEFAULT_QUEUE] + [f"{DEFAULT_QUEUE}{REDIS_PRIORITY_SEP}{step}" for step in REDIS_PRIORITY_STEPS[1:]]
        try:
            client = _redis_client(url)
            try:
                pipe = client.pipeline(transaction=False)
                for key in keys:
                    pipe.llen(key)
                length = sum(pipe.execute())
            finally:
                client.close()
        except Exception as exc:
            return {"ok": False, "detail": f"cannot read queue length: {_error(exc)}", "value": None}
        return {"ok": True, "detail": f"{length} message(s) waiting in {DEFAULT_QUEUE!r}", "value": length}
    if url.startswith("filesystem://"):
        folder = _filesystem_queue_dir()
        try:
            length = sum(1 for entry in os.scandir(folder) if entry.is_file())
        except OSError as exc:
            return {"ok": False, "detail": f"cannot read queue folder: {_error(exc)}", "value": None}
        return {"ok": True, "detail": f"{length} message file(s) waiting", "value": length}
    return {"ok": False, "detail": "queue length unknown for this broker", "value": None}


@require_GET
@never_cache
def health_view(request) -> JsonResponse:
    """GET /health/: 200 when every part is ok, 503 naming the failed parts otherwise.

    Public on purpose (load balancers and container healthchecks call it), so it only
    says what is up and how old the last signs of life are.
    """
    parts = collect_health()
    failed = health_failures(parts)
    body = {"status": "ok" if not failed else "fail", "failed": failed, "parts": parts}
    response = JsonResponse(body, status=200 if not failed else 503)
    if failed:
        logger.warning("health: %s failing", ", ".join(failed), extra={"failed": failed})
        # Said once, above; otherwise django.request adds an ERROR line on every healthcheck poll.
        response._has_been_logged = True
    return response
