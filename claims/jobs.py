"""One way in for background work: domain code asks for a task by name, after commit.

The tasks live in claims/tasks.py (the top layer) under the names `claims.tasks.<name>`,
the names Celery's autodiscovery registers and the beat schedules use. Sending by name
keeps every import pointing down: nothing below `tasks` imports it.

A send is bounded: it gives up after ENQUEUE_TIMEOUT_SECONDS whatever the broker does
(down, or frozen and accepting connections without answering). After a send timed out,
sends fail at once for ENQUEUE_BACKOFF_SECONDS instead of each waiting again (no retry
storm); the work is not lost, the sweeper enqueues it when the broker is back.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable

from celery import current_app
from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

TASK_PREFIX = "claims.tasks."
# Brokers in the process itself: a send cannot hang on the network.
_LOCAL_BROKERS = ("filesystem://", "memory://")
_broker_down_until = 0.0


class BrokerUnavailable(ConnectionError):
    """The broker did not take the message within the bound (or timed out just before)."""


def broker_reset() -> None:
    """Forget a broker timeout (tests; an operator's shell after Redis is back)."""
    global _broker_down_until
    _broker_down_until = 0.0


def _send_bounded(app, name: str, args: tuple, retry: bool) -> None:
    global _broker_down_until
    timeout = settings.ENQUEUE_TIMEOUT_SECONDS
    if time.monotonic() < _broker_down_until:
        raise BrokerUnavailable(f"the broker timed out less than {settings.ENQUEUE_BACKOFF_SECONDS:g} s ago")
    outcome: dict[str, BaseException] = {}
    context = contextvars.copy_context()  # the request id travels into the message headers

    def send() -> None:
        try:
            context.run(app.send_task, name, args=args, retry=retry)
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=send, name=f"enqueue {name}", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():  # left to its socket timeouts; if it gets through later, the task is idempotent
        _broker_down_until = time.monotonic() + settings.ENQUEUE_BACKOFF_SECONDS
        raise BrokerUnavailable(f"the broker did not answer within {timeout:g} s")
    if "error" in outcome:
        raise outcome["error"]


def enqueue(name: str, *args, retry: bool = True) -> None:
    """Send task `name` now. Raises when the broker is unreachable: the caller decides what a lost send means.

    `retry=False` gives up at the first connection error (a nudge that beat repeats anyway).
    Never takes longer than about ENQUEUE_TIMEOUT_SECONDS.
    """
    app = current_app
    if app.conf.task_always_eager:  # eager mode (a shell, a debugging session): run it here, like .delay() would
        app.loader.import_default_modules()
        app.tasks[TASK_PREFIX + name].apply(args=args)
        return
    if str(app.conf.broker_url or "").startswith(_LOCAL_BROKERS):
        app.send_task(TASK_PREFIX + name, args=args, retry=retry)
        return
    _send_bounded(app, TASK_PREFIX + name, args, retry)


def enqueue_on_commit(
    name: str, *args, what: str = "", retry: bool = True, on_sent: Callable[[], None] | None = None,
    lost: str = "the sweeper will",
) -> None:
    """Send task `name` once the surrounding transaction commits (never for a rolled-back change).

    A broker that is down is logged (one line, no traceback), never raised: the request
    that asked has already committed its rows, and `lost` says which job picks the work
    up instead (`what` names the work in the log).
    """

    def send() -> None:
        try:
            enqueue(name, *args, retry=retry)
        except Exception as exc:
            logger.warning("could not enqueue %s (%s: %s); %s", what or f"{name}{args!r}", type(exc).__name__, exc, lost)
            return
        if on_sent is not None:
            on_sent()

    transaction.on_commit(send)
