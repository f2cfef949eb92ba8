"""Syndication (issue 16): one body under several publishers is one article with several
appearances, through the API and `ingest`; claims are never duplicated; the ClaimReview
lists every appearance; and copies of one body are one origin, never two."""

import io

import pytest
from django.core.management import call_command

from claims import workflow
from claims.corroboration.independence import independence_report
from claims.models import Article, ArticleAppearance, Claim, ClaimStatus, EvidenceStance
from claims.pipeline.ingestion import article_store_claims, ingest_article
from sources.levels import AttributionLevel as L
from tests.api.conftest import client_for
from tests.factories import ClaimFactory, EvidenceFactory, OutletFactory

pytestmark = pytest.mark.django_db

WIRE = (
    "The county will close the Flagler Street bridge for six weeks, the transportation director said on Monday. "
    "This story was originally published by the Miami Herald."
)


def post(user, **fields):
    body = {"title": "", "url": "", "published_at": None, **fields}
    return client_for(user).post("/api/articles/", body, format="json")


def test_a_second_outlet_posting_the_same_body_is_a_new_appearance_of_the_same_article(newsroom_user):
    first = post(newsroom_user, body=WIRE, publisher="Miami Herald", title="Bridge to close",
                 url="https://www.miamiherald.com/news/bridge.html", published_at="2025-11-30T10:00:00Z")
    assert first.status_code == 202, first.content
    article_id = first.json()["id"]
    Claim.objects.create(article_id=article_id, start=0, end=WIRE.index(".") + 1, text=WIRE[: WIRE.index(".") + 1])
    second = post(newsroom_user, body=WIRE, publisher="Yahoo News", title="Miami bridge closing for six weeks",
                  url="https://news.yahoo.com/miami-bridge.html", published_at="2025-11-30T14:00:00Z")
    assert second.status_code == 200 and second.json()["id"] == article_id
    appearances = second.json()["appearances"]
    assert [(a["publisher"]["name"], a["url"], a["title"], a["syndicated"]) for a in appearances] == [
        ("Miami Herald", "https://www.miamiherald.com/news/bridge.html", "Bridge to close", False),
        ("Yahoo News", "https://news.yahoo.com/miami-bridge.html", "Miami bridge closing for six weeks", True),
    ]
    assert appearances[1]["published_at"].startswith("2025-11-30T14:00:00")
    assert appearances[1]["via_outlet"] == "Miami Herald"  # named by the body
    # the same copy again adds nothing; the article keeps its own publisher; no claim is duplicated
    assert post(newsroom_user, body=WIRE, publisher="Yahoo News", url="https://news.yahoo.com/miami-bridge.html").status_code == 200
    article = Article.objects.get(pk=article_id)
    assert article.publisher.name == "Miami Herald" and Article.objects.count() == 1
    assert ArticleAppearance.objects.filter(article=article).count() == 1
    assert Claim.objects.filter(article=article).count() == 1
    detail = client_for(newsroom_user).get(f"/api/articles/{article_id}/").json()
    assert len(detail["appearances"]) == 2


def test_ingest_records_the_appearance_too(tmp_path):
    path = tmp_path / "wire.txt"
    path.write_text(WIRE, encoding="utf-8")
    out = io.StringIO()
    call_command("ingest", str(path), "--publisher", "Miami Herald", stdout=out)
    call_command("ingest", str(path), "--publisher", "MSN", "--title", "Bridge closes", "--url", "https://www.msn.com/bridge", stdout=out)
    first, second = out.getvalue().split()
    assert first == second
    appearance = ArticleAppearance.objects.get()
    assert (appearance.publisher.name, appearance.title, appearance.url) == ("MSN", "Bridge closes", "https://www.msn.com/bridge")


