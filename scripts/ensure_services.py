"""Make sure PostgreSQL and Redis answer before the suite runs.

Uses DATABASE_URL / REDIS_URL when set, else the 127.0.0.1 defaults of the test
suite. Starts a local server that is installed but stopped. On failure prints one
line saying what is missing and exits 1.
"""

import glob
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.pytest_env import apply_defaults  # noqa: E402

apply_defaults()


def _retry(check, attempts: int = 20, delay: float = 0.5):
    for _ in range(attempts):
        try:
            return check()
        except Exception:
            time.sleep(delay)
    return check()


def _start_postgres() -> None:
    if shutil.which("pg_ctlcluster"):
        for version_dir in glob.glob("/etc/postgresql/*"):
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", Path(version_dir).name, "main", "start"],
                capture_output=True, check=False,
            )


def _start_redis(port: int) -> None:
    if shutil.which("redis-server"):
        subprocess.run(
            ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
            capture_output=True, check=False,
        )


def ensure_postgres(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    dbname = parsed.path.lstrip("/") or "postgres"
    admin_conninfo = url.replace(parsed.path, "/postgres", 1) if parsed.path else url + "/postgres"

    def connect():
        return psycopg.connect(admin_conninfo, connect_timeout=3, autocommit=True)

    try:
        conn = connect()
    except psycopg.OperationalError:
        _start_postgres()
        try:
            conn = _retry(connect)
        except psycopg.OperationalError as exc:
            sys.exit(f"PostgreSQL is not reachable at {parsed.hostname}:{parsed.port or 5432} ({str(exc).strip().splitlines()[0]}); start it or set DATABASE_URL")
    with conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{dbname}"')


def ensure_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.ConnectionError:
        _start_redis(urlparse(url).port or 6379)
        try:
            _retry(client.ping)
        except redis.ConnectionError as exc:
            sys.exit(f"Redis is not reachable at {url} ({exc}); start redis-server or set REDIS_URL")


if __name__ == "__main__":
    ensure_postgres(os.environ["DATABASE_URL"])
    ensure_redis(os.environ["REDIS_URL"])
    print(f"services ok: PostgreSQL ({urlparse(os.environ['DATABASE_URL']).hostname}) and Redis ({os.environ['REDIS_URL']})")
