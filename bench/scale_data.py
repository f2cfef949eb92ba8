"""A desk's archive of N claims, loaded straight into PostgreSQL (bench/scale.py and its test).

The shape of a working desk, from generate_series on the server (no row passes through Python):
- 40 claims an article, over thousands of publishers (one per 8 articles, at most 5,000), two
  years of copy, oldest first;
- every third article is a wire copy of the one before: its first 30 claims are copies of that
  article's claims (same text, the lead's status), the rest its own; a quarter of all claims are
  copies;
- texts are real sentences varied (bench/retrieval_corpus.py's base: a sentence and a clause of
  another), so words keep their real frequencies for search;
- levels in a news desk's proportions; statuses: most closed (verdicts), a few thousand open,
  recent ones; 2% of verdicts due for re-check;
- three history rows a verdict, evidence on half the verdicts, a published verdict on a tenth, a
  suggested match a 50 claims, an embedding and search terms on every claim (the lead's
  searchable), a copy key a lead, and imported fact-checks (one a 100 claims) with embeddings.

Indexes are dropped for the load and built after it, as a restore would; the statement triggers
(search term counts, the desk's tallies, the Sourcing report's ledger) are off for the load and
their tables filled in one statement each.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass

CLAIMS_PER_ARTICLE = 40
COPIED_PER_COPY_ARTICLE = 30
REVIEWERS = 20
EDITORS = 3
CHUNK = 500_000  # claims a statement (a multiple of CLAIMS_PER_ARTICLE)

# attribution level: its share of claims, per thousand (a news desk's mix)
LEVELS = (
    ("unattributed", 300), ("named_person", 250), ("official", 150), ("other_outlet", 80),
    ("vague", 80), ("anonymous", 70), ("document", 70),
)
# closed leads: verdict, per hundred
VERDICT_SHARES = (("corroborated", 35), ("disputed", 10), ("refuted", 20), ("unverifiable", 35))
# open leads: status, per ten
OPEN_SHARES = (("unverified", 4), ("queued", 3), ("in_review", 2), ("needs_recheck", 1))
FIRST_NAMES = (
    "Maria James Ana David Fatima John Li Aisha Carlos Emma Olga Ahmed Sofia Peter Mei Juan Grace Ivan Nadia Tom "
    "Elena Omar Sara Paul Lucia Kenji Amara Diego Hana Victor"
).split()
LAST_NAMES = (
    "Okafor Schmidt Tanaka Moreau Rossi Novak Haddad Kowalski Lindqvist Petrov Mensah Garcia Nakamura Dubois "
    "Fischer Silva Kaur Ibrahim Jensen Costa Varga Murphy Chen Abadi Romero Sato Nieminen Walsh Bianchi Ortiz "
    "Kariuki Horvat Yilmaz Duarte Lambert Osei Larsen Mehta Quinn Falk"
).split()
PLACES = (
    "Riverton Lakeside Northfield Harbor Eastgate Westbrook Summit Valley Bayview Highland Fairmont Kingsport "
    "Ashford Brookhaven Clearwater Redhill"
).split()
PAPERS = "Herald Gazette Courier Tribune Post Times Observer Chronicle Ledger Sentinel Dispatch Record".split()


@dataclass(frozen=True)
class Shape:
    claims: int

    @property
    def articles(self) -> int:
        return math.ceil(self.claims / CLAIMS_PER_ARTICLE)

    @property
    def publishers(self) -> int:
        return min(5000, max(20, self.articles // 8))

    @property
    def speakers(self) -> int:
        return max(200, self.claims // 500)

    @property
    def open_claims(self) -> int:
        """About this many open leads (a few thousand at any size past 100k)."""
        return 1000 + self.claims // 5000

    @property
    def fact_checks(self) -> int:
        return max(100, self.claims // 100)


def _h(expr: str, salt: int, modulo: int) -> str:
    """A deterministic pseudo-random 0..modulo-1 from an integer SQL expression."""
    return f"((hashint8(({expr}) * 31 + {salt}) & 2147483647) % {modulo})"


def _cases(expr: str, shares: tuple[tuple[str, int], ...]) -> str:
    parts, edge = [], 0
    for value, share in shares[:-1]:
        edge += share
        parts.append(f"WHEN {expr} < {edge} THEN '{value}'")
    return f"CASE {' '.join(parts)} ELSE '{shares[-1][0]}' END"


def load_base(cursor, *, sentences: list[str], vectors) -> int:
    """The real sentences (tokens, a clause, vectors) in a side table the claims are made from."""
    from pgvector import HalfVector
    from pgvector.psycopg import register_vector

    from claims.matching.lexical import tokens

    register_vector(cursor.connection)  # the raw psycopg connection (Django's cursor passes it through)
    cursor.execute("DROP TABLE IF EXISTS bench_base")
    cursor.execute("CREATE TABLE bench_base (id int PRIMARY KEY, text text, terms text[], clause text, "
                   "clause_terms text[], vector halfvec(384))")
    with cursor.connection.cursor() as raw, raw.copy("COPY bench_base FROM STDIN WITH (FORMAT BINARY)") as copy:
        copy.set_types(["int4", "text", "text[]", "text", "text[]", "halfvec"])
        for i, (text, vector) in enumerate(zip(sentences, vectors)):
            words = text.split()
            clause = " ".join(words[: max(3, len(words) // 3)])
            copy.write_row([i, text, tokens(text), clause, tokens(clause), HalfVector(vector)])
    return len(sentences)


BIG_TABLES = (
    "claims_claim", "claims_article", "claims_statuschange", "claims_claimembedding", "claims_copykey",
    "claims_evidence", "claims_publishedverdict", "claims_claimmatch", "claims_factcheck", "claims_factcheckembedding",
)


def secondary_indexes(cursor) -> list[tuple[str, str]]:
    """(name, definition) of the big tables' indexes that no constraint owns."""
    cursor.execute(
        """SELECT i.indexname, i.indexdef FROM pg_indexes i
           WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
           ORDER BY i.indexdef LIKE '%%hnsw%%', i.tablename, i.indexname""",
        [list(BIG_TABLES)],
    )
    return list(cursor.fetchall())


