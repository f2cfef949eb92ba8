"""Sign-in lockout and the Content-Security-Policy in a real browser (Debian chromium, Playwright)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt

from tests.e2e.test_browser_admin import PASSWORD, browser, log_in, screenshot, watched  # noqa: F401 (fixtures)
from tests.factories import ArticleFactory, ClaimFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every CSP violation on the page, as the page itself sees it (init scripts run outside the policy).
VIOLATION_LISTENER = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def try_sign_in(page, username: str, password: str) -> None:
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_load_state()


def test_lockout_refuses_the_right_password_during_the_cool_off_then_lets_in(watched, settings):
    from playwright.sync_api import expect

    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    UserFactory(username="rita", roles=["reviewers"])
    page = watched.page
    for n in range(2):
        try_sign_in(page, "rita", f"wrong-{n}")
        expect(page.locator(".errornote")).to_contain_text("correct username and password")
    try_sign_in(page, "rita", "wrong-2")
    expect(page.locator("#lockout-message")).to_contain_text("Sign-in is locked: too many failed attempts (3)")
    expect(page.locator("#lockout-retry")).to_contain_text("in 15 minutes")
    screenshot(page, "lockout.png")
    try_sign_in(page, "rita", PASSWORD)  # the right password, refused
    expect(page.locator("#lockout-message")).to_be_visible()
    assert page.locator("#desk").count() == 0
    # The cool-off passes: move the recorded attempts back instead of waiting.
    for attempt in AccessAttempt.objects.all():
        AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=attempt.attempt_time - timedelta(minutes=16))
    log_in(page, "rita")


def test_pages_run_under_the_policy_and_injected_script_is_blocked(watched):
    from playwright.sync_api import expect

    page = watched.page
    page.context.add_init_script(VIOLATION_LISTENER)
    article = ArticleFactory(body="Officials said <script>console.log('xss-ran')</script> it was fine. More text.")
    ClaimFactory(article=article)
    UserFactory(username="edith", roles=["editors"])
    log_in(page, "edith")
    for url in ("/admin/", f"/admin/claims/article/{article.pk}/change/", "/admin/claims/claim/",
                "/admin/claims/apitoken/", "/admin/axes/accessattempt/", "/admin/django_celery_beat/periodictask/add/"):
        page.goto(url)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__csp") == [], (url, page.evaluate("window.__csp"))
    # Swagger UI (sidecar files, the nonce'd style block) renders its operations under the policy.
    page.goto("/api/docs/")
    expect(page.locator(".opblock").first).to_be_visible()
    assert page.evaluate("window.__csp") == []
    # As if escaping had failed: markup from an article put into the page as HTML.
    page.goto(f"/admin/claims/article/{article.pk}/change/")
    page.evaluate("""() => {
        const box = document.createElement('div');
        box.innerHTML = '<img src="data:," onerror="window.__ran = \\'handler\\'">';
        document.body.appendChild(box);
        const s = document.createElement('script');
        s.textContent = "window.__ran = 'inline'; console.log('xss-ran')";
        document.body.appendChild(s);
        const a = document.createElement('a');
        a.href = "javascript:window.__ran='link'"; a.id = 'evil'; a.textContent = 'x';
        document.body.appendChild(a);
    }""")
    page.dispatch_event("#evil", "click")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__ran") is None
    violations = page.evaluate("window.__csp")
    assert len([v for v in violations if v.startswith("script-src")]) >= 3, violations
    assert watched.dialogs == [] and not [line for line in watched.console if "xss-ran" in line and "log" in line]
