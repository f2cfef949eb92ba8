import pytest

from claims import workflow
from claims.models import Claim, ClaimStatus, Evidence, EvidenceStance, OutboxEvent, StatusChange
from claims.api.serializers import ClaimDetailOutput, ClaimOutput
from sources.models import Source, SourceKind
from sources.levels import AttributionLevel
from tests.factories import ArticleFactory, ClaimFactory, EvidenceFactory, OutletFactory, SourceFactory

pytestmark = pytest.mark.django_db
S = ClaimStatus


def three_claims(reviewer):
    article = ArticleFactory(body="Officials said A. Sources said B. Analysts say C.")
    speaker = SourceFactory(name="Maria Lopez")
    a = ClaimFactory(article=article, start=0, end=17, text=article.body[0:17], attribution_level="official", priority=5, speaker=speaker)
    b = ClaimFactory(article=article, start=18, end=33, text=article.body[18:33], attribution_level="anonymous", priority=30)
    c = ClaimFactory(article=article, start=34, end=49, text=article.body[34:49], attribution_level="vague", priority=25)
    workflow.transition(claim=b, to=S.QUEUED, actor=None, assignee=reviewer)
    return a, b, c


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_list_is_paginated_with_the_documented_shape(api_as, reviewer):
    a, b, c = three_claims(reviewer)
    body = api_as(reviewer).get("/api/claims/?page_size=2").json()
    assert set(body) == {"count", "count_is_exact", "next", "previous", "next_cursor", "results"}
    assert body["count"] == 3 and body["count_is_exact"] and body["previous"] is None and "page=2" in body["next"]
    assert [r["id"] for r in body["results"]] == [a.pk, b.pk]  # article order
    row = body["results"][0]
    assert set(row) == set(ClaimOutput().fields)
    assert row["speaker"] == {"id": a.speaker_id, "name": "Maria Lopez", "kind": "person"}
    assert row["text"] == "Officials said A."


def test_filters_and_ordering(api_as, reviewer, other_reviewer):
    a, b, c = three_claims(reviewer)
    api = api_as(reviewer)
    assert ids(api.get("/api/claims/?attribution_level=anonymous")) == [b.pk]
    assert ids(api.get("/api/claims/?status=queued")) == [b.pk]
    assert ids(api.get("/api/claims/?assignee=me")) == [b.pk]
    assert ids(api.get(f"/api/claims/?assignee={reviewer.pk}")) == [b.pk]
    assert ids(api_as(other_reviewer).get("/api/claims/?assignee=me")) == []
    assert ids(api.get("/api/claims/?assignee=none")) == [a.pk, c.pk]
    assert ids(api.get(f"/api/claims/?speaker={a.speaker_id}")) == [a.pk]
    assert ids(api.get(f"/api/claims/?article={a.article_id}")) == [a.pk, b.pk, c.pk]
    assert ids(api.get(f"/api/claims/?publisher={a.article.publisher_id}")) == [a.pk, b.pk, c.pk]
    assert ids(api.get(f"/api/claims/?publisher={OutletFactory().pk}")) == []
    assert ids(api.get("/api/claims/?search=analysts")) == [c.pk]
    assert ids(api.get("/api/claims/?ordering=-priority")) == [b.pk, c.pk, a.pk]
    assert ids(api.get("/api/claims/?ordering=priority")) == [a.pk, c.pk, b.pk]
    assert ids(api.get("/api/claims/?ordering=created")) == [a.pk, b.pk, c.pk]


@pytest.mark.parametrize("query", ["article=abc", "article=1.5", "article=99999999999999999999999", "status=nope",
                                   "assignee=you", "ordering=text", "speaker=-3"])
def test_bad_filter_is_400_naming_the_parameter(api_as, reviewer, query):
    response = api_as(reviewer).get(f"/api/claims/?{query}")
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["attr"] == query.split("=")[0]


def test_page_size_is_capped_at_200(api_as, reviewer):
    article = ArticleFactory(body="x" * 1000)
    Claim.objects.bulk_create(Claim(article=article, start=i, end=i + 1, text="x") for i in range(205))
    body = api_as(reviewer).get("/api/claims/?page_size=1000").json()
    assert body["count"] == 205 and len(body["results"]) == 200


