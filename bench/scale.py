"""The reviewer's pages, the API and the scheduled jobs at N claims on PostgreSQL: one JSON line.

    python bench/scale.py --claims N [--repeat 15] [--reuse] [--no-vector-index]

Loads a desk's archive of N claims (bench/scale_data.py: articles, publishers, copies, history,
evidence, embeddings, fact-checks) into the database `verifier_scale_N` on the server DATABASE_URL
names (var/test-services.env's when unset), straight from generate_series with the indexes
built after the load. `--reuse` keeps a database that already holds N claims (new migrations
are applied to it). Then, in this process through Django's test client (no network between):

- every reviewer page as an editor: the desk, the claim list (default, each sidebar filter, a
  text search for a rare, a middling and a common word, a speaker search), a claim page, an
  article page, the article list, the imported fact-checks list, a reviewer's queue:
  `admin_<page>_p50_ms` / `_p99_ms` over `--repeat` loads after one warm-up;
- the API: /api/claims/ first page, a deep page (by cursor), filters, search, the articles
  list, and the published-verdict feed with `since`: `api_<call>_p50_ms` / `_p99_ms`;
  "take next" (`api_take_next_*`);
- the floor: a bare indexed SELECT of one page's claim rows by primary key (`floor_select_p50_ms`);
- each scheduled job (re-check, assignment, SLA sweep) in a child process on its own rows:
  `job_<job>_s`, `job_<job>_vs_update` (over a bare UPDATE of the same rows), `job_<job>_peak_mb`,
  while this process moves claims through the workflow API: `transition_during_job_p99_ms`
  and the longest wait (`transition_during_job_max_ms`);
- `db_bytes_per_claim`: the database's size over N, indexes included (the HNSW index on the
  leads' vectors is built last, `index_hnsw_s`, unless --no-vector-index).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/queue.py is named like the stdlib `queue` module: keep this folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from datetime import timedelta  # noqa: E402
from urllib.parse import quote  # noqa: E402

DATABASE = "verifier_scale_{claims}"  # one a size: a loaded archive is kept for --reuse


def configure(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "verifier.settings")
    os.environ["DEBUG"] = "false"  # production settings: DEBUG keeps every SQL text in memory
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost"
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ["SECURE_SSL_REDIRECT"] = "false"  # the test client speaks plain HTTP in this process
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    for role in ("EDITOR", "REVIEWER", "NEWSROOM"):
        os.environ[f"API_THROTTLE_{role}"] = ""  # the bench is one client asking fast, not abuse
    import django

    django.setup()


def percentiles(seconds: list[float]) -> tuple[float, float]:
    ordered = sorted(seconds)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return round(statistics.median(ordered) * 1000, 1), round(p99 * 1000, 1)


def timed(call, repeat: int) -> tuple[float, float]:
    call()  # warm-up: the first load fills caches a reviewer's second load finds
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        call()
        samples.append(time.perf_counter() - t0)
    return percentiles(samples)


# --- Loading --------------------------------------------------------------------------


def loaded_claims(cursor) -> int | None:
    cursor.execute("SELECT to_regclass('bench_scale_meta') IS NOT NULL")
    if not cursor.fetchone()[0]:
        return None
    cursor.execute("SELECT claims FROM bench_scale_meta")
    row = cursor.fetchone()
    return row[0] if row else None


def base_sentences(kind: str) -> tuple[list[str], object]:
    """`shared`: ~70k real sentences of ../shared with their embeddings (bench/retrieval_corpus.py,
    cached); `seed`: the seed article's sentences with seeded random unit vectors (the suite's quick
    run: the same code at a small size, no encoder, no ../shared)."""
    if kind == "shared":
        from bench.retrieval_corpus import base

        return base()
    import numpy as np

    from bench.retrieval_corpus import _SENTENCE_END

    text = (ROOT / "seeds" / "seed.txt").read_text(encoding="utf-8")
    sentences = [s.strip() for p in text.splitlines() for s in _SENTENCE_END.split(p) if len(s.strip()) >= 30]
    vectors = np.random.default_rng(7).normal(size=(len(sentences), 384)).astype(np.float32)
    return sentences, vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def load_archive(claims: int, *, base: str, vector_index: bool, log) -> dict:
    from django.core.management import call_command
    from django.db import connection

    from bench import scale_data
    from claims.matching.records import MODEL

    call_command("migrate", verbosity=0)
    texts, vectors = base_sentences(base)
    with connection.cursor() as cursor:
        count = scale_data.load_base(cursor, sentences=texts, vectors=vectors)
        t0 = time.perf_counter()
        timings = scale_data.load(cursor, scale_data.Shape(claims), base_count=count, model=MODEL,
                                  vector_index=vector_index, log=log)
        cursor.execute("CREATE TABLE bench_scale_meta (claims bigint, load_s float8)")
        cursor.execute("INSERT INTO bench_scale_meta VALUES (%s, %s)", [claims, time.perf_counter() - t0])
    return {f"load_{name}_s": seconds for name, seconds in timings.items()}


# --- Pages ----------------------------------------------------------------------------


def pick_words(cursor, claims: int) -> dict[str, str]:
    """Search words by how many claims hold them: rare (~20), middling (~0.1%), common (~3%)."""
    out = {}
    for name, target in (("rare", 20), ("word", max(50, claims // 1000)), ("common", max(200, claims * 3 // 100))):
        cursor.execute(
            """SELECT term FROM claims_searchtermcount WHERE term ~ '^[a-z]{5,}$'
               GROUP BY term ORDER BY abs(sum(documents) - %s), term LIMIT 1""", [target])
        out[name] = cursor.fetchone()[0]
    return out


def page_urls(cursor, claims: int) -> dict[str, str]:
    """Every reviewer page the bench times (and tests/claims/test_scale_plans.py checks), by name."""
    from bench import scale_data

    cursor.execute("SELECT id FROM auth_user WHERE username = 'scale-reviewer-0'")
    reviewer = cursor.fetchone()[0]
    cursor.execute("SELECT max(copy_of_id) FROM claims_claim")
    lead = cursor.fetchone()[0]
    cursor.execute("SELECT article_id FROM claims_claim WHERE id = %s", [lead])
    article = cursor.fetchone()[0]
    checked = claim_with_support(cursor)
    cursor.execute("SELECT a.publisher_id, s.name FROM claims_article a JOIN sources_source s ON s.id = a.publisher_id "
                   "WHERE a.id = %s", [article])
    publisher, publisher_name = cursor.fetchone()
    words = pick_words(cursor, claims)
    speaker = scale_data.LAST_NAMES[3]
    claims_list = "/admin/claims/claim/"
    return {
        "desk": "/admin/",
        "claims": claims_list,
        "claims_all": f"{claims_list}?copies=all",
        "claims_copies": f"{claims_list}?copies=only",
        "claims_differs": f"{claims_list}?copies=differs",
        "claims_status": f"{claims_list}?status=queued",
        "claims_verdict": f"{claims_list}?status=refuted",
        "claims_worthy": f"{claims_list}?check_worthy=yes",
        "claims_unscored": f"{claims_list}?check_worthy=unscored",
        "claims_level": f"{claims_list}?attribution_level=anonymous",
        "claims_assignee": f"{claims_list}?assignee__id__exact={reviewer}",
        "claims_article": f"{claims_list}?article={article}",
        "claims_publisher": f"{claims_list}?publisher={publisher}",
        "claims_search_rare": f"{claims_list}?q={words['rare']}",
        "claims_search": f"{claims_list}?q={words['word']}",
        "claims_search_common": f"{claims_list}?q={words['common']}",
        "claims_search_speaker": f"{claims_list}?q={speaker}",
        "claims_search_status": f"{claims_list}?q={words['word']}&status=refuted",
        "claim": f"{claims_list}{lead}/change/",
        # a verdict with supporting evidence: its independence report looks up each source's story
        "claim_evidence": f"{claims_list}{checked}/change/",
        "article": f"/admin/claims/article/{article}/change/",
        "articles": "/admin/claims/article/",
        "articles_search": f"/admin/claims/article/?q={words['word']}",
        "factchecks": "/admin/claims/factcheck/",
        "factchecks_search": f"/admin/claims/factcheck/?q={words['word']}",
        "queue": f"{claims_list}queue/",
        # The Sourcing report (issue 29): its default (the last 12 months, every publisher), by week, one outlet
        "report_sourcing": "/admin/reports/sourcing/",
        "report_sourcing_weeks": "/admin/reports/sourcing/?interval=week",
        "report_sourcing_publisher": f"/admin/reports/sourcing/?publisher={quote(publisher_name)}",
    }


def claim_with_support(cursor) -> int:
    """The newest first claim with accepted supporting evidence."""
    cursor.execute("SELECT max(claim_id) FROM claims_evidence WHERE stance = 'supports' AND NOT is_suggestion "
                   "AND withdrawn_at IS NULL")
    return cursor.fetchone()[0]


def api_urls(cursor, claims: int) -> dict[str, str]:
    cursor.execute("SELECT publisher_id FROM claims_article ORDER BY id DESC LIMIT 1")
    publisher = cursor.fetchone()[0]
    cursor.execute("SELECT max(id) FROM claims_claim WHERE copy_of_id IS NULL")
    lead = cursor.fetchone()[0]
    words = pick_words(cursor, claims)
    since = (time_now() - timedelta(days=30)).isoformat().replace("+00:00", "Z")
    return {
        "claims_first": "/api/claims/?page_size=100",
        "claims_status": "/api/claims/?page_size=100&status=queued",
        "claims_level": "/api/claims/?page_size=100&attribution_level=anonymous&is_copy=false",
        "claims_priority": "/api/claims/?page_size=100&ordering=-priority&is_copy=false",
        "claims_publisher": f"/api/claims/?page_size=100&publisher={publisher}",
        "claims_search": f"/api/claims/?page_size=100&search={words['word']}",
        "claims_search_common": f"/api/claims/?page_size=100&search={words['common']}",
        # one claim, as a transition answers with it: a new claim, and a verdict with supporting evidence
        "claim": f"/api/claims/{lead}/",
        "claim_evidence": f"/api/claims/{claim_with_support(cursor)}/",
        "articles_first": "/api/articles/?page_size=100",
        "claimreviews_since": f"/api/claimreviews/?since={since}",
        "reports_sourcing": "/api/reports/sourcing/",
        "reports_sourcing_csv": "/api/reports/sourcing/?format=csv&interval=week",
    }


def time_now():
    from django.utils import timezone

    return timezone.now()


def deep_cursor_url(client, claims: int) -> str:
    """A page half-way through /api/claims/ by cursor: the first page's `next`, moved to the middle."""
    first = client.get("/api/claims/?page_size=100").json()
    if "next_cursor" not in first:  # before cursors: a page number half-way
        return f"/api/claims/?page_size=100&page={max(1, claims // 200)}"
    from claims.api.views import CLAIM_KEYSET
    from claims.models import Claim

    row = Claim.objects.filter(id__gte=claims // 2).order_by("id").values_list(*CLAIM_KEYSET.columns)[0]
    return f"/api/claims/?page_size=100&cursor={CLAIM_KEYSET.encode(row)}"


def measure_pages(repeat: int, claims: int, only: set[str] | None = None) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    users = get_user_model().objects
    editor, reviewer = Client(), Client()
    editor.force_login(users.get(username="scale-editor-0"))
    reviewer.force_login(users.get(username="scale-reviewer-0"))
    out: dict = {}
    with connection.cursor() as cursor:
        pages, calls = page_urls(cursor, claims), api_urls(cursor, claims)
        cursor.execute("SELECT id FROM claims_claim WHERE copy_of_id IS NULL ORDER BY id DESC LIMIT 50")
        ids = [r[0] for r in cursor.fetchall()]
    calls["claims_deep"] = deep_cursor_url(editor, claims)
    if only:  # --only: these pages and calls alone (their output names, e.g. admin_report_sourcing)
        pages = {name: url for name, url in pages.items() if f"admin_{name}" in only}
        calls = {name: url for name, url in calls.items() if f"api_{name}" in only}
    for name, url in pages.items():
        client = reviewer if name == "queue" else editor
        check(client, url)
        out[f"admin_{name}_p50_ms"], out[f"admin_{name}_p99_ms"] = timed(lambda: client.get(url), repeat)
    for name, url in calls.items():
        check(editor, url)
        out[f"api_{name}_p50_ms"], out[f"api_{name}_p99_ms"] = timed(lambda: editor.get(url), repeat)

    def floor() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT c.*, a.title FROM claims_claim c JOIN claims_article a ON a.id = c.article_id "
                           "WHERE c.id = ANY(%s)", [ids])
            cursor.fetchall()

    out["floor_select_p50_ms"], out["floor_select_p99_ms"] = timed(floor, repeat)
    out["search_words"] = pick_words(connection.cursor(), claims)
    return out


