"""Container healthchecks, standard library only (the slim image has no curl).

    python docker/healthcheck.py web      # gunicorn answers /health/ (200 or 503: it is serving)
    python docker/healthcheck.py flower   # Flower answers /healthcheck
    python docker/healthcheck.py beat     # the beat process in the pidfile is alive

The web check is a liveness check: /health/ answering 503 because a *worker* is stale
must not make Docker restart or hold back the web container. The full report is
GET /health/ (verifier/health.py).
"""

import os
import sys
import urllib.error
import urllib.request


def _get(url: str, host: str | None = None) -> int:
    headers = {"X-Forwarded-Proto": "https", "X-Request-ID": "docker-healthcheck"}
    if host:
        headers["Host"] = host
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def check_web() -> bool:
    # Django answers only for ALLOWED_HOSTS; use the first one as the Host header.
    host = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")[0].strip().lstrip(".") or "localhost"
    if host == "*":
        host = "localhost"
    status = _get(f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/health/", host=host)
    return status in (200, 503)


def check_flower() -> bool:
    return _get("http://127.0.0.1:5555/healthcheck") == 200


def check_beat(pidfile: str = "/tmp/celerybeat.pid") -> bool:
    try:
        with open(pidfile) as handle:
            os.kill(int(handle.read().strip()), 0)
    except (OSError, ValueError):
        return False
    return True


CHECKS = {"web": check_web, "flower": check_flower, "beat": check_beat}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in CHECKS:
        sys.exit(f"usage: healthcheck.py {'|'.join(CHECKS)}")
    try:
        healthy = CHECKS[sys.argv[1]]()
    except Exception as exc:  # connection refused, timeout: unhealthy, say why
        print(f"{sys.argv[1]}: {type(exc).__name__}: {exc}")
        healthy = False
    sys.exit(0 if healthy else 1)
