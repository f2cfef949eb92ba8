"""Create the newsroom, reviewers and editors groups with their model permissions."""

from django.db import migrations

def create_roles(apps, schema_editor):
    from claims.roles import ensure_role_groups

    ensure_role_groups(apps)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["newsroom", "reviewers", "editors"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0001_initial"),
        ("sources", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