def hnsw_build_memory_mb(shape: Shape) -> int:
    """Room for the leads' HNSW graph (about 1.4 kB a vector at m = 16), within 60% of the RAM."""
    ram_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    return int(max(1024, min(ram_mb * 0.6, shape.claims * 0.75 * 1.4 / 1024)))


def load(cursor, shape: Shape, *, base_count: int, model: str, vector_index: bool = True, log=lambda *_: None) -> dict:
    """Fill an empty, migrated database with `shape`'s archive; returns timings (seconds).

    Without `vector_index` the HNSW indexes are left out (their build dominates at 10M)."""
    timings: dict[str, float] = {}

    def step(name: str, sql: str) -> None:
        t0 = time.perf_counter()
        cursor.execute(sql)
        timings[name] = round(timings.get(name, 0.0) + time.perf_counter() - t0, 1)

    cursor.execute("SET maintenance_work_mem = '1GB'")
    cursor.execute("SET session_replication_role = replica")  # no FK or term-count triggers during the load
    indexes = secondary_indexes(cursor)
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    users = _users(cursor)
    sources = _sources(cursor, shape)
    n, b = shape.claims, base_count
    t0 = time.perf_counter()
    for lo in range(1, n + 1, CHUNK):
        hi = min(n, lo + CHUNK - 1)
        step("claims", _claims_sql(shape, lo, hi, b, users, sources))
        step("articles", _articles_sql(shape, lo, hi, sources))
        step("history", _history_sql(lo, hi, users))
        step("embeddings", _embeddings_sql(lo, hi, b, model))
        log(f"claims {hi:,} of {n:,} ({time.perf_counter() - t0:.0f} s)")
    step("copy_keys", "INSERT INTO claims_copykey (key, claim_id) SELECT md5(text), id FROM claims_claim "
                      "WHERE copy_of_id IS NULL ON CONFLICT DO NOTHING")
    step("evidence", f"""
        INSERT INTO claims_evidence (stance, url, note, created_at, added_by_id, claim_id, is_suggestion,
            withdrawal_reason, source_id)
        SELECT CASE WHEN status = 'refuted' THEN 'refutes' ELSE 'supports' END,
               'https://records.example.org/' || id, 'checked against the record', verdict_at - interval '1 hour',
               assignee_id, id, false, '', NULL
        FROM claims_claim
        WHERE copy_of_id IS NULL AND verdict_at IS NOT NULL AND {_h('id', 11, 2)} = 0""")
    step("published", f"""
        INSERT INTO claims_publishedverdict (claim_id, verdict, explanation, published_at, modified_at, withdrawn_reason)
        SELECT id, status, 'Checked against the record.', verdict_at, verdict_at, ''
        FROM claims_claim
        WHERE copy_of_id IS NULL AND status IN ('corroborated', 'refuted', 'disputed') AND {_h('id', 13, 10)} = 0""")
    step("matches", f"""
        INSERT INTO claims_claimmatch (score, stance, method, status, propagated_verdict, created_at, claim_a_id, claim_b_id)
        SELECT 0.8, 'same', 'embedding', 'suggested', '', created_at, id - 40 * 7, id
        FROM claims_claim WHERE id > 280 AND copy_of_id IS NULL AND {_h('id', 17, 50)} = 0""")
    step("fact_checks", _fact_checks_sql(shape, b, model))
    step("term_counts", """
        INSERT INTO claims_searchtermcount (term, shard, documents)
        SELECT term, 0, count(*) FROM (
            SELECT unnest(tsvector_to_array(terms) || ''::text) AS term FROM claims_claimembedding WHERE searchable
            UNION ALL SELECT unnest(tsvector_to_array(terms) || ''::text) FROM claims_factcheckembedding
        ) AS t GROUP BY term""")
    step("tallies", """
        INSERT INTO claims_claimtally (dimension, value, claims)
        SELECT 'status', status, count(*) FROM claims_claim WHERE copy_of_id IS NULL GROUP BY status
        UNION ALL SELECT 'attribution_level', attribution_level, count(*) FROM claims_claim
        WHERE copy_of_id IS NULL GROUP BY attribution_level""")
    from claims.reports.facts import rebuild_statements

    for statement in rebuild_statements():  # the Sourcing report's ledger, folded
        step("sourcing_tallies", statement)
    cursor.execute("SET session_replication_role = DEFAULT")
    for table in ("claims_claim", "claims_article", "claims_statuschange", "claims_evidence", "claims_claimmatch",
                  "claims_factcheck", "sources_source"):
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    cursor.execute("SET max_parallel_maintenance_workers = 2")
    for name, definition in indexes:
        if "hnsw" in definition and not vector_index:
            continue
        if "hnsw" in definition:  # the graph built in memory (on disk it takes many times longer)
            cursor.execute(f"SET maintenance_work_mem = '{hnsw_build_memory_mb(shape)}MB'")
        step("index_hnsw" if "hnsw" in definition else "indexes", definition)
    for table in (*BIG_TABLES, "sources_source", "claims_searchtermcount"):
        step("analyze", f"VACUUM ANALYZE {table}")
    return timings


