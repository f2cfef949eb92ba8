"""HTML sent as the API's `body`: stored as its article text, one article with the `html` field's copy."""

import io

import pytest
from django.core.management import CommandError, call_command

from claims.models import Article
from tests.claims.test_bounded_articles import STORY, page, stored_body

pytestmark = pytest.mark.django_db


def test_html_in_the_api_body_is_the_same_article_as_the_html_field(api_as, newsroom_user):
    html = page(STORY)
    via_body = api_as(newsroom_user).post("/api/articles/", {"body": html, "publisher": "Daily Planet"}, format="json")
    assert via_body.status_code == 202, via_body.content
    assert "<" not in stored_body(via_body.json()["id"])
    via_html = api_as(newsroom_user).post("/api/articles/", {"html": html, "publisher": "Daily Planet"}, format="json")
    assert via_html.status_code == 200 and via_html.json()["id"] == via_body.json()["id"]  # one body, one article


def test_html_without_article_text_is_refused_naming_the_html_field_and_flag(tmp_path, api_as, newsroom_user):
    empty = "<!DOCTYPE html><html><head><script src='/app.js'></script></head><body><div id='root'></div></body></html>"
    response = api_as(newsroom_user).post("/api/articles/", {"body": empty, "publisher": "Daily"}, format="json")
    assert response.status_code == 400 and "`html`" in response.content.decode() and "--html" in response.content.decode()
    path = tmp_path / "app.html"
    path.write_text(empty)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("ingest", str(path), "--html", "--publisher", "Daily", stdout=io.StringIO(), stderr=err)
    assert "--html" in err.getvalue() and not Article.objects.exists()
