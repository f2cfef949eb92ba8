"""Request id for every HTTP request: taken from X-Request-ID or made, returned, logged."""

from __future__ import annotations

import logging
import re
import time
import uuid

from .logging import request_id_var

logger = logging.getLogger("verifier.request")

REQUEST_ID_HEADER = "X-Request-ID"
# A proxy's id is reused only when it is short and plain: it ends up in every log line.
_ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def make_request_id() -> str:
    return uuid.uuid4().hex


def request_id_from(value: str | None) -> str:
    """The caller's id when acceptable, else a fresh one."""
    if value and _ACCEPTABLE_ID.match(value):
        return value
    return make_request_id()


class RequestIdMiddleware:
    """First in MIDDLEWARE so redirects and errors carry the id too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                },
            )
            return response
        finally:
            request_id_var.reset(token)
