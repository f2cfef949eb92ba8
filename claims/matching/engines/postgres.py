"""Candidates from PostgreSQL: pgvector's HNSW for meaning, GIN over a tsvector for words.

Three round trips a batch of queries, whatever its size: the term counts, the candidates (each
query's dense top-N and lexical top-N in one statement), and the candidates' texts and cosines.
Nothing is cached in the process, so every process sees what another committed a moment ago.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from django.db import connection

from ... import models
from .. import lexical
from ...fields import VectorField
from ..records import CLAIM, FACT_CHECK, MODEL, Candidates, Query, joint_text, strip_links

CLAIMS = models.ClaimEmbedding._meta.db_table
FACT_CHECKS = models.FactCheckEmbedding._meta.db_table
CLAIM_TEXTS = models.Claim._meta.db_table
REVIEWS = models.FactCheck._meta.db_table
TERM_COUNTS = models.SearchTermCount._meta.db_table
_VECTOR = VectorField()


def tsquery(terms) -> str:
    """A tsquery of our own lexemes, OR-ed, quoted so that no parser touches them."""
    return " | ".join("'" + term.replace("\\", "\\\\").replace("'", "''") + "'" for term in terms)


def vector_text(vector: np.ndarray) -> str:
    return _VECTOR.get_db_prep_value(vector, connection)


class PostgresEngine:
    def term_stats(self, terms: list[str]) -> lexical.TermStats:
        """The records searched, and how many hold each term: rows of SearchTermCount by primary key
        (triggers keep them exact in every writing transaction), never a count over postings."""
        sql = f"SELECT term, sum(documents) FROM {TERM_COUNTS} WHERE term = ANY(%s) GROUP BY term"
        with connection.cursor() as cursor:
            cursor.execute(sql, [["", *terms]])
            counts = {term: int(n) for term, n in cursor.fetchall() if n > 0}
        return lexical.TermStats(counts.pop("", 0), counts)

    def candidates(self, queries: list[Query], *, kinds: tuple[str, ...], exclude: set[int],
                   n: int) -> tuple[list[Candidates], lexical.TermStats]:
        stats = self.term_stats(sorted({term for query in queries for term in query.terms}))
        if not queries or not kinds:
            return [Candidates() for _ in queries], stats
        want = n + len(exclude)
        vectors = [vector_text(query.vector) for query in queries]
        parts, params = [], []
        tables = [(table, key, where) for kind, table, key, where in (
            (CLAIM, CLAIMS, "claim_id * 2", "searchable"), (FACT_CHECK, FACT_CHECKS, "fact_check_id * 2 + 1", "true"),
        ) if kind in kinds]
        for table, key, where in tables:
            # Each query's nearest records by inner product (unit vectors: cosine), through HNSW.
            parts.append(f"""
                SELECT q.i::int, 0, d.key, d.score FROM unnest(%s::text[]) WITH ORDINALITY AS q(v, i)
                CROSS JOIN LATERAL (
                    SELECT {key} AS key, -(vector <#> q.v::halfvec) AS score FROM {table}
                    WHERE {where} AND model = %s ORDER BY vector <#> q.v::halfvec LIMIT %s
                ) AS d""")
            params += [vectors, MODEL, want]
        for i, query in enumerate(queries, start=1):
            terms = lexical.rare_terms(query.terms, stats, lexical.LEXICAL_BUDGET)
            if not terms:
                continue
            weight = " + ".join(["(terms @@ %s::tsquery)::int * %s"] * len(terms))
            weights = [value for term in terms for value in (tsquery([term]), stats.idf(term))]
            for table, key, where in tables:
                # The records holding the query's rarest terms, the rarer the better.
                parts.append(f"""
                    (SELECT %s, 1, {key}, {weight} FROM {table} WHERE {where} AND terms @@ %s::tsquery
                     ORDER BY 4 DESC, 3 LIMIT %s)""")
                params += [i, *weights, tsquery(terms), want]
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            rows = cursor.fetchall()
        chosen = self._choose(rows, len(queries), exclude, n)
        return self._details(chosen, vectors), stats

    @staticmethod
    def _choose(rows, count: int, exclude: set[int], n: int) -> list[list[int]]:
        """Per query: its dense top-n and its lexical top-n (each best first, ties by key), merged."""
        sides: dict[tuple[int, int], list[tuple[float, int]]] = defaultdict(list)
        for i, side, key, score in rows:
            if key not in exclude:
                sides[(i, side)].append((-float(score), key))
        chosen = []
        for i in range(1, count + 1):
            keys = set()
            for side in (0, 1):
                keys.update(key for _, key in sorted(sides[(i, side)])[:n])
            chosen.append(sorted(keys))
        return chosen

    @staticmethod
    def _details(chosen: list[list[int]], vectors: list[str]) -> list[Candidates]:
        pairs = [(i, key) for i, keys in enumerate(chosen, start=1) for key in keys]
        found = [Candidates() for _ in chosen]
        if not pairs:
            return found
        sql = f"""
            WITH c(i, key) AS (SELECT * FROM unnest(%s::int[], %s::bigint[])),
                 q(v, i) AS (SELECT v::halfvec, i FROM unnest(%s::text[]) WITH ORDINALITY AS u(v, i))
            SELECT c.i, c.key, t.text, '', -(e.vector <#> q.v), -(e.vector <#> q.v), -(e.vector <#> q.v)
            FROM c JOIN q ON q.i = c.i JOIN {CLAIMS} e ON c.key %% 2 = 0 AND e.claim_id = c.key / 2
            JOIN {CLAIM_TEXTS} t ON t.id = e.claim_id
            UNION ALL
            SELECT c.i, c.key, r.claim_reviewed, r.headline, -(f.vector <#> q.v), -(f.claim_vector <#> q.v),
                   -(coalesce(f.title_vector, f.claim_vector) <#> q.v)
            FROM c JOIN q ON q.i = c.i JOIN {FACT_CHECKS} f ON c.key %% 2 = 1 AND f.fact_check_id = c.key / 2
            JOIN {REVIEWS} r ON r.id = f.fact_check_id
            ORDER BY 1, 2
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, [[i for i, _ in pairs], [key for _, key in pairs], vectors])
            rows = cursor.fetchall()

        cosines: dict[int, list] = defaultdict(list)
        for i, key, text, headline, *cos in rows:
            found[i - 1].keys.append(key)
            found[i - 1].texts.append(joint_text(strip_links(text), strip_links(headline)))
            cosines[i - 1].append(cos)
        for i, rows_of in cosines.items():
            found[i].cosines = np.array(rows_of, dtype=np.float32)
        return found


ENGINE = PostgresEngine()
