"""End-to-end pipeline throughput against a no-op Celery task on the same Redis.

    python bench/queue.py [--articles 500] [--noop 2000]

Sets up its own PostgreSQL database (BENCH_QUEUE_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/verifier_bench_queue; created and migrated here),
its own redis-server on a free port and one Celery worker (prefork, concurrency 1).
In one run it measures:
  - noop: `celery.accumulate` (a built-in task that returns its argument) sent --noop
    times, until the queue and the unacked set are empty: the broker + worker floor;
  - pipeline: --articles articles through ingest_article -> extract_article (on
    commit) -> assign_claims (kicked by extraction), until every article is extracted
    and every claim is queued for a reviewer.
Prints ONE JSON line with both rates and their ratio.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named like the stdlib `queue` module: keep its folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH_DB = os.environ.get("BENCH_QUEUE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/verifier_bench_queue")
TEMPLATE = (ROOT / "seeds" / "seed.txt").read_text(encoding="utf-8")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise SystemExit(f"bench/queue.py: timed out waiting for {what}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=500)
    ap.add_argument("--noop", type=int, default=2000)
    args = ap.parse_args(argv)

    import psycopg
    import redis

    name = BENCH_DB.rsplit("/", 1)[1]
    with psycopg.connect(BENCH_DB.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')

    workdir = Path(tempfile.mkdtemp(prefix="bench-queue-"))
    port = free_port()
    broker = f"redis://127.0.0.1:{port}/0"
    redis_proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    wait_for(lambda: _ping(client), 10, "redis-server")
    env = {**os.environ, "DATABASE_URL": BENCH_DB, "CELERY_BROKER_URL": broker, "REDIS_URL": broker,
           "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend", "LOG_LEVEL": "WARNING",
           "DEBUG": "false", "ALLOWED_HOSTS": os.environ.get("ALLOWED_HOSTS", "localhost"), "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")}
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "verifier.settings"
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connection

    from claims.models import Article, Claim
    from claims.pipeline.ingestion import ingest_article
    from verifier.celery import app

    call_command("migrate", verbosity=0)
    with connection.cursor() as cur:
        cur.execute("TRUNCATE claims_article, claims_claim, claims_statuschange, claims_outboxevent, claims_notification, "
                    "claims_notification_claims, claims_joblease RESTART IDENTITY CASCADE")
    group, _ = Group.objects.get_or_create(name="reviewers")
    for i in range(5):
        User.objects.get_or_create(username=f"bench-reviewer-{i}")[0].groups.add(group)

    log = (workdir / "worker.log").open("wb")
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "celery"), "-A", "verifier", "worker", "--pool", "prefork", "--concurrency", "1",
         "--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"bench-{port}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )

    def drained() -> bool:
        return client.llen("celery") == 0 and client.hlen("unacked") == 0

    try:
        # Warm up: the worker's child loads Django and spaCy on its first extraction.
        warm, _ = ingest_article(body="Officials said the warm-up bridge is open.", publisher="Bench Daily")
        wait_for(lambda: Article.objects.filter(pk=warm.pk, extraction_status="done").exists(), 180, "warm-up")
        wait_for(drained, 60, "warm-up drain")

        started = time.perf_counter()
        for i in range(args.noop):
            app.send_task("celery.accumulate", args=(i,))
        wait_for(drained, 600, "no-op tasks")
        noop_seconds = time.perf_counter() - started

        bodies = [f"{TEMPLATE}\n\nUpdate {i}: officials said the story number {i} is developing." for i in range(args.articles)]
        started = time.perf_counter()
        ids = [ingest_article(body=body, publisher="Bench Daily")[0].pk for body in bodies]
        ingest_seconds = time.perf_counter() - started

        def finished() -> bool:
            if Article.objects.filter(pk__in=ids).exclude(extraction_status="done").exists():
                return False
            return not Claim.objects.filter(article_id__in=ids, status="unverified").exists()

        last_kick = time.monotonic()
        while not finished():
            # Beat's role: a kick skipped while another run was finishing is picked up by the next tick.
            if time.monotonic() - last_kick > 5 and drained():
                app.send_task("claims.tasks.assign_claims")
                last_kick = time.monotonic()
            time.sleep(0.1)
        pipeline_seconds = time.perf_counter() - started
        claims = Claim.objects.filter(article_id__in=ids).count()
    finally:
        os.killpg(worker.pid, 15)
        worker.wait(timeout=30)
        redis_proc.terminate()
        redis_proc.wait(timeout=10)

    noop_rate = args.noop / noop_seconds
    article_rate = args.articles / pipeline_seconds
    print(json.dumps({
        "bench": "queue", "worker_concurrency": 1,
        "noop_tasks": args.noop, "noop_seconds": round(noop_seconds, 2), "noop_tasks_per_s": round(noop_rate, 1),
        "articles": args.articles, "claims": claims, "ingest_seconds": round(ingest_seconds, 2),
        "pipeline_seconds": round(pipeline_seconds, 2), "articles_per_s": round(article_rate, 2),
        "claims_per_s": round(claims / pipeline_seconds, 1),
        "noop_to_article_ratio": round(noop_rate / article_rate, 1),
    }))
    return 0


def _ping(client) -> bool:
    try:
        return client.ping()
    except Exception:
        return False


if __name__ == "__main__":
    sys.exit(main())
