"""Train the check-worthiness head on CheckThat! 2024 Task 1 English and write claims/triage/data/checkworthiness.json."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims.triage.checkworthiness import MODEL_PATH, train


class Command(BaseCommand):
    help = (
        "Fit the check-worthiness head on DIR/train.tsv (embeddings + lexical cues, class-weighted logistic "
        "regression), pick the check-worthy threshold on DIR/devtest.tsv, score dev, and write the model file."
    )

    def add_arguments(self, parser):
        parser.add_argument("data", type=Path, help="folder with train.tsv and devtest.tsv (dev.tsv optional)")
        parser.add_argument("--out", type=Path, default=MODEL_PATH, help=f"default: {MODEL_PATH}")
        parser.add_argument("--l2", type=float, default=1.0, help="L2 penalty of the logistic regression")

    def handle(self, *args, data: Path, out: Path, l2: float, **options):
        if not (data / "train.tsv").is_file() or not (data / "devtest.tsv").is_file():
            raise CommandError(f"{data} has no train.tsv and devtest.tsv (CheckThat! 2024 Task 1 English)")
        model = train(data, l2=l2, progress=lambda m: self.stderr.write(m))
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(model.to_json())
        self.stdout.write(json.dumps({"version": model.version, "threshold": model.threshold,
                                      "bytes": out.stat().st_size, **model.figures}))
