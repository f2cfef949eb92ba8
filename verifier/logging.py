"""Structured logs: one JSON object per line, carrying the request id and the task id.

The request id is set by verifier.middleware.RequestIdMiddleware for each HTTP request,
travels into Celery tasks in a message header, and is restored in the worker, so one
article can be followed from its POST to its verdict with a single grep.

Wired from settings.LOGGING: `ContextFilter` on the console handler (text and JSON
alike), `JsonFormatter` when LOG_FORMAT=json (the default with DEBUG off). Importing
this module (dictConfig does, at django.setup()) connects the Celery signals below,
in web and worker processes alike.
"""

from __future__ import annotations

import json
import logging
import traceback
from contextvars import ContextVar
from datetime import datetime, timezone

from celery import signals

request_id_var: ContextVar[str] = ContextVar("request_id", default="")
task_id_var: ContextVar[str] = ContextVar("task_id", default="")
task_name_var: ContextVar[str] = ContextVar("task_name", default="")

# The message header that carries the request id from the publisher to the worker.
REQUEST_ID_HEADER = "x_request_id"
CONTEXT_FIELDS = ("request_id", "task_id", "task_name")

# Attributes every LogRecord has; anything else was passed with `extra=` and is logged.
_RECORD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


class ContextFilter(logging.Filter):
    """Copy the current request/task ids onto every record (empty strings when none)."""

    def filter(self, record: logging.LogRecord) -> bool:
        # django.request logs 4xx/5xx after the middleware returned; its record carries the request.
        from_request = getattr(getattr(record, "request", None), "request_id", "")
        record.request_id = getattr(record, "request_id", "") or request_id_var.get() or from_request
        record.task_id = getattr(record, "task_id", "") or task_id_var.get()
        record.task_name = getattr(record, "task_name", "") or task_name_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, ids, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, tz=timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        for field in CONTEXT_FIELDS:
            value = getattr(record, field, "")
            if value:
                entry[field] = value
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRS and key not in CONTEXT_FIELDS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        if record.stack_info:
            entry["stack_info"] = record.stack_info
        # default=str: extras may hold datetimes, Decimals, model instances.
        return json.dumps(entry, default=str, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [req=%(request_id)s task=%(task_id)s] %(message)s"


def logging_config(*, fmt: str, level: str) -> dict:
    """The settings.LOGGING dict; `fmt` is "json" or "text"."""
    if fmt not in ("json", "text"):
        raise ValueError(f"LOG_FORMAT must be 'json' or 'text', not {fmt!r}")
    formatter = {"()": "verifier.logging.JsonFormatter"} if fmt == "json" else {"format": TEXT_FORMAT}
    # Python warnings (deprecations, Celery's) become log records, so they are JSON lines too.
    logging.captureWarnings(True)
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "verifier.logging.ContextFilter"}},
        "formatters": {"main": formatter},
        "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["context"], "formatter": "main"}},
        "root": {"handlers": ["console"], "level": level},
        # Django's request/server loggers have their own handlers; send them through ours.
        "loggers": {
            "django": {"handlers": ["console"], "level": level, "propagate": False},
            "django.server": {"handlers": ["console"], "level": level, "propagate": False},
            # trafilatura logs ERROR for every page it finds no article in; claims.pipeline.html handles that
            # case (and says so to the sender), so only its own failures would be news.
            "trafilatura": {"level": "CRITICAL"},
        },
    }


# --- Celery: the ids of the running task, and the request id across the broker ---------
# Tokens to restore the previous values after the task (eager tasks run inside a request).
_task_tokens: dict[str, tuple] = {}


@signals.before_task_publish.connect(weak=False)
def _add_request_id_header(headers=None, **kwargs) -> None:
    request_id = request_id_var.get()
    if request_id and headers is not None and REQUEST_ID_HEADER not in headers:
        headers[REQUEST_ID_HEADER] = request_id


def _request_id_of(task) -> str:
    request = getattr(task, "request", None)
    if request is None:
        return ""
    value = getattr(request, REQUEST_ID_HEADER, None)
    if not value:
        # Depending on the protocol version custom headers land on the request or in .headers.
        value = (getattr(request, "headers", None) or {}).get(REQUEST_ID_HEADER)
    return str(value or "")


@signals.task_prerun.connect(weak=False)
def _enter_task(task_id=None, task=None, **kwargs) -> None:
    request_id = _request_id_of(task) or request_id_var.get()
    _task_tokens[task_id] = (
        task_id_var.set(task_id or ""),
        task_name_var.set(getattr(task, "name", "") or ""),
        request_id_var.set(request_id),
    )


@signals.task_postrun.connect(weak=False)
def _leave_task(task_id=None, **kwargs) -> None:
    tokens = _task_tokens.pop(task_id, None)
    if tokens is None:
        return
    for var, token in zip((task_id_var, task_name_var, request_id_var), tokens):
        try:
            var.reset(token)
        except ValueError:
            # Set in another context (thread pools): clear instead of restoring.
            var.set("")
