"""The reviewer's screens read at a glance (issue 25): measured in Debian chromium at 1366x768.

The claim list shows at least 60 characters of every claim (or all of a shorter one), and no
badge, name or sort icon is cut or overlaps its neighbour. The claim page of a published
verdict links its public fact-check page and shows its check-worthiness as one figure. The
measurements are the browser's own (rendered character boxes, scroll widths), never pixels
written into the test.
"""

from __future__ import annotations

import re

import pytest

from claims import workflow
from claims.models import ClaimStatus, EvidenceStance
from sources.levels import AttributionLevel
from tests.e2e.test_browser_admin import browser, log_in, screenshot  # noqa: F401 (fixtures)
from tests.factories import ArticleFactory, ClaimFactory, EvidenceFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
S = ClaimStatus

LONG = (
    "The ministry said on Tuesday that the reconstruction of the northern bridge, closed since the floods "
    "of last spring, would cost 2.4 billion and take until the end of next year, twice the first estimate."
)

# For each claim cell: [characters drawn inside the cell's box, characters in the text].
VISIBLE_CHARACTERS = """
cells => cells.map(cell => {
  const node = cell.firstChild, box = cell.getBoundingClientRect(), range = document.createRange();
  let shown = 0;
  for (let i = 0; i < node.length; i++) {
    range.setStart(node, i); range.setEnd(node, i + 1);
    const r = range.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.bottom <= box.bottom + 0.5 && r.right <= box.right + 0.5) shown++;
  }
  return [shown, node.length];
})
"""
# Cells whose content is wider than the cell (cut, or spilling into the next column).
OVERFLOWING = "cells => cells.filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.className + ': ' + c.innerText)"
OVERLAP = """
th => { const a = th.querySelector('.text a, .text span'), s = th.querySelector('.sortoptions');
  if (!a || !s) return false; const x = a.getBoundingClientRect(), y = s.getBoundingClientRect();
  return x.right > y.left && x.left < y.right && x.bottom > y.top && x.top < y.bottom; }
"""


@pytest.fixture
def desk(transactional_db):
    reviewer = UserFactory(username="rita-from-the-standards-desk", roles=["reviewers"])
    editor = UserFactory(username="edith", roles=["editors"])
    levels = list(AttributionLevel.values)
    claims = []
    for i in range(8):
        article = ArticleFactory(title=f"A long headline about the northern bridge and its cost, part {i}",
                                 body=f"{LONG} Story {i}.")
        claims.append(ClaimFactory(article=article, end=len(LONG), text=LONG, attribution_level=levels[i % len(levels)],
                                   check_worthiness=0.2 + i / 10))
    ClaimFactory(article=ArticleFactory(body="Short claim. Nothing else."), end=12, text="Short claim.")
    for claim in claims[:5]:
        workflow.transition(claim=claim, to=S.QUEUED, actor=None, assignee=reviewer)
    verdict = claims[0]
    workflow.transition(claim=verdict, to=S.IN_REVIEW, actor=reviewer)
    EvidenceFactory(claim=verdict, stance=EvidenceStance.CONTRADICTS, added_by=reviewer)
    workflow.transition(claim=verdict, to=S.REFUTED, actor=reviewer, note="the budget says 1.2 billion")
    return {"reviewer": reviewer, "editor": editor, "verdict": verdict}


def test_the_claim_list_shows_the_claims_words_and_cuts_no_badge_or_name(browser, live_server, desk):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 768})
    page = context.new_page()
    log_in(page, "edith")
    page.goto("/admin/claims/claim/")
    cells = page.locator("#result_list td.field-short_text .claim-text")
    assert cells.count() == 9
    for shown, total in cells.evaluate_all(VISIBLE_CHARACTERS):
        assert shown >= min(60, total), f"only {shown} of {total} characters of a claim are visible"
    others = page.locator(
        "#result_list td.field-status, #result_list td.field-level, #result_list td.field-appearances, "
        "#result_list td.field-assignee, #result_list td.field-sla, #result_list td.field-priority, "
        "#result_list td.field-worthiness"
    )
    assert others.count() == 9 * 7
    assert others.evaluate_all(OVERFLOWING) == []
    assert "verdict given" in page.locator("#result_list td.field-sla").all_inner_texts()
    assert any("rita-from-the-standards-desk" in t.replace("\n", "") for t in page.locator("#result_list td.field-assignee").all_inner_texts())
    for header in page.locator("#result_list thead th.sortable").all():
        assert not header.evaluate(OVERLAP), f"a sort icon covers the header {header.inner_text()!r}"
    screenshot(page, "claim-list-1366.png")
    context.close()


def test_a_published_claim_links_its_public_page_and_shows_one_worthiness_figure(browser, live_server, desk):
    verdict = desk["verdict"]
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 768})
    page = context.new_page()
    log_in(page, "edith")
    page.goto(f"/admin/claims/claim/{verdict.pk}/change/")
    link = page.locator("#public-link")
    assert link.get_attribute("href") == f"/fact-checks/{verdict.pk}/"
    public = context.new_page()
    assert public.goto(live_server.url + link.get_attribute("href")).status == 200
    assert "the budget says 1.2 billion" in public.inner_text("body")
    triage = page.inner_text("#triage")
    assert re.findall(r"\d\.\d\d", triage) == [f"{verdict.check_worthiness:.2f}"], triage
    # An editor has not signed off: a refuted claim is closed, so no sign-off form is offered either.
    assert page.locator("#signoff-form").count() == 0
    screenshot(page, "claim-page-published.png")
    # An unpublished claim's public page is the service's own 404, even with DEBUG on.
    missing = public.goto(live_server.url + f"/fact-checks/{verdict.pk + 1}/")
    assert missing.status == 404 and "No fact-check here" in public.inner_text("h1")
    context.close()
