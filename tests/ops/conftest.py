"""Fixtures for the production-shape tests: a Redis of our own that a test may stop."""

import shutil
import socket
import subprocess
import time

import pytest

# One port per helper/CI lane; only this suite starts or stops the server on it.
OWN_REDIS_PORT = 6394


def _answers(port: int) -> bool:
    import redis

    try:
        return bool(redis.Redis(port=port, socket_connect_timeout=0.2, socket_timeout=0.2).ping())
    except redis.RedisError:
        return False


class OwnRedis:
    """A redis-server child process on OWN_REDIS_PORT: start(), stop(), url."""

    def __init__(self, port: int):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            if _answers(self.port):
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server on port {self.port} exited with {self.process.returncode}")
            time.sleep(0.05)
        raise RuntimeError(f"redis-server on port {self.port} did not answer")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def own_redis():
    if not shutil.which("redis-server"):
        pytest.skip("redis-server binary not installed (apt-get install redis-server)")
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", OWN_REDIS_PORT)) == 0:
            pytest.fail(f"port {OWN_REDIS_PORT} is taken; this test needs its own Redis there")
    server = OwnRedis(OWN_REDIS_PORT)
    server.start()
    yield server
    server.stop()
