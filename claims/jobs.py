"""One way in for background work: domain code asks for a task by name, after commit.

The tasks live in claims/tasks.py (the top layer) under the names `claims.tasks.<name>`,
the names Celery's autodiscovery registers and the beat schedules use. Sending by name
keeps every import pointing down: nothing below `tasks` imports it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)

TASK_PREFIX = "claims.tasks."


def enqueue(name: str, *args, retry: bool = True) -> None:
    """Send task `name` now. Raises when the broker is unreachable: the caller decides what a lost send means.

    `retry=False` gives up at the first connection error (a nudge that beat repeats anyway).
    """
    app = current_app
    if app.conf.task_always_eager:  # eager mode (a shell, a debugging session): run it here, like .delay() would
        app.loader.import_default_modules()
        app.tasks[TASK_PREFIX + name].apply(args=args)
        return
    app.send_task(TASK_PREFIX + name, args=args, retry=retry)


def enqueue_on_commit(
    name: str, *args, what: str = "", retry: bool = True, on_sent: Callable[[], None] | None = None,
    lost: str = "the sweeper will",
) -> None:
    """Send task `name` once the surrounding transaction commits (never for a rolled-back change).

    A broker that is down is logged, never raised: the request that asked has already
    committed its rows, and `lost` says which job picks the work up instead (`what` names the work in the log).
    """

    def send() -> None:
        try:
            enqueue(name, *args, retry=retry)
        except Exception:
            logger.warning("could not enqueue %s; %s", what or f"{name}{args!r}", lost, exc_info=True)
            return
        if on_sent is not None:
            on_sent()

    transaction.on_commit(send)
