"""System checks of the parts retrieval stands on: `migrate`, `check --database default` and
`check --deploy` say in one line when PostgreSQL lacks pgvector (so does GET /health/)."""

from __future__ import annotations

from django.core import checks
from django.db import OperationalError, connections

PGVECTOR_MISSING = (
    "PostgreSQL has no pgvector extension, which similar-claim search needs: install it "
    "(Debian: postgresql-NN-pgvector; Docker: the pgvector/pgvector image) or let `make test` start one"
)


def pgvector_problem(alias: str = "default") -> str | None:
    """None when the database can search (SQLite, or PostgreSQL with pgvector available), else why not."""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
        return None if cursor.fetchone() else PGVECTOR_MISSING


def _pgvector_errors(databases) -> list[checks.CheckMessage]:
    errors = []
    for alias in databases or ():
        try:
            problem = pgvector_problem(alias)
        except OperationalError:  # an unreachable database is for Django's own checks to report
            continue
        if problem:
            errors.append(checks.Error(problem, id="claims.E001"))
    return errors


@checks.register(checks.Tags.database)
def pgvector_installed(app_configs=None, databases=None, **kwargs):
    return _pgvector_errors(databases)


@checks.register(deploy=True)
def pgvector_installed_for_deploy(app_configs=None, **kwargs):
    return _pgvector_errors(["default"])
