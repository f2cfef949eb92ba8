"""GET /api/claims/?page_size=100 over 100k claims: the API against a naive DRF peer and a raw floor.

    python bench/api.py [--claims 100000] [--seconds 8] [--threads 4]

Builds (once) its own PostgreSQL database verifier_bench_api (BENCH_API_DB) on DATABASE_URL's server,
migrated, filled with bulk inserts and VACUUM ANALYZEd every run (as autovacuum would); serves the app with gunicorn (2 sync workers)
on loopback; and in the same run loads three views serving the same page (rows 1-100
of the claims in article order, with the exact total count):

- api:   the real endpoint (token auth, role check, filters; each row's JSON built by PostgreSQL);
- naive: a bare DRF ListAPIView with a plain ModelSerializer of the same fields and the
         same authentication, permissions and pagination;
- floor: values() + JsonResponse, no DRF, no authentication.

A small keep-alive load generator (threads + http.client) measures requests/s and
p50/p99 latency. Prints one JSON line with the three and the ratios.
This module is also the bench-only WSGI entry (`bench.api:application`) that adds the
naive and floor routes in front of the project's urls.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, bench/ is sys.path[0] and bench/queue.py would shadow the stdlib queue.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))
# BENCH_API_DB: another database name, e.g. one per worktree sharing a PostgreSQL server.
BENCH_DB = os.environ.get("BENCH_API_DB", "verifier_bench_api")
PAGE = "?page_size=100"


def bench_env() -> dict:
    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres").rsplit("/", 1)[0]
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"{server}/{BENCH_DB}",
        DJANGO_SETTINGS_MODULE="verifier.settings",
        # Production shape: no DEBUG (no query log), quiet logs, plain HTTP on loopback.
        DEBUG="false", SECRET_KEY="bench-only-secret-key-not-for-production", ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false", SECURE_PROXY_SSL_HEADER="false", SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false", LOG_LEVEL="WARNING", CELERY_BROKER_URL=os.environ.get("CELERY_BROKER_URL", "memory://"),
    )
    return env


# --- The bench-only WSGI app (imported by gunicorn in the server processes) ----------------


def _bench_routes():
    from django.http import JsonResponse
    from django.urls import path
    from rest_framework import generics, serializers

    from claims.api.views import ApiPagination
    from claims.models import Claim
    from claims.api.permissions import HasRole
    from claims.selectors import CLAIM_DEFAULT_ORDER, CLAIM_ROW_FIELDS
    from rest_framework.permissions import IsAuthenticated

    class NaiveClaimSerializer(serializers.ModelSerializer):
        class Meta:
            model = Claim
            fields = ["id", "text", "article", "start", "end", "attribution_level", "speaker", "speaker_text",
                      "via_outlet", "cue", "status", "assignee", "priority", "version", "recheck_after",
                      "verdict_at", "created_at", "updated_at"]

    class NaiveClaimList(generics.ListAPIView):
        queryset = Claim.objects.order_by(*CLAIM_DEFAULT_ORDER)
        serializer_class = NaiveClaimSerializer
        pagination_class = ApiPagination
        permission_classes = [IsAuthenticated, HasRole]

    def floor(request):
        queryset = Claim.objects.order_by(*CLAIM_DEFAULT_ORDER)
        size = min(int(request.GET.get("page_size", 50)), 200)
        rows = list(queryset.values(*CLAIM_ROW_FIELDS)[:size])
        count = queryset.count()
        return JsonResponse({"count": count, "next": None, "previous": None, "results": rows})

    return [
        path("bench/naive/claims/", NaiveClaimList.as_view()),
        path("bench/floor/claims/", floor),
    ]


def _make_application():
    import django

    django.setup()
    from django.core.wsgi import get_wsgi_application

    from verifier import urls

    urls.urlpatterns[:0] = _bench_routes()
    return get_wsgi_application()


if os.environ.get("BENCH_API_SERVER") == "1":
    application = _make_application()


# --- Data -----------------------------------------------------------------------------------


def ensure_database(env: dict, claims: int) -> str:
    """Create, migrate and fill the bench database once; returns an editor's token."""
    import psycopg

    server = env["DATABASE_URL"].rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (BENCH_DB,)).fetchone():
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--fill", str(claims)], cwd=ROOT, env=env, check=True,
        capture_output=True, text=True,
    )
    return out.stdout.strip().splitlines()[-1]