def test_the_claimreview_lists_every_appearance(reviewer):
    article, _ = ingest_article(body=WIRE, publisher="Miami Herald", title="", url="https://www.miamiherald.com/b")
    ingest_article(body=WIRE, publisher="Yahoo News", title="Yahoo headline", url="https://news.yahoo.com/b")
    claim = ClaimFactory(article=article)
    workflow.transition(claim=claim, to=ClaimStatus.QUEUED, actor=None, assignee=reviewer)
    workflow.transition(claim=claim, to=ClaimStatus.IN_REVIEW, actor=reviewer)
    EvidenceFactory(claim=claim, stance=EvidenceStance.CONTRADICTS)
    workflow.transition(claim=claim, to=ClaimStatus.REFUTED, actor=reviewer, note="No closure is planned.")
    review = client_for(reviewer).get(f"/api/claims/{claim.pk}/claimreview/").json()
    appearances = review["itemReviewed"]["appearance"]
    assert [(a["publisher"]["name"], a["url"], a["headline"]) for a in appearances] == [
        ("Miami Herald", "https://www.miamiherald.com/b", claim.text),  # no title: the claim text, never ""
        ("Yahoo News", "https://news.yahoo.com/b", "Yahoo headline"),
    ]
    assert appearances[1]["isBasedOn"] == {"@type": "NewsArticle", "publisher": {"@type": "Organization", "name": "Miami Herald"}}


def test_two_appearances_of_one_body_backing_a_claim_elsewhere_are_one_origin():
    article, _ = ingest_article(body=WIRE, publisher="Miami Herald", url="https://www.miamiherald.com/b")
    ingest_article(body=WIRE, publisher="Yahoo News", url="https://news.yahoo.com/b")
    subject = ClaimFactory(attribution_level=L.UNATTRIBUTED, speaker=None, speaker_text="")
    herald, yahoo = OutletFactory(name="Miami Herald"), OutletFactory(name="Yahoo News")
    a = EvidenceFactory(claim=subject, stance=EvidenceStance.SUPPORTS, source=herald, url="https://www.miamiherald.com/b")
    b = EvidenceFactory(claim=subject, stance=EvidenceStance.SUPPORTS, source=yahoo, url="https://news.yahoo.com/b")
    report = independence_report(subject)
    assert len(report.origins) == 1, report.as_dict()
    assert {e.pk for e in report.origins[0].items} == {a.pk, b.pk}
    assert f"article #{article.pk}" in report.origins[0].explain()
    # the guard agrees: two copies of one story cannot corroborate
    assert "found 1" in (workflow.corroboration_shortfall(subject) or "")


def test_two_different_stories_by_the_same_outlets_stay_two_origins():
    ingest_article(body="The bridge will close.", publisher="Miami Herald", url="https://www.miamiherald.com/1")
    ingest_article(body="The bridge will close, engineers said.", publisher="Yahoo News", url="https://news.yahoo.com/2")
    subject = ClaimFactory(attribution_level=L.UNATTRIBUTED, speaker=None, speaker_text="")
    EvidenceFactory(claim=subject, stance=EvidenceStance.SUPPORTS, source=OutletFactory(name="Miami Herald"), url="https://www.miamiherald.com/1")
    EvidenceFactory(claim=subject, stance=EvidenceStance.SUPPORTS, source=OutletFactory(name="Yahoo News"), url="https://news.yahoo.com/2")
    assert len(independence_report(subject).origins) == 2


def test_evidence_citing_a_syndicated_copy_of_the_claims_own_article_is_circular():
    article, _ = ingest_article(body=WIRE, publisher="Miami Herald", url="https://www.miamiherald.com/b")
    ingest_article(body=WIRE, publisher="Yahoo News", url="https://news.yahoo.com/b")
    subject = ClaimFactory(article=article, attribution_level=L.NAMED_PERSON)
    EvidenceFactory(claim=subject, stance=EvidenceStance.SUPPORTS, source=OutletFactory(name="Yahoo News"), url="https://news.yahoo.com/b")
    report = independence_report(subject)
    assert report.origins == [] and "the claim's own article" in report.circular[0][1]


def test_reextraction_of_a_syndicated_article_never_duplicates_claims():
    article, _ = ingest_article(body=WIRE, publisher="Miami Herald")
    ingest_article(body=WIRE, publisher="Yahoo News")
    from sources.attribution import EXTRACTOR_VERSION, extract

    extracted = extract(article.body, publisher=article.publisher.name)
    article_store_claims(article=article, extracted=extracted, extractor_version=EXTRACTOR_VERSION)
    count = Claim.objects.filter(article=article).count()
    ingest_article(body=WIRE, publisher="MSN")
    article_store_claims(article=article, extracted=extracted, extractor_version=EXTRACTOR_VERSION)
    assert Claim.objects.filter(article=article).count() == count and Article.objects.count() == 1
