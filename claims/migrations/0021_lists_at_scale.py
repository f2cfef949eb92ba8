"""Lists that cost one screen at 10M claims (issue 28, claims/paging.py).

- claim_list_idx: the reviewer's claim list in its order; claim_unscored_idx: claims awaiting a score.
- PostgreSQL: full-text GIN indexes ('simple': words as written, no stemming) on a claim's text and
  speaker and on an article's title and text, so a search reads the matching rows only. (pg_trgm
  would keep substring search, but the PostgreSQL with pgvector we ship has no pg_trgm.) The
  expressions are claims/selectors.py's CLAIM_WORDS and ARTICLE_WORDS, which a query must repeat.

Built CONCURRENTLY on PostgreSQL (the migration is not atomic): a desk keeps writing while a 10M-row
table is indexed. SQLite builds the two portable indexes the usual way and has no others.
"""

from django.db import migrations, models

PORTABLE = [
    models.Index(fields=["-priority", "created_at", "-id"], name="claim_list_idx"),
    models.Index(fields=["id"], condition=models.Q(check_worthiness__isnull=True), name="claim_unscored_idx"),
]
# A migration keeps the expressions of its day (claims/selectors.py repeats them in its queries).
POSTGRES_ONLY = [
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS claim_words_idx ON claims_claim "
    "USING gin (to_tsvector('simple'::regconfig, (text || ' ') || speaker_text::text))",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS article_words_idx ON claims_article "
    "USING gin (to_tsvector('simple'::regconfig, (title::text || ' ') || body))",
]
POSTGRES_DROP = ["claim_words_idx", "article_words_idx"]


def create_indexes(apps, schema_editor):
    claim = apps.get_model("claims", "Claim")
    if schema_editor.connection.vendor != "postgresql":
        for index in PORTABLE:
            schema_editor.add_index(claim, index)
        return
    with schema_editor.connection.cursor() as cursor:
        for index in PORTABLE:
            sql = str(index.create_sql(claim, schema_editor, concurrently=True))
            cursor.execute(sql.replace("CONCURRENTLY", "CONCURRENTLY IF NOT EXISTS", 1))
        for statement in POSTGRES_ONLY:
            cursor.execute(statement)


def drop_indexes(apps, schema_editor):
    claim = apps.get_model("claims", "Claim")
    for index in PORTABLE:
        schema_editor.remove_index(claim, index)
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            for name in POSTGRES_DROP:
                cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [("claims", "0020_feeds_and_repeat_alerts")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="claim", index=index) for index in PORTABLE],
            database_operations=[migrations.RunPython(create_indexes, drop_indexes)],
        ),
    ]
