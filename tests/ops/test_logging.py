"""Request ids and task ids in JSON logs: from the HTTP request, through Redis, to the worker."""

import json
import logging
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from verifier.logging import (
    REQUEST_ID_HEADER,
    ContextFilter,
    JsonFormatter,
    logging_config,
    request_id_var,
    task_id_var,
)

ROOT = Path(__file__).resolve().parents[2]


def _format(record: logging.LogRecord) -> dict:
    ContextFilter().filter(record)
    return json.loads(JsonFormatter().format(record))


def _record(msg="hello %s", args=("world",), **extra) -> logging.LogRecord:
    record = logging.LogRecord("verifier.test", logging.WARNING, __file__, 1, msg, args, None)
    record.__dict__.update(extra)
    return record


def test_json_line_carries_ids_extras_and_exception():
    req_token, task_token = request_id_var.set("req-123"), task_id_var.set("task-456")
    try:
        try:
            raise ValueError("bad input")
        except ValueError:
            record = logging.LogRecord("verifier.test", logging.ERROR, __file__, 1, "failed %s", ("x",), sys.exc_info())
        record.article_id = 42
        line = _format(record)
    finally:
        request_id_var.reset(req_token)
        task_id_var.reset(task_token)
    assert line["message"] == "failed x"
    assert line["level"] == "ERROR" and line["logger"] == "verifier.test"
    assert line["request_id"] == "req-123" and line["task_id"] == "task-456"
    assert line["article_id"] == 42
    assert "ValueError: bad input" in line["exc_info"]


def test_json_line_without_context_has_no_empty_ids():
    line = _format(_record())
    assert line["message"] == "hello world"
    assert "request_id" not in line and "task_id" not in line


def test_log_format_must_be_json_or_text():
    assert logging_config(fmt="json", level="INFO")["formatters"]["main"]["()"].endswith("JsonFormatter")
    assert "request_id" in logging_config(fmt="text", level="INFO")["formatters"]["main"]["format"]
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        logging_config(fmt="xml", level="INFO")


@pytest.mark.django_db
def test_request_id_is_taken_from_the_header_or_made_and_returned(client):
    response = client.get("/health/", HTTP_X_REQUEST_ID="proxy-id-1")
    assert response["X-Request-ID"] == "proxy-id-1"
    made = client.get("/health/")["X-Request-ID"]
    assert len(made) == 32 and made != client.get("/health/")["X-Request-ID"]
    # An id that would pollute log lines is replaced, not echoed.
    replaced = client.get("/health/", HTTP_X_REQUEST_ID="bad id\nwith newline")["X-Request-ID"]
    assert replaced != "bad id\nwith newline" and len(replaced) == 32
    assert request_id_var.get() == ""  # reset after the request


def test_publishing_inside_a_request_puts_the_request_id_in_the_message_headers():
    """A real publish to a real Redis: the header is on the message a worker would read."""
    import redis
    from celery import current_app

    queue = f"ops-publish-{uuid.uuid4().hex[:8]}"
    token = request_id_var.set("req-publish-1")
    try:
        current_app.send_task("celery.accumulate", args=[1], queue=queue)
    finally:
        request_id_var.reset(token)
    conn = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
    try:
        raw = conn.lpop(queue)
    finally:
        conn.delete(queue)
        conn.close()
    assert raw, "no message published"
    assert json.loads(raw)["headers"][REQUEST_ID_HEADER] == "req-publish-1"


@pytest.mark.slow
def test_worker_logs_task_lines_as_json_with_task_id_and_the_publishing_request_id(tmp_path):
    """A real worker process, real Redis: the success line names the task and the request."""
    from celery import current_app

    queue = f"ops-logs-{uuid.uuid4().hex[:8]}"
    log_path = tmp_path / "worker.log"
    env = dict(os.environ, LOG_FORMAT="json", LOG_LEVEL="INFO")
    with open(log_path, "w") as log_file:
        worker = subprocess.Popen(
            # -q: no banner, as in docker/worker.sh; every line the worker writes is JSON.
            [sys.executable, "-m", "celery", "-q", "-A", "verifier", "worker", "-Q", queue, "--concurrency", "1",
             "--pool", "prefork", "--loglevel", "INFO", "--without-mingle", "--without-gossip",
             "--hostname", f"{queue}@%h"],
            cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
        )
    try:
        token = request_id_var.set("req-follow-me")
        try:
            result = current_app.send_task("celery.accumulate", args=[7], kwargs={"index": 0}, queue=queue)
        finally:
            request_id_var.reset(token)
        success = None
        for _ in range(1200):  # up to 120 s: booting the worker is slow on a busy 2-core box
            lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
            done = [line for line in lines if line.get("task_id") == result.id and "succeeded" in line["message"]]
            success = done[0] if done else None
            if success or worker.poll() is not None:
                break
            time.sleep(0.1)
        assert success, f"no JSON success line for {result.id}:\n{log_path.read_text()[-3000:]}"
        assert success["request_id"] == "req-follow-me"
        assert success["task_name"] == "celery.accumulate"
        non_json = [line for line in log_path.read_text().splitlines() if line.strip() and not line.startswith("{")]
        assert not non_json, f"worker wrote non-JSON log lines: {non_json[:5]}"
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def test_records_logged_after_the_middleware_take_the_id_from_their_request():
    # django.request logs 4xx/5xx after RequestIdMiddleware has returned and reset the contextvar.
    class Request:
        request_id = "req-late"

    line = _format(_record(request=Request()))
    assert line["request_id"] == "req-late"
