"""Retrieval at scale on PostgreSQL with pgvector: prints one JSON line.

    python bench/retrieval_scale.py [--sizes 100000,1000000] [--queries 1000] [--compare-indexes]

Records are imported fact-checks (claim, headline, three vectors, terms), made from real
sentences varied (bench/retrieval_corpus.py), loaded into a fresh database beside the one
DATABASE_URL names (var/test-services.env's when unset: `make test` starts PostgreSQL 18 with
pgvector). For each size, smallest first:

- index build: HNSW and GIN built after the bulk load, timed;
- web process: a new process answers queries through `retrieval.search` (encoding included):
  its first answer from process start, then p50/p99 over `--queries` texts, and its RSS after
  them, beside the same process at 0 records;
- peer: the in-process exact int8 scan the service held in every process until now (now
  SQLite's), loaded from the same rows in a new process: its load time, p50/p99 of a dense
  search, its RSS;
- recall@50 of the HNSW search against an exact scan of the same half-precision vectors (a
  record as close as the exact 50th counts: among equal scores any one is right);
- cold start: a new process's first answer, the median of three;
- inserts per second while a process queries, and that process's p50 meanwhile;
- database bytes per record (tables and indexes).

With --compare-indexes, the first size also times IVFFlat and binary-quantised HNSW with exact
re-scoring (recall@50, p50 of the dense query alone, build time): the choice in docs/retrieval.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "verifier.settings")
os.environ.setdefault("CELERY_BROKER_URL", "memory://")

BENCH_DB = "verifier_scale_bench"
QUERY_TEXTS = ROOT.parent / "shared" / "checkthat2020" / "dev" / "tweets.queries.tsv"


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)


def query_texts(count: int) -> list[str]:
    """Real queries: CheckThat! dev tweets, then sentences the records were not made from."""
    import csv

    texts = []
    if QUERY_TEXTS.is_file():
        with open(QUERY_TEXTS, newline="", encoding="utf-8") as f:
            texts = [row[1] for row in csv.reader(f, delimiter="\t")][1:]
    from bench.retrieval_corpus import base_sentences

    texts += base_sentences()[::-97]
    return (texts * (count // max(len(texts), 1) + 1))[:count]


def server_url() -> str:
    from bench.pg_bench_database import bench_database_url

    return bench_database_url(BENCH_DB, os.environ.get("DATABASE_URL", ""))


# --- the process under test: a web process answering queries ---------------------------


def serve_queries(count: int) -> dict:
    started = time.perf_counter()
    import django

    django.setup()
    from claims.matching import retrieval

    texts = query_texts(count)
    retrieval.search(texts[0], limit=5)
    first = time.perf_counter() - started
    timings = []
    for text in texts:
        t0 = time.perf_counter()
        retrieval.search(text, limit=5)
        timings.append(time.perf_counter() - t0)
    return {"first_answer_s": round(first, 2), "p50_ms": percentile(timings, 0.5), "p99_ms": percentile(timings, 0.99),
            "queries": len(texts), "rss_mb": rss_mb()}


def peer(count: int, recall_queries: int) -> dict:
    """The in-process exact int8 scan (SQLite's engine, and every process's until now), and recall@50."""
    started = time.perf_counter()
    import django

    django.setup()
    import numpy as np
    from django.db import connection

    from claims.matching import retrieval
    from claims.matching.vectors import ExactInt8Index

    index = ExactInt8Index()

    def stored_vectors():
        with connect() as conn, conn.cursor(binary=True) as cursor:
            cursor.execute("SELECT fact_check_id, vector FROM claims_factcheckembedding ORDER BY fact_check_id")
            while rows := cursor.fetchmany(20000):
                yield [pk for pk, _ in rows], np.array([v.to_numpy() for _, v in rows], dtype=np.float32)

    for keys, vectors in stored_vectors():
        index.add(keys, vectors)
    load = time.perf_counter() - started
    texts = query_texts(count)
    timings = []
    for text in texts:
        t0 = time.perf_counter()
        index.search(retrieval.embed([text]), retrieval.settings.RETRIEVAL_CANDIDATES)
        timings.append(time.perf_counter() - t0)
    out = {"load_s": round(load, 1), "p50_ms": percentile(timings, 0.5), "p99_ms": percentile(timings, 0.99),
           "rss_mb": rss_mb()}
    # Recall@50 of HNSW against the exact scan of the same half-precision vectors (read again: the
    # peer's RSS above is its index's, not this check's).
    del index
    loaded = list(stored_vectors())
    key_array = np.concatenate([keys for keys, _ in loaded])
    vectors = np.vstack([v for _, v in loaded])
    del loaded
    queries = retrieval.embed(texts[:recall_queries]).astype(np.float16).astype(np.float32)
    found = []
    position = {int(pk): i for i, pk in enumerate(key_array.tolist())}
    with connection.cursor() as cursor:
        for query in queries:
            scores = vectors @ query
            fiftieth = np.partition(scores, len(scores) - 50)[len(scores) - 50]
            cursor.execute("SELECT fact_check_id FROM claims_factcheckembedding ORDER BY vector <#> %s::halfvec LIMIT 50",
                           ["[" + ",".join(map(repr, query.tolist())) + "]"])
            # A record as close as the exact 50th counts: among equal scores any is right.
            found.append(sum(scores[position[pk]] >= fiftieth - 1e-6 for (pk,) in cursor.fetchall()) / 50)
    out["recall_at_50"] = round(float(np.mean(found)), 4)
    return out


def in_child(mode: str, *args) -> dict:
    env = {**os.environ, "DATABASE_URL": server_url()}
    out = subprocess.run([sys.executable, __file__, f"--{mode}", *map(str, args)], env=env, capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- loading ------------------------------------------------------------------------------


def fresh_database() -> None:
    from bench.pg_bench_database import recreate_database

    recreate_database(server_url())
    env = {**os.environ, "DATABASE_URL": server_url()}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)


def connect():
    import psycopg
    from pgvector.psycopg import register_vector

    conn = psycopg.connect(server_url(), autocommit=True)
    register_vector(conn)
    return conn


def load_base(conn) -> int:
    """The real sentences, their tokens and vectors, in a side table the records are made from."""
    from bench import scale_data
    from bench.retrieval_corpus import base

    texts, vectors = base()
    return scale_data.load_base(conn.cursor(), sentences=texts, vectors=vectors)


def search_indexes() -> dict[str, str]:
    """The fact-check table's two search indexes, as the migration creates them."""
    import importlib

    migration = importlib.import_module("claims.migrations.0019_search_in_the_database")
    statements = [s for s in migration.POSTGRES_INDEXES if s.startswith("CREATE INDEX claims_factcheckembedding")]
    return {"hnsw": next(s for s in statements if "hnsw" in s), "gin": next(s for s in statements if "gin" in s)}


