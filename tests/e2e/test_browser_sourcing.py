"""The Sourcing report in Debian chromium (issue 29): an editor reads the anonymous share by publisher
and month on one page, and a band of the chart opens the matching claims. The page's screenshot
is saved as docs/sourcing-report.png."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone as dt_timezone
from pathlib import Path

import pytest
from django.conf import settings

from claims.models import Claim, ClaimStatus
from sources.levels import AttributionLevel as L
from tests.e2e.test_browser_admin import browser, log_in, screenshot  # noqa: F401 (fixtures)
from tests.factories import ArticleFactory, ClaimFactory, OutletFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
MIX = [L.ANONYMOUS, L.OFFICIAL, L.NAMED_PERSON, L.UNATTRIBUTED, L.DOCUMENT, L.VAGUE, L.OTHER_OUTLET]


@pytest.fixture
def desk(transactional_db):
    UserFactory(username="edith", roles=["editors"])
    reviewer = UserFactory(username="rita", roles=["reviewers"])
    for o, name in enumerate(("Herald", "Courier", "Gazette")):
        outlet = OutletFactory(name=name)
        for month in (9, 10, 11, 12):
            article = ArticleFactory(publisher=outlet, published_at=datetime(2026, month, 3, tzinfo=dt_timezone.utc))
            for i in range(4 + (month + o) % 4):
                level = MIX[(i + o * month) % len(MIX)] if i else (L.ANONYMOUS if o != 1 else L.OFFICIAL)
                claim = ClaimFactory(article=article, start=i * 10, end=i * 10 + 5, text=f"claim {article.pk}-{i}",
                                     attribution_level=level)
                if i % 3 == 0:
                    Claim.objects.filter(pk=claim.pk).update(
                        status=ClaimStatus.REFUTED if level == L.ANONYMOUS else ClaimStatus.CORROBORATED,
                        assignee=reviewer, verdict_at=datetime(2026, month, 4, tzinfo=dt_timezone.utc),
                        created_at=datetime(2026, month, 3, tzinfo=dt_timezone.utc))


def test_an_editor_reads_the_anonymous_share_and_a_band_opens_its_claims(browser, live_server, desk):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    log_in(page, "edith")
    page.click("#sourcing-report-link")
    page.fill("input[name=from]", "2026-09-01")
    page.fill("input[name=to]", "2026-12-31")
    page.click("#sourcing-form button[type=submit]")
    page.wait_for_selector("#report-anonymous")
    ranked = page.locator("#table-anonymous tbody th").all_inner_texts()
    assert sorted(ranked) == ["Courier", "Gazette", "Herald"]
    assert page.locator("svg.stacked desc").count() == 1  # every publisher together, with its text alternative
    shot = screenshot(page, "sourcing-report.png")
    shutil.copy(shot, Path(settings.BASE_DIR) / "docs" / "sourcing-report.png")

    band = page.locator('a.level-band[data-level="anonymous"][data-period="2026-10"]')
    expected = int(band.get_attribute("data-claims"))
    band.click()
    page.wait_for_selector("#result_list")
    assert page.locator("#result_list tbody tr").count() == expected
    assert "period=2026-10" in page.url and "attribution_level__exact=anonymous" in page.url
