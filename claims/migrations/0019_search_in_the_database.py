"""Retrieval moves into the database's own engines (claims/matching/engines/).

PostgreSQL: the pgvector extension; halfvec columns with an HNSW index for meaning, a
tsvector with a GIN index for words, both partial on `searchable` (a copy group's lead) for
claims; and a table of how many searchable records hold each term, kept exact by statement
triggers. SQLite: the same float16 values as blobs, and an FTS5 table kept in step by triggers
(a later migration that remakes these tables on SQLite must create its triggers again).

The stored int8 codes move into the new columns as they are (no re-embedding): each code times
1/254, rounded to half precision. Search terms are computed from the texts.
"""

import re

import numpy as np
from django.db import migrations, models

import claims.fields

INT8_SCALE = 1.0 / 254.0  # claims/matching/vectors.py as of 0011: codes = rint(x * 254)
BATCH = 2000
# The search terms as claims/matching/lexical.py and retrieval.py made them when this migration
# was written (a migration keeps the behaviour of its day).
_URL = re.compile(r"(?:https?://|www\.|pic\.twitter\.com/)\S*", re.IGNORECASE)
_WORD = re.compile(r"(?u)\b[^\W_][^\W_]+\b")
_STOP = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their then there these "
    "they this to was will with".split()
)


def tokens(text: str) -> list[str]:
    return [w for w in (m.lower() for m in _WORD.findall(_URL.sub(" ", text or ""))) if w not in _STOP]


def joint_text(claim: str, headline: str) -> str:
    return f"{claim} {headline}".strip() if headline else claim

# A wider build than pgvector's default (ef_construction 64) for recall@50 >= 0.98 at 1M (docs/retrieval.md).
HNSW = "m = 16, ef_construction = 128"
POSTGRES_INDEXES = [
    # Unit vectors: inner product is cosine, and cheaper. HNSW by measurement (docs/retrieval.md).
    f"CREATE INDEX claims_claimembedding_search_vector ON claims_claimembedding USING hnsw (vector halfvec_ip_ops) "
    f"WITH ({HNSW}) WHERE searchable",
    "CREATE INDEX claims_claimembedding_search_terms ON claims_claimembedding USING gin (terms) WHERE searchable",
    f"CREATE INDEX claims_factcheckembedding_search_vector ON claims_factcheckembedding USING hnsw (vector halfvec_ip_ops) "
    f"WITH ({HNSW})",
    "CREATE INDEX claims_factcheckembedding_search_terms ON claims_factcheckembedding USING gin (terms)",
    # A fact-check's three vectors (2.3 kB) would otherwise be compressed and moved out of line.
    "ALTER TABLE claims_claimembedding ALTER COLUMN vector SET STORAGE PLAIN",
    "ALTER TABLE claims_factcheckembedding ALTER COLUMN vector SET STORAGE PLAIN, "
    "ALTER COLUMN claim_vector SET STORAGE PLAIN, ALTER COLUMN title_vector SET STORAGE PLAIN",
]
SHARDS = 16


def term_count_triggers(table: str, searchable: str) -> list[str]:
    """Statement triggers that keep claims_searchtermcount exact for one embedding table."""
    def rows(transition: str, sign: int) -> str:
        return (f"SELECT unnest(tsvector_to_array(terms) || ''::text) AS term, {sign} AS delta "
                f"FROM {transition} WHERE {searchable}")

    def upsert(source: str) -> str:
        # Sorted terms: concurrent writers take the rows' locks in one order.
        return (f"INSERT INTO claims_searchtermcount AS c (term, shard, documents) "
                f"SELECT term, (pg_backend_pid() % {SHARDS})::smallint, sum(delta) FROM ({source}) AS d "
                f"GROUP BY term HAVING sum(delta) <> 0 ORDER BY term "
                f"ON CONFLICT (term, shard) DO UPDATE SET documents = c.documents + excluded.documents;")

    function = f"{table}_count_terms"
    body = (f"BEGIN IF TG_OP = 'INSERT' THEN {upsert(rows('new_rows', 1))} "
            f"ELSIF TG_OP = 'UPDATE' THEN {upsert(rows('new_rows', 1) + ' UNION ALL ' + rows('old_rows', -1))} "
            f"ELSE {upsert(rows('old_rows', -1))} END IF; RETURN NULL; END")
    return [
        f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $${body}$$",
        f"CREATE TRIGGER {table}_terms_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        f"CREATE TRIGGER {table}_terms_update AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        f"CREATE TRIGGER {table}_terms_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        # What is there already, counted once.
        f"INSERT INTO claims_searchtermcount AS c (term, shard, documents) "
        f"SELECT term, 0, count(*) FROM (SELECT unnest(tsvector_to_array(terms) || ''::text) AS term FROM {table} "
        f"WHERE {searchable}) AS d GROUP BY term "
        f"ON CONFLICT (term, shard) DO UPDATE SET documents = c.documents + excluded.documents",
    ]