def grow(conn, start: int, end: int, base_count: int) -> None:
    """Records start..end-1: sentence a with a clause of sentence b, vector normalize(a + b/4)."""
    from claims.matching.retrieval import MODEL

    quarter = "[" + ",".join(["0.25"] * 384) + "]"
    conn.execute(f"""
        INSERT INTO claims_factcheck (id, url, claim_reviewed, headline, rating_name, rating_value, best_rating,
            worst_rating, author_name, author_url, item_author, appearance_urls, raw, imported_at, updated_at)
        SELECT i, 'https://fc.example.org/' || i, a.text || ' ' || b.clause, '', 'False', '', '', '', 'Bench', '', '',
               '[]', '{{}}', now(), now()
        FROM generate_series({start}::bigint, {end - 1}) AS i
        JOIN bench_base a ON a.id = (i * 7919) % {base_count}
        JOIN bench_base b ON b.id = (i * 104729 + 13 + i / {base_count}) % {base_count}""")
    conn.execute(f"""
        INSERT INTO claims_factcheckembedding (fact_check_id, vector, claim_vector, title_vector, terms, model, embedded_at)
        SELECT i, v, v, NULL, array_to_tsvector(ARRAY(SELECT DISTINCT unnest(a.terms || b.clause_terms))), %s, now()
        FROM generate_series({start}::bigint, {end - 1}) AS i
        JOIN bench_base a ON a.id = (i * 7919) %% {base_count}
        JOIN bench_base b ON b.id = (i * 104729 + 13 + i / {base_count}) %% {base_count}
        CROSS JOIN LATERAL (SELECT l2_normalize(a.vector::vector + b.vector::vector * %s::vector)::halfvec AS v) AS mix""",
                 [MODEL, quarter])


