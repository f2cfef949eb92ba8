"""With CACHE_URL set, every process shares one cache (throttle counters): real Redis."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _in_process(cache_url: str, code: str) -> str:
    env = dict(os.environ, CACHE_URL=cache_url, DJANGO_SETTINGS_MODULE="verifier.settings")
    script = "import django; django.setup(); from django.core.cache import cache; " + code
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout


def test_two_processes_share_the_redis_cache():
    url = os.environ["REDIS_URL"].rsplit("/", 1)[0] + "/15"
    key = f"ops-cache-{uuid.uuid4().hex}"
    _in_process(url, f"cache.set({key!r}, 41, 30)")
    assert _in_process(url, f"print(cache.incr({key!r}))").strip() == "42"
    assert _in_process(url, f"cache.delete({key!r}); print(cache.get({key!r}))").strip() == "None"


def test_without_cache_url_each_process_has_its_own_memory():
    key = f"ops-cache-{uuid.uuid4().hex}"
    _in_process("", f"cache.set({key!r}, 1, 30)")
    assert _in_process("", f"print(cache.get({key!r}))").strip() == "None"
