"""Hashed, expiring API tokens (issue 19), and the existing DRF authtoken keys moved into them.

Each `authtoken_token` key is hashed in place: a new ApiToken row holds its SHA-256
digest and first 8 characters (the public prefix), has no role of its own (it acts in
every role its user holds, as before) and never expires: the tool keeps working; rotate it. The plaintext
rows are then deleted. Editors gain the permissions to list and revoke tokens and to
see sign-in attempts and lift lockouts (django-axes).
"""

import hashlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

PREFIX_LENGTH = 8


def hash_authtoken_keys(apps, schema_editor):
    Token = apps.get_model("authtoken", "Token")
    ApiToken = apps.get_model("claims", "ApiToken")
    for token in Token.objects.all():
        row = ApiToken.objects.create(
            user_id=token.user_id, name="token from before the upgrade (rotate it)", role="",
            prefix=token.key[:PREFIX_LENGTH], digest=hashlib.sha256(token.key.encode()).hexdigest(), expires_at=None,
        )
        ApiToken.objects.filter(pk=row.pk).update(created_at=token.created)
    Token.objects.all().delete()


def grant(apps, schema_editor):
    from claims.roles import ensure_role_groups

    ensure_role_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0008_webhook_events_may_be_empty"),
        ("authtoken", "0004_alter_tokenproxy_options"),
        ("axes", "0010_accessattemptexpiration"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ApiToken",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(help_text="The tool this token is for.", max_length=100)),
                ("role", models.CharField(blank=True, choices=[("newsroom", "Newsroom"), ("reviewer", "Reviewer"), ("editor", "Editor")], max_length=16)),
                ("prefix", models.CharField(db_index=True, editable=False, max_length=8)),
                ("digest", models.CharField(editable=False, help_text="SHA-256 of the token, hex.", max_length=64, unique=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("expires_at", models.DateTimeField(blank=True, help_text="Empty: never expires (asked for explicitly).", null=True)),
                ("last_used_at", models.DateTimeField(blank=True, editable=False, null=True)),
                ("revoked_at", models.DateTimeField(blank=True, editable=False, null=True)),
                ("revoked_by", models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="api_tokens", to=settings.AUTH_USER_MODEL)),
            ],
            options={"verbose_name": "API token", "ordering": ["-created_at", "-id"]},
        ),
        migrations.RunPython(hash_authtoken_keys, migrations.RunPython.noop),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
