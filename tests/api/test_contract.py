"""Issue 17's API contract: strict query strings, OPTIONS, the schema's formats,
assignees, sign-off notes, /api/me/ and /api/users/, publisher by name."""

import pytest

from claims import workflow
from claims.models import Claim, ClaimStatus
from tests.factories import ArticleFactory, ClaimFactory, OutletFactory, UserFactory

pytestmark = pytest.mark.django_db


def error(response, status):
    assert response.status_code == status, response.content
    return response.json()["errors"][0]


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.mark.parametrize("url", ["/api/claims/", "/api/articles/", "/api/sources/", "/api/webhooks/", "/api/users/"])
def test_an_unknown_parameter_is_400_naming_it(api_as, editor, url):
    err = error(api_as(editor).get(f"{url}?statuss=refuted"), 400)
    assert "'statuss'" in err["detail"] and "page_size" in err["detail"]


@pytest.mark.parametrize("query", ["status=queued&status=refuted", "page=1&page=2", "page_size=2&page_size=3"])
def test_a_repeated_parameter_is_400(api_as, reviewer, query):
    err = error(api_as(reviewer).get(f"/api/claims/?{query}"), 400)
    assert err["attr"] == query.split("=")[0] and "2 times" in err["detail"]


def test_repeated_ordering_is_a_multi_key_ordering(api_as, reviewer):
    article = ArticleFactory()
    a = ClaimFactory(article=article, start=0, end=1, priority=1)
    b = ClaimFactory(article=article, start=2, end=3, priority=2)
    c = ClaimFactory(article=article, start=4, end=5, priority=2)
    api = api_as(reviewer)
    expected = [c.pk, b.pk, a.pk]  # -priority, then -created
    assert ids(api.get("/api/claims/?ordering=-priority&ordering=-created")) == expected
    assert ids(api.get("/api/claims/?ordering=-priority,-created")) == expected
    assert ids(api.get("/api/claims/?ordering=-priority&ordering=created")) == [b.pk, c.pk, a.pk]


@pytest.mark.parametrize("query", ["page=", "status=", "page_size=", "article="])
def test_an_empty_integer_or_enum_is_400(api_as, reviewer, query):
    # The schema types them integer or enum: "" is not one.
    err = error(api_as(reviewer).get(f"/api/claims/?{query}"), 400)
    assert err["attr"] == query.rstrip("=")


@pytest.mark.parametrize("query", ["ordering=", "search=", "publisher=", "assignee="])
def test_an_empty_text_or_list_filters_nothing(api_as, reviewer, query):
    # The schema allows "" for text and lists (an HTML form sends it): no filter, as if left out.
    claims = [ClaimFactory().pk for _ in range(2)]
    assert sorted(ids(api_as(reviewer).get(f"/api/claims/?{query}"))) == sorted(claims)


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5"])
def test_a_malformed_page_is_400(api_as, reviewer, page):
    assert error(api_as(reviewer).get(f"/api/claims/?page={page}"), 400)["attr"] == "page"


def test_page_size_over_the_cap_is_capped_however_large(api_as, reviewer):
    ClaimFactory()
    for size in ("201", "99999999999999999999999"):
        body = api_as(reviewer).get(f"/api/claims/?page_size={size}").json()
        assert body["count"] == 1 and len(body["results"]) == 1


def test_options_answers_what_allow_lists(api_as, editor, claim):
    response = api_as(editor).options(f"/api/claims/{claim.pk}/transition/")
    assert response.status_code == 200, response.content
    assert "OPTIONS" in response["Allow"] and "POST" in response["Allow"]
    assert set(response.json()["methods"]) == {m.strip() for m in response["Allow"].split(",")}


def test_an_unknown_schema_format_is_a_json_400(client):
    response = client.get("/api/schema/?format=nope")
    assert response.status_code == 400 and response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["errors"][0]["attr"] == "format" and "json" in body["errors"][0]["detail"]
    assert client.get("/api/schema/?format=json").status_code == 200


def test_assigning_to_a_non_reviewer_is_a_409_and_to_nobody_a_404(api_as, editor, reviewer, queued_claim, newsroom_user):
    # Both requests are well formed (the schema allows any user id): the state refuses them.
    response = api_as(editor).post(
        f"/api/claims/{queued_claim.pk}/assign/", {"assignee": newsroom_user.pk, "version": queued_claim.version}, format="json"
    )
    err = error(response, 409)
    assert err["code"] == "assignment_refused" and newsroom_user.username in err["detail"] and "allowed" not in response.json()
    queue = api_as(editor).post(
        f"/api/claims/{ClaimFactory().pk}/transition/", {"to": "queued", "version": 1, "assignee": newsroom_user.pk}, format="json"
    )
    assert error(queue, 409)["code"] == "assignment_refused"
    nobody = api_as(editor).post(
        f"/api/claims/{queued_claim.pk}/assign/", {"assignee": 987654, "version": queued_claim.version}, format="json"
    )
    assert "no active user 987654" in error(nobody, 404)["detail"]
    queued_claim.refresh_from_db()
    assert queued_claim.assignee == reviewer


def test_sign_off_refuses_a_number_as_note(api_as, editor, in_review_claim):
    response = api_as(editor).post(f"/api/claims/{in_review_claim.pk}/sign-off/", {"note": 12}, format="json")
    assert error(response, 400)["attr"] == "note"


def test_me_says_who_and_in_which_roles(api_as, reviewer, queued_claim):
    body = api_as(reviewer).get("/api/me/").json()
    assert body == {"id": reviewer.pk, "username": reviewer.username, "name": body["name"], "roles": ["reviewer"], "open_claims": 1}


def test_editors_list_reviewers_to_assign(api_as, editor, reviewer, other_reviewer, newsroom_user, queued_claim):
    response = api_as(editor).get("/api/users/?role=reviewer")
    rows = {row["username"]: row for row in response.json()["results"]}
    assert set(rows) == {reviewer.username, other_reviewer.username}
    assert rows[reviewer.username]["open_claims"] == 1 and rows[reviewer.username]["roles"] == ["reviewer"]
    assert error(api_as(reviewer).get("/api/users/"), 403)
    assert error(api_as(editor).get("/api/users/?role=intern"), 400)["attr"] == "role"


def test_publisher_filters_by_id_or_name(api_as, reviewer):
    herald = OutletFactory(name="The Miami Herald")
    mine = ClaimFactory(article=ArticleFactory(publisher=herald))
    ClaimFactory()
    api = api_as(reviewer)
    assert ids(api.get(f"/api/claims/?publisher={herald.pk}")) == [mine.pk]
    assert ids(api.get("/api/claims/?publisher=the%20miami%20herald")) == [mine.pk]
    assert ids(api.get("/api/claims/?publisher=Nobody")) == []
    assert [r["id"] for r in api.get("/api/articles/?publisher=The Miami Herald").json()["results"]] == [mine.article_id]


def test_queue_take_gives_an_idle_reviewer_work(api_as, reviewer):
    for _ in range(2):
        workflow.transition(claim=ClaimFactory(), to=ClaimStatus.QUEUED, actor=None, assignee=reviewer)
    idle = UserFactory(username="nora", roles=["reviewers"])
    body = api_as(idle).post("/api/queue/take/").json()
    assert body["assignee"]["username"] == "nora" and body["status"] == "queued"
    other = UserFactory(username="nils", roles=["reviewers"])
    assert api_as(other).post("/api/queue/take/").status_code == 204  # one claim each now: nothing to pull
