"""Group the archive's old claims into copy groups (claims stored before copy groups existed)."""

from django.core.management.base import BaseCommand, CommandError

from claims.matching.copies import copies_backfill


class Command(BaseCommand):
    help = (
        "Join same-text claims stored before copy groups existed into one group each, in id order, one batch "
        "per transaction. Only claims nobody has worked on join; a reviewed claim leads its group. Idempotent; "
        "--after-id resumes a run (it prints the last id it reached)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--after-id", type=int, default=0, help="start after this claim id (resume)")
        parser.add_argument("--batch-size", type=int, default=1000, help="claims per transaction (default 1000)")

    def handle(self, *args, after_id: int, batch_size: int, **options):
        if batch_size < 1 or after_id < 0:
            raise CommandError("--batch-size must be at least 1 and --after-id at least 0")
        result = copies_backfill(after_id=after_id, batch_size=batch_size)
        self.stdout.write(
            f"scanned {result.scanned} claims, {result.joined} joined a copy group; last id {result.last_id}"
        )
