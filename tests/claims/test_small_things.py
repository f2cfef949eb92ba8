"""Issue 17's small things: / and "View site", the favicon, the desk's schedule wording."""

import pytest
from django.contrib.staticfiles import finders
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from claims.admin import dashboard

pytestmark = pytest.mark.django_db


def test_the_root_and_view_site_lead_to_the_desk(client, reviewer):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    client.force_login(reviewer)
    desk = client.get("/admin/")
    site_url = desk.context["site_url"]
    assert client.get(site_url, follow=True).status_code == 200


def test_the_favicon_is_served():
    response_target = finders.find("claims/favicon.ico")
    assert response_target and open(response_target, "rb").read(4) == b"\x00\x00\x01\x00"  # an ICO header


def test_favicon_url_redirects_to_the_static_file(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("claims/favicon.ico")


@pytest.mark.parametrize(("every", "period", "words"), [
    (900, "seconds", "every 15 minutes"), (30, "seconds", "every 30 seconds"), (1, "hours", "every hour"),
    (86400, "seconds", "every day"), (90, "seconds", "every 90 seconds"),
])
def test_schedules_in_words(every, period, words):
    assert dashboard.every(IntervalSchedule(every=every, period=period)) == words


def test_the_desk_hides_celery_backend_cleanup(client, editor):
    interval = IntervalSchedule.objects.create(every=900, period="seconds")
    PeriodicTask.objects.create(name="issue17 sweep", task="claims.sweep", interval=interval)
    PeriodicTask.objects.create(name="celery.backend_cleanup", task="celery.backend_cleanup", interval=interval)
    client.force_login(editor)
    html = client.get("/admin/").content.decode()
    desk = html[html.index('id="beat-schedules"'):]
    assert "issue17 sweep" in desk and "every 15 minutes" in desk and "backend_cleanup" not in desk
    assert "900 seconds" not in desk


def test_claim_list_is_one_line_per_claim_with_article_and_outlet_filters(client, editor):
    from claims.models import Claim
    from tests.factories import ArticleFactory, ClaimFactory, OutletFactory, SourceFactory

    herald = OutletFactory(name="The Miami Herald")
    long_title = "White House gives Maduro ultimatum as U.S. moves toward land operations in the region"
    article = ArticleFactory(publisher=herald, title=long_title)
    claim = ClaimFactory(article=article, text="x" * 200, speaker=SourceFactory(name="Trump", kind="person"))
    ClaimFactory()
    client.force_login(editor)
    page = client.get("/admin/claims/claim/")
    html = page.content.decode()
    assert "x" * 200 not in html.split('title="')[0] and ("x" * 139 + "\u2026") in html  # shortened, full text on hover
    assert f'href="/admin/claims/article/{article.pk}/change/"' in html and long_title[:27] in html
    filters = {spec.title: [choice["display"] for choice in spec.choices(page.context["cl"])] for spec in page.context["cl"].filter_specs}
    assert "The Miami Herald" in filters["publisher"] and "Trump" not in filters["publisher"]
    assert any(str(display).startswith("White House gives") for display in filters["article"])
    only = client.get("/admin/claims/claim/", {"article": article.pk}).context["cl"].result_list
    assert [c.pk for c in only] == [claim.pk]
    by_outlet = client.get("/admin/claims/claim/", {"publisher": herald.pk}).context["cl"].result_list
    assert [c.pk for c in by_outlet] == [claim.pk] and Claim.objects.count() == 2


def test_evidence_source_autocomplete_ranks_exact_names_and_outlets_first(client, reviewer):
    from tests.factories import OutletFactory, SourceFactory

    SourceFactory(name="(the Miami Herald)", kind="anonymous")
    SourceFactory(name="sources told the Miami Herald", kind="group")
    SourceFactory(name="Miami Herald reporter Jay Weaver", kind="person")
    OutletFactory(name="Miami Herald Media")
    OutletFactory(name="the Miami Herald")
    client.force_login(reviewer)
    response = client.get(
        "/admin/autocomplete/",
        {"term": "the Miami Herald", "app_label": "claims", "model_name": "evidence", "field_name": "source"},
    )
    assert response.status_code == 200, response.content
    names = [row["text"].split(" (")[0] or row["text"] for row in response.json()["results"]]
    assert names[0] == "the Miami Herald"
    broad = client.get("/admin/autocomplete/", {"term": "Miami", "app_label": "claims", "model_name": "evidence", "field_name": "source"})
    names = [row["text"] for row in broad.json()["results"]]
    assert [n.rsplit(" (", 1)[0] for n in names[:2]] == ["Miami Herald Media", "the Miami Herald"]  # outlets first
    assert [n.rsplit(" (", 1)[0] for n in names[-2:]] == ["(the Miami Herald)", "sources told the Miami Herald"]  # then anonymous, groups
