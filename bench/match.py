"""Claim matching latency: one new article against N stored claims, and the brute-force peer.

    python bench/match.py [--sizes 10000,100000] [--runs 15]

Builds its own PostgreSQL database (verifier_bench_match, from DATABASE_URL's server or
127.0.0.1), fills it with synthetic claims drawn from the seed article's vocabulary, then
times `article_match` (MinHash buckets + exact re-scoring) for fresh articles, and in the
same run a brute-force comparison of the article's claims with every stored claim.
Prints one JSON line.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, bench/ is sys.path[0] and bench/queue.py would shadow the stdlib queue.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))
server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres").rsplit("/", 1)[0]
os.environ["DATABASE_URL"] = f"{server}/verifier_bench_match"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "verifier.settings")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "false")


def ensure_database() -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS verifier_bench_match")
        conn.execute("CREATE DATABASE verifier_bench_match")


def vocabulary() -> list[str]:
    text = (ROOT / "seeds" / "seed.txt").read_text(encoding="utf-8")
    words = [w.strip(".,“”\"'—:;()").lower() for w in text.split()]
    base = sorted({w for w in words if w.isalpha() and len(w) > 2})
    # Grow the vocabulary so synthetic claims are diverse, as a real archive's are.
    return base + [f"{w}{i}" for i in range(10) for w in base]


def synthetic_claim(rng: random.Random, vocab: list[str]) -> str:
    """12-30 content words: a third from a common head (as news reuses names and places), the rest long-tail."""
    head = vocab[:300]
    words = [rng.choice(head) if rng.random() < 0.3 else rng.choice(vocab) for _ in range(rng.randint(12, 30))]
    return " ".join(words).capitalize() + "."


def fill(target: int, rng: random.Random, vocab: list[str]) -> None:
    from django.db import connection

    from claims.matching.near_duplicates import buckets, claim_shape
    from claims.models import Article, Claim
    from sources.models import Source

    have = Claim.objects.count()
    publisher, _ = Source.objects.get_or_create(kind="outlet", name="Bench Wire")
    per_article = 25
    claim_rows, fingerprint_rows = [], []
    next_claim = (Claim.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    for _ in range(have, target, per_article):
        sentences = [synthetic_claim(rng, vocab) for _ in range(per_article)]
        article = Article.objects.create(
            publisher=publisher, body=" ".join(sentences), content_sha256=f"{rng.getrandbits(256):064x}",
            extraction_status="done",
        )
        start = 0
        for sentence in sentences:
            claim_rows.append((next_claim, article.pk, start, start + len(sentence), sentence))
            fingerprint_rows += [(next_claim, band, bucket) for band, bucket in enumerate(buckets(claim_shape(sentence).tokens))]
            next_claim += 1
            start += len(sentence) + 1
    with connection.cursor() as cursor:
        with cursor.connection.cursor() as cur:  # psycopg COPY: the fast way to load 100k rows
            columns = 'id, article_id, start, "end", text, attribution_level, speaker_text, cue, reason, status, priority, version, status_changed_at, created_at, updated_at'
            with cur.copy(f"COPY claims_claim ({columns}) FROM STDIN") as copy:
                for row in claim_rows:
                    copy.write_row([*row, "unattributed", "", "", "", "unverified", 10, 1, "now", "now", "now"])
            with cur.copy("COPY claims_claimfingerprint (claim_id, band, bucket) FROM STDIN") as copy:
                for row in fingerprint_rows:
                    copy.write_row(row)
            cur.execute("SELECT setval(pg_get_serial_sequence('claims_claim', 'id'), (SELECT max(id) FROM claims_claim))")
        cursor.execute("ANALYZE claims_claim; ANALYZE claims_claimfingerprint;")


def reworded_article(rng: random.Random, stored: list[str], size: int = 30) -> list[str]:
    """A new article: half rewordings of stored claims (drop/shuffle words), half fresh sentences."""
    out = []
    for i in range(size):
        base = rng.choice(stored).rstrip(".").split()
        if i % 2:
            words = [w for w in base if rng.random() > 0.2]
            rng.shuffle(words)
            out.append(" ".join(words).capitalize() + ".")
        else:
            out.append(" ".join(rng.sample(base, len(base))).capitalize() + ".")
    return out


def time_match(rng, stored, vocab, runs: int) -> tuple[list[float], list[str]]:
    from claims.matching.near_duplicates import article_match
    from claims.models import Article, Claim
    from sources.models import Source

    publisher, _ = Source.objects.get_or_create(kind="outlet", name="Bench Gazette")
    times, last = [], []
    for _ in range(runs):
        sentences = reworded_article(rng, stored)
        body = " ".join(sentences)
        article = Article.objects.create(publisher=publisher, body=body, content_sha256=f"{rng.getrandbits(256):064x}")
        start, claims = 0, []
        for sentence in sentences:
            claims.append(Claim(article=article, start=start, end=start + len(sentence), text=sentence))
            start += len(sentence) + 1
        Claim.objects.bulk_create(claims)
        began = time.perf_counter()
        article_match(article_id=article.pk)
        times.append(time.perf_counter() - began)
        article.delete()
        last = sentences
    return times, last


def brute_force(sentences: list[str], threshold: float) -> float:
    """The naive peer: compare the article's claims with every stored claim."""
    from claims.matching.near_duplicates import claim_shape, similarity
    from claims.models import Claim

    began = time.perf_counter()
    mine = [claim_shape(s) for s in sentences]
    hits = 0
    for text in Claim.objects.values_list("text", flat=True).iterator(chunk_size=5000):
        other = claim_shape(text)
        hits += sum(similarity(m, other) >= threshold for m in mine)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    ensure_database()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from claims.models import Claim

    rng, vocab = random.Random(7), vocabulary()
    figures = {"bench": "match", "runs": args.runs}
    sizes = [int(s) for s in args.sizes.split(",")]
    for size in sizes:
        fill(size, rng, vocab)
        stored = list(Claim.objects.order_by("?").values_list("text", flat=True)[:2000])
        times, sentences = time_match(rng, stored, vocab, args.runs)
        median_ms = statistics.median(times) * 1000
        brute_ms = brute_force(sentences, settings.CLAIM_MATCH_THRESHOLD) * 1000
        figures[f"claims_{size}"] = {
            "stored_claims": Claim.objects.count(),
            "match_median_ms": round(median_ms, 1),
            "match_p90_ms": round(sorted(times)[int(len(times) * 0.9) - 1] * 1000, 1),
            "brute_force_ms": round(brute_ms, 1),
            "speedup_vs_brute_force": round(brute_ms / median_ms, 1),
        }
    if len(sizes) > 1:
        small, large = figures[f"claims_{sizes[0]}"], figures[f"claims_{sizes[-1]}"]
        figures["growth"] = {
            "claims_ratio": round(sizes[-1] / sizes[0], 1),
            "latency_ratio": round(large["match_median_ms"] / small["match_median_ms"], 2),
        }
    figures["target_ms"] = 200
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
