import pytest

from claims.models import Article
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db

BODY = "Officials said the bridge will reopen on Monday. Analysts say traffic will double."


def test_post_article_is_accepted_then_idempotent(api_as, newsroom_user):
    api = api_as(newsroom_user)
    payload = {"title": "Bridge", "body": BODY, "publisher": "Daily Planet", "url": "https://planet.example/bridge",
               "published_at": "2025-11-30T12:00:00Z"}
    first = api.post("/api/articles/", payload, format="json")
    assert first.status_code == 202, first.content
    assert first.json()["extraction_status"] == "pending"
    assert first.json()["publisher"]["name"] == "Daily Planet"
    again = api.post("/api/articles/", payload, format="json")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Article.objects.count() == 1


def test_post_html_is_turned_into_text(api_as, editor):
    html = (
        "<html><head><title>T</title></head><body><nav>Home | Sports</nav><article><h1>Bridge</h1>"
        + "".join(f"<p>Officials said the bridge number {i} will reopen on Monday after the long repairs.</p>" for i in range(8))
        + "</article><footer>Copyright</footer></body></html>"
    )
    response = api_as(editor).post("/api/articles/", {"title": "Bridge", "html": html, "publisher": "Daily Planet"}, format="json")
    assert response.status_code == 202, response.content
    body = Article.objects.get(pk=response.json()["id"]).body
    assert "bridge number 3 will reopen" in body
    assert "<p>" not in body


@pytest.mark.parametrize(
    ("payload", "attr"),
    [
        ({"title": "x", "publisher": "P"}, "body"),
        ({"title": "x", "body": "   ", "publisher": "P"}, "body"),
        ({"title": "x", "body": "Text.", "html": "<p>Text.</p>", "publisher": "P"}, "html"),
        ({"title": "x", "body": "Text."}, "publisher"),
        ({"title": "x", "body": "Text.", "publisher": "P", "url": "not a url"}, "url"),
        ({"title": "x", "body": "Text.", "publisher": "P", "published_at": "yesterday"}, "published_at"),
        ({"title": "x", "html": "<html><body></body></html>", "publisher": "P"}, "html"),
    ],
)
def test_bad_article_is_a_validation_error_naming_the_field(api_as, newsroom_user, payload, attr):
    response = api_as(newsroom_user).post("/api/articles/", payload, format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["type"] == "validation_error"
    assert attr in {error["attr"] for error in body["errors"]}
    assert Article.objects.count() == 0


def test_article_list_and_detail_show_claims_ids_and_levels(api_as, reviewer):
    claim = ClaimFactory(attribution_level="anonymous")
    api = api_as(reviewer)
    listing = api.get("/api/articles/").json()
    assert listing["count"] == 1 and listing["results"][0]["id"] == claim.article_id
    detail = api.get(f"/api/articles/{claim.article_id}/").json()
    assert detail["extraction_status"] == "done"
    assert detail["claims"] == [{"id": claim.pk, "attribution_level": "anonymous", "status": "unverified", "copy_of": None}]


def test_unknown_article_is_json_404(api_as, reviewer):
    response = api_as(reviewer).get("/api/articles/999999/")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"
