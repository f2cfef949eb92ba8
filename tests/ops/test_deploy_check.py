"""Production settings follow from DEBUG=false alone: check --deploy is clean, static files hash."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def production_env(**extra: str) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SECURE_", "SESSION_", "CSRF_"))}
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="example.org",
        DATABASE_URL=os.environ["DATABASE_URL"],
    )
    env.pop("LOG_FORMAT", None)  # with DEBUG=false the default must be json (checked below)
    env.update(extra)
    return env


def _run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_check_deploy_has_no_warnings_with_only_debug_key_and_hosts():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output
    assert "WARNING" not in output and "?: (security" not in output, output


def test_check_deploy_fails_on_a_weak_key():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(SECRET_KEY="short"))
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


def test_production_refuses_to_start_without_secret_key_or_hosts():
    env = production_env()
    del env["ALLOWED_HOSTS"]
    result = _run(["manage.py", "check"], env)
    assert result.returncode != 0 and "ALLOWED_HOSTS" in result.stderr
    env = production_env()
    del env["SECRET_KEY"]
    result = _run(["manage.py", "check"], env)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr
    # One clear line naming the setting, not an ImproperlyConfigured traceback.
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr


PRODUCTION_PROBE = r"""
import json, os, sys, django
os.environ["DJANGO_SETTINGS_MODULE"] = "verifier.settings"
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings

static_root = sys.argv[1]
with override_settings(STATIC_ROOT=static_root):  # Django's setting_changed rebuilds the storage
    call_command("collectstatic", "--noinput", verbosity=0)
    client = Client(HTTP_HOST="example.org")
    insecure = client.get("/admin/login/")
    health = client.get("/health/")
    page = client.get("/admin/login/", secure=True)
    print(json.dumps({
        "storage": settings.STORAGES["staticfiles"]["BACKEND"],
        "log_handler_formatter": type(__import__("logging").getLogger().handlers[0].formatter).__name__,
        "insecure_status": insecure.status_code,
        "insecure_location": insecure.get("Location", ""),
        "health_status": health.status_code,
        "page_status": page.status_code,
        "page": page.content.decode(),
        "hsts": page.get("Strict-Transport-Security", ""),
        "request_id": page.get("X-Request-ID", ""),
    }))
"""


@pytest.mark.slow
def test_production_serves_hashed_static_files_redirects_to_https_and_logs_json(tmp_path):
    """What the image does at build (collectstatic) and at run time, minus Docker."""
    import json

    result = _run(["-c", PRODUCTION_PROBE, str(tmp_path / "static")], production_env())
    assert result.returncode == 0, result.stderr[-3000:]
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["storage"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert (tmp_path / "static" / "staticfiles.json").exists()
    assert list((tmp_path / "static" / "admin" / "css").glob("base.*.css.gz")), "no hashed, compressed admin CSS"
    assert probe["insecure_status"] == 301 and probe["insecure_location"].startswith("https://example.org/")
    assert probe["health_status"] in (200, 503), "health must not be redirected to https"
    assert probe["page_status"] == 200
    assert "/static/admin/css/base." in probe["page"] and ".css" in probe["page"]
    assert "includeSubDomains" in probe["hsts"] and "preload" in probe["hsts"]
    assert probe["request_id"]
    assert probe["log_handler_formatter"] == "JsonFormatter"
    # Request log lines on stderr are JSON carrying the request id.
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    request_lines = [line for line in lines if line.get("logger") == "verifier.request"]
    assert any(line.get("request_id") == probe["request_id"] and line["status"] == 200 for line in request_lines)
