"""Score the sentences of a TSV for check-worthiness (no database rows needed)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims.triage import checkworthiness


class Command(BaseCommand):
    help = (
        "Read FILE.tsv (a header with the columns id and text; others ignored) and print "
        "id<TAB>score<TAB>check_worthy per row; --evaluate reads a label column (1 = check-worthy) "
        "and prints JSON with the positive class's F1, precision, recall and the average precision."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--evaluate", action="store_true", help="score against the label column instead")
        parser.add_argument("--threshold", type=float, help="check-worthy cut (default: CHECK_WORTHY_THRESHOLD)")

    def handle(self, *args, file: Path, evaluate: bool, threshold: float | None, **options):
        try:
            ids, texts, labels = checkworthiness.read_tsv(file, labels=evaluate)
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        cut = checkworthiness.threshold() if threshold is None else threshold
        scores = checkworthiness.score_texts(texts)
        if evaluate:
            self.stdout.write(json.dumps({**checkworthiness.evaluate(scores, labels, cut),
                                          "version": checkworthiness.version()}))
            return
        lines = ["id\tscore\tcheck_worthy"]
        lines += [f"{i}\t{s:.4f}\t{'yes' if s >= cut else 'no'}" for i, s in zip(ids, scores)]
        self.stdout.write("\n".join(lines))
