"""The Sourcing report's ledger (issue 29): claims_sourcingtally, kept by statement triggers on
claims_claim and claims_articleappearance (claims/reports/facts.py) and filled from the claims in
the transaction that creates them (which holds writers off for that count: none counted twice or
lost). SQLite computes the report from the claims and leaves the table empty."""

import django.db.models.deletion
from django.db import migrations, models

from claims.reports.facts import DROP_TRIGGERS, rebuild_statements, trigger_statements


def run_on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0022_desk_tallies_and_recheck_keyset'),
        ('sources', '0002_source_affiliation'),
    ]

    operations = [
        migrations.CreateModel(
            name='SourcingTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('grain', models.CharField(help_text='week or month', max_length=8)),
                ('period', models.DateField(help_text="The week's Monday or the month's first day (UTC).")),
                ('dimension', models.CharField(help_text='claims, anonymous_share, speaker, time_to_verdict or reviewer', max_length=16)),
                ('level', models.CharField(blank=True, max_length=16)),
                ('value', models.CharField(blank=True, max_length=32)),
                ('claims', models.BigIntegerField()),
                ('folded', models.BooleanField(default=False)),
                ('publisher', models.ForeignKey(blank=True, db_constraint=False, help_text='Blank: every publisher, each copy group once.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='sources.source')),
            ],
            options={
                'indexes': [models.Index(fields=['grain', 'dimension', 'publisher', 'period'], name='sourcing_tally_report_idx'), models.Index(condition=models.Q(('folded', False)), fields=['id'], name='sourcing_tally_unfolded_idx')],
            },
        ),
        migrations.RunPython(run_on_postgresql([*trigger_statements(), *rebuild_statements()]),
                             run_on_postgresql(DROP_TRIGGERS)),
    ]
