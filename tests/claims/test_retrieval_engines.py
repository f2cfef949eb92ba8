"""Retrieval in the database's own engines: what one process commits, another finds at once; the
HNSW index finds what an exact scan finds; a PostgreSQL without pgvector is named, not a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import psycopg
import pytest
from django.conf import settings
from django.db import connection

from claims.matching import copies, lexical, retrieval
from claims.matching.engines import engine
from claims.matching.vectors import as_stored
from claims.models import ClaimEmbedding, CopyMethod, FactCheck, FactCheckEmbedding
from tests.database_url import test_database_url
from tests.claims.test_retrieval import _claims as embedded_claims

ROOT = Path(settings.BASE_DIR)
TARGET = "Unemployment fell to 3.5 percent in September, the lowest rate in half a century."
COPY = "Unemployment fell to 3.5 percent in Sept., the lowest rate in half a century."
QUERY = "Joblessness dropped to three and a half per cent last month, its lowest level in fifty years."

# A second web process: reads a query a line, answers the ids it finds, one JSON line each.
SEARCHER = """
import json, sys, django
django.setup()
from claims.matching import retrieval
for line in sys.stdin:
    print(json.dumps([[h.kind, h.id] for h in retrieval.search(line.strip(), limit=3)]), flush=True)
"""


class Searcher:
    def __init__(self) -> None:
        env = {**os.environ, "DATABASE_URL": test_database_url(), "DJANGO_SETTINGS_MODULE": "verifier.settings",
               "CELERY_BROKER_URL": "memory://", "CONN_MAX_AGE": "60"}
        self.proc = subprocess.Popen([sys.executable, "-c", SEARCHER], cwd=ROOT, env=env, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def ask(self, text: str) -> list[list]:
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, "the second process died"
        return json.loads(line)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.mark.django_db(transaction=True)
def test_two_processes_see_each_others_new_claims_and_groups_at_once(editor):
    other = Searcher()
    try:
        assert other.ask(QUERY) == []  # it has answered once: anything it held would now be stale
        first, copy = embedded_claims([TARGET, COPY])
        assert {pk for _, pk in other.ask(QUERY)} == {first.pk, copy.pk}  # committed here, found there
        # Grouped in this process's transaction: the other finds the group once, through its lead.
        copies.claims_join([copies.Joining(copy.pk, first.pk, CopyMethod.REWORDED, 0.99)])
        assert other.ask(QUERY) == [["claim", first.pk]]
        copies.copy_group_lead(claim=copy.pk, actor=editor, reason="the fuller wording")
        assert other.ask(QUERY) == [["claim", copy.pk]]
    finally:
        other.close()


@pytest.mark.django_db
def test_hnsw_finds_what_an_exact_scan_finds_on_an_archive_that_uses_it():
    """3,000 fact-checks in clusters, as sentences are, searched through the HNSW index: its top 50 hold
    at least 98% of the exact top 50 (the scale figures are bench/retrieval_scale.py's). At this size
    the planner would rather scan (exact); the test makes it take the index, as it does at scale."""
    rng = np.random.default_rng(5)
    centres = rng.normal(size=(60, 384))
    vectors = centres[rng.integers(0, 60, 3000)] + rng.normal(scale=0.6, size=(3000, 384))
    vectors = as_stored(vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
    reviews = FactCheck.objects.bulk_create(
        [FactCheck(url=f"https://fc.example.org/{i}", claim_reviewed=f"review {i}") for i in range(3000)])
    FactCheckEmbedding.objects.bulk_create([
        FactCheckEmbedding(fact_check=review, vector=v, claim_vector=v, terms=["review"], model=retrieval.MODEL)
        for review, v in zip(reviews, vectors)])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE claims_factcheckembedding")
        cursor.execute("SET LOCAL enable_seqscan = off")  # the test's transaction only
        cursor.execute("EXPLAIN SELECT fact_check_id FROM claims_factcheckembedding ORDER BY vector <#> %s::halfvec LIMIT 50",
                       ["[" + ",".join(["0.05"] * 384) + "]"])
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert "claims_factcheckembedding_search_vector" in plan
    queries = as_stored(centres[:40] / np.linalg.norm(centres[:40], axis=1, keepdims=True))
    found, _ = engine().candidates([retrieval.query_of("", q) for q in queries], kinds=("fact_check",), exclude=set(), n=50)
    ids = np.array([r.pk for r in reviews])
    recalls = []
    for query, candidates in zip(queries, found):
        exact = set(ids[np.argsort(-(vectors @ query), kind="stable")[:50]].tolist())
        recalls.append(len(exact & {key >> 1 for key in candidates.keys}) / 50)
    assert np.mean(recalls) >= 0.98, np.mean(recalls)


def _server_without_pgvector() -> str:
    server = "postgres://postgres@127.0.0.1:5432"
    try:
        with psycopg.connect(f"{server}/postgres", connect_timeout=3, autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'").fetchone():
                pytest.skip("the PostgreSQL on 127.0.0.1:5432 has pgvector: no server without it to try")
            conn.execute("DROP DATABASE IF EXISTS verifier_without_pgvector")
            conn.execute("CREATE DATABASE verifier_without_pgvector")
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL on 127.0.0.1:5432 without pgvector to try ({exc})")
    return f"{server}/verifier_without_pgvector"


def test_a_postgresql_without_pgvector_is_named_in_one_line_not_a_traceback():
    env = {**os.environ, "DATABASE_URL": _server_without_pgvector(), "CELERY_BROKER_URL": "memory://"}
    for command in (["migrate"], ["check", "--deploy"], ["check", "--database", "default"]):
        out = subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=300)
        assert out.returncode != 0, command
        assert "claims.E001" in out.stderr and "no pgvector extension" in out.stderr, (command, out.stderr[-2000:])
        assert "Traceback" not in out.stderr, (command, out.stderr[-2000:])
    health = subprocess.run(
        [sys.executable, "-c", "import django, json; django.setup(); from verifier.health import collect_health; "
                               "print(json.dumps(collect_health()['search']))"],
        cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": "verifier.settings"}, capture_output=True, text=True, timeout=120)
    search = json.loads(health.stdout.strip().splitlines()[-1])
    assert search["ok"] is False and "no pgvector extension" in search["detail"]


def _term_counts_agree_with_the_rows() -> dict[str, int]:
    """SearchTermCount (kept by triggers) against a count over the searchable rows themselves."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT term, sum(documents) FROM claims_searchtermcount GROUP BY term HAVING sum(documents) <> 0")
        kept = dict(cursor.fetchall())
        cursor.execute("""
            SELECT term, count(*) FROM (
                SELECT unnest(tsvector_to_array(terms) || ''::text) AS term FROM claims_claimembedding WHERE searchable
                UNION ALL
                SELECT unnest(tsvector_to_array(terms) || ''::text) FROM claims_factcheckembedding) AS t
            GROUP BY term""")
        counted = dict(cursor.fetchall())
    assert kept == counted
    return kept


