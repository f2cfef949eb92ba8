"""Train the retrieval's fusion on CheckThat! 2020 Task 2 and write claims/matching/data/fusion.json."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims.matching.checkthat import train
from claims.matching.retrieval import FUSION_PATH


class Command(BaseCommand):
    help = (
        "Fit the retrieval fusion on a CheckThat! 2020 Task 2 folder (train split), calibrate the "
        "'same claim' threshold on its labelled pairs, score dev, and write the fusion file."
    )

    def add_arguments(self, parser):
        parser.add_argument("data", type=Path, help="folder with verified_claims.docs.tsv, train/ and dev/")
        parser.add_argument("--out", type=Path, default=FUSION_PATH, help=f"default: {FUSION_PATH}")
        parser.add_argument("--cache", type=Path, help="keep the verified claims' vectors here between runs")

    def handle(self, *args, data: Path, out: Path, cache: Path | None, **options):
        if not (data / "verified_claims.docs.tsv").is_file() or not (data / "train").is_dir():
            raise CommandError(f"{data} has no verified_claims.docs.tsv and train/ (CheckThat! 2020 Task 2)")
        self.stdout.write(json.dumps(train(data, out=out, cache=cache)))
