"""The Sourcing ledger's whole-desk rows under dimensions of their own (desk_claims,
desk_time_to_verdict): measured at 10M claims, the planner took `publisher_id IS NULL` among the
outlets' millions of rows for a third of them and scanned the ledger; a dimension's own name is in
its statistics. The speakers' rows by week go (the report ranks speakers by month). The trigger
functions are replaced in the same transaction as the rows renamed.

sourcing_tally_range_idx: every outlet's anonymous share and the speakers' ranking sum a range of
periods over hundreds of thousands of ledger rows at 10M claims; read from this covering index
alone (the rows lie scattered in the heap: 580 ms for the shares, 75 ms from the index)."""

from django.db import migrations, models

from claims.reports.facts import DESK_DIMENSIONS, DROP_TRIGGERS, trigger_statements


def rename(old_to_new):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for statement in DROP_TRIGGERS:
                cursor.execute(statement)
            for old, new in old_to_new.items():
                cursor.execute("UPDATE claims_sourcingtally SET dimension = %s WHERE dimension = %s AND publisher_id IS NULL",
                               [new, old])
            # the speakers are ranked over whole months: their weeks' rows are read by nothing
            cursor.execute("DELETE FROM claims_sourcingtally WHERE dimension = 'speaker' AND grain = 'week'")
            for statement in trigger_statements():
                cursor.execute(statement)
            cursor.execute("ANALYZE claims_sourcingtally")
    return run


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0023_sourcing_report'),
    ]

    operations = [
        migrations.AlterField(
            model_name='sourcingtally',
            name='dimension',
            field=models.CharField(help_text="claims, anonymous_share or time_to_verdict (an outlet's); desk_claims, desk_time_to_verdict, speaker or reviewer (the whole desk's, each copy group once)", max_length=24),
        ),
        migrations.RunPython(rename(DESK_DIMENSIONS), migrations.RunPython.noop, elidable=False),
        migrations.AddIndex(
            model_name='sourcingtally',
            index=models.Index(condition=models.Q(('dimension__in', ['anonymous_share', 'speaker'])), fields=['grain', 'dimension', 'period'], include=['publisher', 'level', 'value', 'claims'], name='sourcing_tally_range_idx'),
        ),
    ]
