"""Big and hostile articles through the bounded extraction (sources/attribution/limits.py): time and peak RSS.

    python bench/extract_big.py [--full] [--peer]

Each case runs in a fresh process (its peak RSS is its own) and the whole run prints ONE
JSON line. Bodies are the shipped articles (seeds/, tests/sources/data/dev) repeated:
- `2mb`: 2,024,560 characters (the API's 2 MB limit) under the default caps;
- `5m`: 4,900,000 characters (the old ingest limit) under the default caps;
- `runon`: one 200,000-character "sentence" without a full stop;
- `2mb_full` (--full): the 2 MB body extracted whole (ARTICLE_MAX_CLAIMS=0): the memory
  bound of chunk-at-a-time parsing, independent of the caps; takes minutes;
- `peer_400k` (--peer): the plain extractor (`extract()`, nlp.pipe batch of 64 chunks) on
  400,000 characters: what memory did before (8.7 GB for 2 MB in issue 14).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(ROOT))

SIZES = {"2mb": 2_024_560, "5m": 4_900_000, "2mb_full": 2_024_560, "peer_400k": 400_000}


def body_of(size: int) -> str:
    paths = sorted((ROOT / "tests" / "sources" / "data" / "dev").glob("*.txt")) + sorted((ROOT / "seeds").glob("*.txt"))
    base = "\n\n".join(p.read_text(encoding="utf-8") for p in paths)
    return (base * (size // len(base) + 1))[:size]


def run_case(case: str) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "verifier.settings")
    os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")
    if case == "2mb_full":
        os.environ["ARTICLE_MAX_CLAIMS"] = "0"
    import django

    django.setup()
    from sources.attribution.limits import ExtractionRefused, extract_bounded
    from sources.attribution import extract, get_nlp

    get_nlp()  # the model load is not the article's cost
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    if case == "runon":
        clause = "the minister said the budget will rise, and officials told reporters that the plan would cost more "
        body = (clause * (200_000 // len(clause) + 1))[:200_000]
    else:
        body = body_of(SIZES[case])
    started = time.perf_counter()
    outcome, claims, longest = "done", 0, 0
    try:
        found = extract(body, publisher="Daily") if case == "peer_400k" else extract_bounded(body, publisher="Daily")
        claims, longest = len(found), max((c.end - c.start for c in found), default=0)
    except ExtractionRefused as exc:
        outcome = f"failed: {exc}"
    return {
        "case": case, "chars": len(body), "seconds": round(time.perf_counter() - started, 2),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, "model_rss_mb": baseline,
        "claims": claims, "longest_claim": longest, "outcome": outcome[:160],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--case", help=argparse.SUPPRESS)
    ap.add_argument("--full", action="store_true", help="also extract the 2 MB body whole (minutes)")
    ap.add_argument("--peer", action="store_true", help="also the plain extractor on 400,000 characters")
    args = ap.parse_args(argv)
    if args.case:
        print(json.dumps(run_case(args.case)))
        return 0
    cases = ["2mb", "5m", "runon"] + (["2mb_full"] if args.full else []) + (["peer_400k"] if args.peer else [])
    results = {}
    for case in cases:
        out = subprocess.run([sys.executable, __file__, "--case", case], capture_output=True, text=True, check=True)
        results[case] = json.loads(out.stdout.strip().splitlines()[-1])
    print(json.dumps({"bench": "extract_big", "cases": results}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