def build_indexes(conn) -> dict:
    conn.execute("SET maintenance_work_mem = '2GB'")
    conn.execute("SET max_parallel_maintenance_workers = 1")
    out = {}
    for name, statement in search_indexes().items():
        t0 = time.perf_counter()
        conn.execute(statement)
        out[f"{name}_build_s"] = round(time.perf_counter() - t0, 1)
    conn.execute("VACUUM ANALYZE claims_factcheckembedding")
    conn.execute("VACUUM ANALYZE claims_factcheck")
    return out


def drop_indexes(conn) -> None:
    conn.execute("DROP INDEX IF EXISTS claims_factcheckembedding_search_vector")
    conn.execute("DROP INDEX IF EXISTS claims_factcheckembedding_search_terms")


def bytes_per_record(conn, size: int) -> int:
    (total,) = conn.execute("SELECT pg_total_relation_size('claims_factcheck') + "
                            "pg_total_relation_size('claims_factcheckembedding')").fetchone()
    return round(total / size)


def inserts_while_querying(conn, base_count: int, start: int, rows: int = 20000) -> dict:
    """A process queries while this one inserts embedded records in batches of 500, each a transaction."""
    child = subprocess.Popen([sys.executable, __file__, "--serve", "300"], env={**os.environ, "DATABASE_URL": server_url()},
                             stdout=subprocess.PIPE, text=True)
    time.sleep(8)  # let it load its encoder and start querying
    t0 = time.perf_counter()
    for batch in range(start, start + rows, 500):
        grow(conn, batch, batch + 500, base_count)
    rate = rows / (time.perf_counter() - t0)
    queried = json.loads(child.communicate()[0].strip().splitlines()[-1])
    conn.execute(f"DELETE FROM claims_factcheckembedding WHERE fact_check_id >= {start}")
    conn.execute(f"DELETE FROM claims_factcheck WHERE id >= {start}")
    return {"inserts_per_s": round(rate), "query_p50_ms_meanwhile": queried["p50_ms"]}


