"""Two more lists that cost one screen at 10M claims (issue 28), built CONCURRENTLY on PostgreSQL
(the migration is not atomic) as migration 0021's were:

- claim_waiting_idx: the few thousand leads without a verdict, by how long they have waited (the
  desk's "waiting longest" read them among 10M claims).
- fact_check_list_idx, fact_check_author_idx, fact_check_rating_idx: the imported fact-checks' list
  in its order, its date hierarchy's bounds, and its sidebar filters' values (claims/admin/large.py
  reads them one index probe a value) without reading the table.
- fact_check_words_idx (PostgreSQL only; SQLite compares the texts): a full-text index on the
  claim reviewed, its headline and who made the claim. A desk of 10M claims holds about 100,000
  imported fact-checks, and the admin's ILIKE over four columns scanned them all, three times a
  search with the date hierarchy. The expression is claims/selectors.py's FACT_CHECK_WORDS.
"""

from django.db import migrations, models

PORTABLE = [
    ("claim", models.Index(fields=["status_changed_at", "id"],
                           condition=models.Q(copy_of__isnull=True, status__in=["unverified", "queued", "in_review", "needs_recheck"]),
                           name="claim_waiting_idx")),
    ("factcheck", models.Index(fields=["date_published", "id"], name="fact_check_list_idx")),
    ("factcheck", models.Index(fields=["author_name"], name="fact_check_author_idx")),
    ("factcheck", models.Index(fields=["rating_name"], name="fact_check_rating_idx")),
]
POSTGRES_ONLY = [
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS fact_check_words_idx ON claims_factcheck USING gin "
    "(to_tsvector('simple'::regconfig, ((((claim_reviewed || ' ') || headline) || ' ') || item_author::text)))",
]
POSTGRES_DROP = ["fact_check_words_idx"]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        for model, index in PORTABLE:
            schema_editor.add_index(apps.get_model("claims", model), index)
        return
    with schema_editor.connection.cursor() as cursor:
        for model, index in PORTABLE:
            sql = str(index.create_sql(apps.get_model("claims", model), schema_editor, concurrently=True))
            cursor.execute(sql.replace("CONCURRENTLY", "CONCURRENTLY IF NOT EXISTS", 1))
        for statement in POSTGRES_ONLY:
            cursor.execute(statement)


def drop_indexes(apps, schema_editor):
    for model, index in PORTABLE:
        schema_editor.remove_index(apps.get_model("claims", model), index)
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            for name in POSTGRES_DROP:
                cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [("claims", "0024_sourcing_desk_dimensions")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name=model, index=index) for model, index in PORTABLE],
            database_operations=[migrations.RunPython(create_indexes, drop_indexes)],
        ),
    ]
