"""Copy groups in a real browser at 1366x768 (Debian chromium, Playwright): an editor finds a group
as one row of the claim list, opens its first claim (every appearance listed, the differing one
flagged), opens the copy, sees that it is reviewed on the first and offers no move, splits it out
with a reason, and lands on its page as a claim of its own, the split in its history."""

from __future__ import annotations


import pytest

from claims.models import Claim, ClaimStatus, HistoryKind
from sources.levels import AttributionLevel as L
from tests.e2e.test_browser_admin import assert_no_horizontal_overflow, browser, log_in, screenshot  # noqa: F401 (fixtures)
from tests.factories import UserFactory, article_stating

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
S = ClaimStatus
SENTENCE = "The ceasefire will hold until the talks resume, the envoy said."
REASON = "the ministry's own statement, not the envoy's"


def store(outlet: str, **fields) -> Claim:
    return Claim.objects.get(article=article_stating(SENTENCE, outlet=outlet, title=f"Ceasefire, in {outlet}", **fields))


def test_an_editor_splits_a_wrongly_grouped_copy_out_in_the_browser(browser, live_server):
    from playwright.sync_api import expect

    first = store("Wire One")
    same = store("Wire Two", suffix=" ")
    differing = store("Wire Four", level=L.OFFICIAL, speaker="the foreign ministry", kind="government", suffix="  ")
    assert same.copy_of_id == differing.copy_of_id == first.pk and differing.attribution_differs
    UserFactory(username="edith", roles=["editors"])

    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 768})
    context.set_default_timeout(15_000)
    page = context.new_page()
    log_in(page, "edith")

    # The claim list: the group is one row, with its appearances and the differing-attribution badge.
    page.goto("/admin/claims/claim/")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td.field-appearances")).to_contain_text("3")
    expect(rows.first.locator("td.field-appearances .copy-differs")).to_be_visible()
    assert_no_horizontal_overflow(page, "claim-list-copies.png")

    # The first claim's page: every appearance, the differing one highlighted and explained.
    rows.first.locator("td.field-appearances a").click()
    expect(page.locator("#copy-group h2")).to_contain_text("appears in 3 articles")
    expect(page.locator("#copy-appearances tbody tr")).to_have_count(3)
    flagged = page.locator("#copy-appearances tr.attribution-differs")
    expect(flagged).to_have_count(1)
    expect(flagged).to_have_attribute("data-claim", str(differing.pk))
    expect(flagged).to_contain_text("check before the verdict applies to it")
    expect(page.locator("button[data-move='queued']")).to_be_visible()  # the group is reviewed here

    # The copy: where it is reviewed, no move, and the editor's split form.
    flagged.locator("td").first.locator("a").click()
    banner = page.locator("#copy-banner")
    expect(banner).to_contain_text(f"This claim is a copy of claim #{first.pk} (reviewed there)")
    expect(banner.locator("#copy-first-link")).to_have_attribute("href", f"/admin/claims/claim/{first.pk}/change/")
    expect(page.locator("#copy-differs-note")).to_contain_text("the foreign ministry")
    expect(page.locator("button[data-move]")).to_have_count(0)
    expect(page.locator("input[name='_save']")).to_have_count(0)
    screenshot(page, "copy-page.png")

    # Split it out, with the reason.
    page.fill("#id_split_reason", REASON)
    page.click("#split-button")
    expect(page.locator(".messagelist .success")).to_contain_text(f"split out of the copy group of claim #{first.pk}")
    assert page.url.endswith(f"/admin/claims/claim/{differing.pk}/change/")
    expect(page.locator("#copy-banner")).to_have_count(0)
    expect(page.locator("#copy-split-note")).to_be_visible()
    expect(page.locator("#claim-status")).to_have_attribute("data-status", S.UNVERIFIED)
    expect(page.locator("button[data-move='queued']")).to_have_text("Assign to me")  # its own claim: its own moves
    split_row = page.locator("#history-group tbody tr").filter(has=page.locator(".history-split"))
    expect(split_row).to_have_count(1)
    expect(split_row).to_contain_text("Split from its copy group")
    expect(split_row).to_contain_text(REASON)
    assert_no_horizontal_overflow(page, "copy-split.png")
    differing.refresh_from_db()
    assert differing.copy_of_id is None and differing.copy_split
    assert differing.history.filter(kind=HistoryKind.SPLIT, actor__username="edith").exists()
    context.close()