def compare_indexes(conn, count: int) -> dict:
    """IVFFlat and binary-quantised HNSW (re-scored exactly) against HNSW: recall@50 and dense p50."""
    import numpy as np

    from claims.matching import retrieval

    queries = retrieval.embed(query_texts(200)).astype(np.float16).astype(np.float32)
    texts = ["[" + ",".join(map(repr, q.tolist())) + "]" for q in queries]
    exact_sql = "SELECT fact_check_id FROM claims_factcheckembedding ORDER BY vector::vector <#> %s::vector LIMIT 50"
    conn.execute("SET enable_indexscan = off")
    exact = [{pk for (pk,) in conn.execute(exact_sql, [t]).fetchall()} for t in texts[:50]]
    conn.execute("SET enable_indexscan = on")
    candidates = {
        "hnsw": (None, "SELECT fact_check_id FROM claims_factcheckembedding ORDER BY vector <#> %s::halfvec LIMIT 50"),
        "ivfflat": (f"CREATE INDEX bench_ivf ON claims_factcheckembedding USING ivfflat (vector halfvec_ip_ops) "
                    f"WITH (lists = {max(count // 1000, 10)})",
                    "SELECT fact_check_id FROM claims_factcheckembedding ORDER BY vector <#> %s::halfvec LIMIT 50"),
        "binary_hnsw_rescored": (
            "CREATE INDEX bench_bq ON claims_factcheckembedding USING hnsw "
            "((binary_quantize(vector)::bit(384)) bit_hamming_ops)",
            "SELECT fact_check_id FROM (SELECT fact_check_id, vector FROM claims_factcheckembedding "
            "ORDER BY binary_quantize(vector)::bit(384) <~> binary_quantize(%s::halfvec) LIMIT 400) AS c "
            "ORDER BY vector <#> %s::halfvec LIMIT 50"),
    }
    out = {}
    conn.execute("SET maintenance_work_mem = '2GB'")
    conn.execute("SET ivfflat.probes = 20")
    conn.execute("SET hnsw.ef_search = 400")
    for name, (create, query) in candidates.items():
        build = None
        if create:
            conn.execute("DROP INDEX IF EXISTS claims_factcheckembedding_search_vector")
            t0 = time.perf_counter()
            conn.execute(create)
            build = round(time.perf_counter() - t0, 1)
        timings, recall = [], []
        for i, text in enumerate(texts):
            params = [text] * query.count("%s")
            t0 = time.perf_counter()
            found = {pk for (pk,) in conn.execute(query, params).fetchall()}
            timings.append(time.perf_counter() - t0)
            if i < len(exact):
                recall.append(len(found & exact[i]) / 50)
        out[name] = {"build_s": build, "dense_p50_ms": percentile(timings, 0.5), "recall_at_50": round(float(np.mean(recall)), 4)}
        if create:
            conn.execute(f"DROP INDEX {create.split()[2]}")
            conn.execute(search_indexes()["hnsw"])
    conn.execute("RESET hnsw.ef_search")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--compare-indexes", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="measure the bench database as an earlier run left it")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--peer", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        print(json.dumps(serve_queries(args.serve)))
        return
    if args.peer:
        print(json.dumps(peer(args.peer, 200)))
        return
    os.environ["DATABASE_URL"] = server_url()
    import django

    django.setup()
    if not args.reuse:
        fresh_database()
    conn = connect()
    base_count = conn.execute("SELECT count(*) FROM bench_base").fetchone()[0] if args.reuse else load_base(conn)
    result = {"bench": "retrieval_scale", "base_sentences": base_count, "sizes": {}}
    result["empty"] = None if args.reuse else in_child("serve", args.queries)
    loaded = conn.execute("SELECT count(*) FROM claims_factcheck").fetchone()[0] if args.reuse else 0
    for size in sorted(int(s) for s in args.sizes.split(",")):
        figures = {}
        if loaded != size:
            drop_indexes(conn)
            t0 = time.perf_counter()
            for start in range(loaded, size, 100_000):
                grow(conn, start, min(start + 100_000, size), base_count)
            figures = {"load_s": round(time.perf_counter() - t0, 1), **build_indexes(conn)}
            loaded = size
        figures["web_process"] = in_child("serve", args.queries)
        # A new process's first answer, the median of three (the first is in web_process too).
        figures["cold_start_s"] = statistics.median(in_child("serve", 1)["first_answer_s"] for _ in range(3))
        figures["in_process_peer"] = in_child("peer", args.queries)
        figures["recall_at_50"] = figures["in_process_peer"].pop("recall_at_50")
        if result["empty"]:
            figures["rss_growth_mb"] = round(figures["web_process"]["rss_mb"] - result["empty"]["rss_mb"], 1)
        figures["bytes_per_record"] = bytes_per_record(conn, size)
        figures["while_inserting"] = inserts_while_querying(conn, base_count, size + 10_000_000)
        if args.compare_indexes and not result["sizes"]:
            figures["index_choice"] = compare_indexes(conn, size)
        result["sizes"][str(size)] = figures
        print(json.dumps({"progress": size, **figures}), file=sys.stderr, flush=True)
    result["peak_rss_mb_of_loader"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