@pytest.mark.django_db
def test_term_counts_stay_exact_through_embedding_regrouping_and_deleting(editor):
    first, copy, other = embedded_claims([TARGET, COPY, "Heavy rain flooded the subway stations downtown."])
    assert _term_counts_agree_with_the_rows()["unemployment"] == 2
    copies.claims_join([copies.Joining(copy.pk, first.pk, CopyMethod.REWORDED, 0.99)])
    assert _term_counts_agree_with_the_rows()["unemployment"] == 1
    copies.copy_group_lead(claim=copy.pk, actor=editor, reason="the fuller wording")
    counts = _term_counts_agree_with_the_rows()
    assert counts["unemployment"] == 1 and "sept" in counts and "september" not in counts
    other.delete()
    counts = _term_counts_agree_with_the_rows()
    assert "flooded" not in counts and counts[""] == 1
    # A record embedded again (another model) replaces its terms, through the upsert's UPDATE.
    FactCheckEmbedding.objects.all().delete()
    ClaimEmbedding.objects.filter(claim=copy).update(model="an older model")
    retrieval.claims_embed(claim_ids=[copy.pk])
    assert _term_counts_agree_with_the_rows()["unemployment"] == 1
    assert engine().term_stats(["unemployment", "flooded"]) == lexical.TermStats(1, {"unemployment": 1})
