"""Corroboration through the API: provenance, independent origins, circular refusal, matches, sign-off."""

import pytest

from claims import workflow
from claims.matching.matches import article_match
from claims.models import ClaimMatch, ClaimStatus, Evidence, MatchStatus
from sources.levels import AttributionLevel as L
from sources.models import SourceKind as K
from tests.factories import ArticleFactory, ClaimFactory, EvidenceFactory, OutletFactory, SourceFactory, refuted_claim

pytestmark = pytest.mark.django_db


def test_claim_detail_shows_the_provenance_chain(api_as, reviewer, relayed_claim):
    body = api_as(reviewer).get(f"/api/claims/{relayed_claim.pk}/").json()
    assert [(link["role"], link["name"]) for link in body["provenance"]] == [
        ("speaker", "sources"), ("relayed_by", "Miami Herald"), ("published_by", "Yahoo News"),
    ]
    assert body["corroboration"] == {"independent_origins": 0, "origins": [], "circular": [], "excluded": []}


def test_circular_corroboration_is_refused_with_409_naming_the_evidence(api_as, reviewer, relayed_claim):
    client = api_as(reviewer)
    herald_report = ClaimFactory(
        article=ArticleFactory(publisher=OutletFactory(name="MSN"), body="The call stalled, the Herald reported."),
        attribution_level=L.OTHER_OUTLET, speaker=relayed_claim.via_outlet,
    )
    circular = client.post(f"/api/claims/{relayed_claim.pk}/evidence/", {"stance": "supports", "claim": herald_report.pk}, format="json")
    assert circular.status_code == 201
    client.post(f"/api/claims/{relayed_claim.pk}/evidence/", {"stance": "supports", "source_name": "Port log clerk", "source_kind": "person"}, format="json")
    detail = client.get(f"/api/claims/{relayed_claim.pk}/").json()
    assert detail["corroboration"]["independent_origins"] == 1
    assert detail["corroboration"]["circular"][0]["evidence"] == circular.json()["id"]
    refused = client.post(f"/api/claims/{relayed_claim.pk}/transition/", {"to": "corroborated", "version": detail["version"]}, format="json")
    assert refused.status_code == 409
    message = refused.json()["errors"][0]["detail"]
    assert f"#{circular.json()['id']}" in message and "circular" in message
    assert "Miami Herald" in message


def test_sign_off_lets_anonymous_only_corroboration_through(api_as, reviewer, editor, relayed_claim):
    for outlet in ("Reuters", "BBC News"):
        report = ClaimFactory(
            article=ArticleFactory(publisher=OutletFactory(name=outlet), body=f"It stalled, sources told {outlet}."),
            attribution_level=L.ANONYMOUS, speaker=SourceFactory(name=f"sources ({outlet})", kind=K.ANONYMOUS),
        )
        EvidenceFactory(claim=relayed_claim, related_claim=report, source=None, url="")
    version = relayed_claim.version
    refused = api_as(reviewer).post(f"/api/claims/{relayed_claim.pk}/transition/", {"to": "corroborated", "version": version}, format="json")
    assert refused.status_code == 409 and "sign off" in refused.json()["errors"][0]["detail"]
    signed = api_as(editor).post(f"/api/claims/{relayed_claim.pk}/sign-off/", {"note": "Both desks vetted their sources."}, format="json")
    assert signed.status_code == 200 and signed.json()["history"][0]["kind"] == "sign_off"
    moved = api_as(reviewer).post(f"/api/claims/{relayed_claim.pk}/transition/", {"to": "corroborated", "version": version}, format="json")
    assert moved.status_code == 200 and moved.json()["status"] == "corroborated"


def test_matches_are_listed_and_accepting_a_suggestion_confirms_the_match(api_as, reviewer, relayed_claim):
    other_article = ArticleFactory(publisher=OutletFactory(name="The Gazette"), body="Talks on the call stalled, a person familiar said.")
    other = ClaimFactory(article=other_article, attribution_level=L.ANONYMOUS,
                         speaker=SourceFactory(name="a person familiar (The Gazette)", kind=K.ANONYMOUS))
    relayed_claim.text = relayed_claim.article.body  # a claim long enough to fingerprint
    relayed_claim.end = len(relayed_claim.text)
    relayed_claim.save()
    other.end = len(other_article.body)
    other.text = other_article.body
    other.save()
    # Hand-written: the matching itself is tested in tests/claims/test_matching.py.
    low, high = sorted((relayed_claim.pk, other.pk))
    ClaimMatch.objects.create(claim_a_id=low, claim_b_id=high, score=0.7)
    suggestion = EvidenceFactory(claim=relayed_claim, related_claim=other, source=None, url="", is_suggestion=True)
    body = api_as(reviewer).get(f"/api/claims/{relayed_claim.pk}/").json()
    assert body["matches"][0]["claim"] == other.pk and body["matches"][0]["status"] == "suggested"
    assert body["corroboration"]["independent_origins"] == 0  # a suggestion counts for nothing yet
    accepted = api_as(reviewer).post(f"/api/claims/{relayed_claim.pk}/evidence/{suggestion.pk}/accept/", format="json")
    assert accepted.status_code == 200 and accepted.json()["is_suggestion"] is False
    assert ClaimMatch.objects.get().status == MatchStatus.CONFIRMED
    assert api_as(reviewer).get(f"/api/claims/{relayed_claim.pk}/").json()["corroboration"]["independent_origins"] == 1
    again = api_as(reviewer).post(f"/api/claims/{relayed_claim.pk}/evidence/{suggestion.pk}/accept/", format="json")
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "state_conflict"


def test_rejecting_a_match_withdraws_its_suggestions(api_as, reviewer):
    first = ArticleFactory(body="The State Department designated the Cartel de los Soles a Foreign Terrorist Organization on Monday.")
    second = ArticleFactory(body="On Monday the State Department formally designated Cartel de los Soles as a Foreign Terrorist Organization.")
    a = ClaimFactory(article=first, end=len(first.body), attribution_level=L.UNATTRIBUTED)
    b = ClaimFactory(article=second, end=len(second.body), attribution_level=L.UNATTRIBUTED)
    workflow.transition(claim=a, to=ClaimStatus.QUEUED, actor=None, assignee=reviewer)
    article_match(article_id=first.pk)
    article_match(article_id=second.pk)
    match = ClaimMatch.objects.get()
    assert Evidence.objects.filter(is_suggestion=True).count() == 2
    response = api_as(reviewer).post(f"/api/matches/{match.pk}/review/", {"confirm": False}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert not Evidence.objects.filter(is_suggestion=True).exists()
    assert b.pk in (match.claim_a_id, match.claim_b_id)


def test_source_detail_shows_its_track_record(api_as, reviewer, editor):
    mayor = SourceFactory(name="Mayor Jo Kim", kind=K.GOVERNMENT)
    refuted_claim(speaker=mayor, reviewer=reviewer)
    body = api_as(editor).get(f"/api/sources/{mayor.pk}/").json()
    assert body["claims_by_verdict"] == {"refuted": 1} and body["claims_by_level"] == {"official": 1}
    assert body["reliability"] == round(2 / 5, 4)
