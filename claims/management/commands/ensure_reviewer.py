import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from claims.roles import EDITORS, REVIEWERS


class Command(BaseCommand):
    help = (
        "Create the local reviewer login used by `make run` (username/password from REVIEWER_USERNAME/"
        "REVIEWER_PASSWORD, else 'reviewer' and a random password printed once)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default=None)
        parser.add_argument("--password", default=None)

    @transaction.atomic
    def handle(self, *args, username=None, password=None, **options):
        import os

        username = username or os.environ.get("REVIEWER_USERNAME") or "reviewer"
        password = password or os.environ.get("REVIEWER_PASSWORD")
        user, created = get_user_model().objects.get_or_create(username=username, defaults={"is_staff": True})
        if not created and not password:
            self.stdout.write(f"Reviewer login '{username}' already exists (password as printed when it was created).")
            return
        password = password or secrets.token_urlsafe(12)
        user.is_staff = True
        user.set_password(password)
        user.save()
        # The local login reviews and edits: one person running the service on their machine.
        user.groups.add(*Group.objects.filter(name__in=[REVIEWERS, EDITORS]))
        self.stdout.write(f"Reviewer login: username '{username}', password '{password}'")
