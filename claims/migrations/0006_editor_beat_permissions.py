"""Grant the role permissions again, now including django_celery_beat's for editors."""

from django.db import migrations


def grant(apps, schema_editor):
    from claims.roles import ensure_role_groups

    ensure_role_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0005_corroboration"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
