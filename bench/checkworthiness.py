"""Check-worthiness bench: one JSON line with F1/AP on dev-test and the scoring throughput from
stored (int8) embeddings against a bare encode of the same sentences in the same run.

    python bench/checkworthiness.py [DIR]   (DIR: ../shared/checkworthiness by default)
"""

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

from claims.matching.retrieval import embed  # noqa: E402
from claims.matching.vectors import from_codes, to_codes  # noqa: E402
from claims.triage import checkworthiness as cw  # noqa: E402


def main() -> None:
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(os.environ.get("CHECKWORTHINESS_DIR") or ROOT.parent / "shared" / "checkworthiness")
    _, texts, labels = cw.read_tsv(data / "devtest.tsv", labels=True)
    embed(texts[:8])  # warm up
    t0 = time.perf_counter()
    codes = to_codes(embed(texts))
    encode_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    repeats = 20
    for _ in range(repeats):
        scores = cw.model().score(from_codes(codes), texts)  # what the pipeline does: codes -> score
    score_s = (time.perf_counter() - t0) / repeats
    figures = cw.evaluate(scores, labels, cw.threshold())
    print(json.dumps({
        "bench": "checkworthiness", "sentences": len(texts), "version": cw.version(),
        "devtest_f1": figures["f1"], "devtest_precision": figures["precision"], "devtest_recall": figures["recall"],
        "devtest_ap": figures["average_precision"], "threshold": figures["threshold"],
        "encode_sentences_per_s": round(len(texts) / encode_s, 1),
        "score_sentences_per_s": round(len(texts) / score_s, 1),
        "scoring_cost_vs_encode": round(score_s / encode_s, 4),
        "model_bytes": cw.MODEL_PATH.stat().st_size,
    }))


if __name__ == "__main__":
    main()