POSTGRES_INDEXES += [
    *term_count_triggers("claims_claimembedding", "searchable"),
    *term_count_triggers("claims_factcheckembedding", "true"),
]
POSTGRES_DROP = [
    *(f"DROP TRIGGER IF EXISTS {table}_terms_{event} ON {table}" for table in ("claims_claimembedding", "claims_factcheckembedding")
      for event in ("insert", "update", "delete")),
    "DROP FUNCTION IF EXISTS claims_claimembedding_count_terms()",
    "DROP FUNCTION IF EXISTS claims_factcheckembedding_count_terms()",
    "DROP INDEX IF EXISTS claims_claimembedding_search_vector",
    "DROP INDEX IF EXISTS claims_claimembedding_search_terms",
    "DROP INDEX IF EXISTS claims_factcheckembedding_search_vector",
    "DROP INDEX IF EXISTS claims_factcheckembedding_search_terms",
]


def sqlite_search_tables(table: str, key: str, searchable: str) -> list[str]:
    return [
        f"""CREATE TRIGGER {table}_search_insert AFTER INSERT ON {table} WHEN {searchable.format(row='new')}
            BEGIN INSERT INTO claims_search_terms(rowid, terms) VALUES ({key.format(row='new')}, new.terms); END""",
        f"""CREATE TRIGGER {table}_search_update AFTER UPDATE ON {table}
            BEGIN DELETE FROM claims_search_terms WHERE rowid = {key.format(row='old')};
                  INSERT INTO claims_search_terms(rowid, terms) SELECT {key.format(row='new')}, new.terms
                  WHERE {searchable.format(row='new')}; END""",
        f"""CREATE TRIGGER {table}_search_delete AFTER DELETE ON {table}
            BEGIN DELETE FROM claims_search_terms WHERE rowid = {key.format(row='old')}; END""",
        f"INSERT INTO claims_search_terms(rowid, terms) SELECT {key.format(row=table)}, terms FROM {table} "
        f"WHERE {searchable.format(row=table)}",
    ]


SQLITE_TABLES = [
    # Our tokens are already words of letters and digits: FTS5 only splits them on the spaces.
    "CREATE VIRTUAL TABLE claims_search_terms USING fts5(terms, tokenize = 'unicode61 remove_diacritics 0')",
    "CREATE VIRTUAL TABLE claims_search_vocabulary USING fts5vocab(claims_search_terms, 'row')",
    *sqlite_search_tables("claims_claimembedding", "{row}.claim_id * 2", "{row}.searchable"),
    *sqlite_search_tables("claims_factcheckembedding", "{row}.fact_check_id * 2 + 1", "1"),
]
SQLITE_DROP = [
    *(f"DROP TRIGGER IF EXISTS {table}_search_{event}" for table in ("claims_claimembedding", "claims_factcheckembedding")
      for event in ("insert", "update", "delete")),
    "DROP TABLE IF EXISTS claims_search_vocabulary",
    "DROP TABLE IF EXISTS claims_search_terms",
]


