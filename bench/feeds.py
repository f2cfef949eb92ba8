"""Watched feeds at a desk's scale: 1,000 feeds of 20 entries, polled by one worker process.

    python bench/feeds.py [--feeds 1000] [--entries 20] [--hosts 250] [--stories 20]

Its own PostgreSQL database (verifier_bench_feeds, on DATABASE_URL's server or make test's)
and a local web server (bench/feed_server.py) on 250 loopback hosts, 4 feeds each. In one run:

- new: every entry is new (RSS with full content): polls/s and entries/s, through the product's
  poll (lease, polite conditional GET, parse, record entries, ingest each as an article);
- unchanged: the same feeds again, every one answering 304: polls/s and the seconds for all;
- peer: `feedparser.parse` alone on the same 1,000 bodies (the floor a poll that parses cannot beat);
- intake to claims: `--stories` more feeds of new stories (a few repeating a claim with a published
  false verdict) go feed by feed through poll + the worker's task (extract, match, alert); the same
  texts then go through POST /api/articles/ + the same task. Reported: entry-to-claims latency
  p50/p99 (entry first seen to its claims stored), the feed path's time over the API's, and the alert
  latency after matching (alert raised - article matched).

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

from bench.feed_server import host_addresses  # noqa: E402
from bench.pg_bench_database import bench_database_url, recreate_database  # noqa: E402

BENCH_DB = os.environ.get("BENCH_FEEDS_DB", "verifier_bench_feeds")
FALSE_CLAIM = "The harbour bridge repairs will cost taxpayers $90 million, the mayor said."
PLACES = ["Springfield", "Riverton", "Lakeside", "Hillcrest", "Bayview", "Fairmont", "Oakdale", "Westbrook"]
THINGS = ["the harbour bridge", "a new school", "the ring road", "the water plant", "the city library", "bus lanes"]
SPEAKERS = ["officials said", "the mayor said", "according to the finance department", "analysts say",
            "a council spokesperson told reporters", "sources familiar with the plan said"]


def story_text(rng: random.Random, n: int, *, repeat: bool = False) -> str:
    place, thing = rng.choice(PLACES), rng.choice(THINGS)
    sentences = [
        f"The {place} council approved ${rng.randint(2, 900)} million for {thing} on day {n}, {rng.choice(SPEAKERS)}.",
        f"Work on {thing} will start in {rng.choice(['March', 'April', 'June', 'October'])} and last "
        f"{rng.randint(2, 9)} years, {rng.choice(SPEAKERS)}.",
        f"Residents of {place} have filed {rng.randint(10, 5000)} complaints about {thing} since story {n}, "
        f"{rng.choice(SPEAKERS)}.",
    ]
    if repeat:
        sentences.insert(1, FALSE_CLAIM)
    return "\n\n".join(sentences)


def rss(feed: int, stories: list[tuple[str, str]]) -> str:
    from html import escape

    items = "".join(
        f"<item><title>Story {escape(guid)}</title><link>https://desk{feed}.example/{escape(guid)}</link>"
        f"<guid isPermaLink=\"false\">{escape(guid)}</guid><pubDate>Mon, 30 Nov 2026 12:00:00 GMT</pubDate>"
        f"<content:encoded><![CDATA[{''.join(f'<p>{escape(p)}</p>' for p in body.split(chr(10) * 2))}]]></content:encoded></item>"
        for guid, body in stories
    )
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
            f"<channel><title>Desk {feed}</title><link>https://desk{feed}.example/</link><description>d</description>"
            f"{items}</channel></rss>")


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=20)
    parser.add_argument("--hosts", type=int, default=250)
    parser.add_argument("--stories", type=int, default=20, help="feeds of the intake-to-claims comparison")
    parser.add_argument("--threads", type=int, default=8, help="FEEDS_POLL_THREADS of the worker")
    args = parser.parse_args()

    url = bench_database_url(BENCH_DB, os.environ.get("DATABASE_URL", ""))
    recreate_database(url)
    os.environ.update(
        DATABASE_URL=url, DJANGO_SETTINGS_MODULE="verifier.settings", DEBUG="false",
        SECRET_KEY="bench-only-secret-key-not-for-production", ALLOWED_HOSTS="testserver,127.0.0.1",
        SECURE_SSL_REDIRECT="false", LOG_LEVEL="ERROR", CELERY_BROKER_URL="memory://",
        FEEDS_ALLOW_PRIVATE_ADDRESSES="true", FEEDS_POLL_THREADS=str(args.threads),
        FEEDS_POLL_BATCH=str(args.hosts), FEEDS_MAX_ENTRIES_PER_POLL=str(max(args.entries, 200)),
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    rng = random.Random(27)
    folder = Path(tempfile.mkdtemp(prefix="bench-feeds-"))
    bodies = []
    for feed in range(args.feeds):
        body = rss(feed, [(f"f{feed}-e{e}", story_text(rng, feed * args.entries + e)) for e in range(args.entries)])
        (folder / f"feed{feed}.xml").write_text(body)
        bodies.append(body.encode())
    story_feeds = []
    for feed in range(args.stories):
        stories = [(f"s{feed}-e{e}", story_text(rng, 10**6 + feed * args.entries + e, repeat=(e == 0)))
                   for e in range(args.entries)]
        (folder / f"stories{feed}.xml").write_text(rss(10**6 + feed, stories))
        story_feeds.append(stories)

    server = subprocess.Popen([sys.executable, str(ROOT / "bench" / "feed_server.py"), "--dir", str(folder),
                               "--hosts", str(args.hosts)], stdout=subprocess.PIPE, text=True)
    port = int(server.stdout.readline().split()[1])
    hosts = host_addresses(args.hosts)
    try:
        result = run(args, bodies, story_feeds, hosts, port)
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(json.dumps(result))


def run(args, bodies: list[bytes], story_feeds: list, hosts: list[str], port: int) -> dict:
    import feedparser
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db.models import Count, Max
    from django.test import Client

    from claims import tasks, workflow
    from claims.matching import retrieval
    from claims.models import Alert, Article, Claim, ClaimStatus, Evidence, EvidenceStance, Feed, FeedEntry
    from claims.pipeline import feed_formats, feeds, ingestion
    from claims.roles import ensure_role_groups
    from claims.tokens import api_token_create

    ensure_role_groups()
    editor = get_user_model().objects.create(username="bench-editor", is_staff=True)
    editor.groups.add(Group.objects.get(name="editors"))
    reviewer = get_user_model().objects.create(username="bench-reviewer", is_staff=True)
    reviewer.groups.add(Group.objects.get(name="reviewers"))
    retrieval.embed(["warm the encoder"])  # a worker's encoder is loaded once, not per article

    for feed in range(args.feeds):
        feeds.feed_create(url=f"http://{hosts[feed % len(hosts)]}:{port}/feed{feed}.xml", publisher=f"Desk {feed}",
                          actor=editor)

    started = time.perf_counter()
    new = feeds.feeds_poll(every=True)
    new_seconds = time.perf_counter() - started
    entries = FeedEntry.objects.count()
    articles = Article.objects.count()

    started = time.perf_counter()
    unchanged = feeds.feeds_poll(every=True)
    unchanged_seconds = time.perf_counter() - started

    started = time.perf_counter()
    for body in bodies:
        feedparser.parse(body)
    feedparser_seconds = time.perf_counter() - started
    started = time.perf_counter()
    for body in bodies:
        feed_formats.parse(body, kind=feed_formats.detect_kind(body))
    our_parse_seconds = time.perf_counter() - started

    # --- intake to claims: a published false verdict, then stories that repeat it ------------------
    prior_article, _ = ingestion.ingest_article(body=f"{FALSE_CLAIM} The contract is not public.", publisher="Harbour Daily")
    tasks.extract_article(prior_article.pk)
    prior = Claim.objects.get(article=prior_article, text=FALSE_CLAIM)
    workflow.transition(claim=prior, to=ClaimStatus.QUEUED, actor=None, assignee=reviewer)
    workflow.transition(claim=prior, to=ClaimStatus.IN_REVIEW, actor=reviewer)
    Evidence.objects.create(claim=prior, stance=EvidenceStance.CONTRADICTS, url="https://records.example.gov/c", added_by=reviewer)
    workflow.transition(claim=prior, to=ClaimStatus.REFUTED, actor=reviewer, note="The contract says $9 million.")

    story_feed_ids = [feeds.feed_create(url=f"http://{hosts[n % len(hosts)]}:{port}/stories{n}.xml",
                                        publisher=f"Story desk {n}", actor=editor).pk for n in range(args.stories)]
    before = set(Article.objects.values_list("pk", flat=True))
    started = time.perf_counter()
    for feed_id in story_feed_ids:  # the worker polls a feed, then runs the extraction tasks it queued
        feeds.feeds_poll(every=True, feed_ids=[feed_id])
        for article_id in Article.objects.filter(feed_entries__feed_id=feed_id).order_by("pk").values_list("pk", flat=True):
            tasks.extract_article(article_id)
    feed_path_seconds = time.perf_counter() - started
    latencies = [
        (extracted - seen).total_seconds()
        for seen, extracted in FeedEntry.objects.filter(feed_id__in=story_feed_ids, article__isnull=False)
        .values_list("first_seen_at", "article__extracted_at")
    ]
    alert_rows = list(Alert.objects.values_list("created_at", "article__matched_at"))
    alert_latencies = [(raised - matched).total_seconds() for raised, matched in alert_rows]
    claims_feed = Claim.objects.exclude(article_id__in=before).count()

    # the same texts through the API and the same task
    texts = [(n, guid, body) for n, stories in enumerate(story_feeds) for guid, body in stories]
    Article.objects.exclude(pk__in=before).delete()
    _, token = api_token_create(user=editor, role="", name="bench")
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    started = time.perf_counter()
    for n, guid, body in texts:
        response = client.post("/api/articles/", {"publisher": f"Story desk {n}", "title": f"Story {guid}", "body": body},
                               content_type="application/json")
        assert response.status_code in (201, 202), response.content[:300]
        tasks.extract_article(response.json()["id"])
    api_path_seconds = time.perf_counter() - started
    claims_api = Claim.objects.exclude(article_id__in=before).count()

    return {
        "feeds": args.feeds, "entries_per_feed": args.entries, "hosts": len(hosts), "poll_threads": args.threads,
        "new": {"seconds": round(new_seconds, 2), "polls_per_second": round(len(new) / new_seconds, 1),
                "entries_per_second": round(entries / new_seconds, 1), "entries": entries, "articles": articles,
                "failed": sum(not o.ok for o in new)},
        "unchanged": {"seconds": round(unchanged_seconds, 2), "polls_per_second": round(len(unchanged) / unchanged_seconds, 1),
                      "all_304": all(o.line.startswith("unchanged (304)") for o in unchanged)},
        "peer_feedparser_parse_seconds": round(feedparser_seconds, 2),
        "our_parse_seconds": round(our_parse_seconds, 2),
        "new_poll_over_feedparser_alone": round(new_seconds / feedparser_seconds, 2),
        "intake_to_claims": {
            "stories": len(texts), "claims_feed": claims_feed, "claims_api": claims_api,
            "feed_path_seconds": round(feed_path_seconds, 2), "api_path_seconds": round(api_path_seconds, 2),
            "feed_over_api": round(feed_path_seconds / api_path_seconds, 3),
            "entry_to_claims_p50_s": round(percentile(latencies, 0.5), 3),
            "entry_to_claims_p99_s": round(percentile(latencies, 0.99), 3),
        },
        "alerts": {"raised": len(alert_rows), "expected": args.stories,
                   "after_matching_p50_s": round(percentile(alert_latencies, 0.5), 4),
                   "after_matching_p99_s": round(percentile(alert_latencies, 0.99), 4)},
    }


if __name__ == "__main__":
    main()
