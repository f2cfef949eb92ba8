"""The API's lists at any depth: counts stop at LIST_COUNT_CAP, numbered pages stop there too, and
`next_cursor` walks the default order by key (claims/api/pagination.py)."""

import pytest

from claims.models import Claim
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def claims(count: int) -> list[int]:
    article = ArticleFactory(body="x" * (count * 10))
    made = Claim.objects.bulk_create(
        Claim(article=article, start=i * 10, end=i * 10 + 5, text=f"Claim number {i} about bridges.") for i in range(count)
    )
    return [claim.pk for claim in made]


def walk(api, url: str) -> list[int]:
    seen = []
    while url:
        body = api.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    return seen


def test_the_cursor_walks_every_claim_once_in_the_default_order(api_as, reviewer):
    made = claims(23)
    api = api_as(reviewer)
    first = api.get("/api/claims/?page_size=5").json()
    assert first["count"] == 23 and first["count_is_exact"] and first["next_cursor"]
    by_cursor, cursor = [row["id"] for row in first["results"]], first["next_cursor"]
    while cursor:
        body = api.get(f"/api/claims/?page_size=5&cursor={cursor}").json()
        assert body["previous"] is None and len(body["results"]) <= 5
        by_cursor += [row["id"] for row in body["results"]]
        cursor = body["next_cursor"]
    assert by_cursor == made  # every claim once, article order
    assert walk(api, "/api/claims/?page_size=5") == made  # by page numbers: the same rows
    last = api.get("/api/claims/?page_size=5&page=5").json()
    assert last["next"] is None and last["next_cursor"] is None


def test_a_cursor_page_follows_its_filters(api_as, reviewer):
    made = claims(12)
    Claim.objects.filter(pk__in=made[::3]).update(status="queued")
    api = api_as(reviewer)
    assert walk(api, "/api/claims/?status=queued&page_size=2") == made[::3]
    first = api.get("/api/claims/?status=queued&page_size=2").json()
    second = api.get(f"/api/claims/?status=queued&page_size=2&cursor={first['next_cursor']}").json()
    assert [row["id"] for row in second["results"]] == made[6:12:3]
    assert second["next_cursor"] is None and second["next"] is None


@pytest.mark.parametrize("query, field", [
    ("cursor=abc", "cursor"),
    ("cursor=1.2", "cursor"),  # the wrong length
    ("cursor=1.2.-3", "cursor"),  # negative
    ("cursor=1.2.1234567890", "cursor"),  # past an integer column
    ("cursor=1.2.3&page=abc", "page"),  # ignored beside a cursor, but malformed
])
def test_a_bad_cursor_is_a_400_naming_it(api_as, reviewer, query, field):
    claims(3)
    response = api_as(reviewer).get(f"/api/claims/?{query}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == field


def test_ordering_pages_by_number_and_a_cursor_beside_it_is_ignored(api_as, reviewer):
    made = claims(5)
    Claim.objects.filter(pk__in=made).update(priority=1)
    Claim.objects.filter(pk=made[3]).update(priority=9)
    body = api_as(reviewer).get("/api/claims/?ordering=-priority&cursor=1.2.3&page_size=2").json()
    assert [row["id"] for row in body["results"]] == [made[3], made[0]]
    assert "next_cursor" not in body and "page=2" in body["next"]


def test_counts_stop_at_the_cap_and_say_they_are_estimates(api_as, reviewer, settings):
    settings.LIST_COUNT_CAP = 10
    claims(30)
    api = api_as(reviewer)
    body = api.get("/api/claims/?page_size=4").json()
    assert body["count_is_exact"] is False and body["count"] >= 11  # the planner's estimate, at least past the cap
    small = api.get("/api/claims/?page_size=4&search=number%2029").json()
    assert small["count"] == 1 and small["count_is_exact"] is True
    # Numbered pages reach the cap's rows; past them the answer says how to go on.
    assert api.get("/api/claims/?page_size=4&page=3").status_code == 200
    past = api.get("/api/claims/?page_size=4&page=4")
    assert past.status_code == 404 and "next_cursor" in past.json()["errors"][0]["detail"]
    # The cursor goes on past the cap.
    cursor, seen = body["next_cursor"], 4
    while cursor:
        page = api.get(f"/api/claims/?page_size=4&cursor={cursor}").json()
        seen += len(page["results"])
        cursor = page["next_cursor"]
    assert seen == 30
