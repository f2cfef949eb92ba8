"""API tokens over HTTP: Token and Bearer, expiry, revocation, several per user, roles, last use,
and no token in plaintext anywhere in the database (searched in a pg_dump)."""

from __future__ import annotations

import os
import subprocess
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from claims.models import ApiToken
from claims.tokens import api_token_create, api_token_revoke
from tests.factories import UserFactory
from tests.database_url import postgres_tool, test_database_url

pytestmark = pytest.mark.django_db


def client(token: str, scheme: str = "Token") -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"{scheme} {token}")
    return api


def assert_401(response, detail_part: str) -> None:
    assert response.status_code == 401, response.content
    body = response.json()
    assert body["type"] == "client_error"
    (error,) = body["errors"]
    assert error["code"] == "authentication_failed" and error["attr"] is None
    assert detail_part in error["detail"], error["detail"]
    assert response["WWW-Authenticate"].startswith("Token")


@pytest.mark.parametrize("scheme", ["Token", "Bearer", "bearer"])
def test_token_and_bearer_schemes(editor, scheme):
    _, token = api_token_create(user=editor, role="editor", name="cms")
    assert client(token, scheme).get("/api/claims/").status_code == 200


def test_only_the_digest_is_stored_and_the_default_expiry_applies(editor, settings):
    settings.API_TOKEN_DEFAULT_EXPIRY_DAYS = 30
    row, token = api_token_create(user=editor, role="editor", name="cms")
    row.refresh_from_db()
    assert token not in {row.digest, row.prefix, row.name} and row.digest == ApiToken.digest_of(token)
    assert row.prefix == token[:8] and len(token) == 43
    assert timedelta(days=29, hours=23) < row.expires_at - timezone.now() <= timedelta(days=30)
    never, _ = api_token_create(user=editor, role="editor", name="archive bot", expires_in=None)
    assert never.expires_at is None


def test_expired_token_is_401(editor):
    row, token = api_token_create(user=editor, role="editor", name="cms", expires_in=timedelta(days=1))
    api = client(token)
    assert api.get("/api/claims/").status_code == 200
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_401(api.get("/api/claims/"), "expired")


def test_revoked_token_is_401_and_others_of_the_user_keep_working(editor):
    cms, cms_token = api_token_create(user=editor, role="editor", name="cms")
    _, slack_token = api_token_create(user=editor, role="editor", name="slack bot")
    assert editor.api_tokens.count() == 2
    assert client(cms_token).get("/api/claims/").status_code == 200
    api_token_revoke(token=cms, actor=editor)
    assert_401(client(cms_token).get("/api/claims/"), "revoked")
    assert client(slack_token).get("/api/claims/").status_code == 200
    cms.refresh_from_db()
    assert cms.revoked_at is not None and cms.revoked_by == editor


def test_unknown_and_malformed_tokens_are_401(editor):
    _, token = api_token_create(user=editor, role="editor", name="cms")
    assert_401(client(token[:8] + "x" * 35).get("/api/claims/"), "Invalid token")  # right prefix, wrong secret
    assert_401(client("").get("/api/claims/"), "Invalid token header")
    assert_401(client(f"{token} extra").get("/api/claims/"), "Invalid token header")


def test_a_token_acts_only_in_its_role(db):
    both = UserFactory(username="two-hats", roles=["newsroom", "editors"])
    _, newsroom_token = api_token_create(user=both, role="newsroom", name="cms plug-in")
    _, editor_token = api_token_create(user=both, role="editor", name="dashboard")
    hook = {"url": "https://hooks.example.org/x", "events": [], "secret": "s" * 24}
    assert client(newsroom_token).post("/api/webhooks/", hook, format="json").status_code == 403
    assert client(editor_token).post("/api/webhooks/", hook, format="json").status_code == 201
    # Out of the group, the token's role is gone too.
    both.groups.remove(both.groups.get(name="editors"))
    assert client(editor_token).get("/api/claims/").status_code == 403


def test_last_used_at_is_written_at_most_once_a_minute(editor, claim, django_assert_num_queries):
    row, token = api_token_create(user=editor, role="editor", name="cms")
    api = client(token)
    with django_assert_num_queries(5):  # token+user+groups, the once-a-minute UPDATE, count, page ids, page
        assert api.get("/api/claims/").status_code == 200
    row.refresh_from_db()
    first = row.last_used_at
    assert first is not None and timezone.now() - first < timedelta(seconds=5)
    with django_assert_num_queries(4):  # no write within the minute
        assert api.get("/api/claims/").status_code == 200
    row.refresh_from_db()
    assert row.last_used_at == first
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=first - timedelta(seconds=61))
    assert api.get("/api/claims/").status_code == 200
    row.refresh_from_db()
    assert row.last_used_at > first


def test_inactive_user_is_401(editor):
    _, token = api_token_create(user=editor, role="editor", name="cms")
    editor.is_active = False
    editor.save(update_fields=["is_active"])
    assert_401(client(token).get("/api/claims/"), "inactive")


# --- No plaintext token in the database ---------------------------------------------------


def pg_dump() -> str:
    tool = postgres_tool("pg_dump") if connection.vendor == "postgresql" else None
    if tool is None:
        pytest.skip("needs PostgreSQL and pg_dump")
    db = connection.settings_dict
    env = {"PGPASSWORD": db.get("PASSWORD") or ""}
    args = [tool, "--data-only", f"--dbname={test_database_url()}"]
    result = subprocess.run(args, capture_output=True, text=True, timeout=120, env={**os.environ, **env})
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.django_db(transaction=True)  # committed rows: pg_dump is another connection
def test_no_token_in_plaintext_in_a_database_dump_after_creation():
    import io

    from django.core.management import call_command

    from claims.roles import ensure_role_groups

    ensure_role_groups()
    out = io.StringIO()
    call_command("create_api_token", "dump-tool", "--role", "newsroom", "--name", "cms", stdout=out)
    token = out.getvalue().strip()
    assert client(token).get("/api/claims/").status_code == 200  # used once: last_used_at written too
    dump = pg_dump()
    assert "dump-tool" in dump and ApiToken.digest_of(token) in dump  # the dump holds the rows...
    assert token not in dump  # ...but never the token


@pytest.mark.django_db(transaction=True)
def test_migration_hashes_existing_authtoken_keys_in_place_and_they_keep_working():
    """0009 run for real: roll back to 0008, store a DRF authtoken key, migrate forward."""
    from django.db.migrations.executor import MigrationExecutor

    from claims.roles import ensure_role_groups

    ensure_role_groups()
    user = UserFactory(username="legacy-tool", roles=["newsroom", "reviewers"])
    executor = MigrationExecutor(connection)
    executor.migrate([("claims", "0008_webhook_events_may_be_empty")])
    key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO authtoken_token (key, user_id, created) VALUES (%s, %s, now())", [key, user.pk])
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM authtoken_token")
        assert cursor.fetchone()[0] == 0
    row = ApiToken.objects.get(user=user)
    assert row.digest == ApiToken.digest_of(key) and row.prefix == key[:8] and row.role == "" and row.expires_at is None
    assert key not in pg_dump()
    # The old key works as before, in every role its user holds (newsroom: may ingest).
    api = client(key)
    assert api.get("/api/claims/").status_code == 200
    posted = api.post("/api/articles/", {"title": "t", "body": "Officials said the bridge reopens.", "publisher": "P"},
                      format="json")
    assert posted.status_code in (200, 202)
