"""Who may call what: every role against every write endpoint, reads, and object-level (BOLA) checks."""

import pytest

from claims.models import Claim, ClaimMatch, Evidence, StatusChange, WebhookSubscription
from tests.factories import ClaimFactory, EvidenceFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "nobody", "newsroom", "assignee", "other_reviewer", "editor"]


@pytest.fixture
def users(nobody, newsroom_user, reviewer, other_reviewer, editor):
    return {"anonymous": None, "nobody": nobody, "newsroom": newsroom_user, "assignee": reviewer,
            "other_reviewer": other_reviewer, "editor": editor}


def _article(claim, role, users):
    return "/api/articles/", {"title": role, "body": f"Officials said {role} matters.", "publisher": "Daily Planet"}


def _transition(claim, role, users):
    return f"/api/claims/{claim.pk}/transition/", {"to": "in_review", "version": claim.version}


def _evidence(claim, role, users):
    return f"/api/claims/{claim.pk}/evidence/", {"stance": "supports", "url": "https://records.example/1"}


def _assign(claim, role, users):
    return f"/api/claims/{claim.pk}/assign/", {"assignee": users["other_reviewer"].pk}


def _sign_off(claim, role, users):
    return f"/api/claims/{claim.pk}/sign-off/", {"note": "Standards desk vetted the sources."}


def _accept(claim, role, users):
    other = ClaimFactory()
    suggestion = EvidenceFactory(claim=claim, related_claim=other, source=None, url="", is_suggestion=True)
    return f"/api/claims/{claim.pk}/evidence/{suggestion.pk}/accept/", {}


def _match_review(claim, role, users):
    other = ClaimFactory()
    low, high = sorted((claim.pk, other.pk))
    match = ClaimMatch.objects.create(claim_a_id=low, claim_b_id=high, score=0.8)
    return f"/api/matches/{match.pk}/review/", {"confirm": True}


def _webhook(claim, role, users):
    return "/api/webhooks/", {"url": "https://hooks.example/in", "events": ["claim.status_changed"], "secret": "s" * 32}


# Expected status per (endpoint, role). "assignee" is the reviewer the claim is assigned to.
MATRIX = {
    "articles": (_article, {"anonymous": 401, "nobody": 403, "newsroom": 202, "assignee": 403, "other_reviewer": 403, "editor": 202}),
    "transition": (_transition, {"anonymous": 401, "nobody": 403, "newsroom": 403, "assignee": 200, "other_reviewer": 403, "editor": 200}),
    "evidence": (_evidence, {"anonymous": 401, "nobody": 403, "newsroom": 403, "assignee": 201, "other_reviewer": 403, "editor": 201}),
    "assign": (_assign, {"anonymous": 401, "nobody": 403, "newsroom": 403, "assignee": 403, "other_reviewer": 403, "editor": 200}),
    "sign_off": (_sign_off, {"anonymous": 401, "nobody": 403, "newsroom": 403, "assignee": 403, "other_reviewer": 403, "editor": 200}),
    "accept_evidence": (_accept, {"anonymous": 401, "nobody": 403, "newsroom": 403, "assignee": 200, "other_reviewer": 403, "editor": 200}),
    "match_review": (_match_review, {"anonymous": 401, "nobody": 403, "newsroom": 403, "assignee": 200, "other_reviewer": 403, "editor": 200}),
    "webhooks": (_webhook, {"anonymous": 401, "nobody": 403, "newsroom": 403, "assignee": 403, "other_reviewer": 403, "editor": 201}),
}


