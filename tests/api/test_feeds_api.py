"""/api/feeds/ (editors write, every role reads) and /api/alerts/ (every role reads, editors decide)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from claims.models import Alert, AlertStatus, Feed, FactCheck
from tests.factories import ArticleFactory, ClaimFactory

pytestmark = pytest.mark.django_db


def test_an_editor_adds_a_feed_and_every_role_reads_its_state(api_as, editor, reviewer, newsroom_user, settings):
    settings.FEEDS_ALLOW_PRIVATE_ADDRESSES = True
    response = api_as(editor).post("/api/feeds/", {"url": "http://127.0.0.1:9/rss.xml", "publisher": "Harbour Daily"},
                                   format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"] and body["kind"] == "" and body["enabled"] and body["respect_robots"]
    assert body["poll_interval_seconds"] == 900 and body["state"].startswith("not polled yet; next poll at the next run")
    for user in (reviewer, newsroom_user):
        shown = api_as(user).get(f"/api/feeds/{body['id']}/")
        assert shown.status_code == 200 and shown.json()["publisher"] == "Harbour Daily"
        assert api_as(user).post("/api/feeds/", {"url": "http://127.0.0.1:9/x", "publisher": "X"}, format="json").status_code == 403
    listed = api_as(newsroom_user).get("/api/feeds/").json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]


def test_optional_fields_and_the_state_in_words(api_as, editor, settings):
    settings.FEEDS_ALLOW_PRIVATE_ADDRESSES = True
    body = api_as(editor).post("/api/feeds/", {
        "url": "http://127.0.0.1:9/claims.json", "publisher": "Partner desk", "kind": "claimreview",
        "poll_interval_seconds": 3600, "enabled": False, "respect_robots": False}, format="json").json()
    assert (body["kind"], body["kind_override"], body["poll_interval_seconds"], body["enabled"], body["respect_robots"]) == (
        "claimreview", "claimreview", 3600, False, False)
    assert body["state"] == "disabled by an editor"
    Feed.objects.filter(pk=body["id"]).update(enabled=True, last_polled_at=timezone.now(), consecutive_failures=2,
                                              last_error="HTTP 503")
    state = api_as(editor).get(f"/api/feeds/{body['id']}/").json()["state"]
    assert state.startswith("failing (2 in a row, last 0 s ago): HTTP 503;")


@pytest.mark.parametrize(("payload", "field"), [
    ({"publisher": "X"}, "url"),
    ({"url": "ftp://files.example/feed", "publisher": "X"}, "url"),
    ({"url": "http://127.0.0.1:9/feed"}, "publisher"),
    ({"url": "http://127.0.0.1:9/feed", "publisher": "X", "kind": "podcast"}, "kind"),
    ({"url": "http://127.0.0.1:9/feed", "publisher": "X", "poll_interval_seconds": 5}, "poll_interval_seconds"),
    ({"url": "http://127.0.0.1:9/feed", "publisher": "X", "enabled": "yes"}, "enabled"),
])
def test_bad_feed_input_is_a_400_naming_the_field(api_as, editor, payload, field, settings):
    settings.FEEDS_ALLOW_PRIVATE_ADDRESSES = True
    response = api_as(editor).post("/api/feeds/", payload, format="json")
    assert response.status_code == 400, response.content
    assert {error["attr"] for error in response.json()["errors"]} == {field}
    assert Feed.objects.count() == 0


def test_a_private_address_is_refused_where_not_allowed(api_as, editor, settings):
    settings.FEEDS_ALLOW_PRIVATE_ADDRESSES = False
    response = api_as(editor).post("/api/feeds/", {"url": "http://127.0.0.1:9/feed", "publisher": "X"}, format="json")
    assert response.status_code == 400 and "non-public address" in response.json()["errors"][0]["detail"]
    response = api_as(editor).post("/api/feeds/", {"url": "http://169.254.169.254/feed", "publisher": "X"}, format="json")
    assert response.status_code == 400 and "link-local" in response.json()["errors"][0]["detail"]


def test_the_same_url_twice_is_a_409_naming_the_feed_that_watches_it(api_as, editor, settings):
    settings.FEEDS_ALLOW_PRIVATE_ADDRESSES = True
    payload = {"url": "http://127.0.0.1:9/feed", "publisher": "X"}
    first = api_as(editor).post("/api/feeds/", payload, format="json").json()["id"]
    again = api_as(editor).post("/api/feeds/", payload, format="json")
    assert again.status_code == 409 and f"watched already, as feed {first}" in again.json()["errors"][0]["detail"]
    other = api_as(editor).post("/api/feeds/", {**payload, "url": "http://127.0.0.1:9/other"}, format="json").json()["id"]
    moved = api_as(editor).patch(f"/api/feeds/{other}/", {"url": payload["url"]}, format="json")
    assert moved.status_code == 409 and Feed.objects.get(pk=other).url == "http://127.0.0.1:9/other"
    assert api_as(editor).patch(f"/api/feeds/{first}/", {"url": payload["url"]}, format="json").status_code == 200


def test_an_editor_changes_removes_and_polls_a_feed(api_as, editor, reviewer, settings):
    settings.FEEDS_ALLOW_PRIVATE_ADDRESSES = True
    feed_id = api_as(editor).post("/api/feeds/", {"url": "http://127.0.0.1:9/feed", "publisher": "X"}, format="json").json()["id"]
    Feed.objects.filter(pk=feed_id).update(enabled=False, consecutive_failures=10, disabled_reason="disabled after 10 failures")
    changed = api_as(editor).patch(f"/api/feeds/{feed_id}/", {"enabled": True, "publisher": "Y"}, format="json")
    assert changed.status_code == 200 and changed.json()["publisher"] == "Y" and changed.json()["consecutive_failures"] == 0
    assert api_as(reviewer).patch(f"/api/feeds/{feed_id}/", {"enabled": False}, format="json").status_code == 403
    assert api_as(editor).post(f"/api/feeds/{feed_id}/poll/").status_code == 202
    assert api_as(editor).get("/api/feeds/987654/").status_code == 404
    assert api_as(editor).delete(f"/api/feeds/{feed_id}/").status_code == 204
    assert not Feed.objects.exists()


@pytest.fixture
def two_alerts(db):
    prior = ClaimFactory()
    fact_check = FactCheck.objects.create(url="https://factcheck.example/chips", claim_reviewed="Vaccines hold chips",
                                          rating_name="Pants on Fire", author_name="PolitiFact")
    new = ClaimFactory(article=ArticleFactory())
    other = ClaimFactory(article=ArticleFactory())
    now = timezone.now()
    older = Alert.objects.create(claim=new, article=new.article, story=new.article, prior_kind="claim", prior_claim=prior,
                                 verdict="refuted", rating="refuted", score=0.97, last_seen_at=now)
    newer = Alert.objects.create(claim=other, article=other.article, story=other.article, prior_kind="fact_check",
                                 prior_fact_check=fact_check, verdict="refuted", rating="Pants on Fire", score=0.81,
                                 last_seen_at=now)
    return older, newer


def test_alerts_are_listed_newest_first_with_the_named_fields(api_as, newsroom_user, two_alerts):
    older, newer = two_alerts
    rows = api_as(newsroom_user).get("/api/alerts/").json()["results"]
    assert [row["id"] for row in rows] == [newer.pk, older.pk]
    first = rows[0]
    assert {"id", "claim", "article", "prior", "score", "status"} <= set(first)
    assert first["prior"] == {"kind": "fact_check", "id": newer.prior_fact_check_id, "url": "https://factcheck.example/chips",
                              "verdict": "refuted", "rating": "Pants on Fire"}
    assert rows[1]["prior"]["url"] == f"/fact-checks/{older.prior_claim_id}/" and rows[1]["status"] == "open"
    assert (first["claim"], first["article"], first["score"]) == (newer.claim_id, newer.article_id, 0.81)


def test_alert_filters(api_as, reviewer, two_alerts):
    older, newer = two_alerts
    Alert.objects.filter(pk=older.pk).update(status=AlertStatus.DISMISSED)

    def ids(**query):
        response = api_as(reviewer).get("/api/alerts/", query)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids(status="open") == [newer.pk]
    assert ids(status="dismissed") == [older.pk]
    assert ids(prior_kind="claim") == [older.pk]
    assert ids(claim=newer.claim_id) == [newer.pk]
    assert ids(article=older.article_id) == [older.pk]
    assert ids(since=timezone.now().isoformat()) == []
    assert api_as(reviewer).get("/api/alerts/", {"status": "closed"}).status_code == 400
    assert api_as(reviewer).get("/api/alerts/", {"colour": "red"}).status_code == 400
    # `since` is read as UTC whatever its offset (PostgreSQL refuses offsets past 15:59); blank is a 400
    assert ids(since="0206-12-17T15:08:16.238-22:15") == [newer.pk, older.pk]
    assert ids(since="0001-01-01T00:00:00+05:00") == [newer.pk, older.pk]
    assert ids(since="9999-12-31T23:59:59-05:00") == []
    blank = api_as(reviewer).get("/api/alerts/?since=")
    assert blank.status_code == 400 and blank.json()["errors"][0]["attr"] == "since"


def test_editors_acknowledge_and_dismiss_alerts_over_the_api(api_as, editor, reviewer, two_alerts):
    older, _ = two_alerts
    assert api_as(reviewer).post(f"/api/alerts/{older.pk}/acknowledge/").status_code == 403
    acknowledged = api_as(editor).post(f"/api/alerts/{older.pk}/acknowledge/")
    assert acknowledged.status_code == 200 and acknowledged.json()["status"] == "acknowledged"
    no_reason = api_as(editor).post(f"/api/alerts/{older.pk}/dismiss/", {}, format="json")
    assert no_reason.status_code == 400 and no_reason.json()["errors"][0]["attr"] == "reason"
    dismissed = api_as(editor).post(f"/api/alerts/{older.pk}/dismiss/", {"reason": "satire"}, format="json")
    assert dismissed.status_code == 200 and dismissed.json()["status"] == "dismissed" and dismissed.json()["reason"] == "satire"
    again = api_as(editor).post(f"/api/alerts/{older.pk}/acknowledge/")
    assert again.status_code == 409 and "dismissed already" in again.json()["errors"][0]["detail"]
    assert api_as(editor).get("/api/alerts/987654/").status_code == 404
