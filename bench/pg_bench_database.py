"""A database of the benches' own beside the PostgreSQL (with pgvector) they are pointed at.

The server is DATABASE_URL's when it names PostgreSQL, else the one `make test` started and
recorded in var/test-services.env (PostgreSQL 18 with pgvector).
"""

from __future__ import annotations

from urllib.parse import urlparse, urlunparse


def bench_database_url(name: str, requested: str = "") -> str:
    """The URL of database `name` on the server `requested` names (or make test's)."""
    from tests.pytest_env import started_services

    url = requested if requested.startswith("postgres") else started_services().get("DATABASE_URL", "")
    if not url:
        raise SystemExit("set DATABASE_URL to a PostgreSQL with pgvector (or run `make test` once to start one)")
    return with_database(url, name)


def with_database(url: str, name: str) -> str:
    """`url` naming database `name` (its path alone: the user may be called like a database)."""
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


def recreate_database(url: str) -> None:
    """Drop and create the database `url` names (its server's `postgres` database does it)."""
    import psycopg

    name = urlparse(url).path.lstrip("/")
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