# The archive's large tables: no page or call may read a whole one (tests/claims/test_scale_plans.py).
PLANNED_TABLES = ("claims_claim", "claims_article", "claims_statuschange", "claims_factcheck")


def _scans(plan: dict):
    yield plan
    for child_plan in plan.get("Plans", ()):
        yield from _scans(child_plan)


def rows_read(cursor, sql: str, settings: dict[str, str] | None = None) -> dict[str, int]:
    """Per large table, the most rows one scan of it read running `sql` (EXPLAIN ANALYZE, rolled back):
    rows a scan returned or filtered out, over all its loops. Sequential scans, hash and merge joins
    off: the plan of a table too big to read whole (an index path, nested loops), so what is left is
    what the query cannot do without, not what the planner chose for a small table's sake. Then
    `settings` ({name: value}), those the page itself had SET LOCAL when it sent `sql`."""
    cursor.execute("SAVEPOINT plan")
    try:
        for method in ("seqscan", "hashjoin", "mergejoin"):
            cursor.execute(f"SET LOCAL enable_{method} = off")
        for name, value in (settings or {}).items():
            cursor.execute(f"SET LOCAL {name} = {value}")
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        plan = cursor.fetchone()[0]
    finally:
        cursor.execute("ROLLBACK TO SAVEPOINT plan")
    plan = json.loads(plan) if isinstance(plan, str) else plan
    worst: dict[str, int] = {}
    for node in _scans(plan[0]["Plan"]):
        table = node.get("Relation Name")
        if table in PLANNED_TABLES:
            read = (node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)
                    + node.get("Rows Removed by Index Recheck", 0)) * node.get("Actual Loops", 1)
            worst[table] = max(worst.get(table, 0), round(read))
    return worst


