"""POST /api/claims/similar/: "has this been checked before?" over our claims and imported fact-checks."""

import pytest

from claims import workflow
from claims.matching import retrieval
from claims.matching.fact_checks import fact_check_store
from claims.models import ClaimStatus, Evidence, EvidenceStance
from tests.api.test_errors import assert_error_shape
from tests.factories import ArticleFactory, ClaimFactory, EvidenceFactory, SourceFactory

pytestmark = pytest.mark.django_db
URL = "/api/claims/similar/"
TEXT = "The governor said the state will hire 2,000 new teachers by September."


@pytest.fixture
def archive(reviewer):
    article = ArticleFactory(body=TEXT, url="https://news.example.org/teachers", title="Teachers")
    refuted = ClaimFactory(article=article, start=0, end=len(TEXT))
    refuted = workflow.transition(claim=refuted, to=ClaimStatus.QUEUED, actor=None, assignee=reviewer)
    refuted = workflow.transition(claim=refuted, to=ClaimStatus.IN_REVIEW, actor=reviewer)
    EvidenceFactory(claim=refuted, stance=EvidenceStance.CONTRADICTS, source=SourceFactory(name="Budget office"))
    refuted = workflow.transition(claim=refuted, to=ClaimStatus.REFUTED, actor=reviewer, note="no such plan")
    unrelated = ArticleFactory(body="Snow closed the airport for two days.")
    other = ClaimFactory(article=unrelated, start=0, end=len(unrelated.body))
    retrieval.claims_embed(claim_ids=[refuted.pk, other.pk])
    fact_check, _ = fact_check_store(fields={
        "url": "https://fc.example.org/teachers", "claim_reviewed": "The state is hiring 2,000 teachers this year.",
        "headline": "Teacher hiring claim is exaggerated", "rating_name": "Mostly false", "author_name": "Example Checks",
        "author_url": "https://fc.example.org", "raw": {},
    })
    retrieval.fact_checks_embed(fact_check_ids=[fact_check.pk])
    return {"claim": refuted, "fact_check": fact_check, "other": other}


def test_results_best_first_with_their_verdicts(api_as, newsroom_user, archive):
    response = api_as(newsroom_user).post(URL, {"text": "2,000 new teachers will be hired by the state, the governor claims"}, format="json")
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["kind"] for r in results[:2]] == ["claim", "fact_check"] or [r["kind"] for r in results[:2]] == ["fact_check", "claim"]
    assert results[-1]["id"] == archive["other"].pk  # the snowy airport is last
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
    ours = next(r for r in results if r["kind"] == "claim" and r["id"] == archive["claim"].pk)
    assert ours["verdict"] == "refuted" and ours["url"] == "https://news.example.org/teachers"
    assert ours["reviewed_by"]["name"]
    theirs = next(r for r in results if r["kind"] == "fact_check")
    assert theirs == {**theirs, "verdict": "Mostly false", "url": "https://fc.example.org/teachers",
                      "reviewed_by": {"name": "Example Checks", "url": "https://fc.example.org"}}
    unrated = next(r for r in results if r["id"] == archive["other"].pk)
    assert unrated["verdict"] is None and unrated["reviewed_by"] is None


def test_limit_and_kind(api_as, reviewer, archive):
    client = api_as(reviewer)
    assert len(client.post(URL, {"text": TEXT, "limit": 1}, format="json").json()["results"]) == 1
    only = client.post(URL, {"text": TEXT, "kind": "fact_check"}, format="json").json()["results"]
    assert [r["kind"] for r in only] == ["fact_check"]


@pytest.mark.parametrize("payload", [{"text": ""}, {"text": "   "}, {}, {"text": "x" * 5001}, {"text": TEXT, "limit": 0},
                                     {"text": TEXT, "limit": 51}, {"text": TEXT, "limit": "many"}, {"text": 7},
                                     {"text": TEXT, "kind": "tweet"}])
def test_bad_requests_are_400_in_the_error_shape(api_as, editor, payload):
    assert_error_shape(api_as(editor).post(URL, payload, format="json"), 400)


def test_anonymous_is_401(api_as):
    assert api_as(None).post(URL, {"text": TEXT}, format="json").status_code == 401


def test_in_the_schema(api_as, editor):
    schema = api_as(editor).get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/claims/similar/"]["post"]
    assert operation["operationId"] == "claims_similar"
    assert "200" in operation["responses"] and "400" in operation["responses"]


def test_one_click_makes_a_fact_check_evidence(client, reviewer, archive):
    """The claim page's "Checked before?" panel, and its one-click evidence through the evidence service."""
    body = "By September the state will hire 2,000 new teachers, the governor said."
    claim = ClaimFactory(article=ArticleFactory(body=body), start=0, end=len(body))
    claim = workflow.transition(claim=claim, to=ClaimStatus.QUEUED, actor=None, assignee=reviewer)
    retrieval.claims_embed(claim_ids=[claim.pk])
    client.force_login(reviewer)
    page = client.get(f"/admin/claims/claim/{claim.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Checked before?" in html and "Teacher hiring" not in html  # the claim text, not the headline
    assert f'id="checked-fact_check-{archive["fact_check"].pk}"' in html
    assert f'id="checked-claim-{archive["claim"].pk}"' in html
    assert f'id="checked-claim-{archive["other"].pk}"' not in html  # no verdict: not "checked before"
    response = client.post(f"/admin/claims/claim/{claim.pk}/corroboration/",
                           {"action": "use_checked_before", "kind": "fact_check", "record": archive["fact_check"].pk})
    assert response.status_code == 302
    evidence = Evidence.objects.get(claim=claim)
    assert (evidence.url, evidence.stance, evidence.source.name) == ("https://fc.example.org/teachers", EvidenceStance.CONTEXT, "Example Checks")
    assert evidence.added_by == reviewer and not evidence.is_suggestion
