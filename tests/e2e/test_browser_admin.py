"""The reviewer's admin in a real browser: Debian's chromium driven by Playwright against a live server.

Never `playwright install` (no downloads here): the system chromium is launched by path.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections

from claims import workflow
from claims.models import Article, Claim, ClaimStatus, Evidence
from claims.roles import ensure_role_groups
from sources.levels import AttributionLevel
from tests.factories import ArticleFactory, ClaimFactory, UserFactory

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
PASSWORD = "pw-for-tests-0"  # tests/factories.py UserFactory
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
DOCS_SCREENSHOT = Path(settings.BASE_DIR) / "docs" / "article-page.png"
S = ClaimStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser(transactional_db, live_server):
    """Chromium, started only after the database is set up for the test.

    Playwright's sync API keeps an event loop running on the main thread, and while one
    runs Django hands out different (context-local) connection objects: the test database
    is prepared before it starts and flushed after it stops, on the ordinary connection.
    """
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Debian chromium is not installed at {CHROMIUM} (.ci/run installs it with apt-get)")
    ensure_role_groups()  # a transactional test before this one may have flushed them
    from playwright.sync_api import sync_playwright

    # The test's own ORM calls are plain synchronous code running beside Playwright's loop,
    # so Django's async-safety guard must stand aside.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                yield launched
            finally:
                launched.close()
                # The connections the test opened beside the loop live in that context:
                # close them while it still runs, or the test database cannot be dropped.
                connections.close_all()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class PageWatch:
    """A page plus what it said: dialogs opened (alert/confirm) and console messages."""

    def __init__(self, page):
        self.page, self.dialogs, self.console = page, [], []
        page.on("dialog", self._on_dialog)
        page.on("console", lambda message: self.console.append(f"{message.type}: {message.text}"))

    def _on_dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()


@pytest.fixture
def watched(browser, live_server):
    # A newsroom laptop's screen (issue 17): every page must fit its width.
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 768})
    context.set_default_timeout(15_000)
    watch = PageWatch(context.new_page())
    yield watch
    context.close()


def log_in(page, username: str) -> None:
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    try:
        page.wait_for_selector("#desk")
    except Exception:
        screenshot(page, f"login-failed-{username}.png")
        shown = page.inner_text("body")[:2000]
        raise AssertionError(f"login as {username} did not reach the desk: {page.url}\n{shown}")


def screenshot(page, name: str, *, down_to: str | None = None) -> Path:
    """A full-page screenshot, or the page from the top down to the bottom of `down_to`."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    clip = None
    if down_to is not None:
        box = page.locator(down_to).bounding_box()
        clip = {"x": 0, "y": 0, "width": page.viewport_size["width"], "height": box["y"] + box["height"] + 16}
    page.screenshot(path=str(path), full_page=True, clip=clip)
    assert path.stat().st_size > 10_000
    return path


def assert_no_horizontal_overflow(page, name: str) -> None:
    """The page fits the viewport's width (no sideways scrolling), with a screenshot as evidence."""
    screenshot(page, name)
    widths = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,"
        " wide: [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right >"
        " document.documentElement.clientWidth + 1).slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id)})"
    )
    assert widths["scroll"] <= widths["client"], f"{name} overflows: {widths}"


def load_seed_article() -> Article:
    call_command("load_seeds", stdout=open(os.devnull, "w"))
    article = Article.objects.get(title__startswith="White House gives Maduro ultimatum")
    assert article.claims.count() >= 10
    return article