def measure_plans(claims: int) -> dict:
    """`plan_<page or call>_<table>_rows`: the most rows of a large table one scan read, over every
    SELECT the page or call sent (each run once more under EXPLAIN ANALYZE)."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    users = get_user_model().objects
    editor, reviewer = Client(), Client()
    editor.force_login(users.get(username="scale-editor-0"))
    reviewer.force_login(users.get(username="scale-reviewer-0"))
    with connection.cursor() as cursor:
        urls = {f"admin_{name}": url for name, url in page_urls(cursor, claims).items()}
        urls.update({f"api_{name}": url for name, url in api_urls(cursor, claims).items()})
    urls["api_claims_deep"] = deep_cursor_url(editor, claims)
    out: dict = {}
    for name, url in urls.items():
        client = reviewer if name == "admin_queue" else editor
        with CaptureQueriesContext(connection) as sent:
            check(client, url)
        worst: dict[str, int] = {}
        settings: dict[str, str] = {}  # what the page had SET LOCAL (and not RESET) when it sent a query
        with transaction.atomic(), connection.cursor() as cursor:
            for query in sent.captured_queries:
                sql = query["sql"]
                if setting := re.match(r"\s*SET LOCAL (\w+) = (.+)$", sql, re.IGNORECASE):
                    settings[setting[1].lower()] = setting[2]
                elif reset := re.match(r"\s*RESET (\w+)", sql, re.IGNORECASE):
                    settings.pop(reset[1].lower(), None)
                if not sql.lstrip().upper().startswith(("SELECT", "WITH")) or not any(t in sql for t in PLANNED_TABLES):
                    continue
                for table, read in rows_read(cursor, sql, settings).items():
                    worst[table] = max(worst.get(table, 0), read)
        for table in PLANNED_TABLES:
            out[f"plan_{name}_{table}_rows"] = worst.get(table, 0)
    return out


def check(client, url: str) -> None:
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url}: {response.status_code} {response.content[:300]!r}")


def measure_take_next(repeat: int) -> dict:
    """A reviewer takes their next claim (POST /api/queue/take/), then hands it back to the queue."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from claims import workflow
    from claims.models import Claim

    user = get_user_model().objects.get(username="scale-reviewer-1")
    editor = get_user_model().objects.get(username="scale-editor-1")
    client = Client()
    client.force_login(user)
    samples = []
    for _ in range(repeat + 1):
        t0 = time.perf_counter()
        response = client.post("/api/queue/take/", content_type="application/json")
        samples.append(time.perf_counter() - t0)
        if response.status_code != 200:
            break
        claim = Claim.objects.get(pk=response.json()["id"])
        workflow.transition(claim=claim, to="unverified", actor=editor, note="bench: back to the pool")
        workflow.transition(claim=claim.pk, to="queued", actor=editor, note="bench", assignee=user)
    p50, p99 = percentiles(samples[1:] or samples)
    return {"api_take_next_p50_ms": p50, "api_take_next_p99_ms": p99}


