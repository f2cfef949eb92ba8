"""Fine-tune the check-worthiness classifier on CheckThat! 2024 Task 1 English and write
claims/triage/data/checkworthiness.{npz,json}. Needs torch: `make install-train` puts it in
.venv/train-site, which this command alone adds to its path (`pip install -r requirements-train.txt`
into the environment works too)."""

import json
import sys
from pathlib import Path

from django.conf import settings

from django.core.management.base import BaseCommand, CommandError

from claims.triage.checkworthiness import MODEL_PATH, SEED, Model, weights_path


class Command(BaseCommand):
    help = (
        "Cross-validate the fine-tuned classifier over DIR/train.tsv, dev.tsv and devtest.tsv (folds grouped "
        "by blocks of consecutive sentence ids, that is by debate), set the check-worthy threshold on the "
        "folds' pooled scores, fine-tune on every row and write the model (tuned layers and head) and its figures."
    )

    def add_arguments(self, parser):
        parser.add_argument("data", type=Path, help="folder with train.tsv (dev.tsv and devtest.tsv optional)")
        parser.add_argument("--out", type=Path, default=MODEL_PATH, help=f"metadata path, weights beside it (default: {MODEL_PATH})")
        parser.add_argument("--folds", type=int, default=5)
        parser.add_argument("--trunk-layers", type=int, default=0,
                            help="layers kept as packaged (0 and 6 beat 3 and 3, which beat 4 and 2, in cross-validation)")
        parser.add_argument("--tuned-layers", type=int, default=6, help="layers fine-tuned above them")
        parser.add_argument("--epochs", type=int, default=2)
        parser.add_argument("--rate", type=float, default=1e-4, help="learning rate of the tuned layers")
        parser.add_argument("--seed", type=int, default=SEED, help="initialisation, dropout and batch order (another seed: the spread)")
        parser.add_argument("--limit", type=int, help="every n-th row up to this many (a quick run)")
        parser.add_argument("--devtest-held-out", action="store_true",
                            help="only print dev-test's figures under a model fine-tuned on train and dev alone (writes nothing)")

    def handle(self, *args, data: Path, out: Path, folds: int, trunk_layers: int, tuned_layers: int, epochs: int,
               rate: float, seed: int, limit: int | None, devtest_held_out: bool, **options):
        site = Path(settings.BASE_DIR) / ".venv" / "train-site"
        if site.is_dir() and str(site) not in sys.path:
            sys.path.append(str(site))  # after the environment's own packages, which win
        try:
            from claims.triage import finetune
        except ImportError as exc:
            raise CommandError(f"training needs torch: make install-train, or pip install -r requirements-train.txt ({exc})") from exc
        if not (data / "train.tsv").is_file():
            raise CommandError(f"{data} has no train.tsv (CheckThat! 2024 Task 1 English)")
        if trunk_layers < 0 or tuned_layers < 1 or trunk_layers + tuned_layers > 6:
            raise CommandError("the encoder has 6 layers: --trunk-layers + --tuned-layers <= 6, --tuned-layers >= 1")
        if folds < 2:
            raise CommandError("--folds must be at least 2")
        config = finetune.Config(trunk=trunk_layers, tuned=tuned_layers, epochs=epochs, rate=rate, seed=seed)
        if devtest_held_out:
            try:
                figures = finetune.devtest_held_out(data, config=config, cut=Model.load().threshold,
                                                    progress=lambda m: self.stderr.write(m))
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(json.dumps(figures))
            return
        arrays, meta = finetune.train(data, config=config, folds=folds, limit=limit,
                                      progress=lambda m: self.stderr.write(m))
        Model.write(arrays, meta, out)
        meta["bytes"] = weights_path(out).stat().st_size
        meta["version"] = Model.load(out).version
        self.stdout.write(json.dumps(meta))