def enable_pgvector(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
        if cursor.fetchone() is None:
            from claims.checks import PGVECTOR_MISSING

            raise RuntimeError(PGVECTOR_MISSING)
        cursor.execute("CREATE EXTENSION IF NOT EXISTS vector")


def from_codes(blob) -> np.ndarray:
    return np.frombuffer(bytes(blob), dtype=np.int8).astype(np.float32) * INT8_SCALE


def move_codes(apps, schema_editor):
    connection = schema_editor.connection
    vector = claims.fields.VectorField()
    terms = claims.fields.TermsField()
    placeholder = terms.get_placeholder(None, None, connection)
    cast = "::halfvec" if connection.vendor == "postgresql" else ""

    def prep(value):
        return None if value is None else vector.get_db_prep_value(value, connection)

    def words(text):
        return terms.get_db_prep_value(tokens(text), connection)

    ClaimEmbedding = apps.get_model("claims", "ClaimEmbedding")
    FactCheckEmbedding = apps.get_model("claims", "FactCheckEmbedding")
    last = 0
    with connection.cursor() as cursor:
        while True:
            rows = list(ClaimEmbedding.objects.filter(claim_id__gt=last).order_by("claim_id")
                        .values_list("claim_id", "codes", "claim__text", "claim__copy_of_id")[:BATCH])
            if not rows:
                break
            cursor.executemany(
                f"UPDATE claims_claimembedding SET vector = %s{cast}, terms = {placeholder}, searchable = %s WHERE claim_id = %s",
                [(prep(from_codes(codes)), words(text), copy_of is None, pk) for pk, codes, text, copy_of in rows],
            )
            last = rows[-1][0]
        last = 0
        while True:
            rows = list(FactCheckEmbedding.objects.filter(fact_check_id__gt=last).order_by("fact_check_id").values_list(
                "fact_check_id", "codes", "claim_codes", "title_codes", "fact_check__claim_reviewed", "fact_check__headline",
            )[:BATCH])
            if not rows:
                break
            cursor.executemany(
                f"UPDATE claims_factcheckembedding SET vector = %s{cast}, claim_vector = %s{cast}, title_vector = %s{cast}, "
                f"terms = {placeholder} WHERE fact_check_id = %s",
                [(prep(from_codes(codes)), prep(from_codes(claim_codes)), prep(from_codes(title_codes) if title_codes else None),
                  words(joint_text(claim, headline)), pk)
                 for pk, codes, claim_codes, title_codes, claim, headline in rows],
            )
            last = rows[-1][0]


def create_search_indexes(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = POSTGRES_INDEXES if vendor == "postgresql" else SQLITE_TABLES if vendor == "sqlite" else []
    for statement in statements:
        schema_editor.execute(statement, params=None)  # no placeholders: a literal % stays itself


def drop_search_indexes(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = POSTGRES_DROP if vendor == "postgresql" else SQLITE_DROP if vendor == "sqlite" else []
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ("claims", "0018_history_lead"),
    ]

    operations = [
        migrations.RunPython(enable_pgvector, migrations.RunPython.noop),
        migrations.AddField("claimembedding", "vector", claims.fields.VectorField(null=True)),
        migrations.AddField("claimembedding", "terms", claims.fields.TermsField(null=True)),
        migrations.AddField("claimembedding", "searchable", models.BooleanField(
            default=True, help_text="the lead of its copy group (copies are found through it)")),
        migrations.AddField("factcheckembedding", "vector", claims.fields.VectorField(
            null=True, help_text="claim and headline together")),
        migrations.AddField("factcheckembedding", "claim_vector", claims.fields.VectorField(null=True)),
        migrations.AddField("factcheckembedding", "title_vector", claims.fields.VectorField(
            null=True, blank=True, help_text="none when the review has no headline")),
        migrations.AddField("factcheckembedding", "terms", claims.fields.TermsField(null=True)),
        migrations.RunPython(move_codes, migrations.RunPython.noop, elidable=False),
        migrations.RemoveField("claimembedding", "codes"),
        migrations.RemoveField("factcheckembedding", "codes"),
        migrations.RemoveField("factcheckembedding", "claim_codes"),
        migrations.RemoveField("factcheckembedding", "title_codes"),
        migrations.AlterField("claimembedding", "vector", claims.fields.VectorField()),
        migrations.AlterField("claimembedding", "terms", claims.fields.TermsField()),
        migrations.AlterField("factcheckembedding", "vector", claims.fields.VectorField(
            help_text="claim and headline together")),
        migrations.AlterField("factcheckembedding", "claim_vector", claims.fields.VectorField()),
        migrations.AlterField("factcheckembedding", "terms", claims.fields.TermsField()),
        migrations.CreateModel(
            name="SearchTermCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("term", models.TextField()),
                ("shard", models.SmallIntegerField()),
                ("documents", models.BigIntegerField(default=0)),
            ],
            options={"constraints": [models.UniqueConstraint(fields=("term", "shard"), name="claims_searchtermcount_term_shard")]},
        ),
        migrations.RunPython(create_search_indexes, drop_search_indexes),
    ]