def _state(claim) -> tuple:
    """Everything a write endpoint could change."""
    return (
        Claim.objects.get(pk=claim.pk).version, Evidence.objects.count(),
        Evidence.objects.filter(is_suggestion=True).count(), StatusChange.objects.count(),
        WebhookSubscription.objects.count(), list(ClaimMatch.objects.values_list("status", flat=True)),
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_write_permission_matrix(api_as, users, queued_claim, endpoint, role):
    build, expected = MATRIX[endpoint]
    url, payload = build(queued_claim, role, users)
    before = _state(queued_claim)
    response = api_as(users[role]).post(url, payload, format="json")
    assert response.status_code == expected[role], (endpoint, role, response.content)
    if response.status_code >= 400:
        body = response.json()
        assert body["type"] == "client_error" and body["errors"][0]["code"] in (
            "not_authenticated", "permission_denied", "transition_forbidden")
        # A refused write changes nothing.
        assert _state(queued_claim) == before
    if response.status_code == 401:
        assert response["WWW-Authenticate"].startswith("Token")


READS = ["/api/articles/", "/api/claims/", "/api/sources/", "/api/claims/{claim}/", "/api/articles/{article}/"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", READS)
def test_reads_need_a_role(api_as, users, queued_claim, url, role):
    response = api_as(users[role]).get(url.format(claim=queued_claim.pk, article=queued_claim.article_id))
    expected = {"anonymous": 401, "nobody": 403}.get(role, 200)
    assert response.status_code == expected, response.content


@pytest.mark.parametrize(("role", "expected"), [("anonymous", 401), ("newsroom", 403), ("assignee", 200), ("editor", 204)])
def test_queue_is_for_reviewers_and_editors(api_as, users, queued_claim, role, expected):
    assert api_as(users[role]).get("/api/queue/next/").status_code == expected


def test_schema_and_docs_are_public(api_as):
    anonymous = api_as(None)
    schema = anonymous.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200 and "/api/claims/{claim_id}/transition/" in schema.json()["paths"]
    docs = anonymous.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    assert b"cdn.jsdelivr" not in docs.content  # assets from drf-spectacular-sidecar: works offline


# --- BOLA: a reviewer cannot act on another reviewer's claim --------------------------------


def test_reviewer_cannot_transition_another_reviewers_claim(api_as, other_reviewer, in_review_claim):
    response = api_as(other_reviewer).post(
        f"/api/claims/{in_review_claim.pk}/transition/", {"to": "unverifiable", "version": 3, "note": "gave up"}, format="json"
    )
    assert response.status_code == 403
    claim = Claim.objects.get(pk=in_review_claim.pk)
    assert (claim.status, claim.version) == ("in_review", 3)
    assert not StatusChange.objects.filter(claim=claim, actor=other_reviewer).exists()


def test_reviewer_cannot_steal_a_claim_by_queueing_it(api_as, other_reviewer, reviewer, in_review_claim):
    response = api_as(other_reviewer).post(
        f"/api/claims/{in_review_claim.pk}/transition/", {"to": "unverified", "version": 3}, format="json"
    )
    assert response.status_code == 403
    assert Claim.objects.get(pk=in_review_claim.pk).assignee_id == reviewer.pk


def test_reviewer_cannot_add_evidence_to_another_reviewers_claim(api_as, other_reviewer, in_review_claim):
    response = api_as(other_reviewer).post(
        f"/api/claims/{in_review_claim.pk}/evidence/", {"stance": "contradicts", "url": "https://x.example/y"}, format="json"
    )
    assert response.status_code == 403
    assert not Evidence.objects.filter(claim=in_review_claim).exists()


def test_reviewer_cannot_add_evidence_to_an_unassigned_claim(api_as, reviewer, claim):
    response = api_as(reviewer).post(f"/api/claims/{claim.pk}/evidence/", {"stance": "supports", "url": "https://x.example/y"}, format="json")
    assert response.status_code == 403


def test_reviewer_cannot_queue_a_claim_for_someone_else(api_as, reviewer, other_reviewer, claim):
    response = api_as(reviewer).post(
        f"/api/claims/{claim.pk}/transition/", {"to": "queued", "version": 1, "assignee": other_reviewer.pk}, format="json"
    )
    assert response.status_code == 403
    assert Claim.objects.get(pk=claim.pk).status == "unverified"


def test_workflow_refusal_for_the_assignee_is_403_with_allowed_moves(api_as, reviewer, in_review_claim):
    """Unassigning is an editor's move: the assignee gets 403 naming what they may do."""
    response = api_as(reviewer).post(f"/api/claims/{in_review_claim.pk}/transition/", {"to": "unverified", "version": 3}, format="json")
    assert response.status_code == 403
    body = response.json()
    assert body["errors"][0]["code"] == "transition_forbidden"
    assert set(body["allowed"]) == {"corroborated", "disputed", "refuted", "unverifiable"}
    assert body["version"] == 3


def test_token_auth_reads_roles_with_the_user(api_as, django_assert_num_queries):
    from django.contrib.auth.models import Group

    from tests.factories import UserFactory

    both = UserFactory(username="two-hats")
    both.groups.add(*Group.objects.filter(name__in=["newsroom", "reviewers"]))
    api = api_as(both)
    with django_assert_num_queries(2):  # token, user and all the user's groups in one; the claim row
        response = api.get("/api/claims/1/")
    assert response.status_code == 404  # authenticated, has a role, no such claim
    # Several groups: every one counts (a reviewers-only user may not ingest; this one is also newsroom).
    assert api.post("/api/articles/", {"title": "t", "body": "Officials said the bridge reopens Monday.", "publisher": "Daily Planet"}, format="json").status_code in (200, 202)


def test_token_of_a_user_without_groups_or_inactive(api_as, nobody):
    api = api_as(nobody)
    assert api.get("/api/claims/").status_code == 403  # authenticated, no role
    nobody.is_active = False
    nobody.save(update_fields=["is_active"])
    response = api.get("/api/claims/")
    assert response.status_code == 401
    assert "inactive" in response.content.decode()
