"""The seed's queue by check-worthiness in a real browser at 1366x768 (Debian chromium, Playwright):
check-worthy claims come first, each with its score and why; a claim that waits below the
threshold is pulled into the queue with one action."""

from __future__ import annotations

import pytest

from claims.matching.matches import article_match
from claims.models import Claim, ClaimStatus
from claims.pipeline import assignment
from claims.triage import checkworthiness
from claims.triage.scoring import claims_score
from tests.e2e.test_browser_admin import browser, load_seed_article, log_in, screenshot  # noqa: F401 (fixtures)
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
S = ClaimStatus


def test_the_queue_shows_check_worthy_claims_first_and_one_waiting_is_pulled_in(browser, live_server):
    from playwright.sync_api import expect

    article = load_seed_article()
    ids = list(article.claims.values_list("pk", flat=True))
    article_match(article_id=article.pk)  # what the pipeline does after extraction: embed and match
    claims_score(claim_ids=ids)
    reviewer = UserFactory(username="rita", roles=["reviewers"])
    assignment.claims_assign()
    cut = checkworthiness.threshold()
    queued = list(Claim.objects.filter(article=article, status=S.QUEUED, assignee=reviewer))
    waiting = Claim.objects.filter(article=article, status=S.UNVERIFIED, check_worthiness__lt=cut).order_by("check_worthiness").first()
    assert queued and all(c.check_worthiness >= cut for c in queued)
    assert waiting is not None, "the seed has sentences below the threshold (e.g. scene-setting ones)"

    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 768})
    context.set_default_timeout(15_000)
    page = context.new_page()
    log_in(page, "rita")
    page.goto("/admin/claims/claim/queue/")
    rows = page.locator("#queue tbody tr")
    expect(rows).to_have_count(len(queued))
    scores = rows.locator("td.worthiness").all_inner_texts()
    assert all("check-worthy" in s and "not check-worthy" not in s for s in scores), scores
    assert all(why.strip() for why in rows.locator("td.why").all_inner_texts())
    priorities = [int(p) for p in rows.locator("td:first-child").all_inner_texts()]
    assert priorities == sorted(priorities, reverse=True)
    expect(page.locator("#priority-formula")).not_to_be_empty()
    screenshot(page, "queue-by-check-worthiness.png")

    # The claims below the threshold wait, visible under their filter; one action pulls one in.
    page.click("#not-worthy-link")
    page.check(f"input.action-select[value='{waiting.pk}']")
    page.select_option("select[name=action]", "assign_to_me")
    page.click("button[name=index]")
    expect(page.locator("ul.messagelist")).to_contain_text("1 of 1 selected claim(s) moved")
    waiting.refresh_from_db()
    assert (waiting.status, waiting.assignee) == (S.QUEUED, reviewer)
    page.goto("/admin/claims/claim/queue/")
    pulled = page.locator(f"#queue tr[data-claim='{waiting.pk}'] td.worthiness")
    expect(pulled).to_contain_text("not check-worthy")
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    context.close()
