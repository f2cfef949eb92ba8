"""The README's "Watching feeds" walk-through, with its real parts: `manage.py demo_feed` writes the
folder, `python -m http.server` serves it on loopback, an editor adds the feed in the admin, and a
real Celery worker does the rest (first poll, page fetch, extraction, matching, the alert) with no
other step. The seed story relayed by Demo Wire repeats a claim we refuted: one alert on the desk."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests
from django.core.management import call_command

from claims import workflow
from claims.models import Alert, Article, Claim, ClaimStatus, EvidenceStance, Feed, FeedEntry
from tests.factories import EvidenceFactory

from .conftest import free_port, wait_for

S = ClaimStatus


@pytest.fixture
def demo_site(tmp_path):
    port = free_port()
    folder = tmp_path / "demo-feed"
    call_command("demo_feed", str(folder), base_url=f"http://127.0.0.1:{port}/")
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                               "--directory", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: _answers(f"http://127.0.0.1:{port}/rss.xml"), timeout=20, what="http.server")
        yield f"http://127.0.0.1:{port}/rss.xml"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


def test_a_feed_added_in_the_admin_becomes_claims_and_its_repeat_one_alert(
        demo_site, worker_factory, editor, reviewer, client, settings):
    settings.FEEDS_ALLOW_PRIVATE_ADDRESSES = True
    call_command("load_seeds")
    seed = Article.objects.get()
    refuted = Claim.objects.filter(article=seed).order_by("start").first()
    workflow.transition(claim=refuted, to=S.QUEUED, actor=None, assignee=reviewer)
    workflow.transition(claim=refuted, to=S.IN_REVIEW, actor=reviewer)
    EvidenceFactory(claim=refuted, stance=EvidenceStance.CONTRADICTS, url="https://records.example.gov/readout")
    workflow.transition(claim=refuted, to=S.REFUTED, actor=reviewer, note="The readout says otherwise.")
    worker = worker_factory(FEEDS_ALLOW_PRIVATE_ADDRESSES="true", FEEDS_HOST_MIN_GAP_SECONDS="0")

    client.force_login(editor)
    response = client.post("/admin/claims/feed/add/", {
        "url": demo_site, "publisher": "Demo Wire", "kind": "", "poll_interval_seconds": "900",
        "enabled": "on", "respect_robots": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    feed = Feed.objects.get()

    # No other step: the worker polls at once, fetches the linked page, extracts and matches.
    try:
        wait_for(lambda: Article.objects.filter(publisher__name="Demo Wire", extraction_status="done").count() == 2
                 and Alert.objects.exists(), timeout=240, what="both stories extracted and the alert raised")
    except AssertionError as exc:
        state = list(Feed.objects.values("last_outcome", "last_error")) + list(FeedEntry.objects.values("status", "reason"))
        raise AssertionError(f"{exc}\nfeed and entries: {state}\nworker:\n{worker.output()[-4000:]}") from None
    feed.refresh_from_db()
    assert feed.detected_kind == "rss" and feed.articles_created == 2 and feed.consecutive_failures == 0
    assert set(FeedEntry.objects.values_list("status", flat=True)) == {"ingested"}
    relayed = Article.objects.get(publisher__name="Demo Wire", copy_of__isnull=False)
    assert relayed.copy_of_id == seed.pk  # the relayed copy joins the seed's copy group
    ferries = Article.objects.get(publisher__name="Demo Wire", copy_of__isnull=True)
    assert "Coastline Ferries" in ferries.body and "Demo Wire, a made-up outlet" not in ferries.body  # page reduced
    assert Claim.objects.filter(article=ferries).exists()

    alert = Alert.objects.get()  # one alert: the refuted claim came back in the relayed copy
    assert alert.prior_claim_id == refuted.pk and alert.article_id == relayed.pk and alert.verdict == S.REFUTED
    desk = client.get("/admin/").content.decode()
    section = desk.split('id="desk-repeats"', 1)[1].split("</section>", 1)[0]
    assert section.count("<tr data-alert=") == 1 and f'data-alert="{alert.pk}"' in section
    assert "our verdict: refuted" in section and f"/admin/claims/claim/{refuted.pk}/change/" in section
