"""Autovacuum settings for the tables that grow with the archive (issue 28), PostgreSQL only.

At PostgreSQL's defaults a table is re-analysed after a tenth of its rows change: a million
claims at 10M. Measured: after a job moved 75,000 claims the planner still saw the old status
counts, and the API's `?status=queued` page took 3.3 s (22 ms after ANALYZE). The claims and
their history are re-analysed after half a percent (plus 5,000 rows) and vacuumed after 2%;
the tally ledgers, which only grow between folds, are vacuumed after 1% of inserts so their
visibility map stays set and the report's index-only reads stay off the heap."""

from django.db import migrations

TABLES = {
    "claims_claim": {"autovacuum_analyze_scale_factor": "0.005", "autovacuum_analyze_threshold": "5000",
                     "autovacuum_vacuum_scale_factor": "0.02"},
    "claims_statuschange": {"autovacuum_analyze_scale_factor": "0.005", "autovacuum_analyze_threshold": "5000"},
    "claims_sourcingtally": {"autovacuum_vacuum_insert_scale_factor": "0.01", "autovacuum_analyze_scale_factor": "0.02"},
    "claims_claimtally": {"autovacuum_vacuum_insert_scale_factor": "0.01"},
}


def storage(reset: bool):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for table, parameters in TABLES.items():
                if reset:
                    cursor.execute(f"ALTER TABLE {table} RESET ({', '.join(parameters)})")
                else:
                    cursor.execute(f"ALTER TABLE {table} SET ({', '.join(f'{k} = {v}' for k, v in parameters.items())})")
    return run


class Migration(migrations.Migration):

    dependencies = [("claims", "0025_open_work_and_fact_check_search")]

    operations = [migrations.RunPython(storage(reset=False), storage(reset=True))]
