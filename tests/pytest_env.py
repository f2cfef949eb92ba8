"""Loaded as a pytest plugin (`-p tests.pytest_env`) before Django reads its settings.

The suite runs on real PostgreSQL and Redis; these are the defaults when the caller
did not point DATABASE_URL / REDIS_URL elsewhere. scripts/ensure_services.py uses them too.
"""

import os
from pathlib import Path

TEST_ENV_DEFAULTS = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/verifier",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}
# What scripts/ensure_services.py chose (a PostgreSQL with pgvector it may have started itself).
STARTED = Path(__file__).resolve().parent.parent / "var" / "test-services.env"


def started_services() -> dict[str, str]:
    if not STARTED.is_file():
        return {}
    return dict(line.split("=", 1) for line in STARTED.read_text().splitlines() if "=" in line)


def apply_defaults(*, use_started: bool = True) -> None:
    if use_started:
        for key, value in started_services().items():
            os.environ.setdefault(key, value)
    for key, value in TEST_ENV_DEFAULTS.items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("CELERY_BROKER_URL", os.environ["REDIS_URL"])
    os.environ.setdefault("DEBUG", "true")


apply_defaults()
