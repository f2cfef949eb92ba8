"""Issue 17: evidence added by mistake is withdrawn (kept, marked, its reason in the claim's
history) rather than deleted; editors see webhook subscriptions and deliveries in the admin,
pause them and retry failed deliveries (the editors group gains those permissions)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def grant(apps, schema_editor):
    from claims.roles import ensure_role_groups

    ensure_role_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0013_checkworthiness"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="evidence",
            name="withdrawal_reason",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="evidence",
            name="withdrawn_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="evidence",
            name="withdrawn_by",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="statuschange",
            name="kind",
            field=models.CharField(
                choices=[("transition", "Status change"), ("sign_off", "Editor sign-off"), ("withdrawal", "Fact-check withdrawn"), ("evidence_removed", "Evidence withdrawn")],
                default="transition", editable=False, max_length=16,
            ),
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
