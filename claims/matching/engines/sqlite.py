"""Candidates on SQLite, the one-machine mode of `make run`: FTS5 for words, an exact scan for meaning.

The words are SQLite's own: an FTS5 table that triggers keep in step with the embeddings
(migration 0019), and its `fts5vocab` table for the term counts. The vectors are scanned in
the process: Python's standard sqlite3 module cannot load sqlite-vec, and Django's SQLite
backend is built on it. The scan (claims/matching/vectors.py, int8 codes) is exact and holds
about 400 bytes a record, so this mode is meant for one desk's archive of a few hundred
thousand records (docs/retrieval.md); it is refreshed from the rows embedded or regrouped since
the last look, at most once a second. PostgreSQL keeps nothing in the process.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import numpy as np
from django.db import connection
from django.db.models import Value
from django.utils import timezone

from ... import models
from .. import lexical
from ..records import CLAIM, FACT_CHECK, MODEL, Candidates, Query, joint_text, key_of, kind_of, strip_links
from ..vectors import ExactInt8Index

TERMS = "claims_search_terms"
VOCABULARY = "claims_search_vocabulary"
# A transaction that committed late stamped an earlier time: each refresh looks this far back.
REFRESH_OVERLAP = timedelta(minutes=10)
REFRESH_EVERY_SECONDS = 1.0


def fts_query(terms) -> str:
    return " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)


class SqliteEngine:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        """Forget the scan (tests, another database): the next query loads it again."""
        with self._lock:
            self.indexes = {CLAIM: ExactInt8Index(), FACT_CHECK: ExactInt8Index()}
            self._seen_until = None
            self._refreshed_at = float("-inf")

    # --- the in-process scan, refreshed from the database ------------------------------

    def refresh(self) -> None:
        with self._lock:
            if time.monotonic() - self._refreshed_at < REFRESH_EVERY_SECONDS:
                return
            now = timezone.now()
            since = None if self._seen_until is None else self._seen_until - REFRESH_OVERLAP
            claims = models.ClaimEmbedding.objects.filter(model=MODEL)
            reviews = models.FactCheckEmbedding.objects.filter(model=MODEL)
            if since is not None:
                claims, reviews = claims.filter(embedded_at__gte=since), reviews.filter(embedded_at__gte=since)
            self._load(CLAIM, claims.values_list("claim_id", "vector", "searchable"))
            self._load(FACT_CHECK, reviews.annotate(live=Value(True)).values_list("fact_check_id", "vector", "live"))
            self._seen_until, self._refreshed_at = now, time.monotonic()

    def _load(self, kind: str, rows) -> None:
        index = self.indexes[kind]
        rows = list(rows.iterator(5000))
        index.remove(key_of(kind, pk) for pk, _, searchable in rows if not searchable)
        live = [(key_of(kind, pk), vector) for pk, vector, searchable in rows if searchable]
        if live:
            index.add([key for key, _ in live], np.array([vector for _, vector in live]))

    # --- queries -------------------------------------------------------------------------

    def term_stats(self, terms: list[str]) -> lexical.TermStats:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {TERMS}")
            (documents,) = cursor.fetchone()
            df = {}
            for start in range(0, len(terms), 500):  # SQLite's bound on parameters
                chunk = terms[start:start + 500]
                cursor.execute(f"SELECT term, doc FROM {VOCABULARY} WHERE term IN ({', '.join(['%s'] * len(chunk))})", chunk)
                df.update(cursor.fetchall())
        return lexical.TermStats(int(documents), df)

    def candidates(self, queries: list[Query], *, kinds: tuple[str, ...], exclude: set[int],
                   n: int) -> tuple[list[Candidates], lexical.TermStats]:
        stats = self.term_stats(sorted({term for query in queries for term in query.terms}))
        if not queries or not kinds:
            return [Candidates() for _ in queries], stats
        self.refresh()
        wanted = lambda key: key not in exclude and kind_of(key)[0] in kinds  # noqa: E731
        vectors = np.array([q.vector for q in queries])
        with self._lock:  # each kind's scan, merged by score
            found = [self.indexes[kind].search(vectors, n + len(exclude)) for kind in kinds]
        dense_keys = np.concatenate([keys for keys, _ in found], axis=1)
        dense_scores = np.concatenate([scores for _, scores in found], axis=1)
        chosen = []
        with connection.cursor() as cursor:
            for query, row, scores in zip(queries, dense_keys, dense_scores):
                keys = [int(row[j]) for j in np.argsort(-scores, kind="stable") if row[j] >= 0 and wanted(int(row[j]))][:n]
                terms = lexical.rare_terms(query.terms, stats, lexical.LEXICAL_BUDGET)
                if terms:
                    cursor.execute(f"SELECT rowid FROM {TERMS} WHERE {TERMS} MATCH %s ORDER BY bm25({TERMS}), rowid",
                                   [fts_query(terms)])
                    lexical_keys = [key for (key,) in cursor.fetchall() if wanted(key)][:n]
                    keys = sorted(set(keys) | set(lexical_keys))
                chosen.append(sorted(keys))
        return self._details(queries, chosen), stats

    @staticmethod
    def _details(queries: list[Query], chosen: list[list[int]]) -> list[Candidates]:
        claim_ids = {kind_of(k)[1] for keys in chosen for k in keys if kind_of(k)[0] == CLAIM}
        review_ids = {kind_of(k)[1] for keys in chosen for k in keys if kind_of(k)[0] == FACT_CHECK}
        records = {
            key_of(CLAIM, pk): (text, vector, vector, vector)
            for pk, text, vector in models.ClaimEmbedding.objects.filter(claim_id__in=claim_ids)
            .values_list("claim_id", "claim__text", "vector")
        } | {
            key_of(FACT_CHECK, pk): (joint_text(strip_links(claim), strip_links(headline)), vector, claim_vector,
                                     claim_vector if title_vector is None else title_vector)
            for pk, claim, headline, vector, claim_vector, title_vector in models.FactCheckEmbedding.objects
            .filter(fact_check_id__in=review_ids)
            .values_list("fact_check_id", "fact_check__claim_reviewed", "fact_check__headline", "vector", "claim_vector",
                         "title_vector")
        }
        found = []
        for query, keys in zip(queries, chosen):
            keys = [key for key in keys if key in records]
            texts = [strip_links(records[key][0]) for key in keys]
            vector = query.vector.astype(np.float16).astype(np.float32)  # as PostgreSQL casts it to halfvec
            cosines = np.array([[v @ vector for v in records[key][1:]] for key in keys], dtype=np.float32)
            found.append(Candidates(keys, texts, cosines.reshape(len(keys), 3)))
        return found


ENGINE = SqliteEngine()
