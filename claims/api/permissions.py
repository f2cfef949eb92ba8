"""Who may do what over the API (roles are Django groups, see claims.roles), and throttles.

newsroom: read, create articles. reviewers: read; work (transition, evidence) on
claims assigned to them. editors: everything. A user in no role group reads nothing.
Object checks run in the views themselves (DRF only runs them in get_object()).
"""

from __future__ import annotations

import logging
import math
import time

from django.conf import settings
from rest_framework.permissions import BasePermission
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle

from ..roles import can_edit_desk, can_ingest, can_read_reports, can_take_work, is_editor, is_newsroom, is_reviewer

logger = logging.getLogger(__name__)


def has_any_role(user) -> bool:
    return is_editor(user) or is_reviewer(user) or is_newsroom(user)


class HasRole(BasePermission):
    message = "your account has no newsroom role (newsroom, reviewers or editors)"

    def has_permission(self, request, view) -> bool:
        return has_any_role(request.user)


class CanIngest(BasePermission):
    message = "only newsroom members and editors may submit articles"

    def has_permission(self, request, view) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return has_any_role(request.user)
        return can_ingest(request.user)


class ReadAllWriteEditors(BasePermission):
    message = "only editors may change this"

    def has_permission(self, request, view) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return has_any_role(request.user)
        return can_edit_desk(request.user)


class IsEditor(BasePermission):
    message = "only editors may do this"

    def has_permission(self, request, view) -> bool:
        return can_edit_desk(request.user)


class IsReviewerOrEditor(BasePermission):
    message = "only reviewers and editors have a review queue"

    def has_permission(self, request, view) -> bool:
        return can_take_work(request.user)


class CanReadReports(BasePermission):
    message = "only reviewers and editors read the desk's reports"

    def has_permission(self, request, view) -> bool:
        return can_read_reports(request.user)


# --- Throttles: rates read from settings.API_THROTTLE_RATES at request time -----------
#
# Each throttle that counted a request leaves (limit, remaining, reset) on the request;
# RateLimitHeadersMiddleware sends the tightest as RateLimit-Limit / -Remaining / -Reset
# (seconds until a slot frees up), on 429s as well.

RATE_LIMIT_STATE = "_rate_limit_state"


def _record_rate_limit(request, *, limit: int, remaining: int, reset: int) -> None:
    django_request = getattr(request, "_request", request)
    current = getattr(django_request, RATE_LIMIT_STATE, None)
    if current is None or remaining < current[1] or (remaining == current[1] and reset > current[2]):
        setattr(django_request, RATE_LIMIT_STATE, (limit, max(remaining, 0), max(reset, 0)))


class RateLimitHeadersMiddleware:
    """Adds the RateLimit-* headers the API's throttles recorded for this request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        state = getattr(request, RATE_LIMIT_STATE, None)
        if state is not None:
            response["RateLimit-Limit"], response["RateLimit-Remaining"], response["RateLimit-Reset"] = map(str, state)
        return response


class _CacheOutage:
    """Throttling fails open while the cache (Redis) is unreachable: accepting work never depends on it.

    The first error is logged once per outage; for CACHE_RETRY_SECONDS afterwards no
    request touches the cache (a frozen Redis would cost each one its socket timeout).
    """

    down_until = 0.0
    logged = False

    @classmethod
    def reset(cls) -> None:
        cls.down_until, cls.logged = 0.0, False


class _SettingsRate:
    scope: str | None

    def get_rate(self):
        # A scope without a configured rate (or "off") is not throttled.
        rate = settings.API_THROTTLE_RATES.get(self.scope or "")
        return None if not rate or str(rate).lower() in ("off", "none") else rate

    def allow_request(self, request, view):
        if time.monotonic() < _CacheOutage.down_until:
            return True
        try:
            allowed = super().allow_request(request, view)
        except Exception as exc:  # redis.ConnectionError, TimeoutError, ...: never a 500
            _CacheOutage.down_until = time.monotonic() + settings.CACHE_RETRY_SECONDS
            if not _CacheOutage.logged:
                _CacheOutage.logged = True
                logger.warning("throttling is off while the cache is unreachable (%s: %s)", type(exc).__name__, exc)
            return True
        if _CacheOutage.logged and self.rate is not None:  # this one did read the cache
            _CacheOutage.logged = False
            logger.warning("the cache is back: throttling is on again")
        if getattr(self, "rate", None) is not None and getattr(self, "history", None) is not None:
            oldest = self.history[-1] if self.history else self.now
            _record_rate_limit(
                request, limit=self.num_requests, remaining=self.num_requests - len(self.history),
                reset=math.ceil(self.duration - (self.now - oldest)),
            )
        return allowed


def caller_role(user) -> str:
    """The role whose rate applies: the most trusted one the caller acts in."""
    for role, check in (("editor", is_editor), ("reviewer", is_reviewer), ("newsroom", is_newsroom)):
        if check(user):
            return role
    return "user"


class UserThrottle(_SettingsRate, UserRateThrottle):
    """Per token (per user) overall rate: API_THROTTLE_USER if set caps everyone, else the
    rate of the caller's role (editor, reviewer, newsroom)."""

    def allow_request(self, request, view):
        rates = settings.API_THROTTLE_RATES
        configured = rates.get("user")
        self.scope = "user" if configured and str(configured).lower() not in ("off", "none") else caller_role(request.user)
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class AnonThrottle(_SettingsRate, AnonRateThrottle):
    """Per client address, for the few anonymous endpoints (schema, docs)."""


class ScopedThrottle(_SettingsRate, ScopedRateThrottle):
    """Per user and per `throttle_scope` of a view (e.g. "ingest", "write")."""