def test_reviewer_triages_a_claim_in_the_browser(watched, live_server):
    from playwright.sync_api import expect

    page = watched.page
    article = load_seed_article()
    reviewer = UserFactory(username="rita", roles=["reviewers"])
    anonymous = article.claims.filter(attribution_level=AttributionLevel.ANONYMOUS).order_by("start").first()
    official = article.claims.filter(attribution_level=AttributionLevel.OFFICIAL).order_by("start").first()
    for claim in (anonymous, official):
        workflow.transition(claim=claim, to=S.QUEUED, actor=None, assignee=reviewer)

    # Log in through the form; the index shows the desk and the reviewer's queue.
    log_in(page, "rita")
    expect(page.locator("#my-queue-link")).to_have_text("My queue: 2 claim(s)")
    expect(page.locator("#desk-health")).to_contain_text("Worker heartbeat")
    expect(page.locator("#desk-level .bar-row[data-code='anonymous']")).to_have_attribute(
        "data-count", str(article.claims.filter(attribution_level="anonymous").count())
    )

    screenshot(page, "admin-index.png")

    # The queue: anonymous sourcing has the higher priority, so it comes first.
    page.click("#my-queue-link")
    rows = page.locator("#queue tbody tr")
    expect(rows).to_have_count(2)
    screenshot(page, "my-queue.png")
    expect(rows.nth(0)).to_have_attribute("data-claim", str(anonymous.pk))
    expect(rows.nth(0).locator(".sla")).to_have_text("on time")
    rows.nth(0).locator("td").nth(1).locator("a").click()

    # The claim page: highlighted in its paragraph, attribution, provenance, only allowed moves.
    expect(page.locator(".claim-paragraph .claim-current")).to_have_text(anonymous.text)
    expect(page.locator("#attribution")).to_contain_text(anonymous.speaker_text)
    expect(page.locator("#provenance .provenance-hop").last).to_contain_text("Yahoo News")
    expect(page.locator(".workflow-buttons button")).to_have_count(1)
    expect(page.locator("button[data-move='in_review']")).to_have_text("Start review")

    # Add evidence without leaving the page.
    page.select_option("select[name='evidence-2-0-stance']", "supports")
    page.fill("input[name='evidence-2-0-url']", "https://records.example.org/call-log")
    page.fill("textarea[name='evidence-2-0-note']", "call log confirms the date")
    page.click("input[name='_continue']")
    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")
    expect(page.locator("a[href='https://records.example.org/call-log']")).to_be_visible()
    added = Evidence.objects.get(claim=anonymous)
    assert (added.stance, added.added_by, added.note) == ("supports", reviewer, "call log confirms the date")

    # Move it to in_review with a note.
    page.fill("#id_transition_note", "taking it")
    page.click("button[data-move='in_review']")
    expect(page.locator(".messagelist .success")).to_contain_text("moved to In review")
    expect(page.locator("#claim-status")).to_have_attribute("data-status", "in_review")
    expect(page.locator("button[data-move='corroborated']")).to_be_visible()

    # A move its guard refuses is disabled before the click, with the reason (issue 17):
    # one supporting url is not two independent origins.
    expect(page.locator("button[data-move='corroborated']")).to_be_disabled()
    expect(page.locator("#guard-corroborated")).to_contain_text("independent")
    anonymous.refresh_from_db()
    assert anonymous.status == S.IN_REVIEW and anonymous.history.first().note == "taking it"
    # Each fact once: no raw form rows under the panels; priority is edited in the workflow panel.
    expect(page.locator(".form-row.field-speaker_text")).to_have_count(0)
    expect(page.locator("#workflow #id_priority")).to_be_visible()
    page.fill("#workflow #id_priority", "7")
    page.click("#workflow .triage-save")
    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")
    anonymous.refresh_from_db()
    assert anonymous.priority == 7
    assert_no_horizontal_overflow(page, "claim-page.png")

    # The claim list: one line per claim, fits the screen.
    page.goto("/admin/claims/claim/")
    assert_no_horizontal_overflow(page, "claim-list.png")
    page.goto(f"/admin/claims/claim/{anonymous.pk}/change/")

    # The article page: every claim highlighted by level, legend and the sourcing bars.
    page.click("#claim-in-article h2 a")
    marks = page.locator("#article-body .claim-mark")
    expect(marks).to_have_count(article.claims.count())
    expect(page.locator("#article-body .claim-mark.lvl-anonymous")).to_have_count(
        article.claims.filter(attribution_level="anonymous").count()
    )
    expect(page.locator("#legend .lvl-badge")).to_have_count(len(AttributionLevel.choices))
    expect(page.locator("#sourcing .bar-row")).to_have_count(len(AttributionLevel.choices))
    expect(page.locator("#anonymous-share")).to_have_text(re.compile(r"^\d+(\.\d)?%$"))
    expect(page.locator("input[name='_save']")).to_have_count(0)  # nothing to edit: no Save buttons
    assert_no_horizontal_overflow(page, "article-page-full.png")
    path = screenshot(page, "article-page.png", down_to="#article-body")
    if os.environ.get("SAVE_DOCS_SCREENSHOT") == "1":
        DOCS_SCREENSHOT.parent.mkdir(exist_ok=True)
        DOCS_SCREENSHOT.write_bytes(path.read_bytes())
    assert watched.dialogs == []


def test_hostile_article_renders_inert(watched, live_server):
    from playwright.sync_api import expect

    page = watched.page
    body = (
        "Breaking.\n"
        "Officials said <script>alert(1)</script><script>console.log('xss-ran')</script> was harmless.\n"
        'Read <a href="javascript:alert(2)">the report</a> and <img src=x onerror="alert(3)"> now.'
    )
    article = ArticleFactory(body=body, title="<script>alert('title')</script>", url="https://news.example.org/x")
    sentence = "Officials said <script>alert(1)</script><script>console.log('xss-ran')</script> was harmless."
    start = body.index(sentence)
    claim = ClaimFactory(
        article=article, start=start, end=start + len(sentence), speaker_text="<b onmouseover=alert(4)>Boss</b>",
    )
    link_sentence = body[body.index("Read <a") :]
    ClaimFactory(article=article, start=body.index("Read <a"), end=len(body), text=link_sentence,
                 attribution_level=AttributionLevel.UNATTRIBUTED)
    reviewer = UserFactory(username="rita", roles=["reviewers"])
    workflow.transition(claim=claim, to=S.QUEUED, actor=None, assignee=reviewer)
    # Imported evidence that skipped URL validation: must show as text, not a link.
    Evidence.objects.create(claim=claim, stance="supports", url="javascript:alert(5)")

    log_in(page, "rita")
    page.goto(f"/admin/claims/article/{article.pk}/change/")
    article_body = page.locator("#article-body")
    expect(article_body).to_contain_text("<script>alert(1)</script>")
    expect(article_body).to_contain_text('<a href="javascript:alert(2)">the report</a>')
    assert article_body.locator("script, img, a[href^='javascript']").count() == 0
    expect(page.locator("#content h2").first).to_be_visible()
    page.locator("#article-body .claim-mark").first.hover()

    page.goto(f"/admin/claims/claim/{claim.pk}/change/")
    expect(page.locator(".claim-paragraph")).to_contain_text("<script>alert(1)</script>")
    expect(page.locator("#attribution")).to_contain_text("<b onmouseover=alert(4)>Boss</b>")
    expect(page.get_by_text("javascript:alert(5)", exact=True)).to_be_visible()
    page.goto("/admin/claims/claim/queue/")
    page.goto("/admin/")
    assert page.locator("a[href^='javascript']").count() == 0

    assert watched.dialogs == [], watched.dialogs
    assert not [line for line in watched.console if "xss-ran" in line], watched.console
    assert Claim.objects.get(pk=claim.pk).status == S.QUEUED
