from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from claims.roles import EDITORS, REVIEWERS, ROLE_GROUPS
from claims.tokens import api_token_create


class Command(BaseCommand):
    help = (
        "Create (if needed) a user in the role's group, issue a new API token for one tool and print the "
        "token alone on stdout. Only its digest is stored: this is the only time it is shown."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=sorted(ROLE_GROUPS))
        parser.add_argument("--name", default="", help="the tool the token is for (default: '<role> token')")
        expiry = parser.add_mutually_exclusive_group()
        expiry.add_argument(
            "--expires-in", type=int, metavar="DAYS", default=None,
            help=f"days until the token expires (default API_TOKEN_DEFAULT_EXPIRY_DAYS, {settings.API_TOKEN_DEFAULT_EXPIRY_DAYS})",
        )
        expiry.add_argument("--no-expiry", action="store_true", help="a token that never expires (only when you mean it)")

    @transaction.atomic
    def handle(self, *args, username: str, role: str, name: str, expires_in: int | None, no_expiry: bool, **options):
        username = username.strip()
        if not username:
            raise CommandError("the username is empty")
        if expires_in is not None and expires_in < 1:
            raise CommandError("--expires-in needs a whole number of days, 1 or more")
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
        if no_expiry:
            lifetime = None
        else:
            lifetime = timedelta(days=expires_in if expires_in is not None else settings.API_TOKEN_DEFAULT_EXPIRY_DAYS)
        _, token = api_token_create(user=user, role=role, name=name.strip() or f"{role} token", expires_in=lifetime)
        self.stdout.write(token)
