"""Editors see webhook subscriptions and their deliveries in the admin, pause them and
retry failed deliveries (issue 17): the editors group gains those permissions."""

from django.db import migrations


def grant(apps, schema_editor):
    from claims.roles import ensure_role_groups

    ensure_role_groups(apps)


class Migration(migrations.Migration):
    dependencies = [("claims", "0010_worker_heartbeat_and_beat_periods")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