# --- Jobs -----------------------------------------------------------------------------

SAVED = ("status", "assignee_id", "version", "priority", "recheck_after", "verdict_at", "status_changed_at",
         "check_worthiness", "updated_at")


COPIES_FOLLOW = ("status", "assignee_id", "verdict_at", "recheck_after")
HISTORY_TABLES = ("claims_statuschange", "claims_outboxevent", "claims_notification")


def prepare_job(cursor, job: str, editors_claims: list[int]) -> int:
    """Save the rows `job` will move (bench_job_rows), shape them for it, mark the history tables.

    Not the claims the editor moves meanwhile: one moved past queued is no longer the job's."""
    cursor.execute("DROP TABLE IF EXISTS bench_job_rows")
    if job == "recheck":
        where = "status IN ('corroborated', 'disputed', 'refuted', 'unverifiable') AND recheck_after <= now()"
    elif job == "assign":  # 1% of the verdicts reopened as new check-worthy claims
        where = "status = 'unverifiable' AND mod(id, 35) = 0"
    else:  # escalate: the open queue, past its SLA
        where = "status IN ('queued', 'in_review')"
    cursor.execute(f"CREATE TABLE bench_job_rows AS SELECT id, {', '.join(SAVED)} FROM claims_claim "
                   f"WHERE copy_of_id IS NULL AND NOT (id = ANY(%s)) AND {where}", [editors_claims])
    cursor.execute("ALTER TABLE bench_job_rows ADD PRIMARY KEY (id)")
    if job == "assign":
        cursor.execute("UPDATE claims_claim c SET status = 'unverified', assignee_id = NULL, check_worthiness = 0.99 "
                       "FROM bench_job_rows r WHERE c.id = r.id")
    if job == "escalate":
        cursor.execute("UPDATE claims_claim c SET status_changed_at = now() - interval '3 days' "
                       "FROM bench_job_rows r WHERE c.id = r.id")
    mark_history(cursor)
    cursor.execute("VACUUM ANALYZE claims_claim")
    cursor.execute("SELECT count(*) FROM bench_job_rows")
    return cursor.fetchone()[0]


