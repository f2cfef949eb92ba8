"""The desk's bars and the re-check job, at 10M claims (issue 28).

- claims_claimtally: the desk's claims per status and per level (claims.models.ClaimTally). On
  PostgreSQL statement triggers on claims_claim append each statement's change; the table is filled
  once from the claims, in the transaction that creates the triggers (which holds writers off for
  that count, so none is counted twice or lost). SQLite counts the claims and leaves it empty.
- claim_recheck_due_idx replaces claim_recheck_idx: verdicts by the date they fall due, which the
  re-check job reads as a keyset. Evidence added after a verdict now makes it due at once
  (claims.services.evidence_add), so the job reads this index alone instead of asking every verdict
  whether it has new evidence; verdicts that got evidence before this migration are made due here.

Not atomic: the index is built CONCURRENTLY on PostgreSQL, while the desk keeps writing.
"""

from django.db import migrations, models, transaction
from django.db.models import F, Min, Q

VERDICTS = ["corroborated", "disputed", "refuted", "unverifiable"]
RECHECK_DUE = models.Index(fields=["recheck_after", "id"], condition=Q(copy_of__isnull=True, status__in=VERDICTS),
                           name="claim_recheck_due_idx")
OLD_RECHECK = models.Index(fields=["recheck_after"], name="claim_recheck_idx")


def tally_rows(transition: str, sign: int) -> str:
    return (f"SELECT 'status' AS dimension, status AS value, {sign} AS delta FROM {transition} WHERE copy_of_id IS NULL "
            f"UNION ALL SELECT 'attribution_level', attribution_level, {sign} FROM {transition} WHERE copy_of_id IS NULL")


def tally_append(source: str) -> str:
    return (f"INSERT INTO claims_claimtally (dimension, value, claims) SELECT dimension, value, sum(delta) "
            f"FROM ({source}) AS d GROUP BY dimension, value HAVING sum(delta) <> 0;")


TALLY_BODY = (
    f"BEGIN IF TG_OP = 'INSERT' THEN {tally_append(tally_rows('new_rows', 1))} "
    f"ELSIF TG_OP = 'UPDATE' THEN {tally_append(tally_rows('new_rows', 1) + ' UNION ALL ' + tally_rows('old_rows', -1))} "
    f"ELSE {tally_append(tally_rows('old_rows', -1))} END IF; RETURN NULL; END"
)
TALLY_TRIGGERS = [
    f"CREATE FUNCTION claims_claim_tally() RETURNS trigger LANGUAGE plpgsql AS $${TALLY_BODY}$$",
    "CREATE TRIGGER claims_claim_tally_insert AFTER INSERT ON claims_claim REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION claims_claim_tally()",
    "CREATE TRIGGER claims_claim_tally_update AFTER UPDATE ON claims_claim "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION claims_claim_tally()",
    "CREATE TRIGGER claims_claim_tally_delete AFTER DELETE ON claims_claim REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION claims_claim_tally()",
    tally_append(tally_rows("claims_claim", 1)),
]
TALLY_DROP = [
    *(f"DROP TRIGGER IF EXISTS claims_claim_tally_{event} ON claims_claim" for event in ("insert", "update", "delete")),
    "DROP FUNCTION IF EXISTS claims_claim_tally()",
]


def run_on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with transaction.atomic(using=schema_editor.connection.alias), schema_editor.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    return run


def swap_recheck_index(apps, schema_editor, *, drop: models.Index, add: models.Index):
    claim = apps.get_model("claims", "Claim")
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.remove_index(claim, drop)
        schema_editor.add_index(claim, add)
        return
    with schema_editor.connection.cursor() as cursor:
        sql = str(add.create_sql(claim, schema_editor, concurrently=True))
        cursor.execute(sql.replace("CONCURRENTLY", "CONCURRENTLY IF NOT EXISTS", 1))
        cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {drop.name}")


def make_recheck_index(apps, schema_editor):
    swap_recheck_index(apps, schema_editor, drop=OLD_RECHECK, add=RECHECK_DUE)


def restore_recheck_index(apps, schema_editor):
    swap_recheck_index(apps, schema_editor, drop=RECHECK_DUE, add=OLD_RECHECK)


def evidence_after_verdict_makes_due(apps, schema_editor):
    Claim = apps.get_model("claims", "Claim")
    Evidence = apps.get_model("claims", "Evidence")
    late = (
        Evidence.objects.filter(claim__status__in=VERDICTS, claim__copy_of__isnull=True,
                                created_at__gt=F("claim__verdict_at"))
        .values("claim_id").annotate(first=Min("created_at")).order_by("claim_id")
    )
    for row in late.iterator():
        (Claim.objects.filter(pk=row["claim_id"])
         .filter(Q(recheck_after__isnull=True) | Q(recheck_after__gt=row["first"]))
         .update(recheck_after=row["first"]))


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [("claims", "0021_lists_at_scale")]

    operations = [
        migrations.CreateModel(
            name="ClaimTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("dimension", models.CharField(help_text="status or attribution_level", max_length=32)),
                ("value", models.CharField(max_length=32)),
                ("claims", models.BigIntegerField()),
            ],
        ),
        migrations.RunPython(run_on_postgresql(TALLY_TRIGGERS), run_on_postgresql(TALLY_DROP)),
        migrations.RunPython(evidence_after_verdict_makes_due, migrations.RunPython.noop, atomic=True),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveIndex(model_name="claim", name="claim_recheck_idx"),
                              migrations.AddIndex(model_name="claim", index=RECHECK_DUE)],
            database_operations=[migrations.RunPython(make_recheck_index, restore_recheck_index)],
        ),
    ]
