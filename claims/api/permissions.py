"""Who may do what over the API (roles are Django groups, see claims.roles), and throttles.

newsroom: read, create articles. reviewers: read; work (transition, evidence) on
claims assigned to them. editors: everything. A user in no role group reads nothing.
Object checks run in the views themselves (DRF only runs them in get_object()).
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from rest_framework.permissions import BasePermission
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle

from ..roles import is_editor, is_newsroom, is_reviewer

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
        return is_newsroom(request.user) or is_editor(request.user)


class IsEditor(BasePermission):
    message = "only editors may do this"

    def has_permission(self, request, view) -> bool:
        return is_editor(request.user)


class IsReviewerOrEditor(BasePermission):
    message = "only reviewers and editors have a review queue"

    def has_permission(self, request, view) -> bool:
        return is_reviewer(request.user) or is_editor(request.user)


# --- Throttles: rates read from settings.API_THROTTLE_RATES at request time -----------


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
        return allowed


class UserThrottle(_SettingsRate, UserRateThrottle):
    """Per token (per user) overall rate."""


class AnonThrottle(_SettingsRate, AnonRateThrottle):
    """Per client address, for the few anonymous endpoints (schema, docs)."""


class ScopedThrottle(_SettingsRate, ScopedRateThrottle):
    """Per user and per `throttle_scope` of a view (e.g. "ingest", "write")."""
