"""Loaded as a pytest plugin (`-p tests.pytest_env`) before Django reads its settings.

The suite runs on real PostgreSQL and Redis; these are the defaults when the caller
did not point DATABASE_URL / REDIS_URL elsewhere. scripts/ensure_services.py uses them too.
"""

import os

TEST_ENV_DEFAULTS = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/verifier",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def apply_defaults() -> None:
    for key, value in TEST_ENV_DEFAULTS.items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("CELERY_BROKER_URL", os.environ["REDIS_URL"])
    os.environ.setdefault("DEBUG", "true")


apply_defaults()
