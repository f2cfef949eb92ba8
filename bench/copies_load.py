"""Issue 20's load test, rerun through the API: K stories x N wire copies POSTed to a production-shaped service.

    python bench/copies_load.py [--stories K] [--copies N] [--workers 2] [--clients 4]
                                [--reviewers-at end|start] [--timeout 1800]

What it runs (all its own, all stopped on exit, even on Ctrl-C or an error):

- a PostgreSQL database BENCH_COPIES_LOAD_DB (default verifier_bench_copies_load) on
  DATABASE_URL's server, dropped, created and migrated every run;
- a redis-server on a free loopback port: the Celery broker, REDIS_URL, and the shared cache
  (CACHE_URL, db 1) of the web processes;
- gunicorn, 2 sync workers, plain HTTP on loopback, production settings (DEBUG=false,
  ALLOWED_HOSTS, SECRET_KEY; the ingest and newsroom throttles off, as a desk's bulk feed);
- `--workers` Celery workers, each `celery -A verifier worker --pool prefork --concurrency 1`
  (bench/queue.py's shape). No beat: when the queue and the unacked set are empty while work
  is missing, the bench sends `claims.tasks.sweep_pending` (a lost message) itself, and at the
  end `claims.tasks.assign_claims`.

Stories: the seed (seeds/seed.txt) and ../shared/corpus/pub*.txt when present (else a
stderr line, and the seed alone); K defaults to all of them. Copies are bench/copies.py's
`make_copy`: copy i of a story replaces its claim sentence i (mod its count) with local
sentence i, and carries a desk's small edits (every 3rd straight quotes, every 10th one
word of a long sentence reworded); publishers rotate over 7 outlets. Each copy's local sentence
is its own (its figures differ by copy and story: bench/copies.py's local_sentence).

Load: `--clients` threads POST the K x N bodies to /api/articles/ with a newsroom token, as fast
as the server answers, interleaved as a desk receives them (copy 1 of every story, then copy
2, ...). Status codes, latency p50/p99 and the posting time are recorded. Two warm-up articles
(unrelated text, left out of every figure) first load spaCy and the embedder in the workers.

Then, sampling every second, it waits until every accepted article is extracted and matched
(extraction_status done, matched_at >= extracted_at; a failed extraction counts as finished
and is reported): extracted vs matched over time (lag max/final), per-article
extracted->matched and created->matched latency (first and last third, by arrival), and the
workers' RSS (/proc VmHWM/VmRSS, main processes and pool children).

Then one assignment run (5 users in "reviewers": created now, or before the load with
`--reviewers-at start`, the production shape where assign_claims runs during the load).

expected_groups, measured: the distinct claim texts (sentence_key) the extractor makes of every
posted body (re-extracted in this process for the floor), a desk's rewordings left out (they
must join their sentence's group); with --floor-sample, the originals' claim texts plus the
local sentences the workers extracted (expected_groups_simple, always reported). Groups beyond that are
listed (`extra_group_texts`: a desk edit not grouped, say), as are local sentences grouped
into another local sentence (different numbers: a false rewording).

The floor: the same bodies through the extraction alone (extract_bounded in this process,
after the service has drained; all of them unless --floor-sample), per article and for the
whole batch divided over the workers; the workers' own task times (Celery's "succeeded in"
log lines) are reported beside it. One JSON line on stdout; diagnostics on stderr; the logs stay in a temp folder.
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/queue.py would shadow the stdlib queue module: keep this folder off the import path.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

from bench.copies import OUTLETS, local_sentence, make_copy, sentences_of  # noqa: E402

BENCH_DB = os.environ.get("BENCH_COPIES_LOAD_DB", "verifier_bench_copies_load")
CORPUS = ROOT.parent / "shared" / "corpus"
BIN = Path(sys.executable).parent
SECRET = "bench-only-secret-key-not-for-production-0123456789-copies-load"


def say(text: str) -> None:
    sys.stderr.write(f"{time.strftime('%H:%M:%S')} copies_load: {text}\n")
    sys.stderr.flush()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered))) - 1))]


def ms(value: float | None) -> float | None:
    return None if value is None else round(1000 * value, 1)


def load_stories(count: int | None) -> list[tuple[str, str]]:
    found = [("seed", (ROOT / "seeds" / "seed.txt").read_text(encoding="utf-8"))]
    corpus = sorted(CORPUS.glob("pub*.txt")) if CORPUS.is_dir() else []
    if not corpus:
        say(f"no real articles at {CORPUS}/pub*.txt: skipping them, the seed story alone")
    found += [(p.stem, p.read_text(encoding="utf-8")) for p in corpus]
    if count is not None and count > len(found):
        say(f"--stories {count}: only {len(found)} available, using {len(found)}")
    return found[:count] if count else found


def bench_env(redis_port: int) -> dict:
    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres").rsplit("/", 1)[0]
    broker = f"redis://127.0.0.1:{redis_port}/0"
    env = {k: v for k, v in os.environ.items() if k not in ("BENCH_API_SERVER",)}
    env.update(
        DATABASE_URL=f"{server}/{BENCH_DB}", DJANGO_SETTINGS_MODULE="verifier.settings",
        # Production shape: no DEBUG, quiet logs, plain HTTP on loopback (bench/api.py's bench_env).
        DEBUG="false", SECRET_KEY=SECRET, ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false", SECURE_PROXY_SSL_HEADER="false", SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false", LOG_LEVEL="WARNING",
        CELERY_BROKER_URL=broker, REDIS_URL=broker, CACHE_URL=f"redis://127.0.0.1:{redis_port}/1",
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        # A desk's bulk feed is not rate limited (the test had 2,233 POSTs in 60 s, all 202).
        API_THROTTLE_INGEST="off", API_THROTTLE_NEWSROOM="off",
        PYTHONUNBUFFERED="1",
    )
    return env


def reset_database(env: dict) -> None:
    import psycopg

    server = env["DATABASE_URL"].rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


# --- Processes --------------------------------------------------------------------------


class Processes:
    """Children, each in its own session (a Ctrl-C reaches only the bench); all stopped on exit."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.procs: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, argv: list[str], env: dict) -> subprocess.Popen:
        log = (self.workdir / f"{name}.log").open("wb")
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.procs.append((name, proc))
        return proc

    def stop_all(self, grace: float = 15.0) -> None:
        for _, proc in reversed(self.procs):  # the main process only (scripts/supervise.py): a warm shutdown
            if proc.poll() is None:
                try:
                    os.kill(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + grace
        for name, proc in reversed(self.procs):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                say(f"{name} (pid {proc.pid}) still running after {grace:g} s: SIGKILL")
            _killpg(proc.pid, signal.SIGKILL)  # the group's leftovers (a pool child), or the stuck process
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                say(f"{name} (pid {proc.pid}) did not exit after SIGKILL")


def _killpg(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def group_members(pgids: set[int]) -> dict[int, list[int]]:
    """pid lists of the given process groups (from /proc)."""
    members: dict[int, list[int]] = {g: [] for g in pgids}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        pgrp = int(fields[2])
        if pgrp in members:
            members[pgrp].append(int(entry))
    return members


def memory_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) in kB, (0, 0) when the process is gone."""
    rss = hwm = 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    except OSError:
        pass
    return rss, hwm


class MemoryWatch:
    def __init__(self, pgids: list[int]):
        self.pgids = set(pgids)
        self.hwm: dict[int, int] = {}  # pid -> its peak (VmHWM)
        self.peak_group_rss: dict[int, int] = {g: 0 for g in pgids}  # a worker's main + child, summed now
        self.peak_total_rss = 0

    def sample(self) -> None:
        total = 0
        for pgid, pids in group_members(self.pgids).items():
            now = 0
            for pid in pids:
                rss, hwm = memory_kb(pid)
                now += rss
                self.hwm[pid] = max(self.hwm.get(pid, 0), hwm)
            self.peak_group_rss[pgid] = max(self.peak_group_rss[pgid], now)
            total += now
        self.peak_total_rss = max(self.peak_total_rss, total)

    def figures(self) -> dict:
        return {
            "worker_peak_rss_mb_one_process": round(max(self.hwm.values(), default=0) / 1024, 1),
            "worker_peak_rss_mb_per_worker": [round(v / 1024, 1) for v in self.peak_group_rss.values()],
            "worker_peak_rss_mb_all_workers": round(self.peak_total_rss / 1024, 1),
            "worker_processes_seen": len(self.hwm),
        }


def wait_until(predicate, timeout: float, what: str, interval: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise RuntimeError(f"timed out after {timeout:g} s waiting for {what}")


def _ping(client) -> bool:
    try:
        return bool(client.ping())
    except Exception:
        return False


def _port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


# --- Load -------------------------------------------------------------------------------


def post_all(port: int, token: str, items: list[dict], clients: int) -> tuple[list[dict], float, float, float]:
    """POST every item (in order, shared by `clients` threads); returns results, first start, last end, seconds."""
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json", "Accept": "application/json"}
    results: list[dict | None] = [None] * len(items)
    lock = threading.Lock()
    cursor = [0]

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                index = cursor[0]
                cursor[0] += 1
            if index >= len(items):
                break
            payload = json.dumps(items[index]).encode()
            started = time.time()
            row = {"index": index, "started": started}
            try:
                conn.request("POST", "/api/articles/", body=payload, headers=headers)
                response = conn.getresponse()
                body = response.read()
                row["status"] = response.status
                if response.status in (200, 202):
                    row["id"] = json.loads(body)["id"]
                else:
                    row["error"] = body[:300].decode(errors="replace")
            except Exception as exc:  # a reset connection, a timeout: recorded, the client carries on
                row["status"] = f"error:{type(exc).__name__}"
                row["error"] = str(exc)[:300]
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            row["ended"] = time.time()
            results[index] = row
        conn.close()

    threads = [threading.Thread(target=client, daemon=True, name=f"client-{i}") for i in range(clients)]
    began = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = [r for r in results if r is not None]
    first = min((r["started"] for r in rows), default=began)
    last = max((r["ended"] for r in rows), default=began)
    return rows, first, last, last - first


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stories", type=int, default=None, help="K stories (default: all available)")
    ap.add_argument("--copies", type=int, default=60, help="N copies of each story")
    ap.add_argument("--workers", type=int, default=2, help="Celery worker processes (prefork, concurrency 1 each)")
    ap.add_argument("--clients", type=int, default=4, help="client threads POSTing")
    ap.add_argument("--reviewers-at", choices=["end", "start"], default="end",
                    help="create the 5 reviewers after matching (one assignment run) or before the load")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds to wait for extraction and matching")
    ap.add_argument("--floor-sample", type=int, default=0,
                    help="bodies timed through extract_bounded alone (0: all of them, which also measures expected_groups exactly)")
    args = ap.parse_args(argv)

    def on_term(signum, frame):
        say(f"signal {signum} received")
        raise KeyboardInterrupt(f"signal {signum}")

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # SIGINT too: even when started with it ignored
        signal.signal(sig, on_term)

    workdir = Path(tempfile.mkdtemp(prefix="bench-copies-load-"))
    say(f"logs in {workdir}")
    procs = Processes(workdir)
    try:
        return run(args, workdir, procs)
    except KeyboardInterrupt as exc:
        say(f"interrupted ({exc or 'Ctrl-C'}): stopping everything")
        return 130
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # a second Ctrl-C must not cut the cleanup short
            signal.signal(sig, signal.SIG_IGN)
        procs.stop_all()
        say("all processes stopped")


def run(args, workdir: Path, procs: Processes) -> int:
    import redis

    stories = load_stories(args.stories)
    redis_port = free_port()
    env = bench_env(redis_port)
    procs.start("redis", ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                          "--appendonly", "no", "--dir", str(workdir)], env)
    client = redis.Redis(port=redis_port)
    wait_until(lambda: _ping(client), 15, "redis-server")
    say(f"database {BENCH_DB}: dropping, creating, migrating")
    reset_database(env)
    os.environ.update(env)

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import Group, User
    from django.db.models import Count, F, Q

    from claims.models import Article, Claim
    from claims.pipeline.assignment import auto_assignable
    from sources.attribution.limits import extract_bounded
    from claims.roles import NEWSROOM, REVIEWERS
    from claims.tokens import api_token_create
    from verifier.celery import app

    newsroom = User.objects.create(username="bench-desk")
    newsroom.groups.add(Group.objects.get(name=NEWSROOM))
    _, token = api_token_create(user=newsroom, role="newsroom", name="bench copies load", expires_in=None)

    def add_reviewers() -> None:
        group = Group.objects.get(name=REVIEWERS)
        for i in range(5):
            User.objects.get_or_create(username=f"bench-reviewer-{i}", defaults={"is_staff": True})[0].groups.add(group)

    if args.reviewers_at == "start":
        add_reviewers()

    # The bodies (spaCy in this process: the claim sentences each copy replaces one of).
    say(f"{len(stories)} stories x {args.copies} copies: making the bodies")
    plans = []
    for name, body in stories:
        sentences = sentences_of(body)
        if not sentences:
            raise SystemExit(f"story {name} has no claim sentence to replace")
        plans.append((name, body, sentences))
    items = []
    for i in range(args.copies):
        for s, (name, body, sentences) in enumerate(plans):
            items.append({
                "body": make_copy(body, sentences, i, s), "publisher": OUTLETS[(i + s) % len(OUTLETS)],
                "title": f"{body.strip().splitlines()[0][:120]}",
                "_story": s, "_copy": i,
            })
    locals_used = [local_sentence(i, s) for i in range(args.copies) for s in range(len(plans))]

    # The service.
    web_port = free_port()
    procs.start("gunicorn", [str(BIN / "gunicorn"), "verifier.wsgi:application", "--workers", "2",
                             "--worker-class", "sync", "--bind", f"127.0.0.1:{web_port}", "--log-level", "warning",
                             "--timeout", "120"], env)
    workers = []
    for k in range(args.workers):
        workers.append(procs.start(f"worker-{k}", [
            str(BIN / "celery"), "-A", "verifier", "worker", "--pool", "prefork", "--concurrency", "1",
            "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
            "-n", f"bench-copies-load-{k}-{redis_port}@%h"], env))
    memory = MemoryWatch([w.pid for w in workers])
    wait_until(lambda: _port_open(web_port), 60, "gunicorn")

    def drained() -> bool:
        return client.llen("celery") == 0 and client.hlen("unacked") == 0

    # Warm-up: the web processes, and each worker's pool child (spaCy, the embedder), off the figures.
    warm_rows, *_ = post_all(web_port, token, [
        {"body": f"Officials said the warm-up bridge number {k} on Route {k + 40} will reopen in the spring.",
         "publisher": "Bench Warmup", "title": f"warm-up {k}"} for k in range(max(2, args.workers))], args.workers)
    warm_ids = [r["id"] for r in warm_rows if "id" in r]
    if len(warm_ids) != len(warm_rows):
        raise RuntimeError(f"warm-up POSTs failed: {warm_rows}")
    wait_until(lambda: Article.objects.filter(pk__in=warm_ids, extraction_status="done",
                                               matched_at__gte=F("extracted_at")).count() == len(warm_ids),
               300, "warm-up extraction and matching", interval=0.5)
    wait_until(drained, 120, "warm-up drain")
    floor_id = max(warm_ids)
    say(f"warm; posting {len(items)} articles with {args.clients} clients")

    # The load, sampled every second.
    posted: dict = {}

    def poster():
        posted["rows"], posted["first"], posted["last"], posted["seconds"] = post_all(
            web_port, token, [{k: v for k, v in it.items() if not k.startswith("_")} for it in items], args.clients)

    post_thread = threading.Thread(target=poster, daemon=True, name="poster")
    started = time.time()
    post_thread.start()
    samples = []  # (t since start, stored, extracted, failed, matched, queue length)
    sweeps = 0
    drained_since = None
    stalls = []
    done_at = {"extracted": None, "matched": None}
    ours = Article.objects.filter(pk__gt=floor_id)
    while True:
        tick = time.time()
        row = ours.aggregate(
            stored=Count("pk"),
            extracted=Count("pk", filter=Q(extraction_status="done")),
            failed=Count("pk", filter=Q(extraction_status="failed")),
            matched=Count("pk", filter=Q(extraction_status="done", matched_at__gte=F("extracted_at"))),
        )
        queue_length = client.llen("celery")
        memory.sample()
        samples.append((round(tick - started, 1), row["stored"], row["extracted"], row["failed"], row["matched"], queue_length))
        posting_done = not post_thread.is_alive()
        if posting_done:
            accepted = sum(1 for r in posted["rows"] if "id" in r)
            accepted_ids = {r["id"] for r in posted["rows"] if "id" in r}
            if done_at["extracted"] is None and row["extracted"] + row["failed"] >= len(accepted_ids):
                done_at["extracted"] = tick
            if done_at["matched"] is None and row["matched"] + row["failed"] >= len(accepted_ids):
                done_at["matched"] = tick
                break
            if drained():
                drained_since = drained_since or tick
                if tick - drained_since > 5:  # nothing queued, nothing running, work missing: a message was lost
                    missing = len(accepted_ids) - row["matched"] - row["failed"]
                    stalls.append({"t": round(tick - started, 1), "unfinished": missing,
                                   "not_extracted": len(accepted_ids) - row["extracted"] - row["failed"]})
                    if sweeps == 0:
                        say(f"queue empty with {missing} articles unfinished: sending sweep_pending (lost messages); "
                            "it picks up matching only 300 s after extraction")
                    app.send_task("claims.tasks.sweep_pending")
                    sweeps += 1
                    drained_since = tick + 25  # the next nudge in ~30 s
            else:
                drained_since = None
            if tick - posted["last"] > args.timeout:
                say(f"timeout: {len(accepted_ids) - row['matched'] - row['failed']} of {accepted} articles unfinished")
                break
        time.sleep(max(0.0, 1.0 - (time.time() - tick)))
    rows = posted["rows"]
    accepted_ids = sorted({r["id"] for r in rows if "id" in r})
    last_post = posted["last"]
    say(f"posted in {posted['seconds']:.1f} s; extraction done {_after(done_at['extracted'], last_post)} s and "
        f"matching done {_after(done_at['matched'], last_post)} s after the last POST")

    # The trailing scoring/assignment tasks, then one assignment run.
    wait_until(drained, 600, "the queue after matching", interval=0.5)
    if args.reviewers_at == "end":
        add_reviewers()
    waiting = Claim.objects.filter(article_id__in=accepted_ids, status="unverified", copy_of__isnull=True).filter(auto_assignable())
    for attempt in range(5):
        app.send_task("claims.tasks.assign_claims")
        time.sleep(1)
        wait_until(drained, 600, "assign_claims", interval=0.5)
        if not waiting.exists():
            break
        say(f"assign_claims left {waiting.count()} waiting claims (attempt {attempt + 1}): sending it again")
        time.sleep(5)
    memory.sample()

    # The floor: the same bodies through the extraction alone, in this process, with the service idle;
    # all of them (by default) also gives the exact claim texts every copy yields (expected groups).
    every = args.floor_sample <= 0 or args.floor_sample >= len(items)
    sample_items = items if every else items[:: max(1, len(items) // args.floor_sample)][: args.floor_sample]
    say(f"floor: extract_bounded over {len(sample_items)} bodies in this process")
    extract_bounded(sample_items[0]["body"], publisher=sample_items[0]["publisher"])  # warm (already loaded)
    floor_times = []
    extracted_texts: list[tuple[dict, list[str]]] = []
    for it in sample_items:
        t0 = time.perf_counter()
        found = extract_bounded(it["body"], publisher=it["publisher"])
        floor_times.append(time.perf_counter() - t0)
        extracted_texts.append((it, [c.text for c in found]))
    figures = measure(
        args=args, plans=plans, items=items, rows=rows, accepted_ids=accepted_ids, locals_used=locals_used,
        samples=samples, started=started, posted=posted, done_at=done_at, sweeps=sweeps, stalls=stalls,
        memory=memory, workdir=workdir, settings=settings, extracted_texts=extracted_texts if every else None,
    )
    floor = statistics.median(floor_times)
    figures["extraction_floor"] = {
        "per_article_ms_p50": ms(floor), "per_article_ms_p99": ms(pct(floor_times, 0.99)), "bodies": len(floor_times),
        "batch_seconds_over_workers": round(sum(floor_times) / len(floor_times) * len(accepted_ids) / args.workers, 1),
        "note": "extract_bounded alone in the bench process, service idle: the physical floor of the extraction",
    }
    obs = figures["drain_seconds"]
    if obs.get("matching_done_after_first_post"):
        figures["extraction_floor"]["matching_done_over_floor"] = round(
            obs["matching_done_after_first_post"] / max(figures["extraction_floor"]["batch_seconds_over_workers"], 1e-6), 2)
    figures["bench_seconds"] = round(time.time() - started, 1)
    pace = figures["keeping_pace"]
    say(f"{figures['claims']} claims, {figures['groups']} groups (expected {figures['expected_groups']}), "
        f"{figures['claims_queued']} queued, {figures['match_rows']} match rows; lag max {pace['max_lag_articles']} articles; "
        f"extracted->matched p50 {pace['first_third']['extracted_to_matched_s_p50']} s (first third), "
        f"{pace['last_third']['extracted_to_matched_s_p50']} s (last third)")
    print(json.dumps(figures), flush=True)
    return 0


def _after(t: float | None, ref: float) -> float | None:
    return None if t is None else round(t - ref, 1)


def desk_edit(sentences: list[str], i: int) -> tuple[str, str] | None:
    """The sentence make_copy rewords in copy i, and its rewording (bench/copies.py's rule), if any."""
    if i % 10:
        return None
    replaced = sentences[i % len(sentences)]
    long = [s for s in sentences if s != replaced and len(s.split()) > 20]
    if not long:
        return None
    target = long[i % len(long)]
    words = target.split(" ")
    return target, (target.replace(" said", " says", 1) if " said" in target else " ".join(words[:3] + words[4:]))


def measure(*, args, plans, items, rows, accepted_ids, locals_used, samples, started, posted, done_at, sweeps,
            stalls, memory, workdir, settings, extracted_texts) -> dict:
    from django.db.models import Count

    from claims.models import Article, Claim, ClaimMatch
    from claims.pipeline.assignment import auto_assignable
    from sources.normalize import sentence_key

    statuses: dict[str, int] = {}
    for r in rows:
        statuses[str(r["status"])] = statuses.get(str(r["status"]), 0) + 1
    latencies = [r["ended"] - r["started"] for r in rows]
    errors = [r.get("error") for r in rows if "error" in r][:3]

    articles = list(Article.objects.filter(pk__in=accepted_ids).order_by("created_at", "pk")
                    .values("pk", "created_at", "extracted_at", "matched_at", "extraction_status", "copy_of"))
    claims = Claim.objects.filter(article_id__in=accepted_ids)
    firsts = claims.filter(copy_of__isnull=True)

    # Latencies, first and last third by arrival.
    def lat(part: list[dict]) -> dict:
        em = [(a["matched_at"] - a["extracted_at"]).total_seconds() for a in part
              if a["matched_at"] and a["extracted_at"] and a["matched_at"] >= a["extracted_at"]]
        cm = [(a["matched_at"] - a["created_at"]).total_seconds() for a in part
              if a["matched_at"] and a["extracted_at"] and a["matched_at"] >= a["extracted_at"]]
        return {"articles": len(part), "extracted_to_matched_s_p50": _r(pct(em, 0.5)), "extracted_to_matched_s_p99": _r(pct(em, 0.99)),
                "created_to_matched_s_p50": _r(pct(cm, 0.5)), "created_to_matched_s_p99": _r(pct(cm, 0.99))}

    third = max(1, len(articles) // 3)
    # Lag: extracted - matched, over the samples.
    lags = [e - m for _, _, e, _, m, _ in samples]
    timeline_every = max(1, len(samples) // 40)
    timeline = [list(s[:5]) for s in samples[::timeline_every]]
    if samples and timeline[-1] != list(samples[-1][:5]):
        timeline.append(list(samples[-1][:5]))

    # Expected groups: what the extractor makes of the originals, plus the local sentences extracted as claims.
    original_keys: dict[str, str] = {}
    for _, _, sentences in plans:
        for text in sentences:
            original_keys.setdefault(sentence_key(text), text)
    local_keys = {sentence_key(t): t for t in locals_used}
    texts = list(claims.values_list("pk", "text", "copy_of_id", "copy_method", "assignee_id"))
    by_pk = {pk: (text, copy_of) for pk, text, copy_of, _, _ in texts}

    def local_of(text: str) -> str | None:
        key = sentence_key(text)
        if key in local_keys:
            return local_keys[key]
        for local in locals_used:  # the extractor may keep part of a sentence
            if text.strip() and text.strip() in local:
                return local
        return None

    distinct = {}
    for pk, text, copy_of, method, _ in texts:
        distinct.setdefault(text, []).append((pk, copy_of, method))
    local_texts_extracted = set()
    locals_merged = []
    for text, members in distinct.items():
        local = local_of(text)
        if local is None:
            continue
        local_texts_extracted.add(local)
        for pk, copy_of, method in members:
            if copy_of is not None:
                first_text = by_pk.get(copy_of, (Claim.objects.filter(pk=copy_of).values_list("text", flat=True).first(), None))[0]
                if first_text and local_of(first_text) != local:
                    locals_merged.append({"text": text, "grouped_into": first_text, "method": method})
                    break
    # Desk rewordings (every 10th copy): expected to join their original's group, never a group of their own.
    edited_keys: dict[str, str] = {}
    for _, _, sentences in plans:
        for i in range(args.copies):
            edit = desk_edit(sentences, i)
            if edit and sentence_key(edit[1]) != sentence_key(edit[0]):
                edited_keys[sentence_key(edit[1])] = edit[0]
    simple_keys = set(original_keys) | {sentence_key(t) for t in local_texts_extracted}
    if extracted_texts is not None:  # exact: every text the extractor makes of every posted body
        expected_keys = {sentence_key(t) for _, found in extracted_texts for t in found} - set(edited_keys)
    else:
        expected_keys = simple_keys
    first_texts = list(firsts.values_list("text", flat=True))
    first_key_counts: dict[str, int] = {}
    for t in first_texts:
        first_key_counts[sentence_key(t)] = first_key_counts.get(sentence_key(t), 0) + 1
    duplicate_text_groups = [k for k, c in first_key_counts.items() if c > 1]
    extra_groups = [t for t in first_texts if sentence_key(t) not in expected_keys]
    edits_not_grouped = [t for t in first_texts if sentence_key(t) in edited_keys]
    missing_groups = len(expected_keys - set(first_key_counts))
    # The first copy of each story: its claim count (the lead's measure of "one copy's claims").
    first_copy_claims = []
    id_of = {r["index"]: r.get("id") for r in rows}
    for s in range(len(plans)):
        idx = next((n for n, it in enumerate(items) if it["_story"] == s and id_of.get(n)), None)
        first_copy_claims.append(Claim.objects.filter(article_id=id_of[idx]).count() if idx is not None else None)

    # Match rows: stored, per claim, and one row per matching pair (each sentence in copies_with_it copies).
    match_rows = ClaimMatch.objects.filter(claim_b__article_id__in=accepted_ids)
    per_claim_b = match_rows.values("claim_b").annotate(n=Count("id")).order_by("-n").values_list("n", flat=True).first()
    per_claim_a = match_rows.values("claim_a").annotate(n=Count("id")).order_by("-n").values_list("n", flat=True).first()
    pairs = 0
    n = args.copies
    for _, _, sentences in plans:
        for j in range(len(sentences)):
            without = sum(1 for i in range(n) if i % len(sentences) == j)
            m = n - without
            pairs += m * (m - 1) // 2

    from claims.triage import checkworthiness

    threshold = checkworthiness.threshold()
    groups = firsts.count()
    expected_groups = len(expected_keys)
    log = scan_logs(workdir, ("no active member of the 'reviewers' group",) if args.reviewers_at == "end" else ())
    figures = {
        "bench": "copies_load",
        "database": "postgresql",
        "stories": [name for name, _, _ in plans],
        "claims_per_story_original": [len(s) for _, _, s in plans],
        "copies_per_story": n,
        "workers": args.workers, "gunicorn_workers": 2, "client_threads": args.clients,
        "reviewers_at": args.reviewers_at,
        "throttles": "ingest and newsroom off",
        "match_k": settings.CLAIM_MATCH_MAX_PER_CLAIM, "copy_min_ratio": settings.CLAIM_COPY_MIN_RATIO,
        "posting": {
            "articles_posted": len(rows), "accepted": sum(1 for r in rows if "id" in r), "status_codes": statuses,
            "seconds": round(posted["seconds"], 2), "articles_per_s": round(len(rows) / max(posted["seconds"], 1e-6), 1),
            "latency_ms_p50": ms(pct(latencies, 0.5)), "latency_ms_p99": ms(pct(latencies, 0.99)),
            "latency_ms_max": ms(max(latencies, default=None)), "errors": errors,
        },
        "articles": {
            "stored": len(articles),
            "extracted": sum(1 for a in articles if a["extraction_status"] == "done"),
            "extraction_failed": sum(1 for a in articles if a["extraction_status"] == "failed"),
            "matched": sum(1 for a in articles if a["matched_at"] and a["extracted_at"] and a["matched_at"] >= a["extracted_at"]),
            "near_identical": sum(1 for a in articles if a["copy_of"]),
        },
        "claims": claims.count(),
        "groups": groups,
        "expected_groups": expected_groups,
        "expected_groups_measured_on": "every posted body re-extracted in the bench" if extracted_texts is not None
        else "the originals' claims plus the local sentences the workers extracted",
        "expected_groups_simple": len(simple_keys),
        "expected_groups_parts": {"original_claim_texts": len(original_keys), "local_sentences_extracted": len(local_texts_extracted),
                                  "local_sentences_posted": len(set(locals_used)), "desk_rewordings": len(edited_keys)},
        "first_copy_claims_per_story": first_copy_claims,
        "extra_groups": len(extra_groups),
        "extra_group_examples": [t[:160] for t in extra_groups[:3]],
        "expected_texts_without_a_group": missing_groups,
        "duplicate_text_groups": len(duplicate_text_groups),
        "desk_rewordings_not_grouped": len(edits_not_grouped),
        "local_sentences_grouped_into_another": len(locals_merged),
        "local_merge_examples": locals_merged[:2],
        "copies_grouped": claims.filter(copy_of__isnull=False).count(),
        "reworded_copies": claims.filter(copy_method="reworded").count(),
        "attribution_differs": claims.filter(attribution_differs=True).count(),
        "claims_queued": claims.filter(assignee__isnull=False).count(),
        "copies_queued": claims.filter(assignee__isnull=False, copy_of__isnull=False).count(),
        "groups_auto_assignable": firsts.filter(auto_assignable()).count(),
        "groups_checkworthy": firsts.filter(check_worthiness__gte=threshold).count(),
        "claims_left_waiting": firsts.filter(status="unverified").filter(auto_assignable()).count(),
        "match_rows": match_rows.count(),
        "max_match_rows_stored_by_one_claim": per_claim_b or 0,
        "max_match_rows_one_claim_either_side": max(per_claim_a or 0, per_claim_b or 0),
        "one_row_per_pair_would_be": pairs,
        "drain_seconds": {
            "extraction_done_after_last_post": _after(done_at["extracted"], posted["last"]),
            "matching_done_after_last_post": _after(done_at["matched"], posted["last"]),
            "extraction_done_after_first_post": _after(done_at["extracted"], posted["first"]),
            "matching_done_after_first_post": _after(done_at["matched"], posted["first"]),
            "sample_resolution_s": 1,
        },
        "keeping_pace": {
            "max_lag_articles": max(lags, default=0), "final_lag_articles": lags[-1] if lags else 0,
            "lag_at_last_post": _lag_at(samples, posted["last"] - started),
            "first_third": lat(articles[:third]), "last_third": lat(articles[-third:]),
            "timeline_t_stored_extracted_failed_matched": timeline,
        },
        "lost_messages": {"sweeps_sent": sweeps, "stalls": stalls[:5]},
        **memory.figures(),
        "worker_log": log,
    }
    return figures


def _r(v: float | None) -> float | None:
    return None if v is None else round(v, 2)


def _lag_at(samples, t: float) -> int | None:
    before = [s for s in samples if s[0] <= t]
    return (before[-1][2] - before[-1][4]) if before else None


BENIGN = ("running the worker with superuser privileges", "No directory at:")


def scan_logs(workdir: Path, expected_warnings: tuple[str, ...] = ()) -> dict:
    """The workers' and gunicorn's logs (JSON lines): warnings and errors by message, tracebacks, retries, and
    each task's run time from Celery's "succeeded in" lines (match_article split into first and last third)."""
    messages: dict[str, int] = {}
    tracebacks = 0
    runs: dict[str, list[tuple[str, float]]] = {}
    failed: dict[str, int] = {}
    for path in sorted(workdir.glob("*.log")):
        if path.name == "redis.log":
            continue
        for line in path.read_text(errors="replace").splitlines():
            if "Traceback" in line:
                tracebacks += 1
            if not line.startswith("{"):
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            text, level = str(entry.get("message", "")), entry.get("level", "")
            m = re.match(r"Task (claims\.tasks\.\w+)\[[^\]]+\] succeeded in ([\d.]+)s", text)
            if m:
                runs.setdefault(m.group(1).rsplit(".", 1)[1], []).append((entry.get("ts", ""), float(m.group(2))))
                continue
            m = re.match(r"Task (claims\.tasks\.\w+)\[[^\]]+\] (raised|retry)", text, re.IGNORECASE)
            if m:
                failed[m.group(1)] = failed.get(m.group(1), 0) + 1
            if level in ("WARNING", "ERROR", "CRITICAL") and not any(b in text for b in BENIGN):
                key = f"{path.stem.split('-')[0]} {level} {entry.get('logger', '')}: {text.splitlines()[0][:200] if text else ''}"
                messages[key] = messages.get(key, 0) + 1
    tasks = {}
    for name, values in sorted(runs.items()):
        values.sort()
        seconds = [v for _, v in values]
        tasks[name] = {"runs": len(seconds), "s_p50": _r(pct(seconds, 0.5)), "s_p99": _r(pct(seconds, 0.99)),
                       "s_total": round(sum(seconds), 1)}
        if name == "match_article" and len(seconds) >= 6:
            third = len(seconds) // 3
            tasks[name]["first_third_s_p50"] = _r(statistics.median(seconds[:third]))
            tasks[name]["last_third_s_p50"] = _r(statistics.median(seconds[-third:]))
    unexpected = {k: v for k, v in messages.items() if not any(e in k for e in expected_warnings)}
    for key, count in sorted(unexpected.items(), key=lambda kv: -kv[1])[:8]:
        say(f"log x{count}: {key}")
    return {
        "tracebacks": tracebacks, "task_failures_or_retries": failed,
        "warnings_and_errors": dict(sorted(messages.items(), key=lambda kv: -kv[1])[:8]),
        "unexpected_warnings_and_errors": sum(unexpected.values()),
        "task_seconds": tasks, "logs": str(workdir),
    }


if __name__ == "__main__":
    raise SystemExit(main())
