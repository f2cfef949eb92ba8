from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rest_framework.authtoken.models import Token

from claims.roles import EDITORS, REVIEWERS, ROLE_GROUPS


class Command(BaseCommand):
    help = "Create (if needed) a user in the role's group and print its API token alone on stdout."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=sorted(ROLE_GROUPS))

    @transaction.atomic
    def handle(self, *args, username: str, role: str, **options):
        username = username.strip()
        if not username:
            raise CommandError("the username is empty")
        try:
            group = Group.objects.get(name=ROLE_GROUPS[role])
        except Group.DoesNotExist as exc:
            raise CommandError(f"group {ROLE_GROUPS[role]!r} is missing: run `manage.py migrate` first") from exc
        user, created = get_user_model().objects.get_or_create(username=username)
        if created:
            user.set_unusable_password()
        # Reviewers and editors work in the admin.
        if group.name in (REVIEWERS, EDITORS) and not user.is_staff:
            user.is_staff = True
        user.save()
        user.groups.add(group)
        token, _ = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)
