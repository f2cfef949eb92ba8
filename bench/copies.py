"""One story, many copies: what N near-identical copies cost, at N = 10, 100 and 1,000, on PostgreSQL.

    python bench/copies.py [--copies 1000] [--stories 1] [--checkpoints 10,100,1000]

Builds its own PostgreSQL database (BENCH_COPIES_DB, default verifier_bench_copies on
DATABASE_URL's server; dropped and migrated every run, so the counts start from nothing).
Stories: the seed article, then (with --stories > 1) the articles of ../shared/corpus when it
is there. Each story is ingested once as published, then `--copies` times as wire copy under
other outlets, the way a desk receives it: each copy replaces one sentence (a different one
each time) with a local sentence of its own, and is otherwise the same body, with small
edits a desk makes: every third copy straightens its quote marks and dashes, every tenth
edits one word of a long sentence (a rewording retrieval must group).

Each article goes through the real services in this process, in order: ingest_article,
article_extract, article_match, claims_score (what the extract_article and match_article
tasks call), timed per article; at each checkpoint one assignment run queues the waiting
claims for five reviewers. The floor measured in the same run is the extraction alone (the
spaCy parse and the rules: what any copy costs before matching). At each checkpoint N:

- claims (rows), groups (first claims: what is reviewed), copies, near-identical articles;
- claims_queued (claims in a reviewer's queue) against expected_queued (one copy's
  check-worthy claims plus the differing sentences that are);
- match_rows, max rows stored by one claim (at most CLAIM_MATCH_MAX_PER_CLAIM), and what one
  row per matching pair would have been (copies x (copies - 1) / 2 per sentence);
- ingest-to-matched and matching time per article (median of the last 10 copies), and
  the extraction floor;
- peak RSS of this process.

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))
BENCH_DB = os.environ.get("BENCH_COPIES_DB", "verifier_bench_copies")
CORPUS = ROOT.parent / "shared" / "corpus"
OUTLETS = ["The Gazette", "Daily Post", "KXAN", "The Courier", "Evening Standard", "Metro Herald", "WPTV"]
LOCAL = [
    "Residents of Ward {n} told this newspaper that {m} people marched downtown on Sunday.",
    "The county board voted {m} to {n} on a related zoning measure late on Tuesday.",
    "Local officials said {m} families in District {n} had applied for emergency help.",
]


def stories(count: int) -> list[str]:
    found = [(ROOT / "seeds" / "seed.txt").read_text(encoding="utf-8")]
    if count > 1:
        if not CORPUS.is_dir():
            raise SystemExit(f"--stories {count} needs the corpus at {CORPUS} (absent): run with --stories 1")
        found += [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("pub*.txt"))]
    return found[:count]


def sentences_of(body: str) -> list[str]:
    """The story's claim sentences, from the extractor (so every copy changes a real claim)."""
    from sources.attribution import extract

    return [claim.text for claim in extract(body)]


def local_sentence(i: int, story: int = 0) -> str:
    """Copy i's own sentence (figures differ by copy and story: no two are one claim)."""
    return LOCAL[i % len(LOCAL)].format(n=i + 1, m=i + 17 + 10_000 * story)


def make_copy(body: str, sentences: list[str], i: int, story: int = 0) -> str:
    replaced = sentences[i % len(sentences)]
    local = local_sentence(i, story)
    copy = body.replace(replaced, local, 1)
    if i % 3 == 0:  # a desk's style: straight quotes and hyphens
        copy = copy.translate(str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "—": "-", "–": "-"}))
    if i % 10 == 0:  # a desk's light edit of one long sentence: "said" to "says", or a word dropped
        long = [s for s in sentences if s != replaced and len(s.split()) > 20]
        if long:
            target = long[i % len(long)]
            words = target.split(" ")
            edited = target.replace(" said", " says", 1) if " said" in target else " ".join(words[:3] + words[4:])
            copy = copy.replace(target, edited, 1)
    return copy


def rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def setup_database() -> None:
    import psycopg

    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres").rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    os.environ.update(
        DATABASE_URL=f"{server}/{BENCH_DB}", DJANGO_SETTINGS_MODULE="verifier.settings", DEBUG="false", LOG_LEVEL="WARNING",
        ALLOWED_HOSTS=os.environ.get("ALLOWED_HOSTS", "localhost"),
        CELERY_BROKER_URL="memory://", EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789"),
    )
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=os.environ, check=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=1000)
    ap.add_argument("--stories", type=int, default=1)
    ap.add_argument("--checkpoints", default="10,100,1000")
    args = ap.parse_args(argv)
    checkpoints = sorted({int(c) for c in args.checkpoints.split(",") if int(c) <= args.copies} | {args.copies})

    setup_database()
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import Group, User
    from django.db.models import Count

    from claims.matching.matches import article_match
    from claims.models import Article, Claim, ClaimMatch
    from claims.pipeline import assignment
    from claims.pipeline.ingestion import article_extract, ingest_article
    from sources.attribution.limits import extract_bounded
    from claims.triage import checkworthiness, scoring

    reviewers = Group.objects.get_or_create(name="reviewers")[0]
    for i in range(5):
        User.objects.create(username=f"bench-reviewer-{i}").groups.add(reviewers)

    def through_pipeline(body: str, publisher: str) -> tuple[float, float, float]:
        started = time.perf_counter()
        article, _ = ingest_article(body=body, publisher=publisher)
        article_extract(article_id=article.pk)
        extracted = time.perf_counter()
        article_match(article_id=article.pk)
        scoring.claims_score(claim_ids=list(Claim.objects.filter(article_id=article.pk).values_list("pk", flat=True)))
        done = time.perf_counter()
        floor_started = time.perf_counter()
        extract_bounded(body, publisher=publisher)  # the floor: extraction alone, same body, same process
        floor = time.perf_counter() - floor_started
        return done - started, done - extracted, floor

    bodies = stories(args.stories)
    plans = []
    for body in bodies:
        sentences = sentences_of(body)
        through_pipeline(body, "Yahoo News" if body is bodies[0] else "Original Desk")
        plans.append((body, sentences))
    first_claims = Claim.objects.count()
    threshold = checkworthiness.threshold()
    worthy_first = Claim.objects.filter(check_worthiness__gte=threshold).count()
    timings: list[tuple[float, float, float]] = []
    differing_worthy = 0
    figures = []
    for i in range(args.copies):
        for s, (body, sentences) in enumerate(plans):
            copy = make_copy(body, sentences, i, s)
            timings.append(through_pipeline(copy, OUTLETS[(i + s) % len(OUTLETS)]))
            differing_worthy += Claim.objects.filter(
                text=local_sentence(i, s), copy_of__isnull=True, check_worthiness__gte=threshold).count()
        n = i + 1
        if n not in checkpoints:
            continue
        assignment.claims_assign()
        window = timings[-10 * len(plans):]
        per_claim = (
            ClaimMatch.objects.values("claim_b").annotate(n=Count("id")).order_by("-n").values_list("n", flat=True).first()
        )
        claims_per_copy = len(plans[0][1])
        figures.append({
            "copies": n,
            "articles": Article.objects.count(),
            "claims": Claim.objects.count(),
            "groups": Claim.objects.filter(copy_of__isnull=True).count(),
            "expected_groups": first_claims + n * len(plans),
            "copies_grouped": Claim.objects.filter(copy_of__isnull=False).count(),
            "reworded_copies": Claim.objects.filter(copy_method="reworded").count(),
            "attribution_differs": Claim.objects.filter(attribution_differs=True).count(),
            "near_identical_articles": Article.objects.filter(copy_of__isnull=False).count(),
            "claims_queued": Claim.objects.filter(assignee__isnull=False).count(),
            "expected_queued": worthy_first + differing_worthy,
            "match_rows": ClaimMatch.objects.count(),
            "max_match_rows_stored_by_one_claim": per_claim or 0,
            "one_row_per_pair_would_be": claims_per_copy * (n + 1) * n // 2 * len(plans),
            "ingest_to_matched_ms": round(1000 * statistics.median(t for t, _, _ in window), 1),
            "matching_ms": round(1000 * statistics.median(m for _, m, _ in window), 1),
            "extraction_floor_ms": round(1000 * statistics.median(f for _, _, f in window), 1),
            # against the floor measured in the same window: what the load of the moment does to both cancels
            "matching_per_floor": round(statistics.median(m / f for _, m, f in window), 3),
            "peak_rss_mb": rss_mb(),
        })
    at = {f["copies"]: f for f in figures}
    lo, hi = min(at), max(at)
    print(json.dumps({
        "bench": "copies",
        "database": "postgresql",
        "stories": len(plans),
        "claims_per_story": [len(s) for _, s in plans],
        "match_k": settings.CLAIM_MATCH_MAX_PER_CLAIM,
        "copy_min_ratio": settings.CLAIM_COPY_MIN_RATIO,
        "checkpoints": figures,
        "matching_ms_ratio_last_to_first_checkpoint": round(at[hi]["matching_ms"] / max(at[lo]["matching_ms"], 1e-6), 2),
        "matching_per_floor_ratio_last_to_first_checkpoint": round(
            at[hi]["matching_per_floor"] / max(at[lo]["matching_per_floor"], 1e-6), 2),
        "ingest_to_matched_ratio_last_to_first_checkpoint": round(
            at[hi]["ingest_to_matched_ms"] / max(at[lo]["ingest_to_matched_ms"], 1e-6), 2),
        "seconds": round(sum(t for t, _, _ in timings), 1),
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