def fill(claims: int) -> None:
    """Bulk-insert `claims` claims (100 per article, 1000 speakers) unless already there; print a token."""
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.db import connection

    from claims.models import Article, Claim
    from claims.tokens import api_token_create
    from sources.models import Source
    from sources.normalize import normalize_name

    editor, _ = User.objects.get_or_create(username="bench-editor")
    editor.groups.add(Group.objects.get(name="editors"))
    reviewer, _ = User.objects.get_or_create(username="bench-reviewer")
    reviewer.groups.add(Group.objects.get(name="reviewers"))
    if Claim.objects.count() != claims:
        Claim.objects.all().delete()
        Article.objects.all().delete()
        outlet, _ = Source.objects.get_or_create(kind="outlet", name="Bench Daily")
        speakers = Source.objects.bulk_create(
            # bulk_create skips save(), which fills normalized_name
            [Source(kind="person", name=f"Bench Speaker {i}", normalized_name=normalize_name(f"Bench Speaker {i}"))
             for i in range(1000)],
            ignore_conflicts=True,
        )
        speakers = list(Source.objects.filter(name__startswith="Bench Speaker ").order_by("id"))
        sentence = "Officials said the bridge will reopen on Monday after repairs. "
        per_article = 100
        articles = Article.objects.bulk_create(
            [Article(publisher=outlet, title=f"Bench story {i}", body=f"{i} " + sentence * per_article,
                     content_sha256=f"{i:064x}", extraction_status="done")
             for i in range((claims + per_article - 1) // per_article)],
            batch_size=1000,
        )
        batch = []
        levels = ["official", "anonymous", "vague", "named_person", "document", "other_outlet", "unattributed"]
        for n in range(claims):
            article = articles[n // per_article]
            offset = len(str(n // per_article)) + 1 + (n % per_article) * len(sentence)
            batch.append(Claim(
                article=article, start=offset, end=offset + len(sentence) - 1, text=sentence.strip(),
                attribution_level=levels[n % len(levels)], speaker=speakers[n % len(speakers)] if n % 3 else None,
                via_outlet=outlet if n % 5 == 0 else None, speaker_text="Officials", cue="said",
                assignee=reviewer if n % 4 == 0 else None, priority=n % 40,
            ))
            if len(batch) == 5000:
                Claim.objects.bulk_create(batch)
                batch = []
        Claim.objects.bulk_create(batch)
    # What autovacuum does in production: planner statistics and the visibility map (so the
    # exact COUNT(*) can be an index-only scan). Every run, not just after a fill: helps all three views.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    _, token = api_token_create(user=editor, role="editor", name="bench")
    print(token)


# --- Load -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def load(port: int, path: str, headers: dict, seconds: float, threads: int) -> dict:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            mine.append(time.perf_counter() - started)
            if response.status != 200 or not body:
                errors[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    began = time.monotonic()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    return {
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
        "requests": len(latencies),
        "errors": errors[0],
    }


def check_same_page(port: int, headers: dict) -> None:
    """The three views must serve the same rows and the same exact count."""
    pages = {}
    for name, path in (("api", "/api/claims/"), ("naive", "/bench/naive/claims/"), ("floor", "/bench/floor/claims/")):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", path + PAGE, headers=headers)
        response = conn.getresponse()
        assert response.status == 200, (name, response.status, response.read()[:300])
        pages[name] = json.loads(response.read())
        conn.close()
    for name, page in pages.items():
        assert len(page["results"]) == 100, name
        assert [r["id"] for r in page["results"]] == [r["id"] for r in pages["api"]["results"]], name
        assert page["count"] == pages["api"]["count"], name


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--fill", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fill:
        fill(args.fill)
        return

    env = bench_env()
    token = ensure_database(env, args.claims)
    headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "bench.api:application", "--workers", "2",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--keep-alive", "30"],
        cwd=ROOT, env={**env, "BENCH_API_SERVER": "1"},
    )
    try:
        wait_for(port)
        check_same_page(port, headers)
        results = {}
        for name, path in (("api", "/api/claims/"), ("naive", "/bench/naive/claims/"), ("floor", "/bench/floor/claims/")):
            load(port, path + PAGE, headers, 1.5, args.threads)  # warm-up: connections, caches
            results[name] = load(port, path + PAGE, headers, args.seconds, args.threads)
    finally:
        server.terminate()
        server.wait(timeout=30)
    api, naive, floor = results["api"], results["naive"], results["floor"]
    print(json.dumps({
        "bench": "api_claims_list",
        "claims": args.claims,
        "page_size": 100,
        "gunicorn_workers": 2,
        "client_threads": args.threads,
        "api": api,
        "naive_drf": naive,
        "floor_values_jsonresponse": floor,
        "speedup_vs_naive": round(api["rps"] / naive["rps"], 2),
        "floor_over_api": round(floor["rps"] / api["rps"], 2),
        "targets": {"speedup_vs_naive_min": 1.5, "floor_over_api_max": 2.0},
    }))


if __name__ == "__main__":
    main()
