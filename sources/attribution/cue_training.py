"""Training the learned cue classifier (cue_model.py) on PolNeAR, and choosing its threshold by
cross-validation (issue 30). Apart from the model so that the extractor, which runs the model,
never depends on what trains it (PolNeAR's reader and the cross-validation run the extractor).

    python -m sources.attribution.cue_training train POLNEAR_DIR [POLNEAR_DIR ...]   (PolNeAR train and dev folders)
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy

from .articles import fold_of, load
from .cue_model import BUCKETS, MODEL_PATH, CueModel, Recorder

def in_scope(rel) -> bool:
    """An attribution ATTRIBUTION.md attributes: a verb, asserted, outside quotes, not the author's."""
    from .polnear import FIRST_PERSON as FIRST, NEGATIONS, words

    from .rules.sentence import _NO_COMMENT_VERBS

    cue = rel.cue.text.lower().replace("’", "'").replace("n't", " n't ")
    if rel.nominal or rel.quoted or set(cue.split()) & NEGATIONS:
        return False
    if any(w.startswith(tuple(v[:-1] for v in _NO_COMMENT_VERBS)) for w in cue.split()):
        return False  # "declined to comment": a refusal asserts nothing
    return rel.source is None or not set(words(rel.source.text)) <= FIRST


@dataclass
class Examples:
    """Candidate verbs of some articles: their buckets, labels, and the article each came from."""

    buckets: list[numpy.ndarray] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    article: list[str] = field(default_factory=list)

    def subset(self, names: set[str]) -> Examples:
        keep = [k for k, a in enumerate(self.article) if a in names]
        return Examples([self.buckets[k] for k in keep], [self.labels[k] for k in keep],
                        [self.article[k] for k in keep])


def collect(items, extract_many) -> Examples:
    """Run the rules over ``items`` (crossval Articles with PolNeAR relations) with a
    :class:`Recorder` and label each candidate: positive when the verb lies in an in-scope
    gold Cue and its subject overlaps that attribution's Source (so "The bill is expected
    to pass", a forecast with no source, teaches the model nothing false about its subject)."""
    recorder = Recorder()
    out = Examples()
    texts = ((a.text, a.publisher) for a in items)
    for article, _claims in zip(items, extract_many(texts, cue_model=recorder)):
        scoped = [rel for rel in article.relations if in_scope(rel) and rel.source is not None]
        for offset, (sa, sz), b in recorder.take():
            out.buckets.append(b)
            out.labels.append(int(any(
                any(a <= offset < z for a, z in rel.cue.spans) and any(a < sz and sa < z for a, z in rel.source.spans)
                for rel in scoped)))
            out.article.append(article.name)
    return out


def fit(examples: Examples, *, l2: float = 1e-4, epochs: int = 300, rate: float = 0.05) -> numpy.ndarray:
    """Logistic regression on the hashed buckets, full-batch Adam (deterministic: no sampling)."""
    n = len(examples.labels)
    rows = numpy.repeat(numpy.arange(n), [len(b) for b in examples.buckets])
    cols = numpy.concatenate(examples.buckets) if n else numpy.zeros(0, dtype=numpy.int64)
    y = numpy.asarray(examples.labels, dtype=numpy.float64)
    w = numpy.zeros(BUCKETS)
    m = numpy.zeros(BUCKETS)
    v = numpy.zeros(BUCKETS)
    b1, b2, eps = 0.9, 0.999, 1e-8
    for t in range(1, epochs + 1):
        z = numpy.bincount(rows, weights=w[cols], minlength=n)
        p = 1.0 / (1.0 + numpy.exp(-z))
        g = numpy.bincount(cols, weights=(p - y)[rows], minlength=BUCKETS) / max(n, 1) + l2 * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w -= rate * (m / (1 - b1**t)) / (numpy.sqrt(v / (1 - b2**t)) + eps)
    return w.astype(numpy.float32)


def predict(weights: numpy.ndarray, examples: Examples) -> numpy.ndarray:
    z = numpy.array([weights[b].sum() for b in examples.buckets])
    return 1.0 / (1.0 + numpy.exp(-z))


def choose_threshold(probs: numpy.ndarray, labels: numpy.ndarray, min_precision: float) -> float:
    """The lowest threshold whose pooled out-of-fold precision is at least ``min_precision``:
    the most recall the rules' precision can afford."""
    order = numpy.argsort(-probs)
    tp = numpy.cumsum(labels[order])
    precision = tp / numpy.arange(1, len(order) + 1)
    ok = numpy.nonzero(precision >= min_precision)[0]
    if not len(ok):
        return 1.0
    return float(probs[order][ok[-1]])


def out_of_fold(examples: Examples, folds: int, **kw) -> numpy.ndarray:

    fold = numpy.array([fold_of(a, folds) for a in examples.article])
    probs = numpy.zeros(len(examples.labels))
    for k in range(folds):
        train = {a for a, f in zip(examples.article, fold) if f != k}
        test = numpy.nonzero(fold == k)[0]
        w = fit(examples.subset(train), **kw)
        probs[test] = predict(w, Examples([examples.buckets[i] for i in test], [], []))
    return probs


def train(polnear_dirs: list[Path], *, folds: int = 5, min_precision: float = 0.85, limit: int | None = None,
          extract_many=None) -> tuple[CueModel, dict]:
    from .extractor import EXTRACTOR_VERSION, extract_many as default_extract

    items = load(polnear_dirs, None, limit)
    examples = collect(items, extract_many or default_extract)
    labels = numpy.asarray(examples.labels)
    probs = out_of_fold(examples, folds)
    threshold = choose_threshold(probs, labels, min_precision)
    chosen = probs >= threshold
    report = {
        "articles": len(items), "candidates": len(labels), "positives": int(labels.sum()), "folds": folds,
        "min_precision": min_precision, "threshold": round(threshold, 4),
        "out_of_fold_precision": round(float(labels[chosen].mean()) if chosen.any() else 0.0, 4),
        "out_of_fold_recall": round(float(chosen[labels == 1].mean()) if labels.any() else 0.0, 4),
    }
    model = CueModel(fit(examples), threshold, {"extractor": EXTRACTOR_VERSION, "buckets": BUCKETS, **report})
    return model, report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sources.attribution.cue_training", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train on PolNeAR folders and write the model file")
    t.add_argument("polnear", type=Path, nargs="+", help="PolNeAR-format folders (NAME.txt + NAME.ann)")
    t.add_argument("--out", type=Path, default=MODEL_PATH)
    t.add_argument("--folds", type=int, default=5)
    t.add_argument("--min-precision", type=float, default=0.85)
    t.add_argument("--limit", type=int, help="at most this many articles a folder (a quick run)")
    args = ap.parse_args(argv)
    missing = [str(d) for d in args.polnear if not d.is_dir()]
    if missing:
        ap.error(f"no such folder: {', '.join(missing)}")
    model, report = train(args.polnear, folds=args.folds, min_precision=args.min_precision, limit=args.limit)
    model.save(args.out)
    print(json.dumps({**report, "file": str(args.out), "bytes": args.out.stat().st_size}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
