"""Create the newsroom, reviewers and editors groups with their model permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW_ALL = [
    "view_article", "view_claim", "view_evidence", "view_statuschange", "view_source", "view_sourcealias",
]
ROLE_PERMISSIONS = {
    "newsroom": VIEW_ALL + ["add_article"],
    "reviewers": VIEW_ALL + ["change_claim", "add_evidence"],
    "editors": VIEW_ALL + [
        "add_article", "change_article", "change_claim", "add_evidence", "change_evidence",
        "add_source", "change_source", "add_sourcealias", "change_sourcealias", "delete_sourcealias",
        "view_outboxevent",
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after migrate; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        permissions = Permission.objects.filter(
            codename__in=codenames, content_type__app_label__in=["claims", "sources"]
        )
        missing = set(codenames) - set(permissions.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"permissions missing for group {group_name}: {sorted(missing)}")
        group.permissions.add(*permissions)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0001_initial"),
        ("sources", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