def test_detail_has_evidence_history_and_allowed_moves(api_as, reviewer, in_review_claim):
    EvidenceFactory(claim=in_review_claim, stance=EvidenceStance.CONTRADICTS, source=SourceFactory(name="Court record", kind=SourceKind.DOCUMENT))
    body = api_as(reviewer).get(f"/api/claims/{in_review_claim.pk}/").json()
    assert set(body) == set(ClaimDetailOutput().fields)
    assert body["status"] == "in_review" and body["version"] == 3
    assert body["assignee"] == {"id": reviewer.pk, "username": "rita"}
    assert [e["stance"] for e in body["evidence"]] == ["contradicts"]
    assert body["evidence"][0]["source"]["kind"] == "document"
    assert [(h["from_status"], h["to_status"]) for h in body["history"]] == [("queued", "in_review"), ("unverified", "queued")]
    assert body["history"][0]["actor"] == "rita" and body["history"][1]["actor"] is None
    assert set(body["allowed_moves"]) == {"corroborated", "disputed", "refuted", "unverifiable"}


def test_transition_moves_the_claim_and_returns_it(api_as, reviewer, queued_claim):
    response = api_as(reviewer).post(
        f"/api/claims/{queued_claim.pk}/transition/", {"to": "in_review", "version": 2, "note": "on it"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "in_review" and response.json()["version"] == 3
    assert StatusChange.objects.filter(claim=queued_claim, to_status="in_review", actor=reviewer, note="on it").exists()
    assert OutboxEvent.objects.filter(claim=queued_claim, kind="claim.status_changed", payload__to="in_review").exists()


def test_stale_version_is_409_with_allowed_moves_and_version(api_as, reviewer, queued_claim):
    response = api_as(reviewer).post(f"/api/claims/{queued_claim.pk}/transition/", {"to": "in_review", "version": 1}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["type"] == "client_error"
    assert body["errors"][0]["code"] == "stale_version"
    assert body["allowed"] == ["in_review"] and body["version"] == 2 and body["status"] == "queued"
    assert Claim.objects.get(pk=queued_claim.pk).status == "queued"


def test_the_loser_of_a_race_gets_stale_version_not_invalid_transition(api_as, reviewer, queued_claim):
    first = api_as(reviewer).post(f"/api/claims/{queued_claim.pk}/transition/", {"to": "in_review", "version": 2}, format="json")
    assert first.status_code == 200
    # The second client still holds version 2 of a queued claim: in_review is no longer a move from in_review.
    second = api_as(reviewer).post(f"/api/claims/{queued_claim.pk}/transition/", {"to": "in_review", "version": 2}, format="json")
    assert second.status_code == 409
    assert second.json()["errors"][0]["code"] == "stale_version" and second.json()["version"] == 3


def test_disallowed_move_is_409_naming_the_allowed_moves(api_as, reviewer, queued_claim):
    response = api_as(reviewer).post(f"/api/claims/{queued_claim.pk}/transition/", {"to": "refuted", "version": 2}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["errors"][0]["code"] == "invalid_transition"
    assert body["allowed"] == ["in_review"]


def test_guard_failure_is_409(api_as, reviewer, in_review_claim):
    response = api_as(reviewer).post(f"/api/claims/{in_review_claim.pk}/transition/", {"to": "refuted", "version": 3}, format="json")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "guard_failed"
    assert "contradicting evidence" in response.json()["errors"][0]["detail"]


def test_reviewer_takes_an_unassigned_claim_for_themselves(api_as, reviewer, claim):
    response = api_as(reviewer).post(f"/api/claims/{claim.pk}/transition/", {"to": "queued", "version": 1}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["assignee"]["id"] == reviewer.pk


def test_editor_queues_for_a_named_reviewer(api_as, editor, reviewer, claim):
    response = api_as(editor).post(
        f"/api/claims/{claim.pk}/transition/", {"to": "queued", "version": 1, "assignee": reviewer.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["assignee"]["username"] == "rita"


def test_evidence_resolves_its_source_and_enables_a_verdict(api_as, reviewer, in_review_claim):
    api = api_as(reviewer)
    response = api.post(
        f"/api/claims/{in_review_claim.pk}/evidence/",
        {"stance": "contradicts", "source_name": "City Council minutes", "source_kind": "document",
         "url": "https://city.example/minutes", "note": "page 4"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["source"]["name"] == "City Council minutes" and body["added_by"] == "rita"
    assert Source.objects.filter(name="City Council minutes", kind="document").count() == 1
    moved = api.post(f"/api/claims/{in_review_claim.pk}/transition/", {"to": "refuted", "version": 3}, format="json")
    assert moved.status_code == 200 and moved.json()["status"] == "refuted"


def test_evidence_citing_another_claim(api_as, reviewer, in_review_claim):
    other = ClaimFactory()
    response = api_as(reviewer).post(
        f"/api/claims/{in_review_claim.pk}/evidence/", {"stance": "supports", "claim": other.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    assert Evidence.objects.get(pk=response.json()["id"]).related_claim_id == other.pk


@pytest.mark.parametrize(
    "payload",
    [{"stance": "supports"}, {"stance": "maybe", "url": "https://x.example"},
     {"stance": "supports", "url": "ftp:/broken"}, {"stance": "supports", "source_name": "X", "source_kind": "alien"},
     {"stance": "supports", "source_name": "   "}, {"stance": "supports", "url": "https://x.example", "note": "\x1e" + "n" * 10_000}],
)
def test_bad_evidence_is_400_and_stores_nothing(api_as, reviewer, in_review_claim, payload):
    response = api_as(reviewer).post(f"/api/claims/{in_review_claim.pk}/evidence/", payload, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["type"] == "validation_error"
    assert not Evidence.objects.exists()


def test_evidence_resting_on_a_missing_claim_is_404(api_as, reviewer, in_review_claim):
    response = api_as(reviewer).post(f"/api/claims/{in_review_claim.pk}/evidence/", {"stance": "supports", "claim": 999999},
                                     format="json")
    assert response.status_code == 404 and "no claim 999999" in response.json()["errors"][0]["detail"]
    assert not Evidence.objects.exists()


def test_evidence_for_itself_is_a_409(api_as, reviewer, in_review_claim):
    response = api_as(reviewer).post(
        f"/api/claims/{in_review_claim.pk}/evidence/", {"stance": "supports", "claim": in_review_claim.pk}, format="json"
    )
    assert response.status_code == 409 and response.json()["errors"][0]["code"] == "state_conflict"
    assert "itself" in response.json()["errors"][0]["detail"]


def test_editor_reassigns_an_open_claim(api_as, editor, other_reviewer, queued_claim):
    response = api_as(editor).post(f"/api/claims/{queued_claim.pk}/assign/", {"assignee": other_reviewer.pk, "version": 2}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["assignee"]["username"] == "omar" and response.json()["version"] == 3
    assert OutboxEvent.objects.filter(kind="claim.assigned", claim=queued_claim).exists()


def test_reassigning_to_a_non_reviewer_or_a_closed_claim_is_refused(api_as, editor, newsroom_user, reviewer, claim, queued_claim):
    api = api_as(editor)
    to_newsroom = api.post(f"/api/claims/{queued_claim.pk}/assign/", {"assignee": newsroom_user.pk}, format="json")
    # A non-reviewer assignee: a well-formed request the state refuses (409), never a workflow move.
    assert to_newsroom.status_code == 409 and to_newsroom.json()["errors"][0]["code"] == "assignment_refused"
    unverified = api.post(f"/api/claims/{claim.pk}/assign/", {"assignee": reviewer.pk}, format="json")
    assert unverified.status_code == 409
    stale = api.post(f"/api/claims/{queued_claim.pk}/assign/", {"assignee": reviewer.pk, "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["errors"][0]["code"] == "stale_version"
    unknown = api.post(f"/api/claims/{queued_claim.pk}/assign/", {"assignee": 987654}, format="json")
    assert unknown.status_code == 404


def refuted_claim(reviewer):
    article = ArticleFactory(title="Bridge story", url="https://planet.example/bridge", published_at="2025-11-30T12:00:00Z")
    claim = ClaimFactory(article=article, speaker=SourceFactory(name="Mayor Jane Roe"))
    workflow.transition(claim=claim, to=S.QUEUED, actor=None, assignee=reviewer)
    workflow.transition(claim=claim, to=S.IN_REVIEW, actor=reviewer)
    EvidenceFactory(claim=claim, stance=EvidenceStance.CONTRADICTS)
    return workflow.transition(claim=claim, to=S.REFUTED, actor=reviewer, note="The council minutes show otherwise.")


def test_claimreview_for_a_verdict(api_as, reviewer, settings):
    settings.NEWSROOM_NAME, settings.NEWSROOM_URL = "Planet Verify", "https://verify.planet.example"
    claim = refuted_claim(reviewer)
    response = api_as(reviewer).get(f"/api/claims/{claim.pk}/claimreview/")
    assert response.status_code == 200, response.content
    review = response.json()
    assert review["@context"] == "https://schema.org" and review["@type"] == "ClaimReview"
    assert review["claimReviewed"] == claim.text
    assert review["reviewRating"]["alternateName"] == "refuted"
    assert review["reviewRating"]["ratingExplanation"] == "The council minutes show otherwise."
    assert review["author"] == {"@type": "Organization", "name": "Planet Verify", "url": "https://verify.planet.example"}
    item = review["itemReviewed"]
    assert item["@type"] == "Claim" and item["author"] == {"@type": "Person", "name": "Mayor Jane Roe"}
    assert item["appearance"][0]["url"] == "https://planet.example/bridge"
    assert review["datePublished"] == claim.verdict_at.date().isoformat()
    assert review["url"] == f"https://verify.planet.example/fact-checks/{claim.pk}/"  # the public page
    as_ld = api_as(reviewer).get(f"/api/claims/{claim.pk}/claimreview/", HTTP_ACCEPT="application/ld+json")
    assert as_ld["Content-Type"] == "application/ld+json"


def test_claimreview_without_verdict_is_404(api_as, reviewer, queued_claim):
    response = api_as(reviewer).get(f"/api/claims/{queued_claim.pk}/claimreview/")
    assert response.status_code == 404
    assert "no verdict" in response.json()["errors"][0]["detail"]


def test_queue_next_gives_the_highest_priority_claim_assigned_to_me(api_as, reviewer, other_reviewer):
    api = api_as(reviewer)
    assert api.get("/api/queue/next/").status_code == 204
    low, high, others = ClaimFactory(priority=1), ClaimFactory(priority=50), ClaimFactory(priority=99)
    for claim in (low, high):
        workflow.transition(claim=claim, to=S.QUEUED, actor=None, assignee=reviewer)
    workflow.transition(claim=others, to=S.QUEUED, actor=None, assignee=other_reviewer)
    response = api.get("/api/queue/next/")
    assert response.status_code == 200 and response.json()["id"] == high.pk


def test_source_list_and_detail_count_claims_by_level_and_verdict(api_as, reviewer):
    claim = refuted_claim(reviewer)
    ClaimFactory(speaker=claim.speaker, attribution_level="named_person")
    api = api_as(reviewer)
    detail = api.get(f"/api/sources/{claim.speaker_id}/").json()
    assert detail["name"] == "Mayor Jane Roe" and detail["kind"] == "person"
    assert detail["claims_total"] == 2
    assert detail["claims_by_level"] == {"official": 1, "named_person": 1}
    assert detail["claims_by_verdict"] == {"refuted": 1}
    listing = api.get("/api/sources/?search=jane").json()
    assert [row["id"] for row in listing["results"]] == [claim.speaker_id]
    assert listing["results"][0]["claims_by_verdict"] == {"refuted": 1}


def test_source_aliases_are_listed(api_as, reviewer):
    from sources.services import source_resolve

    source = source_resolve(name="The New York Times", kind="outlet")
    source_resolve(name="the new york times", kind="outlet")
    body = api_as(reviewer).get(f"/api/sources/{source.pk}/").json()
    assert body["kind"] == "outlet"
    assert isinstance(body["aliases"], list)


def test_no_writable_field_can_set_status_version_assignee_or_priority(api_as, editor, reviewer, queued_claim):
    """Extra keys are ignored by the allow-listed inputs; there is no PATCH on claims at all."""
    api = api_as(editor)
    response = api.post(
        f"/api/claims/{queued_claim.pk}/evidence/",
        {"stance": "supports", "url": "https://x.example/a", "status": "corroborated", "priority": 999, "version": 77,
         "assignee": editor.pk, "history": []},
        format="json",
    )
    assert response.status_code == 201
    claim = Claim.objects.get(pk=queued_claim.pk)
    assert (claim.status, claim.priority, claim.version, claim.assignee_id) == ("queued", queued_claim.priority, 2, reviewer.pk)
    assert api.patch(f"/api/claims/{queued_claim.pk}/", {"status": "refuted"}, format="json").status_code == 405
    assert api.put(f"/api/claims/{queued_claim.pk}/", {"status": "refuted"}, format="json").status_code == 405
    assert Claim.objects.get(pk=queued_claim.pk).status == "queued"



@pytest.mark.parametrize("ordering", ["", "&ordering=-priority", "&ordering=created"])
def test_a_search_pages_through_every_match_once_in_the_lists_order(api_as, reviewer, ordering):
    # On PostgreSQL a search reads its matches' ids once in the list's order and pages slice them:
    # the pages must be the list's own order, each match once, with filters still applied.
    article = ArticleFactory()
    for i in range(14):
        ClaimFactory(article=article, start=i * 10, end=i * 10 + 5, priority=i % 3,
                     text=f"The harbour moved {i} million containers." if i % 2 else f"Unrelated sentence {i}.")
    api = api_as(reviewer)
    seen = []
    url = f"/api/claims/?search=containers&page_size=3{ordering}"
    while url:
        body = api.get(url).json()
        assert body["count"] == 7
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    order = {"": ("article_id", "start", "end"), "&ordering=-priority": ("-priority", "created_at", "-id"),
             "&ordering=created": ("created_at", "id")}[ordering]
    expected = list(Claim.objects.filter(text__contains="containers").order_by(*order).values_list("pk", flat=True))
    assert seen == expected
    status_filtered = api.get("/api/claims/?search=containers&status=queued").json()
    assert status_filtered["count"] == 0 and status_filtered["results"] == []


def test_a_search_with_filters_keeps_every_filter_and_the_lists_order(api_as, reviewer):
    # On PostgreSQL the list's filters run over the words' rows, read as a derived table in place of
    # the claims table (paging.over_rows): a filter through a join (the publisher), a status, a level
    # and "no copies" must select exactly what they select on the whole table, in the list's order.
    outlets = [OutletFactory(name="Harbour Gazette"), OutletFactory(name="Inland Times")]
    for n, outlet in enumerate(outlets * 2):
        article = ArticleFactory(publisher=outlet)
        for i in range(6):
            ClaimFactory(article=article, start=i * 10, end=i * 10 + 5, priority=(n + i) % 4,
                         status=ClaimStatus.QUEUED if i % 3 == 0 else ClaimStatus.UNVERIFIED,
                         attribution_level=AttributionLevel.ANONYMOUS if i % 2 else AttributionLevel.OFFICIAL,
                         text=f"The harbour moved {n}{i} million containers." if i != 5 else "Unrelated.")
    api = api_as(reviewer)
    publisher = outlets[0]
    url = (f"/api/claims/?search=contain&publisher={publisher.pk}&status=unverified&attribution_level=anonymous"
           "&is_copy=false&ordering=-priority&page_size=100")
    body = api.get(url).json()
    expected = list(
        Claim.objects.filter(text__contains="containers", article__publisher=publisher, status=ClaimStatus.UNVERIFIED,
                             attribution_level=AttributionLevel.ANONYMOUS, copy_of__isnull=True)
        .order_by("-priority", "created_at", "-id").values_list("pk", flat=True)
    )
    assert len(expected) == 2 and body["count"] == 2
    assert [row["id"] for row in body["results"]] == expected
