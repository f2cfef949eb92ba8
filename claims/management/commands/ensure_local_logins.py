import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from claims.services import admin_login_ensure

LOGINS = (
    # role, default username, environment variables for its username and password
    ("reviewer", "reviewer", "REVIEWER_USERNAME", "REVIEWER_PASSWORD"),
    ("editor", "editor", "EDITOR_USERNAME", "EDITOR_PASSWORD"),
)


class Command(BaseCommand):
    help = (
        "Create the two local admin logins `make run` prints: a reviewer (reviewers group only) and, separately, "
        "an editor (editors group only). Usernames/passwords from REVIEWER_USERNAME/REVIEWER_PASSWORD and "
        "EDITOR_USERNAME/EDITOR_PASSWORD, else 'reviewer' and 'editor' with random passwords printed once."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        for role, default, username_var, password_var in LOGINS:
            username = os.environ.get(username_var) or default
            password = os.environ.get(password_var) or None
            if password is None and not get_user_model().objects.filter(username=username).exists():
                password = secrets.token_urlsafe(12)
            admin_login_ensure(username=username, role=role, password=password, only_this_role=True)
            label = role.capitalize()
            if password:
                self.stdout.write(f"{label} login: username '{username}', password '{password}'")
            else:
                flag = " --editor" if role == "editor" else ""
                self.stdout.write(
                    f"{label} login: username '{username}' (password as printed when it was created; "
                    f"`manage.py create_reviewer {username}{flag} --password NEW` sets a new one)"
                )