def _users(cursor) -> dict[str, list[int]]:
    """Reviewers and editors (in their role groups), as make run's users are."""
    out: dict[str, list[int]] = {}
    for role, count in (("reviewers", REVIEWERS), ("editors", EDITORS)):
        cursor.execute("SELECT id FROM auth_group WHERE name = %s", [role])
        group_id = cursor.fetchone()[0]
        ids = []
        for i in range(count):
            cursor.execute(
                """INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff,
                       is_active, date_joined)
                   VALUES ('!', false, %s, '', '', %s, true, true, now()) RETURNING id""",
                [f"scale-{role[:-1]}-{i}", f"scale-{role[:-1]}-{i}@desk.example"],
            )
            ids.append(cursor.fetchone()[0])
            cursor.execute("INSERT INTO auth_user_groups (user_id, group_id) VALUES (%s, %s)", [ids[-1], group_id])
        out[role] = ids
    return out


def speaker_name(i: int) -> str:
    first, last = FIRST_NAMES[i % len(FIRST_NAMES)], LAST_NAMES[(i // len(FIRST_NAMES)) % len(LAST_NAMES)]
    round_ = i // (len(FIRST_NAMES) * len(LAST_NAMES))
    return f"{first} {chr(65 + round_ % 26)}. {last}" if round_ else f"{first} {last}"


def publisher_name(i: int) -> str:
    place, paper = PLACES[i % len(PLACES)], PAPERS[(i // len(PLACES)) % len(PAPERS)]
    round_ = i // (len(PLACES) * len(PAPERS))
    return f"The {place} {paper}" + (f" {round_ + 1}" if round_ else "")


def _sources(cursor, shape: Shape) -> dict[str, int]:
    """Publishers (outlets) then speakers (people and offices); returns each range's first id."""
    from sources.normalize import normalize_name

    rows = [("outlet", publisher_name(i)) for i in range(shape.publishers)]
    rows += [("government" if i % 5 == 0 else "person", speaker_name(i)) for i in range(shape.speakers)]
    with cursor.copy("COPY sources_source (kind, name, normalized_name, created_at, updated_at) FROM STDIN") as copy:
        for kind, name in rows:
            copy.write_row([kind, name, normalize_name(name), "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z"])
    cursor.execute("SELECT min(id) FROM sources_source WHERE kind = 'outlet'")
    first_publisher = cursor.fetchone()[0]
    return {"publisher": first_publisher, "speaker": first_publisher + shape.publishers}


def _claims_sql(shape: Shape, lo: int, hi: int, b: int, users: dict, sources: dict) -> str:
    n = shape.claims
    per = CLAIMS_PER_ARTICLE
    reviewers = users["reviewers"]
    is_open = f"(src > {n} - 20 * {shape.open_claims} AND {_h('src', 2, 20)} = 0)"
    status = (f"CASE WHEN {is_open} THEN {_cases(_h('src', 3, 10), OPEN_SHARES)} "
              f"ELSE {_cases(_h('src', 4, 100), VERDICT_SHARES)} END")
    level = _cases(_h("src", 1, 1000), LEVELS)
    return f"""
    INSERT INTO claims_claim (id, article_id, start, "end", text, attribution_level, speaker_text, cue, reason,
        status, priority, recheck_after, verdict_at, status_changed_at, version, created_at, updated_at,
        assignee_id, speaker_id, via_outlet_id, check_worthiness, check_worthiness_version, attribution_differs,
        copy_method, copy_of_id, copy_score, copy_split)
    WITH g AS (
        SELECT i, (i - 1) / {per} + 1 AS art, (i - 1) % {per} AS pos,
               CASE WHEN ((i - 1) / {per} + 1) % 3 = 0 AND (i - 1) % {per} < {COPIED_PER_COPY_ARTICLE}
                    THEN i - {per} ELSE i END AS src,
               now() - interval '730 days' * (1 - i::float8 / {n}) AS at
        FROM generate_series({lo}::bigint, {hi}) AS i
    ), t AS (
        SELECT g.*, a.text || ' ' || c.clause AS text, {level} AS level, {status} AS status,
               {_h('src', 5, shape.speakers)} AS speaker, {_h('src', 6, shape.publishers)} AS outlet
        FROM g
        JOIN bench_base a ON a.id = (g.src * 7919) % {b}
        JOIN bench_base c ON c.id = (g.src * 104729 + 13 + g.src / {b}) % {b}
    ), s AS (
        SELECT t.*, sum(length(t.text) + 1) OVER (PARTITION BY t.art ORDER BY t.pos) - length(t.text) - 1 AS start,
               CASE WHEN t.level IN ('named_person', 'official') THEN {sources['speaker']} + t.speaker
                    WHEN t.level = 'other_outlet' THEN {sources['publisher']} + t.outlet END AS speaker_id
        FROM t
    )
    SELECT s.i, s.art, s.start, s.start + length(s.text), s.text, s.level,
           CASE WHEN s.speaker_id IS NOT NULL THEN sp.name WHEN s.level = 'vague' THEN 'analysts'
                WHEN s.level = 'anonymous' THEN 'a senior official' WHEN s.level = 'document' THEN 'the court filing'
                ELSE '' END,
           CASE WHEN s.level = 'unattributed' THEN '' ELSE 'said' END, '',
           s.status, {_h('src', 7, 100)},
           CASE WHEN s.src = s.i AND s.status IN ('corroborated', 'disputed', 'refuted', 'unverifiable') THEN
                CASE WHEN {_h('src', 8, 50)} = 0 THEN now() - interval '1 hour'
                     ELSE now() + interval '1 day' * (1 + {_h('src', 9, 365)}) END END,
           CASE WHEN s.status IN ('corroborated', 'disputed', 'refuted', 'unverifiable')
                THEN s.at + interval '2 days' END,
           s.at + interval '1 day', CASE WHEN s.status = 'unverified' THEN 1 ELSE 4 END, s.at, s.at + interval '2 days',
           CASE WHEN s.status = 'unverified' THEN NULL ELSE {reviewers[0]} + {_h('src', 10, len(reviewers))} END,
           s.speaker_id, CASE WHEN s.level = 'other_outlet' THEN s.speaker_id END,
           {_h('src', 12, 1000)} / 1000.0, 'bench', false,
           CASE WHEN s.src <> s.i THEN 'same_text' ELSE '' END, NULLIF(s.src, s.i), NULL, false
    FROM s LEFT JOIN sources_source sp ON sp.id = s.speaker_id"""


def _articles_sql(shape: Shape, lo: int, hi: int, sources: dict) -> str:
    per = CLAIMS_PER_ARTICLE
    return f"""
    INSERT INTO claims_article (id, title, url, published_at, body, content_sha256, is_current, extraction_status,
        extraction_error, extractor_version, extraction_attempts, extracted_at, created_at, updated_at,
        publisher_id, matched_at, extraction_worker, copy_of_id, copy_share)
    SELECT article_id, left(min(text) FILTER (WHERE start = 0), 120),
           'https://news.example/' || {sources['publisher']} + {_h('article_id', 20, shape.publishers)} || '/' || article_id,
           min(created_at), string_agg(text, ' ' ORDER BY start), md5(article_id::text) || md5('body' || article_id),
           true, 'done', '', 'bench', 1, min(created_at), min(created_at), min(created_at),
           {sources['publisher']} + {_h('article_id', 20, shape.publishers)}, min(created_at), '',
           CASE WHEN article_id % 3 = 0 THEN article_id - 1 END,
           CASE WHEN article_id % 3 = 0 THEN {COPIED_PER_COPY_ARTICLE / per} END
    FROM claims_claim WHERE id BETWEEN {lo} AND {hi} GROUP BY article_id"""


def _history_sql(lo: int, hi: int, users: dict) -> str:
    # unverified -> queued -> in_review -> its status now, as far as each claim went
    return f"""
    INSERT INTO claims_statuschange (from_status, to_status, note, at, actor_id, claim_id, kind)
    SELECT h.from_status, h.to_status, '', c.created_at + h.step * interval '8 hours',
           CASE WHEN h.step = 1 THEN NULL ELSE c.assignee_id END, c.id, 'transition'
    FROM claims_claim c
    CROSS JOIN LATERAL (VALUES (1, 'unverified', 'queued'), (2, 'queued', 'in_review'), (3, 'in_review', c.status))
        AS h(step, from_status, to_status)
    WHERE c.id BETWEEN {lo} AND {hi} AND c.status <> 'unverified'
      AND (h.step = 1 OR c.status <> 'queued') AND (h.step < 3 OR c.status NOT IN ('queued', 'in_review'))"""


def _literal(text: str) -> str:
    if "'" in text or "\\" in text:
        raise ValueError(f"not a plain literal: {text!r}")
    return f"'{text}'"


QUARTER = "'[" + ",".join(["0.25"] * 384) + "]'"


def _embeddings_sql(lo: int, hi: int, b: int, model: str) -> str:
    return f"""
    INSERT INTO claims_claimembedding (claim_id, model, embedded_at, vector, terms, searchable)
    SELECT c.id, {_literal(model)}, c.created_at, mix.v, array_to_tsvector(ARRAY(SELECT DISTINCT unnest(a.terms || d.clause_terms))),
           c.copy_of_id IS NULL
    FROM claims_claim c
    CROSS JOIN LATERAL (SELECT coalesce(c.copy_of_id, c.id) AS src) AS k
    JOIN bench_base a ON a.id = (k.src * 7919) % {b}
    JOIN bench_base d ON d.id = (k.src * 104729 + 13 + k.src / {b}) % {b}
    CROSS JOIN LATERAL (SELECT l2_normalize(a.vector::vector + d.vector::vector * {QUARTER}::vector)::halfvec AS v) AS mix
    WHERE c.id BETWEEN {lo} AND {hi}"""


def _fact_checks_sql(shape: Shape, b: int, model: str) -> str:
    f = shape.fact_checks
    return f"""
    WITH fc AS (
        INSERT INTO claims_factcheck (id, url, claim_reviewed, headline, rating_name, rating_value, best_rating,
            worst_rating, author_name, author_url, date_published, item_author, appearance_urls, raw, imported_at,
            updated_at)
        SELECT i, 'https://factcheck.example.org/' || i, a.text, 'Fact check: ' || d.clause,
               (ARRAY['False', 'Mostly False', 'Misleading', 'True', 'Pants on Fire'])[1 + i % 5], '', '', '',
               'Partner Checks', 'https://factcheck.example.org/', (now() - interval '1 day' * (i % 900))::date, '',
               '[]', '{{}}', now(), now()
        FROM generate_series(1, {f}) AS i
        JOIN bench_base a ON a.id = (i * 6151) % {b}
        JOIN bench_base d ON d.id = (i * 3571 + 7) % {b}
        RETURNING id
    )
    INSERT INTO claims_factcheckembedding (fact_check_id, model, embedded_at, vector, claim_vector, title_vector, terms)
    SELECT fc.id, {_literal(model)}, now(), a.vector, a.vector, d.vector,
           array_to_tsvector(ARRAY(SELECT DISTINCT unnest(a.terms || d.clause_terms)))
    FROM fc JOIN bench_base a ON a.id = (fc.id * 6151) % {b} JOIN bench_base d ON d.id = (fc.id * 3571 + 7) % {b}"""
