"""How fast /api/schema/ answers: a real gunicorn on loopback, the first request and the ones after.

    python bench/schema.py [--requests 50]

Starts `gunicorn verifier.wsgi` (one worker, DEBUG off, a throwaway SQLite database: the
schema reads no rows) on a free loopback port, times the first GET /api/schema/ and then
`--requests` more, and in the same run times the peer: drf-spectacular generating the schema
anew in-process (what every request cost before it was kept). Prints ONE JSON line, times in
milliseconds.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_ms(url: str) -> tuple[float, int]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as response:
        size = len(response.read())
    return (time.perf_counter() - started) * 1000, size


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=50)
    args = ap.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="schema-bench-"))
    env = {
        **os.environ, "DEBUG": "false", "SECRET_KEY": "bench-" + "x" * 60, "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false", "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "CELERY_BROKER_URL": "memory://", "API_THROTTLE_ANON": "off",
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "verifier.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1",
         "--access-logfile", "/dev/null"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/api/schema/"
    try:
        deadline = time.monotonic() + 60
        while True:  # the server is up when /health/ answers at all
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2).read()
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("gunicorn did not start")
                time.sleep(0.2)
        first_ms, size = get_ms(url)
        later = [get_ms(url)[0] for _ in range(args.requests)]
    finally:
        server.terminate()
        server.wait(timeout=30)

    os.environ.update({k: v for k, v in env.items() if k not in os.environ or k == "DATABASE_URL"})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "verifier.settings")
    import django

    django.setup()
    from drf_spectacular.generators import SchemaGenerator

    generate = []
    for _ in range(3):
        started = time.perf_counter()
        SchemaGenerator().get_schema(request=None, public=True)
        generate.append((time.perf_counter() - started) * 1000)
    later.sort()
    print(json.dumps({
        "bench": "schema", "bytes": size, "first_request_ms": round(first_ms, 1),
        "later_p50_ms": round(statistics.median(later), 2), "later_max_ms": round(later[-1], 2),
        "requests": args.requests, "peer_generate_in_process_ms_p50": round(statistics.median(generate), 1),
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
