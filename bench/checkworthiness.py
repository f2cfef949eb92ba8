"""Check-worthiness bench: one JSON line with the cost of scoring each article's claims against the
spaCy parse of the same article, in one run (both on one thread, as a worker runs them), the
model's cross-validated figures, and its figures on dev-test when the data is at hand.

    python bench/checkworthiness.py [--rounds 3] [--data DIR]   (DIR: ../shared/checkworthiness by default)

Articles: the ones the project ships (the seed and the gold articles of tests/sources/data), each
parsed by itself and its extracted claims scored in one call, as the pipeline does.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # not bench/ (its queue.py would shadow the stdlib module)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "verifier.settings")

import django  # noqa: E402

django.setup()

from bench.extract import load_texts  # noqa: E402
from claims.triage import checkworthiness as cw  # noqa: E402
from sources.attribution import extract_many, get_nlp  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3, help="timing rounds; the best of each side is kept")
    ap.add_argument("--data", type=Path, default=Path(os.environ.get("CHECKWORTHINESS_DIR") or ROOT.parent / "shared" / "checkworthiness"))
    args = ap.parse_args()

    articles = load_texts(None)
    claims = [[c.text for c in found] for found in extract_many([(t, None) for t in articles])]
    nlp, model = get_nlp(), cw.model()
    nlp(articles[0])  # warm up both
    model.score(claims[0] or ["warm up"])
    parse_s = score_s = float("inf")
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        for text in articles:
            nlp(text)
        parse_s = min(parse_s, time.perf_counter() - t0)
        t0 = time.perf_counter()
        for texts in claims:
            model.score(texts)
        score_s = min(score_s, time.perf_counter() - t0)

    n = sum(len(c) for c in claims)
    out = {
        "bench": "checkworthiness", "version": model.version, "articles": len(articles), "claims": n,
        "parse_articles_per_s": round(len(articles) / parse_s, 2),
        "score_claims_per_s": round(n / score_s, 1),
        "scoring_cost_vs_parse": round(score_s / parse_s, 3),
        "model_bytes": cw.weights_path(cw.MODEL_PATH).stat().st_size,
        "threshold": model.threshold,
        "cross_validated": {k: model.meta.get("cross_validation", {}).get(k) for k in ("pooled", "fold_f1", "devtest")},
    }
    devtest = args.data / "devtest.tsv"
    if devtest.is_file():
        _, texts, labels = cw.read_tsv(devtest, labels=True)
        # the shipped model was trained on dev-test too: this checks the file, the cross-validated figures judge it
        out["devtest_seen_in_training"] = cw.evaluate(model.score(texts), labels, cw.threshold())
    print(json.dumps(out))


if __name__ == "__main__":
    main()
