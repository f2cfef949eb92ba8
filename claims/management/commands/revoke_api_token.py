from django.core.management.base import BaseCommand, CommandError

from claims.models import ApiToken
from claims.tokens import api_token_revoke


class Command(BaseCommand):
    help = "Revoke a user's API tokens at once: those named NAME (--name), or all of them (--all)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--name", help="the tool's token name, as given to create_api_token")
        which.add_argument("--all", action="store_true", help="every token of the user")

    def handle(self, *args, username: str, name: str | None, all: bool, **options):
        tokens = ApiToken.objects.filter(user__username=username, revoked_at__isnull=True)
        if name is not None:
            tokens = tokens.filter(name=name)
        found = list(tokens.order_by("pk"))
        if not found:
            raise CommandError(f"no unrevoked token of {username!r}" + (f" named {name!r}" if name else ""))
        for token in found:
            api_token_revoke(token=token, actor=None)
        self.stdout.write(f"revoked {len(found)} token(s)")
