import secrets

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from claims.services import admin_login_ensure


class Command(BaseCommand):
    help = (
        "Add a reviewer who signs in to the admin (/admin/): a staff user in the reviewers group (--editor: the "
        "editors group). A new user gets --password, else a random one printed once; an existing user joins the "
        "group and keeps their password unless --password is given. (create_api_token makes API users only.)"
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--password", default=None, help="the password (default: random, printed once)")
        parser.add_argument("--editor", action="store_true", help="an editor rather than a reviewer")

    @transaction.atomic
    def handle(self, *args, username: str, password: str | None, editor: bool, **options):
        from django.contrib.auth import get_user_model

        username = username.strip()
        if not username:
            raise CommandError("the username is empty")
        role = "editor" if editor else "reviewer"
        exists = get_user_model().objects.filter(username=username).exists()
        password = password or (None if exists else secrets.token_urlsafe(12))
        try:
            admin_login_ensure(username=username, role=role, password=password)
        except Exception as exc:  # a Group missing before migrate, an invalid username
            raise CommandError(f"could not create {username!r}: {exc}") from exc
        shown = f", password '{password}'" if password else " (password unchanged)"
        self.stdout.write(f"{role.capitalize()} {username!r} can sign in at /admin/{shown}")
