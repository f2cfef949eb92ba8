"""Benchmark the batched beat jobs on PostgreSQL: recheck_due() and assign_claims().

    python bench/recheck.py [--sizes 100000,1000000] [--batch 5000] [--reviewers 20]

Uses its own database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/
verifier_bench; created and migrated here). For each size it generates the claims with
one INSERT ... SELECT generate_series, then times, each in a fresh child process (so
peak memory is that job's alone):
  - recheck: every claim a verdict past its recheck_after -> needs_recheck -> queued
    (two history rows and two outbox events per claim, least-loaded reviewer);
  - assign:  every claim unverified -> queued.
In the same run it measures the floor (one bare UPDATE of the same rows, no history,
no outbox) and the naive peer (workflow.transition() per claim, on a sample), and
prints ONE JSON line.
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/queue.py is named like the stdlib `queue` module: keep this folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH_DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/verifier_bench")


def setup_django() -> None:
    os.environ["DATABASE_URL"] = BENCH_DB
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "verifier.settings")
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
    # Production settings: DEBUG keeps every SQL text in memory (connection.queries).
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
    os.environ.setdefault("ALLOWED_HOSTS", "localhost")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def ensure_database() -> None:
    import psycopg

    name = BENCH_DB.rsplit("/", 1)[1]
    with psycopg.connect(BENCH_DB.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def reset(size: int, status: str, reviewers: int) -> None:
    """Empty the claim tables and generate `size` claims in `status` on 100-claim articles."""
    from django.contrib.auth.models import Group, User
    from django.db import connection

    from sources.models import Source

    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE claims_claim, claims_article, claims_statuschange, claims_outboxevent, "
            "claims_notification, claims_notification_claims RESTART IDENTITY CASCADE"
        )
    group, _ = Group.objects.get_or_create(name="reviewers")
    for i in range(reviewers):
        user, _ = User.objects.get_or_create(username=f"bench-reviewer-{i}")
        user.groups.add(group)
    outlet, _ = Source.objects.get_or_create(kind="outlet", name="Bench Daily")
    articles = -(-size // 100)
    with connection.cursor() as cur:
        cur.execute(
            """INSERT INTO claims_article (publisher_id, title, url, body, content_sha256, is_current, extraction_status,
                   extraction_error, extractor_version, extraction_attempts, created_at, updated_at)
               SELECT %s, 'bench ' || g, '', repeat('x', 200), md5(g::text) || md5('b' || g), true, 'done', '', 'bench', 1, now(), now()
               FROM generate_series(1, %s) AS g""",
            [outlet.pk, articles],
        )
        cur.execute(
            """INSERT INTO claims_claim (article_id, start, "end", text, attribution_level, speaker_text, cue, reason,
                   status, priority, recheck_after, verdict_at, status_changed_at, version, created_at, updated_at)
               SELECT (g - 1) / 100 + 1, (g - 1) %% 100, (g - 1) %% 100 + 1, 'x', 'official', '', '', '',
                   %s, (g %% 4) * 10, now() - interval '1 day', now() - interval '91 days', now() - interval '91 days', 1,
                   now(), now()
               FROM generate_series(1, %s) AS g""",
            [status, size],
        )
        cur.execute("VACUUM ANALYZE claims_claim")
        cur.execute("VACUUM ANALYZE claims_statuschange")


def child(job: str, batch: int, lanes: int) -> dict:
    """Run one job in this (fresh) process; report seconds and peak memory above the start."""
    setup_django()
    from django.db import connection

    from claims import workflow
    from claims.pipeline import assignment
    from claims.models import Claim

    start_rss = current_rss_kb()
    started = time.perf_counter()
    if job == "recheck":
        result = assignment.claims_recheck_due(batch_size=batch, lanes=lanes)
        moved = result.moved
    elif job == "assign":
        result = assignment.claims_assign(batch_size=batch, lanes=lanes)
        moved = result.moved
    elif job == "floor":
        with connection.cursor() as cur:
            cur.execute("UPDATE claims_claim SET status = 'queued', version = version + 2 WHERE status = 'corroborated'")
            moved = cur.rowcount
    elif job.startswith("naive"):
        sample = int(job.split(":")[1])
        ids = list(Claim.objects.filter(status="corroborated").order_by("id").values_list("id", flat=True)[:sample])
        for pk in ids:  # one claim at a time through the one door, as a per-claim loop would
            workflow.transition(claim=pk, to="needs_recheck", actor=None, note="re-check")
            workflow.transition(claim=pk, to="queued", actor=None, note="re-check")
        moved = len(ids)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": round(seconds, 2), "moved": moved, "rss_start_mb": round(start_rss / 1024, 1),
            "rss_peak_mb": round(peak_kb / 1024, 1)}


def current_rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def run_child(job: str, batch: int, lanes: int = 1) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", job, "--batch", str(batch), "--lanes", str(lanes)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100000,1000000", help="comma-separated claim counts")
    ap.add_argument("--batch", type=int, default=5000)
    ap.add_argument("--reviewers", type=int, default=20)
    ap.add_argument("--lanes", type=int, default=2, help="threads (connections) per job run")
    ap.add_argument("--naive-sample", type=int, default=2000)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.batch, args.lanes)))
        return 0

    ensure_database()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    report: dict = {"bench": "recheck", "batch": args.batch, "lanes": args.lanes, "reviewers": args.reviewers, "sizes": {}}
    for size in sizes:
        figures = {}
        reset(size, "corroborated", args.reviewers)
        figures["recheck"] = run_child("recheck", args.batch, args.lanes)
        reset(size, "unverified", args.reviewers)
        figures["assign"] = run_child("assign", args.batch, args.lanes)
        reset(size, "corroborated", args.reviewers)
        figures["floor_bare_update"] = run_child("floor", args.batch)
        for job in ("recheck", "assign"):
            figures[job]["claims_per_s"] = round(size / max(figures[job]["seconds"], 1e-9))
        report["sizes"][str(size)] = figures
    sample = min(args.naive_sample, sizes[0])
    reset(sample, "corroborated", args.reviewers)
    naive = run_child(f"naive:{sample}", args.batch)
    naive["claims_per_s"] = round(sample / max(naive["seconds"], 1e-9))
    report["naive_per_claim_transition"] = naive
    if len(sizes) > 1:
        small, big = sizes[0], sizes[-1]
        for job in ("recheck", "assign"):
            t_small, t_big = report["sizes"][str(small)][job]["seconds"], report["sizes"][str(big)][job]["seconds"]
            # 1.0 = linear; below 1 = better than linear.
            report[f"{job}_growth_vs_linear"] = round((t_big / max(t_small, 1e-9)) / (big / small), 2)
    biggest = report["sizes"][str(sizes[-1])]
    report["recheck_speedup_vs_naive"] = round(biggest["recheck"]["claims_per_s"] / max(naive["claims_per_s"], 1), 1)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