def mark_history(cursor) -> None:
    for table in HISTORY_TABLES:
        cursor.execute(f"CREATE TEMP TABLE mark_{table} AS SELECT coalesce(max(id), 0) AS id FROM {table}")


def restore_job(cursor) -> None:
    """The saved rows as they were; what the job wrote beside them (history, events, notices) gone."""
    cursor.execute(f"UPDATE claims_claim c SET {', '.join(f'{f} = r.{f}' for f in SAVED)} "
                   "FROM bench_job_rows r WHERE c.id = r.id")
    # The leads' copies, which followed them through the workflow, follow them back.
    cursor.execute(f"UPDATE claims_claim c SET {', '.join(f'{f} = l.{f}' for f in COPIES_FOLLOW)} "
                   "FROM claims_claim l, bench_job_rows r WHERE l.id = r.id AND c.copy_of_id = l.id "
                   f"AND ({', '.join(f'c.{f}' for f in COPIES_FOLLOW)}) IS DISTINCT FROM ({', '.join(f'l.{f}' for f in COPIES_FOLLOW)})")
    cursor.execute("DELETE FROM claims_notification_claims "
                   "WHERE notification_id > (SELECT id FROM mark_claims_notification)")
    for table in HISTORY_TABLES:
        cursor.execute(f"DELETE FROM {table} WHERE id > (SELECT id FROM mark_{table})")
        cursor.execute(f"DROP TABLE mark_{table}")
    cursor.execute("VACUUM ANALYZE claims_claim")


