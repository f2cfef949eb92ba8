"""Issue 17: default rates per role, and the RateLimit-* headers on every throttled response."""

import pytest

from claims.api.permissions import UserThrottle

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_counters():
    UserThrottle.cache.clear()
    yield
    UserThrottle.cache.clear()


def test_defaults_are_per_role_and_sensible(settings):
    rates = settings.API_THROTTLE_RATES
    assert not rates["user"]  # no single cap: each role has its own
    for role in ("editor", "reviewer", "newsroom", "anon", "ingest", "write"):
        count, period = rates[role].split("/")
        assert 100 <= int(count) <= 20_000 and period == "hour", role
    assert int(rates["editor"].split("/")[0]) > int(rates["reviewer"].split("/")[0])


def test_responses_carry_ratelimit_headers_counting_down(api_as, reviewer, editor, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "reviewer": "5/minute", "editor": "7/minute"}
    api = api_as(reviewer)
    first, second = api.get("/api/claims/"), api.get("/api/claims/")
    assert first["RateLimit-Limit"] == "5" and first["RateLimit-Remaining"] == "4" and second["RateLimit-Remaining"] == "3"
    assert 0 < int(second["RateLimit-Reset"]) <= 60
    assert api_as(editor).get("/api/claims/")["RateLimit-Limit"] == "7"  # the editor's own rate


def test_a_throttled_response_says_when_to_come_back(api_as, reviewer, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "reviewer": "2/minute"}
    api = api_as(reviewer)
    assert [api.get("/api/claims/").status_code for _ in range(3)] == [200, 200, 429]
    refused = api.get("/api/claims/")
    assert refused["RateLimit-Remaining"] == "0" and int(refused["RateLimit-Reset"]) > 0 and int(refused["Retry-After"]) > 0


def test_the_tightest_limit_is_reported(api_as, newsroom_user, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "newsroom": "100/minute", "ingest": "3/minute"}
    response = api_as(newsroom_user).post("/api/articles/", {"title": "t", "body": "Officials said one thing.", "publisher": "P"}, format="json")
    assert response.status_code == 202 and response["RateLimit-Limit"] == "3" and response["RateLimit-Remaining"] == "2"
