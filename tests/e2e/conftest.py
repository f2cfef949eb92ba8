"""Real processes for the reliability tests: a private redis-server and Celery workers.

Each test that asks for `broker` gets its own redis-server (a free port, no
persistence) that it may stop and start, and the test process's Celery app publishes
to it. `worker_factory` starts `celery -A verifier worker` subprocesses on that broker
and the pytest test database (transaction=True tests: the worker sees committed rows).
Nothing here is autouse: other e2e tests are unaffected.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import redis
from django.conf import settings

from tests.database_url import test_database_url

ROOT = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate: Callable[[], object], *, timeout: float, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


class RedisServer:
    """A redis-server of our own, on a free port, without persistence (a restart loses its queue)."""

    def __init__(self, workdir: Path):
        self.port = int(os.environ.get("E2E_REDIS_PORT") or free_port())
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, timeout=10, what=f"redis-server on port {self.port}")

    def _answers(self) -> bool:
        try:
            return redis.Redis(port=self.port, socket_connect_timeout=0.5).ping()
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    def queue_length(self, queue: str = "celery") -> int:
        return self.client().llen(queue)


def point_celery_at(url: str) -> str:
    """Make this process's Celery app publish to `url`; returns the previous broker url."""
    from verifier.celery import app

    from kombu import pools

    previous = app.conf.broker_url
    # kombu keeps connection pools in a process-wide registry: closing the app's pool
    # without clearing it there leaves a closed pool for the next publisher to find.
    pools.reset()
    # Celery reads CELERY_BROKER_URL from the environment before its own setting.
    os.environ["CELERY_BROKER_URL"] = url
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None
    return previous


@pytest.fixture
def broker(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed: the reliability tests need a real Redis they can stop")
    server = RedisServer(tmp_path)
    server.start()
    previous = point_celery_at(server.url)
    yield server
    point_celery_at(previous)
    server.stop()


def worker_database_url() -> str:
    return test_database_url()


class Worker:
    """`celery -A verifier worker` (prefork, one child) in its own process group."""

    def __init__(self, broker_url: str, logdir: Path, env: dict[str, str]):
        self.name = f"e2e-{uuid.uuid4().hex[:6]}"
        self.log = logdir / f"{self.name}.log"
        self.env = {
            **os.environ,
            "DATABASE_URL": worker_database_url(),
            "CELERY_BROKER_URL": broker_url,
            "REDIS_URL": broker_url,
            "CONN_MAX_AGE": "0",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            **env,
        }
        self.proc: subprocess.Popen | None = None

    def start(self) -> Worker:
        celery = Path(sys.executable).parent / "celery"
        self.proc = subprocess.Popen(
            [str(celery), "-A", "verifier", "worker", "--pool", "prefork", "--concurrency", "1", "--loglevel", "INFO",
             "-n", f"{self.name}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=self.env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        wait_for(lambda: "ready." in self.output() or self.proc.poll() is not None, timeout=60, what="worker ready")
        assert self.proc.poll() is None, f"worker exited:\n{self.output()}"
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def children(self) -> list[int]:
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def kill_child(self) -> int:
        """SIGKILL the pool process running the task (the main process stays: it re-queues the task)."""
        (child,) = self.children()
        os.kill(child, signal.SIGKILL)
        return child

    def kill_all(self) -> None:
        """SIGKILL the whole worker (main and child), like a machine losing power."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


@pytest.fixture
def worker_factory(transactional_db, broker, tmp_path):
    """Start workers on the test's broker; all are stopped before the database is flushed."""
    started: list[Worker] = []

    def start(**env: str) -> Worker:
        worker = Worker(broker.url, tmp_path, {k: str(v) for k, v in env.items()})
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.stop()
