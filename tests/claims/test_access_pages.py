"""Security headers on every HTML page (walking the admin), and the sign-in lockout over HTTP."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import NoReverseMatch, reverse

from claims.models import ApiToken
from claims.tokens import api_token_create
from tests.factories import ArticleFactory, ClaimFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-0"


def assert_security_headers(response, where: str) -> None:
    policy = response.get("Content-Security-Policy", "")
    assert policy, f"{where}: no Content-Security-Policy"
    directives = dict((d.split(" ", 1) + [""])[:2] for d in (p.strip() for p in policy.split(";")) if d)
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy, f"{where}: {policy}"
    assert directives["script-src"].startswith("'self'"), f"{where}: {policy}"
    assert directives["default-src"] == "'self'" and directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'" and directives["base-uri"] == "'none'"
    assert response["X-Content-Type-Options"] == "nosniff", where
    assert response["Referrer-Policy"] == "same-origin", where
    assert response["X-Frame-Options"] == "DENY", where
    assert response["Cross-Origin-Opener-Policy"] == "same-origin", where
    html = response.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", directives["script-src"])
    for tag in re.findall(r"<script\b[^>]*>", html):  # every script is a file, data, or carries this response's nonce
        assert "src=" in tag or 'type="application/json"' in tag or (nonce and f'nonce="{nonce.group(1)}"' in tag), f"{where}: inline script {tag}"
    assert not re.search(r"\son[a-z]+\s*=", re.sub(r"<script\b.*?</script>", "", html, flags=re.S)), where
    assert ' style="' not in html, f"{where}: an inline style attribute"


def admin_urls(obj_by_model: dict) -> list[str]:
    urls = ["/admin/", "/admin/claims/claim/queue/", "/admin/password_change/"]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:%s_%s_changelist" % info))
        try:
            urls.append(reverse("admin:%s_%s_add" % info))
        except NoReverseMatch:
            pass
        obj = obj_by_model.get(model)
        if obj is not None:
            urls.append(reverse("admin:%s_%s_change" % info, args=[obj.pk]))
            urls.append(reverse("admin:%s_%s_history" % info, args=[obj.pk]))
    urls.append(reverse("admin:app_list", args=["claims"]))
    return urls


def test_every_admin_page_sends_the_policy_and_headers(db):
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    claim = ClaimFactory(article=ArticleFactory(body="Hostile <script>alert(1)</script>. Then more."))
    token, _ = api_token_create(user=superuser, role="editor", name="cms")
    objects = {type(claim): claim, type(claim.article): claim.article, ApiToken: token, type(superuser): superuser}
    client = Client()
    client.force_login(superuser)
    seen = 0
    for url in admin_urls(objects):
        response = client.get(url)
        assert response.status_code in (200, 403), (url, response.status_code)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            assert_security_headers(response, url)
            seen += 1
    assert seen >= 30, seen


def test_public_html_pages_send_the_policy(db):
    anonymous = Client()
    for url in ("/admin/login/", "/api/docs/"):
        response = anonymous.get(url)
        assert response.status_code == 200, url
        assert_security_headers(response, url)
    docs = anonymous.get("/api/docs/").content.decode()
    assert "swagger-ui-bundle.js" in docs and "<style nonce=" in docs


# --- Lockout over HTTP (the browser test does the same through the form) ---------------------


def sign_in(client: Client, username: str, password: str, **extra):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password}, **extra)


@pytest.fixture
def lockout(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    return settings


def test_lockout_after_n_failures_refuses_the_right_password_then_lifts(lockout, editor):
    client = Client()
    assert sign_in(client, "edith", "wrong-1").status_code == 200  # the form again, with its error
    assert sign_in(client, "edith", "wrong-2").status_code == 200
    locked = sign_in(client, "edith", "wrong-3")
    assert locked.status_code == 429
    text = locked.content.decode()
    assert "Sign-in is locked" in text and "Try again after" in text and "in 15 minutes" in text
    assert locked["Retry-After"] == "900"
    assert 'id="site-name"' in text  # the admin's look
    assert_security_headers(locked, "lockout page")
    right = sign_in(client, "edith", PASSWORD)
    assert right.status_code == 429 and "_auth_user_id" not in client.session  # the right password, refused
    assert AccessFailureLog.objects.filter(username="edith").count() == 4  # every attempt recorded
    # The cool-off passes (attempts moved back in time instead of sleeping).
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16))
    signed_in = sign_in(client, "edith", PASSWORD)
    assert signed_in.status_code == 302 and signed_in["Location"] == "/admin/"
    assert AccessLog.objects.filter(username="edith").count() == 1


def test_lockout_per_address_across_usernames_and_per_username_across_addresses(lockout, editor):
    for n in range(3):
        sign_in(Client(), f"guess{n}", "x", REMOTE_ADDR="203.0.113.7")
    assert sign_in(Client(), "edith", PASSWORD, REMOTE_ADDR="203.0.113.7").status_code == 429
    for n in range(3):
        sign_in(Client(), "edith", "x", REMOTE_ADDR=f"198.51.100.{n}")
    assert sign_in(Client(), "edith", PASSWORD, REMOTE_ADDR="192.0.2.1").status_code == 429
    assert sign_in(Client(), "rita-not-locked", PASSWORD, REMOTE_ADDR="192.0.2.1").status_code == 200


def test_x_forwarded_for_counts_only_when_trusted(lockout, editor):
    # Not trusted (default): a rotating X-Forwarded-For does not escape the address lock.
    for n in range(3):
        sign_in(Client(), f"guess{n}", "x", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    assert sign_in(Client(), "someone", "x", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.99").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.0.1"}
    AccessAttempt.objects.all().delete()
    # Behind one trusted proxy: the address it saw is the client, so clients are told apart.
    lockout.TRUSTED_PROXY_COUNT = 1
    for n in range(3):
        sign_in(Client(), f"other{n}", "x", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="spoofed, 203.0.113.5")
    assert sign_in(Client(), "edith", PASSWORD, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.6").status_code == 302
    assert sign_in(Client(), "x", "x", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.5").status_code == 429


def test_editors_see_attempts_lift_lockouts_and_revoke_tokens(lockout, editor, reviewer):
    for n in range(3):
        sign_in(Client(), "rita", f"wrong-{n}")
    assert sign_in(Client(), "rita", PASSWORD).status_code == 429
    desk = Client()
    desk.force_login(editor)
    attempts = desk.get("/admin/axes/accessattempt/")
    assert attempts.status_code == 200 and "rita" in attempts.content.decode()
    assert desk.get("/admin/axes/accessfailurelog/").status_code == 200
    attempt = AccessAttempt.objects.get(username="rita")
    lifted = desk.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert lifted.status_code == 302 and not AccessAttempt.objects.exists()
    assert sign_in(Client(), "rita", PASSWORD).status_code == 302
    # Tokens: listed without the token, revoked by an admin action; reviewers cannot.
    row, token = api_token_create(user=reviewer, role="reviewer", name="slack bot")
    listing = desk.get("/admin/claims/apitoken/").content.decode()
    assert "slack bot" in listing and f"{row.prefix}…" in listing and token not in listing
    desk.post("/admin/claims/apitoken/", {"action": "revoke", "_selected_action": [row.pk]})
    row.refresh_from_db()
    assert row.revoked_at is not None and row.revoked_by == editor
    outsider = Client()
    outsider.force_login(reviewer)
    assert outsider.get("/admin/claims/apitoken/").status_code == 403
    assert outsider.get("/admin/axes/accessattempt/").status_code == 403
    assert not Permission.objects.filter(group__name="reviewers", content_type__app_label="axes").exists()
