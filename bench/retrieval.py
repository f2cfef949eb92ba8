"""Retrieval quality and import speed through the product: prints one JSON line.

    python bench/retrieval.py [--data ../shared/checkthat2020] [--databases postgresql,sqlite]

For each database (a fresh PostgreSQL database beside DATABASE_URL's server, or var/test-services.env's
that `make test` starts with pgvector; a fresh SQLite file), in a new process:

- import: CheckThat! 2020's 10,375 verified claims written as ClaimReview JSON Lines and imported
  by `manage.py import_claimreview` (a real command process): records a second, beside a bare
  encode of the same texts (claim, claim and headline, headline) on one onnxruntime thread, and
  with the batch encoder the command uses, in the same run;
- quality: every dev tweet POSTed to /api/claims/similar/ (kind fact_check, limit 5) with a
  newsroom token: MAP@5, MRR and recall@5 as the lab scores them, and the request p50; plain
  BM25 (bm25s) over the same texts is the peer.

Plus the encoder's throughput (sorted batches against a bare encode) and an article's embedding
against its spaCy parse. Skipped with a reason when the data is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/queue.py would shadow the standard library's queue module for everything imported below.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "verifier.settings")
os.environ.setdefault("CELERY_BROKER_URL", "memory://")

DEFAULT_DATA = ROOT.parent / "shared" / "checkthat2020"
REQUESTED_DATABASE_URL = os.environ.get("DATABASE_URL", "")  # before this process sets its own
BENCH_DB = "verifier_retrieval_bench"


def peak_rss_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def database_url(kind: str, workdir: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'bench.sqlite3'}"
    from bench.pg_bench_database import bench_database_url, recreate_database

    url = bench_database_url(BENCH_DB, REQUESTED_DATABASE_URL)
    recreate_database(url)
    return url


def write_reviews(claims, path: Path) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for pk, claim, title in claims:
            f.write(json.dumps({"@context": "https://schema.org", "@type": "ClaimReview",
                                "url": f"https://checkthat.example.org/vclaim/{pk}", "claimReviewed": claim,
                                "name": title, "reviewRating": {"@type": "Rating", "alternateName": "False"}}) + "\n")


def through_product(kind: str, data: Path) -> dict:
    """Import with the command, then ask the API: in a new process on a fresh database."""
    from claims.matching import checkthat

    claims, _ = checkthat.load(data)
    with tempfile.TemporaryDirectory() as workdir:
        workdir = Path(workdir)
        env = {**os.environ, "DATABASE_URL": database_url(kind, workdir), "CELERY_BROKER_URL": "memory://"}
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        write_reviews(claims, workdir / "reviews.jsonl")
        started = time.perf_counter()
        subprocess.run([sys.executable, "manage.py", "import_claimreview", str(workdir / "reviews.jsonl")], cwd=ROOT,
                       env=env, check=True, capture_output=True)
        seconds = time.perf_counter() - started
        out = subprocess.run([sys.executable, __file__, "--ask-api", str(data)], env=env, check=True, capture_output=True,
                             text=True)
        asked = json.loads(out.stdout.strip().splitlines()[-1])
    return {"import": {"records": len(claims), "seconds": round(seconds, 1), "records_per_s": round(len(claims) / seconds, 1)},
            **asked}


def ask_api(data: Path) -> dict:
    """Every dev tweet through POST /api/claims/similar/, as a newsroom tool asks."""
    import django

    django.setup()
    import numpy as np
    from django.contrib.auth.models import Group, User
    from django.test import Client

    from claims.matching import checkthat
    from claims.tokens import api_token_create

    user = User.objects.create(username="bench-newsroom")
    user.groups.add(Group.objects.get_or_create(name="newsroom")[0])
    _, token = api_token_create(user=user, role="newsroom", name="bench")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    claims, splits = checkthat.load(data)
    by_url = {f"https://checkthat.example.org/vclaim/{pk}": pk for pk, _, _ in claims}
    ranked, timings = {}, []
    for qid, text in splits["dev"].queries:
        started = time.perf_counter()
        response = client.post("/api/claims/similar/", {"text": text[:5000], "limit": 5, "kind": "fact_check"},
                               content_type="application/json")
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.content
        ranked[qid] = [by_url[row["url"]] for row in response.json()["results"]]
    return {"dev": checkthat.metrics(ranked, splits["dev"].qrels),
            "request_p50_ms": round(float(np.median(timings)) * 1000, 1)}


def bm25_peer(data: Path) -> dict:
    import bm25s
    import django

    django.setup()
    import numpy as np

    from claims.matching import checkthat, retrieval

    claims, splits = checkthat.load(data)
    texts = [retrieval.joint_text(retrieval.strip_links(c), retrieval.strip_links(t)) for _, c, t in claims]
    tokenizer = bm25s.tokenization.Tokenizer(stopwords="en")
    model = bm25s.BM25()
    model.index(tokenizer.tokenize(texts, return_as="ids", show_progress=False), show_progress=False)
    ids = np.array([pk for pk, _, _ in claims])
    ranked = {}
    for qid, text in splits["dev"].queries:
        q = tokenizer.tokenize([retrieval.strip_links(text)], update_vocab=False, return_as="ids", show_progress=False)[0]
        scores = model.get_scores(q) if q else np.zeros(len(ids))
        ranked[qid] = [int(ids[i]) for i in np.argsort(-scores, kind="stable")[:5]]
    return checkthat.metrics(ranked, splits["dev"].qrels)


def bare_encode(data: Path) -> dict:
    """The import's floor: encoding its texts and nothing else, one thread and the batch encoder."""
    from claims.matching import checkthat, retrieval

    claims, _ = checkthat.load(data)
    texts = list({c: 0 for _, c, _ in claims} | {retrieval.joint_text(c, t): 0 for _, c, t in claims}
                 | {t: 0 for _, _, t in claims if t})
    out = {"texts": len(texts)}
    for name, encode in (("one_thread", retrieval.embed), ("batch_encoder", retrieval.batch_embed)):
        started = time.perf_counter()
        encode(texts)
        out[f"{name}_records_per_s"] = round(len(claims) / (time.perf_counter() - started), 1)
    return out


def embedding(data: Path) -> dict:
    """Sorted-batch encode vs a bare encode (input order, batches of 32) of the same texts."""
    from claims.matching import checkthat, retrieval
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("CHECKTHAT2020_DIR", DEFAULT_DATA)))
    parser.add_argument("--databases", default="postgresql,sqlite")
    parser.add_argument("--ask-api", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ask_api:
        print(json.dumps(ask_api(args.ask_api)))
        return 0
    os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")
    import django

    django.setup()
    out: dict = {"bench": "retrieval"}
    if not (args.data / "verified_claims.docs.tsv").is_file():
        out["quality"] = {"skipped": f"CheckThat! 2020 data not found in {args.data}"}
    else:
        out["quality"] = {kind: through_product(kind, args.data) for kind in args.databases.split(",") if kind}
        out["quality"]["bm25s_dev"] = bm25_peer(args.data)
        out["bare_encode"] = bare_encode(args.data)
    out["embedding"] = embedding(args.data)
    out["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
