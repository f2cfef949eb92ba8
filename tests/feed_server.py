"""A real HTTP server on loopback for the feed tests: routes set by the test, every request logged.

`FeedServer.route(path, body, content_type=..., status=..., headers=...)` serves a fixed answer
(a conditional GET that names its ETag gets a 304); `route_fn(path, fn)` lets a test answer with
code (`fn(request_headers) -> (status, headers, body)`), for slow answers, loops and floods.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):  # noqa: N802 - http.server's name
        server: FeedServer = self.server.owner
        path = self.path
        with server.lock:
            server.hits[path] += 1
            server.log.append((time.monotonic(), path, dict(self.headers)))
        answer = server.routes.get(path)
        if answer is None:
            return self._send(404, {"Content-Type": "text/plain"}, b"not found")
        if callable(answer):
            status, headers, body = answer(dict(self.headers))
        else:
            status, headers, body = answer
            etag = headers.get("ETag")
            if etag and self.headers.get("If-None-Match") == etag:
                return self._send(304, {"ETag": etag}, b"")
        if isinstance(body, (bytes, str)):
            return self._send(status, headers, body.encode() if isinstance(body, str) else body)
        # an iterable of chunks (a flood, a trickle): streamed without a length
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            for chunk in body:
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def do_POST(self):  # noqa: N802 - a webhook receiver: every POST recorded, answered 200
        server: FeedServer = self.server.owner
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with server.lock:
            server.posts.append((self.path, dict(self.headers), body))
        self._send(200, {"Content-Type": "text/plain"}, b"ok")

    def _send(self, status: int, headers: dict, body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)


class FeedServer:
    def __init__(self):
        self.routes: dict[str, object] = {}
        self.hits: Counter = Counter()
        self.log: list = []
        self.posts: list = []
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="feed-server", daemon=True)

    def start(self) -> FeedServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, body: bytes | str, *, content_type: str = "application/rss+xml", status: int = 200,
              headers: dict | None = None, etag: bool = True) -> str:
        data = body.encode() if isinstance(body, str) else body
        all_headers = {"Content-Type": content_type, **(headers or {})}
        if etag:
            all_headers["ETag"] = '"' + hashlib.sha1(data).hexdigest()[:16] + '"'
        self.routes[path] = (status, all_headers, data)
        return self.url(path)

    def route_fn(self, path: str, fn) -> str:
        self.routes[path] = fn
        return self.url(path)


@pytest.fixture
def server():
    """A FeedServer on loopback for one test (import it into a test module to use it)."""
    running = FeedServer().start()
    yield running
    running.stop()
