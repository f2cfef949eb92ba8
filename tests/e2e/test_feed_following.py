"""Watched feeds across real processes: two pollers at once (what two beats send) poll each feed
once; and two instances of the service follow each other's ClaimReview DataFeed, each with its
own PostgreSQL database and its own web server on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import requests

from claims import workflow
from claims.models import ClaimStatus, EvidenceStance, FactCheck, Feed
from claims.pipeline import feeds
from tests.claims import feed_fixtures as fx
from tests.database_url import test_database_url
from tests.factories import ClaimFactory, EvidenceFactory, UserFactory
from tests.feed_server import server  # noqa: F401 (the fixture)

from .conftest import ROOT, free_port, wait_for

S = ClaimStatus
FEED_ENV = {"FEEDS_ALLOW_PRIVATE_ADDRESSES": "true", "FEEDS_HOST_MIN_GAP_SECONDS": "0", "CONN_MAX_AGE": "0",
            "CELERY_BROKER_URL": "memory://",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}


def manage(*args: str, database_url: str, check: bool = True, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=300, check=check,
        env={**os.environ, "DATABASE_URL": database_url, **FEED_ENV, **env},
    )


@pytest.mark.django_db(transaction=True)
def test_two_pollers_at_once_poll_each_feed_once(server, editor):
    story = "The harbour bridge will reopen in May after repairs costing $12 million, the transport department said."
    for n in range(8):
        url = server.route(f"/feed{n}", fx.rss([fx.Story(f"g{n}", f"https://desk.example/{n}", f"Story {n}",
                                                         story.replace("May", f"month {n}"))]))
        # half on another host name of the server: politeness is per host, so both pollers have work
        feeds.feed_create(url=url if n % 2 else url.replace("127.0.0.1", "localhost"), publisher="Desk", actor=editor)
    database = test_database_url()
    pollers = [subprocess.Popen([sys.executable, "manage.py", "poll_feeds"], cwd=ROOT, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env={**os.environ, "DATABASE_URL": database, **FEED_ENV})
               for _ in range(2)]
    outputs = [poller.communicate(timeout=300) for poller in pollers]
    assert all(poller.returncode == 0 for poller in pollers), outputs
    assert [server.hits[f"/feed{n}"] for n in range(8)] == [1] * 8  # each feed once, not once per poller
    printed = [line for out, _ in outputs for line in out.splitlines() if line.startswith("feed ")]
    assert len(printed) == 8 and all(line.endswith("1 new entry: 1 ingested") for line in printed), printed
    assert Feed.objects.filter(articles_created=1).count() == 8


PEER_VERDICT = textwrap.dedent("""
    from tests.factories import ClaimFactory, EvidenceFactory, UserFactory, ArticleFactory
    from claims import workflow
    from claims.models import ClaimStatus as S
    rita = UserFactory(username="peer-rita", roles=["reviewers"])
    claim = ClaimFactory(article=ArticleFactory(body="The harbour bridge toll will triple next year, the mayor said."))
    workflow.transition(claim=claim, to=S.QUEUED, actor=None, assignee=rita)
    workflow.transition(claim=claim, to=S.IN_REVIEW, actor=rita)
    EvidenceFactory(claim=claim, stance="contradicts", url="https://records.example.gov/tolls")
    workflow.transition(claim=claim, to=S.REFUTED, actor=rita, note="The toll schedule is unchanged.")
    print(claim.pk)
""")
PEER_WITHDRAW = textwrap.dedent("""
    from django.contrib.auth import get_user_model
    from claims import workflow
    from tests.factories import UserFactory
    edith = UserFactory(username="peer-edith", roles=["editors"])
    workflow.verdict_withdraw(claim={claim}, actor=edith, reason="The toll story was a draft.")
""")


@pytest.fixture
def peer_database():
    """A second instance's own database on the same PostgreSQL server, migrated from scratch."""
    url = test_database_url()
    parts = urlsplit(url)
    name = f"verifier_peer_{uuid.uuid4().hex[:8]}"
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    peer_url = urlunsplit(parts._replace(path=f"/{name}"))
    manage("migrate", "-v0", database_url=peer_url)
    yield peer_url
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def peer_server(peer_database):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"], cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "DATABASE_URL": peer_database, **FEED_ENV},
    )
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return requests.get(base + "/fact-checks/feed.json", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    wait_for(answers, timeout=60, what="the second instance's web server")
    yield base
    process.terminate()
    process.wait(timeout=20)


@pytest.mark.django_db(transaction=True)
def test_two_instances_follow_each_others_datafeed(peer_database, peer_server, live_server, editor, settings):
    settings.FEEDS_ALLOW_PRIVATE_ADDRESSES = True
    settings.FEEDS_HOST_MIN_GAP_SECONDS = 0.0
    settings.FEEDS_POLL_THREADS = 1

    # B publishes a verdict; A follows B's feed and imports it as a fact-check rated as B rated it.
    peer_claim = int(manage("shell", "-c", PEER_VERDICT, database_url=peer_database).stdout.split()[-1])
    followed = feeds.feed_create(url=f"{peer_server}/fact-checks/feed.json", publisher="Peer desk", actor=editor)
    (outcome,) = feeds.feeds_poll()
    assert outcome.ok and outcome.line.startswith("1 new fact-checks"), outcome.line
    followed.refresh_from_db()
    assert followed.detected_kind == "claimreview"
    imported = FactCheck.objects.get(feed=followed)
    assert imported.url == f"{peer_server}/fact-checks/{peer_claim}/"
    assert (imported.rating_name, imported.claim_reviewed) == ("refuted", "The harbour bridge toll will triple next year, the mayor said.")
    assert imported.embedding is not None  # searchable at once

    # polled again: nothing new; B withdraws it: A marks its copy withdrawn
    (outcome,) = feeds.feeds_poll(every=True)
    assert "0 new fact-checks" in outcome.line and "1 unchanged" in outcome.line
    manage("shell", "-c", PEER_WITHDRAW.format(claim=peer_claim), database_url=peer_database)
    feeds.feeds_poll(every=True)
    imported.refresh_from_db()
    assert imported.withdrawn_at is not None

    # A publishes a verdict; B follows A's feed (A's own web server) and imports it.
    rita = UserFactory(username="rita-a", roles=["reviewers"])
    ours = ClaimFactory()
    workflow.transition(claim=ours, to=S.QUEUED, actor=None, assignee=rita)
    workflow.transition(claim=ours, to=S.IN_REVIEW, actor=rita)
    EvidenceFactory(claim=ours, stance=EvidenceStance.CONTRADICTS, url="https://records.example.gov/a")
    workflow.transition(claim=ours, to=S.REFUTED, actor=rita, note="no")
    follow_back = textwrap.dedent(f"""
        from claims.pipeline import feeds
        from tests.factories import UserFactory
        edith = UserFactory(username="peer-editor", roles=["editors"])
        feeds.feed_create(url="{live_server.url}/fact-checks/feed.json", publisher="Desk A", actor=edith)
    """)
    manage("shell", "-c", follow_back, database_url=peer_database)
    polled = manage("poll_feeds", "--all", database_url=peer_database, FEEDS_POLL_THREADS="1")
    assert "1 new fact-checks" in polled.stdout, polled.stdout + polled.stderr
    count = manage("shell", "-c", f"from claims.models import FactCheck; print(FactCheck.objects.filter("
                   f"url='{live_server.url}/fact-checks/{ours.pk}/', rating_name='refuted').count())",
                   database_url=peer_database)
    assert count.stdout.split()[-1] == "1"