FLOORS = {
    # the job's writes to the claims without history, events or notices: one bare UPDATE
    "recheck": "UPDATE claims_claim c SET status = 'queued', version = c.version + 2 FROM bench_job_rows r WHERE c.id = r.id",
    "assign": "UPDATE claims_claim c SET status = 'queued', version = c.version + 1 FROM bench_job_rows r WHERE c.id = r.id",
    "escalate": "UPDATE claims_claim c SET priority = c.priority + 10 FROM bench_job_rows r WHERE c.id = r.id",
}


def child(job: str) -> dict:
    """One job in this fresh process (its peak memory is the job's own)."""
    from django.db import connection

    from claims.pipeline import assignment

    started = time.perf_counter()
    if job == "recheck":
        moved = assignment.claims_recheck_due(lanes=2).moved
    elif job == "assign":
        moved = assignment.claims_assign(lanes=2).moved
    elif job == "escalate":
        moved = assignment.claims_escalate_stale().moved
    else:
        with connection.cursor() as cursor:
            cursor.execute(FLOORS[job.split(":")[1]])
            moved = cursor.rowcount
    return {"seconds": time.perf_counter() - started, "moved": moved,
            "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def run_child(job: str, url: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", job, "--url", url], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"job {job} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


class Transitions(threading.Thread):
    """An editor moving claims through the workflow API while a job runs: each move timed."""

    def __init__(self, claim_ids: list[int]):
        super().__init__(daemon=True)
        self.claim_ids, self.samples, self.errors, self.stop = claim_ids, [], [], threading.Event()

    def run(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db import connection
        from django.test import Client

        client = Client()
        client.force_login(get_user_model().objects.get(username="scale-editor-2"))
        following = {"unverified": "queued", "queued": "in_review", "in_review": "unverified"}
        try:
            while not self.stop.is_set():
                for pk in self.claim_ids:
                    claim = client.get(f"/api/claims/{pk}/").json()
                    t0 = time.perf_counter()
                    response = client.post(f"/api/claims/{pk}/transition/",
                                           {"to": following[claim["status"]], "version": claim["version"]},
                                           content_type="application/json")
                    self.samples.append(time.perf_counter() - t0)
                    if response.status_code != 200:
                        self.errors.append(f"{response.status_code} {response.content[:200]!r}")
        finally:
            connection.close()


def measure_jobs(url: str, claims: int) -> dict:
    from django.db import connection

    out: dict = {}
    with connection.cursor() as cursor:
        # the editor's own claims: unverified and scored below the threshold, so no job takes them
        cursor.execute("SELECT id FROM claims_claim WHERE copy_of_id IS NULL AND status = 'corroborated' "
                       "ORDER BY id DESC LIMIT 5")
        moving = [r[0] for r in cursor.fetchall()]
        cursor.execute("UPDATE claims_claim SET status = 'unverified', assignee_id = NULL, check_worthiness = 0.01 "
                       "WHERE id = ANY(%s)", [moving])
    waits: list[float] = []
    for job in ("recheck", "assign", "escalate"):
        with connection.cursor() as cursor:
            rows = prepare_job(cursor, job, moving)
        mover = Transitions(moving)
        mover.start()
        figures = run_child(job, url)
        mover.stop.set()
        mover.join()
        if mover.errors:
            raise SystemExit(f"transitions during {job}: {mover.errors[:3]}")
        waits += mover.samples
        with connection.cursor() as cursor:
            restore_job(cursor)
            mark_history(cursor)
        floor = run_child(f"floor:{job}", url)
        with connection.cursor() as cursor:
            restore_job(cursor)
        out[f"job_{job}_rows"] = rows
        out[f"job_{job}_moved"] = figures["moved"]
        out[f"job_{job}_s"] = round(figures["seconds"], 2)
        out[f"job_{job}_update_s"] = round(floor["seconds"], 3)
        out[f"job_{job}_vs_update"] = round(figures["seconds"] / max(floor["seconds"], 1e-6), 2)
        out[f"job_{job}_peak_mb"] = figures["peak_mb"]
    out["transitions_during_jobs"] = len(waits)
    out["transition_during_job_p50_ms"], out["transition_during_job_p99_ms"] = percentiles(waits)
    out["transition_during_job_max_ms"] = round(max(waits) * 1000, 1)
    return out


def database_size(claims: int) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database()), "
                       "pg_total_relation_size('claims_claim'), pg_indexes_size('claims_claim')")
        total, claim_table, claim_indexes = cursor.fetchone()
        cursor.execute("SELECT pg_total_relation_size('bench_base')")
        scaffold = cursor.fetchone()[0]
    return {"db_bytes_per_claim": round((total - scaffold) / claims),
            "claims_table_bytes_per_claim": round(claim_table / claims),
            "claims_indexes_bytes_per_claim": round(claim_indexes / claims)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--claims", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=15, help="timed loads a page (after one warm-up)")
    ap.add_argument("--reuse", action="store_true", help="keep a database that already holds --claims claims")
    ap.add_argument("--no-vector-index", action="store_true", help="skip the HNSW build (hours at 10M on 2 cores)")
    ap.add_argument("--skip-jobs", action="store_true")
    ap.add_argument("--only", help="time only these pages and calls, comma-separated output names "
                    "(admin_report_sourcing,api_claims_search); the jobs run unless --skip-jobs")
    ap.add_argument("--plans", action="store_true",
                    help="also the rows each page's and call's queries read of the large tables (plan_*_rows)")
    ap.add_argument("--base", choices=["shared", "seed"], default="shared",
                    help="sentences the claims are made of: ../shared's (real), or the seed article's (quick)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        configure(args.url)
        print(json.dumps(child(args.child)))
        return 0

    from bench.pg_bench_database import bench_database_url, recreate_database

    url = bench_database_url(DATABASE.format(claims=args.claims), os.environ.get("DATABASE_URL", ""))
    log = lambda message: print(f"[scale] {message}", file=sys.stderr, flush=True)  # noqa: E731
    report: dict = {"bench": "scale", "claims": args.claims}
    held = None
    if args.reuse:
        import psycopg

        try:
            with psycopg.connect(url) as conn:
                held = loaded_claims(conn.cursor())
        except psycopg.OperationalError:
            held = None
    if held != args.claims:
        recreate_database(url)
        configure(url)
        log(f"loading {args.claims:,} claims")
        report.update(load_archive(args.claims, base=args.base, vector_index=not args.no_vector_index, log=log))
    else:
        configure(url)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        report["reused"] = True
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)  # production serves hashed static names
    if args.plans:
        log("plans")
        report.update(measure_plans(args.claims))
        from django.db import connection

        with connection.cursor() as cursor:
            for table in PLANNED_TABLES:
                cursor.execute(f"SELECT count(*) FROM {table}")
                report[f"{table}_rows"] = cursor.fetchone()[0]
    log("pages")
    report.update(measure_pages(args.repeat, args.claims, set(args.only.split(",")) if args.only else None))
    report.update(measure_take_next(args.repeat))
    if not args.skip_jobs:
        log("jobs")
        report.update(measure_jobs(url, args.claims))
    report.update(database_size(args.claims))
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
