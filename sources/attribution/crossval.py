"""K-fold cross-validation of the extractor over PolNeAR and gold-labelled articles (issue 30).

    python -m sources.attribution.crossval --polnear DIR [DIR ...] --corpus DIR [--folds 5] [--limit N] [--json]

One dev split proves little: rules tuned on it fit it (PolNeAR dev 0.932 speech-cue recall
against 0.905 on test). Every article falls in one of ``--folds`` folds by a stable hash of its
name, the same folds on every machine and run. A learned component is fitted on the other
folds' articles and scored on its own (``fit``, a function from the training articles to an
``extract_many``); the rules alone fit nothing, and then the folds show how far the figures
move from one set of articles to another. A change is kept when it lifts the mean without
widening the spread: one that lifts one fold and lowers another is fitting that fold.

Per fold and as mean, standard deviation, min and max:
- PolNeAR (``polnear.PolnearTally``): speech-cue recall, speaker accuracy, precision of
  "attributed";
- the gold articles (``score.Tally``): macro-F1, accuracy, speaker token-F1, spurious claims.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy

from .articles import Article, fold_of, load
from .polnear import PolnearTally
from .score import Tally

POLNEAR_FIGURES = ("speech_cue_recall", "speaker_accuracy", "attributed_precision")
CORPUS_FIGURES = ("macro_f1", "accuracy", "speaker_token_f1", "spurious")

ExtractMany = Callable[[Iterable[tuple[str, str | None]]], Iterator[list]]


@dataclass
class FoldReport:
    fold: int
    polnear_articles: int = 0
    corpus_articles: int = 0
    figures: dict = field(default_factory=dict)


def score_fold(fold: int, held_out: list[Article], extract_many: ExtractMany) -> FoldReport:
    polnear, corpus = PolnearTally(), Tally()
    report = FoldReport(fold)
    for article, claims in zip(held_out, extract_many([(a.text, a.publisher) for a in held_out])):
        rows = [c.as_dict() if hasattr(c, "as_dict") else c for c in claims]
        if article.relations is not None:
            polnear.add(article.name, article.relations, rows)
            report.polnear_articles += 1
        else:
            corpus.add(article.name, article.sentences, rows)
            report.corpus_articles += 1
    if report.polnear_articles:
        summary = polnear.summary()
        report.figures.update({name: summary[name] for name in POLNEAR_FIGURES})
    if report.corpus_articles:
        summary = corpus.summary()
        report.figures.update({name: summary[name] for name in CORPUS_FIGURES})
    return report


def cross_validate(
    items: list[Article], *, folds: int = 5, fit: Callable[[list[Article]], ExtractMany] | None = None
) -> dict:
    """Each fold scored by what ``fit`` learns from the others (the rules alone when None)."""
    if folds < 2:
        raise ValueError("cross-validation needs at least 2 folds")
    if fit is None:
        from .extractor import extract_many as rules

        fit = lambda _training: lambda texts: rules(texts, cue_model=None)  # noqa: E731 -- nothing to learn
    by_fold: dict[int, list[Article]] = {k: [] for k in range(folds)}
    for item in items:
        by_fold[fold_of(item.name, folds)].append(item)
    reports = []
    for k in range(folds):
        training = [a for j, group in by_fold.items() if j != k for a in group]
        reports.append(score_fold(k, by_fold[k], fit(training)))
    spread = {}
    for name in (*POLNEAR_FIGURES, *CORPUS_FIGURES):
        values = [r.figures[name] for r in reports if name in r.figures]
        if values:
            spread[name] = {
                "mean": round(statistics.fmean(values), 4),
                "std": round(statistics.pstdev(values), 4),
                "min": min(values),
                "max": max(values),
            }
    from .extractor import EXTRACTOR_VERSION

    return {
        "extractor_version": EXTRACTOR_VERSION,
        "folds": folds,
        "articles": len(items),
        "per_fold": [
            {"fold": r.fold, "polnear_articles": r.polnear_articles, "corpus_articles": r.corpus_articles, **r.figures}
            for r in reports
        ],
        "spread": spread,
    }


def learned_cue_fit(items: list[Article], *, folds: int, min_precision: float):
    """``fit`` for :func:`cross_validate` with the learned cue classifier: each fold's model is
    trained on the other folds' PolNeAR articles, its threshold chosen by an inner
    cross-validation over those same articles (never the held-out fold)."""
    from . import cue_training
    from .cue_model import CueModel
    from .extractor import extract_many

    polnear = [a for a in items if a.relations is not None]
    examples = cue_training.collect(polnear, extract_many)

    def fit(training: list[Article]) -> ExtractMany:
        sub = examples.subset({a.name for a in training})
        probs = cue_training.out_of_fold(sub, folds)
        threshold = cue_training.choose_threshold(probs, numpy.asarray(sub.labels), min_precision)
        model = CueModel(cue_training.fit(sub), threshold)
        return lambda texts: extract_many(texts, cue_model=model)

    return fit


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sources.attribution.crossval", description=__doc__.split("\n")[0])
    parser.add_argument("--polnear", type=Path, nargs="*", default=[], help="PolNeAR-format folders (.txt + .ann)")
    parser.add_argument("--corpus", type=Path, help="a folder of gold-labelled articles (NAME.txt + NAME.json)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--limit", type=int, help="at most this many articles a folder (a quick run)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--learned", action="store_true",
                        help="with the learned cue classifier, trained on each fold's training articles")
    parser.add_argument("--min-precision", type=float, default=0.85,
                        help="the learned classifier's out-of-fold precision that sets its threshold")
    args = parser.parse_args(argv)
    missing = [str(d) for d in [*args.polnear, *([args.corpus] if args.corpus else [])] if not d.is_dir()]
    if missing or not (args.polnear or args.corpus):
        parser.error(f"no such folder: {', '.join(missing)}" if missing else "give --polnear and/or --corpus")
    if args.folds < 2:
        parser.error("--folds must be at least 2")
    items = load(args.polnear, args.corpus, args.limit)
    fit = learned_cue_fit(items, folds=args.folds, min_precision=args.min_precision) if args.learned else None
    report = cross_validate(items, folds=args.folds, fit=fit)
    if args.json:
        json.dump(report, sys.stdout)
        sys.stdout.write("\n")
        return 0
    print(f"extractor {report['extractor_version']}: {report['articles']} articles in {report['folds']} folds")
    for name, s in report["spread"].items():
        per_fold = " ".join(f"{r[name]}" for r in report["per_fold"] if name in r)
        print(f"  {name:22} mean {s['mean']:<7} std {s['std']:<7} [{s['min']} .. {s['max']}]   folds: {per_fold}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
