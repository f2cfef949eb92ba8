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
