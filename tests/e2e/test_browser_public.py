"""The public fact-check page in a real browser (Debian chromium, Playwright): the ClaimReview
JSON-LD is in the DOM and parses, hostile article text stays text, and the CSP holds."""

from __future__ import annotations

import json

import pytest

from claims import workflow
from claims.models import ClaimStatus, EvidenceStance
from tests.e2e.test_browser_access import VIOLATION_LISTENER
from tests.e2e.test_browser_admin import browser, screenshot, watched  # noqa: F401 (fixtures)
from tests.factories import ArticleFactory, ClaimFactory, EvidenceFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
S = ClaimStatus

HOSTILE = (
    "Officials said </script><script>window.__ran='inline'</script>"
    "<img src=x onerror=\"window.__ran='handler'\"> the bridge is safe."
)


def test_the_public_page_renders_its_claimreview_and_escapes_hostile_text(watched, live_server):
    from playwright.sync_api import expect

    reviewer = UserFactory(username="rita", roles=["reviewers"])
    article = ArticleFactory(body=HOSTILE + " More text.", title="<i>Hostile</i> headline")
    claim = ClaimFactory(article=article, end=len(HOSTILE))
    workflow.transition(claim=claim, to=S.QUEUED, actor=None, assignee=reviewer)
    workflow.transition(claim=claim, to=S.IN_REVIEW, actor=reviewer)
    EvidenceFactory(claim=claim, stance=EvidenceStance.CONTRADICTS, url="javascript:alert(1)")
    EvidenceFactory(claim=claim, stance=EvidenceStance.CONTRADICTS, url="https://records.example.gov/minutes")
    workflow.transition(claim=claim, to=S.REFUTED, actor=reviewer, note="Inspection <b>failed</b> in May.")

    page = watched.page
    page.context.add_init_script(VIOLATION_LISTENER)
    response = page.goto(f"/fact-checks/{claim.pk}/")
    assert response.status == 200
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1.claim-text")).to_contain_text("</script><script>window.__ran='inline'</script>")
    expect(page.locator("#verdict")).to_contain_text("False")
    # The JSON-LD block, read back from the DOM, is the whole ClaimReview.
    blocks = page.locator('script[type="application/ld+json"]')
    assert blocks.count() == 1
    review = json.loads(blocks.first.text_content())
    assert review["@type"] == "ClaimReview" and review["claimReviewed"] == claim.text
    assert review["url"] == f"{live_server.url}/fact-checks/{claim.pk}/"
    assert review["reviewRating"]["ratingExplanation"] == "Inspection <b>failed</b> in May."
    # Nothing from the article became markup or ran; only http(s) evidence is a link.
    assert page.locator("img").count() == 0 and page.locator("i, b").count() == 0
    assert page.evaluate("window.__ran") is None and watched.dialogs == []
    hrefs = page.eval_on_selector_all("a", "els => els.map(e => e.getAttribute('href'))")
    assert "https://records.example.gov/minutes" in hrefs and not [h for h in hrefs if h.startswith("javascript:")]
    assert page.evaluate("window.__csp") == []  # the page itself needs nothing the policy forbids
    screenshot(page, "public-fact-check.png")
