"""Benchmark the attribution extractor against the bare spaCy pipeline.

    python bench/extract.py [--articles 200] [--corpus DIR]

Texts: the articles the project ships (the seed, and the original articles of
``tests/sources/data/dev`` and ``check``), or ``--corpus DIR``; repeated to at least
``--articles``. In the
same run it times ``extract_many`` and a bare ``nlp.pipe`` over the same texts
with the same pipeline object, and prints ONE JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# run as a script, bench/ is sys.path[0]: its sibling modules (e.g. bench/queue.py)
# must not shadow the standard library
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(ROOT))


SHIPPED = [ROOT / "seeds", ROOT / "tests" / "sources" / "data" / "dev", ROOT / "tests" / "sources" / "data" / "check"]


def load_texts(corpus: Path | None) -> list[str]:
    folders = [corpus] if corpus is not None else SHIPPED
    paths = [p for folder in folders if folder.is_dir() for p in sorted(folder.glob("*.txt"))]
    if not paths:
        raise SystemExit(f"no .txt articles in {', '.join(map(str, folders))}")
    return [p.read_text(encoding="utf-8", errors="replace") for p in paths]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=200)
    ap.add_argument("--corpus", type=Path, default=None, help="a folder of .txt articles instead of the shipped ones")
    ap.add_argument("--rounds", type=int, default=3, help="alternating timing rounds; the best of each is kept")
    args = ap.parse_args(argv)

    from sources.attribution import extract_many, get_nlp

    base = load_texts(args.corpus)
    reps = -(-args.articles // len(base))
    texts = (base * reps)[: max(args.articles, len(base))]
    words = sum(len(t.split()) for t in texts)
    nlp = get_nlp()
    # warm-up (model load, lazy init, gazetteers)
    list(extract_many([(t, None) for t in base]))
    list(nlp.pipe(base))

    best_ext = best_bare = float("inf")
    n_claims = 0
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        for doc in nlp.pipe(texts, batch_size=64):
            pass
        best_bare = min(best_bare, time.perf_counter() - t0)
        t0 = time.perf_counter()
        n_claims = sum(len(c) for c in extract_many([(t, None) for t in texts], batch_size=64))
        best_ext = min(best_ext, time.perf_counter() - t0)

    print(json.dumps({
        "articles": len(texts),
        "words": words,
        "claims": n_claims,
        "articles_per_s": round(len(texts) / best_ext, 2),
        "words_per_s": round(words / best_ext, 1),
        "bare_articles_per_s": round(len(texts) / best_bare, 2),
        "overhead_ratio": round(best_ext / best_bare, 3),
        "pipeline": nlp.pipe_names,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
