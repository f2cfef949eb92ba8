"""Who is asking, and the sign-in lockout (django-axes) as the admin shows it.

- `client_ip`: the client's address, believing X-Forwarded-For only as far as
  TRUSTED_PROXY_COUNT proxies vouch for it (each appends the address it saw).
- `AxesBackend`: axes' lockout backend, which also lets the request-less
  `authenticate()` of tests and shells through (no client to count or lock then).
- `lockout_response`: the page a locked-out sign-in gets, in the admin's look, saying
  what happened and when to try again.
"""

from __future__ import annotations

import ipaddress

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.shortcuts import render
from django.utils import timezone


def client_ip(request: HttpRequest) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if not forwarded:
        return remote
    candidate = forwarded[-min(count, len(forwarded))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


class AxesBackend(AxesStandaloneBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:  # not a web sign-in (Client.login, a shell): nothing to throttle
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(request: HttpRequest, original_response=None, credentials=None):
    cool_off = get_cool_off(request)
    # Every refused attempt is recorded and starts the wait again, so it ends cool_off from now.
    until = timezone.now() + cool_off
    context = {
        "username": get_client_username(request, credentials) or "",
        "failure_limit": get_failure_limit(request, credentials),
        "cool_off_minutes": max(1, round(cool_off.total_seconds() / 60)) if cool_off.total_seconds() >= 60 else None,
        "cool_off_seconds": int(cool_off.total_seconds()),
        "until": until,
    }
    if request.headers.get("x-requested-with") == "XMLHttpRequest":
        return JsonResponse({**context, "until": until.isoformat()}, status=settings.AXES_HTTP_RESPONSE_CODE)
    context.update(admin.site.each_context(request), title="Sign-in locked")
    response = render(request, "admin/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
