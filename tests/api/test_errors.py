"""Malformed requests get a JSON error in the one shape, never a 500."""

import pytest

from claims.models import Article
from claims.api.permissions import UserThrottle

pytestmark = pytest.mark.django_db


def assert_error_shape(response, status):
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["type"] in ("validation_error", "client_error", "server_error")
    assert body["errors"] and {"code", "detail", "attr"} <= set(body["errors"][0])
    return body


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b"\xff\xfe\x00garbage", "application/json", 400),
        (b'{"title": "\xff"}', "application/json", 400),
        (b"[1, 2, 3]", "application/json", 400),
        (b'"just a string"', "application/json", 400),
        (b"null", "application/json", 400),
        (b"title=x&body=y", "application/x-www-form-urlencoded", 415),
        (b"<xml/>", "text/xml", 415),
        (b'{"title": 1e999999, "body": 12, "publisher": ["x"]}', "application/json", 400),
        (b'{"title": {"a": 1}, "body": true, "publisher": 99999999999999999999999999999999}', "application/json", 400),
    ],
)
def test_malformed_article_bodies(api_as, editor, body, content_type, status):
    response = api_as(editor).generic("POST", "/api/articles/", body, content_type=content_type)
    assert_error_shape(response, status)
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"to": "in_review", "version": 10**30},
        {"to": "in_review", "version": -1},
        {"to": "in_review", "version": "two"},
        {"to": ["in_review"], "version": 2},
        {"to": "in_review"},
        {"to": "in_review", "version": 2, "assignee": 10**40},
        {"to": "nowhere", "version": 2},
        {"to": "in_review", "version": 2, "note": {"x": 1}},
    ],
)
def test_malformed_transitions(api_as, reviewer, queued_claim, payload):
    body = assert_error_shape(api_as(reviewer).post(f"/api/claims/{queued_claim.pk}/transition/", payload, format="json"), 400)
    assert body["type"] == "validation_error"


@pytest.mark.parametrize(
    "url",
    ["/api/claims/99999999999999999999999999/", "/api/claims/9223372036854775808/transition/", "/api/claims/0/",
     "/api/sources/18446744073709551616/", "/api/articles/99999999999999999999/", "/api/claims/-1/", "/api/nope/",
     "/api/claims", "/api/claims/abc/", "/api/%FF/"],
)
def test_unknown_ids_and_paths_are_json_404(api_as, editor, url):
    got = api_as(editor).get(url)
    assert_error_shape(got, 405 if url.endswith("/transition/") else 404)  # transition takes POST only
    posted = api_as(editor).post(url, {"to": "queued", "version": 1}, format="json")
    assert_error_shape(posted, 405 if posted.status_code == 405 else 404)  # detail routes take no POST


def test_wrong_method_is_json_405(api_as, editor, claim):
    assert_error_shape(api_as(editor).delete(f"/api/claims/{claim.pk}/"), 405)


def test_page_out_of_range_is_404_and_bad_page_size_is_400(api_as, editor, claim):
    assert_error_shape(api_as(editor).get("/api/claims/?page=999"), 404)
    assert_error_shape(api_as(editor).get("/api/claims/?page=abc"), 400)  # malformed, not "not found" (issue 17)
    assert_error_shape(api_as(editor).get("/api/claims/?page_size=-5"), 400)
    assert_error_shape(api_as(editor).get("/api/claims/?page_size=null"), 400)
    # Any larger page_size is capped as documented, however large (issue 17).
    assert api_as(editor).get("/api/claims/?page_size=99999999999999999999999").status_code == 200
    assert len(api_as(editor).get("/api/claims/?page_size=500").json()["results"]) == 1  # capped, not refused


@pytest.mark.parametrize(("path", "name"), [("/api/claims/", "search"), ("/api/claims/", "publisher"),
                                            ("/api/sources/", "search"), ("/api/articles/", "publisher")])
def test_a_nul_in_a_text_filter_is_a_400_the_schema_states(api_as, editor, path, name):
    assert_error_shape(api_as(editor).get(path, {name: "Madu\x00ro"}), 400)
    schema = api_as(editor).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    parameter = next(p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == name)
    assert parameter["schema"]["not"] == {"pattern": "\\u0000"}


def test_oversized_body_is_json_413(api_as, editor, settings):
    settings.API_MAX_BODY_BYTES = 1000
    body = b'{"title": "x", "publisher": "P", "body": "' + b"a" * 2000 + b'"}'
    response = api_as(editor).generic("POST", "/api/articles/", body, content_type="application/json")
    assert_error_shape(response, 413)
    assert response.json()["errors"][0]["code"] == "payload_too_large"
    assert not Article.objects.exists()


def test_default_body_limit_is_2_mb(api_as, editor, settings):
    assert settings.API_MAX_BODY_BYTES == 2 * 1024 * 1024
    body = b'{"title": "x", "publisher": "P", "body": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    assert_error_shape(api_as(editor).generic("POST", "/api/articles/", body, content_type="application/json"), 413)


def test_bad_token_is_401(api_as):
    client = api_as(None)
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    body = assert_error_shape(client.get("/api/claims/"), 401)
    assert body["errors"][0]["code"] == "authentication_failed"


def test_throttled_token_gets_json_429(api_as, reviewer, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "user": "3/minute"}
    UserThrottle.cache.clear()
    api = api_as(reviewer)
    statuses = [api.get("/api/claims/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = api.get("/api/claims/")
    assert_error_shape(response, 429)
    assert int(response["Retry-After"]) > 0
    UserThrottle.cache.clear()


def test_ingest_scope_throttles_posts_only(api_as, newsroom_user, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "ingest": "1/minute"}
    UserThrottle.cache.clear()
    api = api_as(newsroom_user)
    payload = {"title": "t", "body": "Officials said one thing.", "publisher": "P"}
    assert api.post("/api/articles/", payload, format="json").status_code == 202
    assert api.post("/api/articles/", payload | {"body": "Officials said another."}, format="json").status_code == 429
    assert api.get("/api/articles/").status_code == 200
    UserThrottle.cache.clear()
