"""Import fact-checks from schema.org ClaimReview JSON-LD files, searchable when it returns."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from claims.matching.fact_checks import fact_checks_import
from claims.matching.retrieval import batch_embed, fact_checks_embed


class Command(BaseCommand):
    help = (
        "Import ClaimReview JSON-LD (one object, an array, a DataFeed or JSON Lines). Idempotent on "
        "each review's url; records without claimReviewed or url, or not ClaimReview, are skipped with "
        "one line each. Exit status 1 when anything was skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path)

    def handle(self, *args, paths: list[Path], **options):
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise CommandError(f"no such file: {', '.join(missing)}")
        result = fact_checks_import(paths=paths)
        for skipped in result.skipped:
            self.stderr.write(f"skipped {skipped.where}: {skipped.reason}")
        with tqdm(total=len(result.stored), desc="embedding", unit="review",
                  disable=not sys.stderr.isatty(), file=sys.stderr) as bar:
            # A batch command has the machine to itself: every core (retrieval.batch_encoder).
            fact_checks_embed(fact_check_ids=result.stored, progress=bar.update, encode=batch_embed)
        self.stdout.write(
            f"{len(result.created)} imported, {len(result.updated)} updated, {len(result.unchanged)} unchanged, "
            f"{len(result.skipped)} skipped"
        )
        if result.skipped:
            raise CommandError(f"{len(result.skipped)} record(s) skipped", returncode=1)
