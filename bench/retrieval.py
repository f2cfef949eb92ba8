"""Retrieval benchmark: prints one JSON line.

    python bench/retrieval.py [--data ../shared/checkthat2020] [--sizes 100000,1000000] [--queries 200]

- quality: on CheckThat! 2020 Task 2 dev (tweets against 10,375 fact-checked claims, indexed as
  import_claimreview stores them: claim and headline), MAP@5, MRR and recall@5 of the project's
  retrieval and, in the same run, of plain BM25 (bm25s) over the same texts; skipped with a
  reason when the data is absent;
- latency: query p50/p99 (encode + dense scan + BM25 + fusion, as the API runs it) with 100k and
  1M stored claims, each size in a fresh process, with its peak RSS;
- embedding: sentences/s of the project's encode (length-sorted batches) against a bare encode of
  the same texts in input order, and an article's claims embedded against its spaCy parse.
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

ROOT = Path(__file__).resolve().parent.parent
# bench/queue.py would shadow the standard library's queue module for everything imported below.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "verifier.settings")
os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")
os.environ.setdefault("CELERY_BROKER_URL", "memory://")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402

from claims.matching import checkthat, retrieval  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "checkthat2020"


def peak_rss_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def quality(data: Path) -> dict:
    if not (data / "verified_claims.docs.tsv").is_file():
        return {"skipped": f"CheckThat! 2020 data not found in {data}"}
    import bm25s

    claims, splits = checkthat.load(data)
    dev = splits["dev"]
    started = time.perf_counter()
    index = checkthat.build_index(claims)
    build_s = time.perf_counter() - started
    vectors = retrieval.embed([text for _, text in dev.queries])
    ours = checkthat.metrics(checkthat.rank(index, dev, vectors), dev.qrels)
    texts = [retrieval.joint_text(retrieval.strip_links(c), retrieval.strip_links(t)) for _, c, t in claims]
    tokenizer = bm25s.tokenization.Tokenizer(stopwords="en")
    model = bm25s.BM25()
    model.index(tokenizer.tokenize(texts, return_as="ids", show_progress=False), show_progress=False)
    ids = np.array([pk for pk, _, _ in claims])
    ranked = {}
    for qid, text in dev.queries:
        q = tokenizer.tokenize([retrieval.strip_links(text)], update_vocab=False, return_as="ids", show_progress=False)[0]
        scores = model.get_scores(q) if q else np.zeros(len(ids))
        ranked[qid] = [int(ids[i]) for i in np.argsort(-scores, kind="stable")[:5]]
    return {"dev": {"ours": ours, "bm25s": checkthat.metrics(ranked, dev.qrels)},
            "index_build_s": round(build_s, 1), "records": len(claims)}


def embedding(data: Path) -> dict:
    """Sorted-batch encode vs a bare encode (input order, batches of 32) of the same texts."""
    import spacy
    from django.conf import settings

    from sources.attribution import extract

    texts = []
    if (data / "verified_claims.docs.tsv").is_file():
        texts = [c for _, c, _ in checkthat.load(data)[0][:3000]]
    if not texts:
        texts = [line for line in (ROOT / "seeds" / "seed.txt").read_text().splitlines() if line.strip()] * 20
    encoder = retrieval.encoder()
    encoder.encode(texts[:64])  # warm
    started = time.perf_counter()
    encoder.encode(texts)
    ours = time.perf_counter() - started
    started = time.perf_counter()
    for i in range(0, len(texts), 32):
        encoder.encode(texts[i:i + 32], batch_size=32)  # one batch at a time: no sorting across batches
    bare = time.perf_counter() - started
    body = (ROOT / "seeds" / "seed.txt").read_text(encoding="utf-8")
    nlp = spacy.load(settings.SPACY_MODEL)
    claim_texts = [c.text for c in extract(body)]
    parse, embed = [], []
    for _ in range(5):
        started = time.perf_counter()
        nlp(body)
        parse.append(time.perf_counter() - started)
        started = time.perf_counter()
        retrieval.embed(claim_texts)
        embed.append(time.perf_counter() - started)
    return {
        "sentences": len(texts), "ours_sent_per_s": round(len(texts) / ours, 1), "bare_sent_per_s": round(len(texts) / bare, 1),
        "seed_article": {"claims": len(claim_texts), "spacy_parse_ms": round(1000 * min(parse), 1),
                         "embed_claims_ms": round(1000 * min(embed), 1),
                         "embed_over_parse": round(min(embed) / min(parse), 3)},
    }


def latency(size: int, queries: int, data: Path) -> dict:
    """A SearchIndex of `size` claims: random unit vectors (an exact scan costs the same whatever they
    are) and sentences of real words, so postings have a natural length; queries are real claims."""
    rng = np.random.default_rng(7)
    if (data / "verified_claims.docs.tsv").is_file():
        sample = [c for _, c, _ in checkthat.load(data)[0]]
    else:
        sample = [line for line in (ROOT / "seeds" / "seed.txt").read_text().splitlines() if line.strip()]
    words = " ".join(sample).split()
    index = retrieval.SearchIndex()
    started = time.perf_counter()
    index.joint.reserve(size)
    chunk = 20_000
    for start in range(0, size, chunk):
        n = min(chunk, size - start)
        vectors = rng.standard_normal((n, 384)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        picks = rng.integers(0, len(words), size=(n, 18))
        records = [retrieval.Record(retrieval.key_of(retrieval.CLAIM, start + i), " ".join(words[j] for j in row))
                   for i, row in enumerate(picks)]
        index.add(records, vectors)
    build_s = time.perf_counter() - started
    texts = [sample[i] for i in rng.integers(0, len(sample), size=queries)]
    index.search(texts[0], limit=5)  # warm
    times = []
    for text in texts:
        started = time.perf_counter()
        index.search(text, limit=5)
        times.append(1000 * (time.perf_counter() - started))
    return {"claims": size, "build_s": round(build_s, 1), "query_ms_p50": round(float(np.median(times)), 1),
            "query_ms_p99": round(float(np.quantile(times, 0.99)), 1), "peak_rss_mb": peak_rss_mb()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("CHECKTHAT2020_DIR", DEFAULT_DATA)))
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--one-size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_size:
        print(json.dumps(latency(args.one_size, args.queries, args.data)))
        return 0
    out: dict = {"bench": "retrieval", "quality": quality(args.data), "embedding": embedding(args.data)}
    out["peak_rss_mb"] = peak_rss_mb()
    out["latency"] = []
    for size in (int(s) for s in args.sizes.split(",") if s):
        run = subprocess.run([sys.executable, __file__, "--one-size", str(size), "--queries", str(args.queries),
                              "--data", str(args.data)], capture_output=True, text=True, check=True)
        out["latency"].append(json.loads(run.stdout.strip().splitlines()[-1]))
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
