"""Publishing (issue 16): verdicts stay published through re-checks, withdrawal is 410, the
DataFeed (since, cursor), every rating and author type, and JSON-LD expansion with pyld
against a local copy of the schema.org context (never fetched)."""

import itertools
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from pyld import jsonld

from claims import workflow
from claims.models import ClaimStatus, EvidenceStance, PublishedVerdict, HistoryKind, StatusChange
from sources.models import SourceKind
from tests.factories import ArticleFactory, ClaimFactory, EvidenceFactory, SourceFactory

pytestmark = pytest.mark.django_db
S = ClaimStatus
CONTEXT = json.loads((Path(__file__).parent / "data" / "schemaorg-context.jsonld").read_text())
SCHEMA = "http://schema.org/"
SERIAL = itertools.count()
NOT_SCHEMA_ORG = {"next"}  # the feed's cursor link: plain JSON for clients, ignored by JSON-LD


def local_loader(url, options=None):
    if url.rstrip("/") in ("https://schema.org", "http://schema.org"):
        return {"contextUrl": None, "documentUrl": url, "document": CONTEXT}
    raise AssertionError(f"the test would fetch {url}")


def expand(document: dict) -> list:
    return jsonld.expand(document, {"documentLoader": local_loader})


def assert_every_term_expands(compact: dict, expanded: list) -> None:
    """Nothing is dropped: every property used anywhere is a schema.org IRI in the expansion."""
    used, found = set(), set()

    def walk_compact(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if not key.startswith("@") and key not in NOT_SCHEMA_ORG:
                    used.add(SCHEMA + key)
                walk_compact(value)
        elif isinstance(node, list):
            for value in node:
                walk_compact(value)

    def walk_expanded(node):
        if isinstance(node, dict):
            found.update(k for k in node if not k.startswith("@"))
            for value in node.values():
                walk_expanded(value)
        elif isinstance(node, list):
            for value in node:
                walk_expanded(value)

    walk_compact(compact)
    walk_expanded(expanded)
    assert used - found == set(), f"dropped by JSON-LD expansion: {used - found}"


def give_verdict(claim, reviewer, verdict=S.REFUTED, note="The council minutes show otherwise."):
    if claim.status in (S.UNVERIFIED, S.NEEDS_RECHECK):
        workflow.transition(claim=claim, to=S.QUEUED, actor=None, assignee=reviewer)
    workflow.transition(claim=claim, to=S.IN_REVIEW, actor=reviewer)
    stances = {S.REFUTED: ["contradicts"], S.DISPUTED: ["supports", "contradicts"], S.CORROBORATED: [], S.UNVERIFIABLE: []}
    for stance in stances[verdict]:
        EvidenceFactory(claim=claim, stance=stance, url="https://records.example.gov/minutes")
    if verdict == S.CORROBORATED:
        EvidenceFactory(claim=claim, stance=EvidenceStance.SUPPORTS, source=SourceFactory(name="Budget memo", kind=SourceKind.DOCUMENT))
    return workflow.transition(claim=claim, to=verdict, actor=reviewer, note=note)


def published_claim(reviewer, **article):
    article = ArticleFactory(**{"title": "Bridge story", "url": f"https://planet.example/bridge-{next(SERIAL)}",
                                "published_at": "2025-11-30T12:00:00Z", **article})
    claim = ClaimFactory(article=article, speaker=SourceFactory(name="Mayor Jane Roe", kind=SourceKind.GOVERNMENT))
    return give_verdict(claim, reviewer)


def test_a_recheck_keeps_the_page_the_claimreview_and_the_feed_item_until_a_new_verdict(api_as, reviewer, client):
    claim = published_claim(reviewer)
    first = api_as(reviewer).get(f"/api/claims/{claim.pk}/claimreview/").json()
    claim = workflow.transition(claim=claim, to=S.NEEDS_RECHECK, actor=None, note="evidence changed")
    for status in (S.NEEDS_RECHECK, S.QUEUED, S.IN_REVIEW):
        if status != S.NEEDS_RECHECK:
            claim = workflow.transition(claim=claim, to=status, actor=reviewer if status == S.IN_REVIEW else None,
                                        assignee=reviewer if status == S.QUEUED else None)
        review = api_as(reviewer).get(f"/api/claims/{claim.pk}/claimreview/")
        assert review.status_code == 200, (status, review.content)
        assert review.json()["reviewRating"]["alternateName"] == "refuted"
        page = client.get(f"/fact-checks/{claim.pk}/")
        assert page.status_code == 200 and b'id="rechecking"' in page.content
        feed = client.get("/fact-checks/feed.json").json()
        assert [item["reviewRating"]["alternateName"] for item in feed["dataFeedElement"]] == ["refuted"]
    EvidenceFactory(claim=claim, stance=EvidenceStance.SUPPORTS)
    claim = workflow.transition(claim=claim, to=S.DISPUTED, actor=reviewer, note="Both sides have records.")
    second = api_as(reviewer).get(f"/api/claims/{claim.pk}/claimreview/").json()
    assert second["reviewRating"]["alternateName"] == "disputed"
    assert second["datePublished"] == first["datePublished"] and second["dateModified"] > first["dateModified"]
    page = client.get(f"/fact-checks/{claim.pk}/").content.decode()
    assert "Disputed" in page and 'id="rechecking"' not in page
    history = page.split('id="history"', 1)[1]
    assert history.index("False") < history.index("Disputed")  # the history of verdicts, oldest first


def test_never_a_verdict_is_404_on_the_api_and_the_page(api_as, reviewer, client, queued_claim):
    assert api_as(reviewer).get(f"/api/claims/{queued_claim.pk}/claimreview/").status_code == 404
    assert client.get(f"/fact-checks/{queued_claim.pk}/").status_code == 404
    assert client.get("/fact-checks/987654/").status_code == 404


def test_an_editor_withdraws_with_a_reason_then_410(api_as, reviewer, editor, client):
    claim = published_claim(reviewer)
    url = f"/api/claims/{claim.pk}/withdraw/"
    assert api_as(reviewer).post(url, {"reason": "wrong"}, format="json").status_code == 403
    assert api_as(editor).post(url, {}, format="json").status_code == 400
    response = api_as(editor).post(url, {"reason": "The minutes were a draft."}, format="json")
    assert response.status_code == 200, response.content
    gone = api_as(reviewer).get(f"/api/claims/{claim.pk}/claimreview/")
    assert gone.status_code == 410 and "The minutes were a draft." in gone.json()["errors"][0]["detail"]
    page = client.get(f"/fact-checks/{claim.pk}/")
    assert page.status_code == 410 and b"The minutes were a draft." in page.content
    (tombstone,) = client.get("/fact-checks/feed.json").json()["dataFeedElement"]  # followers withdraw it too
    assert tombstone["@type"] == "DataFeedItem" and tombstone["dateDeleted"]
    assert tombstone["item"] == {"@type": "ClaimReview", "url": f"http://testserver/fact-checks/{claim.pk}/"}
    entry = StatusChange.objects.filter(claim=claim, kind=HistoryKind.WITHDRAWAL).get()
    assert entry.actor == editor and entry.note == "The minutes were a draft."
    again = api_as(editor).post(url, {"reason": "twice"}, format="json")
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "not_published"
    # a new verdict publishes again
    claim.refresh_from_db()
    claim = workflow.transition(claim=claim, to=S.NEEDS_RECHECK, actor=None)
    give_verdict(claim, reviewer, S.UNVERIFIABLE, note="No final minutes exist.")
    assert api_as(reviewer).get(f"/api/claims/{claim.pk}/claimreview/").status_code == 200


@pytest.mark.parametrize("verdict,value,name", [
    (S.REFUTED, 1, "False"), (S.DISPUTED, 2, "Disputed"), (S.CORROBORATED, 3, "Corroborated"),
    (S.UNVERIFIABLE, -1, "Unverifiable"),
])
def test_every_verdict_has_a_full_rating(api_as, reviewer, verdict, value, name):
    claim = give_verdict(ClaimFactory(), reviewer, verdict)
    rating = api_as(reviewer).get(f"/api/claims/{claim.pk}/claimreview/").json()["reviewRating"]
    assert rating == {"@type": "Rating", "ratingValue": value, "bestRating": 3, "worstRating": 1,
                      "alternateName": verdict, "name": name, "ratingExplanation": rating["ratingExplanation"]}


@pytest.mark.parametrize("name,kind,expected", [
    ("Mayor Jane Roe", SourceKind.GOVERNMENT, "Person"),
    ("the finance office", SourceKind.GOVERNMENT, "Organization"),
    ("Maria Lopez", SourceKind.PERSON, "Person"),
    ("a budget memo released by the finance office", SourceKind.DOCUMENT, "CreativeWork"),
    ("Reuters", SourceKind.OUTLET, "Organization"),
    ("Acme Corp", SourceKind.ORGANIZATION, "Organization"),
])
def test_author_types(api_as, reviewer, name, kind, expected):
    claim = give_verdict(ClaimFactory(speaker=SourceFactory(name=name, kind=kind)), reviewer)
    author = api_as(reviewer).get(f"/api/claims/{claim.pk}/claimreview/").json()["itemReviewed"]["author"]
    assert author == {"@type": expected, "name": name}


def test_headline_is_never_empty(api_as, reviewer):
    claim = published_claim(reviewer, title="")
    appearance = api_as(reviewer).get(f"/api/claims/{claim.pk}/claimreview/").json()["itemReviewed"]["appearance"][0]
    assert appearance["headline"] == claim.text


def test_feed_since_and_cursor(api_as, reviewer, newsroom_user, client):
    claims = [published_claim(reviewer) for _ in range(3)]
    base = timezone.now()
    for offset, claim in enumerate(claims):  # spread the changes out: oldest first
        PublishedVerdict.objects.filter(pk=claim.pk).update(modified_at=base - timedelta(hours=3 - offset))
    api = api_as(newsroom_user)
    assert api_as(None).get("/api/claimreviews/").status_code == 401
    first = api.get("/api/claimreviews/?page_size=2")
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["@type"] == "DataFeed" and body["@context"] == "https://schema.org"
    newest = [claims[2].pk, claims[1].pk]
    assert [item["url"].rstrip("/").rsplit("/", 1)[1] for item in body["dataFeedElement"]] == [str(pk) for pk in newest]
    assert all(item["@type"] == "ClaimReview" and "@context" not in item for item in body["dataFeedElement"])
    second = api.get(body["next"]).json()
    assert [item["claimReviewed"] for item in second["dataFeedElement"]] == [claims[0].text] and second["next"] is None
    since = (base - timedelta(hours=2, minutes=30)).isoformat()
    recent = api.get("/api/claimreviews/", {"since": since}).json()["dataFeedElement"]
    assert len(recent) == 2
    assert api.get("/api/claimreviews/?since=yesterday").status_code == 400
    assert api.get("/api/claimreviews/?since=").status_code == 400
    bad_cursor = api.get("/api/claimreviews/?cursor=not-a-cursor")
    assert bad_cursor.status_code == 404 and "cursor" in bad_cursor.json()["errors"][0]["detail"]  # names no page
    assert api.get("/api/claimreviews/?page_size=0").status_code == 400
    public = client.get("/fact-checks/feed.json", {"since": since, "page_size": 1}).json()
    assert len(public["dataFeedElement"]) == 1 and "/fact-checks/feed.json?" in public["next"]


def test_the_feed_and_the_claimreview_expand_as_json_ld(api_as, reviewer, client, settings):
    settings.NEWSROOM_NAME, settings.NEWSROOM_URL = "Planet Verify", "https://verify.planet.example"
    published_claim(reviewer)
    give_verdict(ClaimFactory(article=ArticleFactory(title=""), speaker=None), reviewer, S.UNVERIFIABLE)
    feed = client.get("/fact-checks/feed.json").json()
    expanded = expand(feed)
    assert expanded[0]["@type"] == [SCHEMA + "DataFeed"]
    assert_every_term_expands(feed, expanded)
    reviews = expanded[0][SCHEMA + "dataFeedElement"]
    assert len(reviews) == 2 and all(r["@type"] == [SCHEMA + "ClaimReview"] for r in reviews)
    ratings = {r[SCHEMA + "reviewRating"][0][SCHEMA + "alternateName"][0]["@value"] for r in reviews}
    assert ratings == {"refuted", "unverifiable"}
    single = feed["dataFeedElement"][0] | {"@context": "https://schema.org"}
    assert_every_term_expands(single, expand(single))
    assert feed["dataFeedElement"][0]["url"].startswith("https://verify.planet.example/fact-checks/")


def test_urls_fall_back_to_the_request_origin(client, reviewer, settings):
    settings.NEWSROOM_URL = ""
    claim = published_claim(reviewer)
    item = client.get("/fact-checks/feed.json").json()["dataFeedElement"][0]
    assert item["url"] == f"http://testserver/fact-checks/{claim.pk}/"


def test_the_public_page_escapes_article_text_and_keeps_the_csp(client, reviewer):
    hostile = 'Officials said </script><script>alert(1)</script><img src=x onerror=alert(2)> is "safe".'
    article = ArticleFactory(body=hostile + " More text.", title="<b>Bold</b> title")
    claim = ClaimFactory(article=article, end=len(hostile))
    give_verdict(claim, reviewer)
    response = client.get(f"/fact-checks/{claim.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(1)" not in html and "<img src=x" not in html and "<b>Bold</b>" not in html
    assert "&lt;script&gt;alert(1)" in html
    csp = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp and "unsafe-inline" not in csp
    block = html.split('<script type="application/ld+json"', 1)[1].split(">", 1)[1].split("</script>", 1)[0]
    data = json.loads(block)  # the whole JSON survives: no "</script>" inside ended the block early
    assert data["claimReviewed"] == claim.text and "\\u003c/script\\u003e" in block


def test_the_feed_costs_the_same_queries_for_one_item_or_many(client, reviewer, django_assert_max_num_queries):
    from claims.pipeline.ingestion import ingest_article

    def syndicated_fact_check(n):
        claim = published_claim(reviewer)
        ingest_article(body=claim.article.body, publisher=f"Wire {n}", url=f"https://wire.example/{n}")

    syndicated_fact_check(0)
    client.get("/fact-checks/feed.json")  # warm
    # fact-checks (with claim, speaker, affiliation, article, publisher), appearances, their publishers and relays
    with django_assert_max_num_queries(4):
        assert len(client.get("/fact-checks/feed.json").json()["dataFeedElement"]) == 1
    for n in range(1, 6):
        syndicated_fact_check(n)
    with django_assert_max_num_queries(4):
        items = client.get("/fact-checks/feed.json").json()["dataFeedElement"]
    assert len(items) == 6 and all(len(item["itemReviewed"]["appearance"]) == 2 for item in items)
