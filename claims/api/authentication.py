"""API token authentication: `Authorization: Token <t>` or `Bearer <t>`, against stored digests.

One query finds the token by its public prefix with its user and the user's group
names (a LEFT JOIN, one row per group); the digest is compared in constant time.
The token acts only in its own role, and only while its user holds that role's group
(a token without a role, migrated from before, acts in all the user's roles).
`last_used_at` is written at most once per API_TOKEN_TOUCH_SECONDS per token (a
conditional UPDATE), so a busy tool costs no write per request.
"""

from __future__ import annotations

import hmac
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from ..models import ApiToken
from ..roles import ROLE_GROUPS

KEYWORDS = (b"token", b"bearer")


class ApiTokenAuthentication(BaseAuthentication):
    keyword = "Token"  # the challenge in WWW-Authenticate; "Bearer" is accepted too

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Invalid token header: send `Authorization: Token <token>` (or Bearer).")
        try:
            presented = parts[1].decode("ascii")
        except UnicodeError:
            raise AuthenticationFailed("Invalid token header: the token has characters no token has.") from None
        return self.authenticate_credentials(presented)

    def authenticate_credentials(self, presented: str):
        digest = ApiToken.digest_of(presented)
        rows = list(
            ApiToken.objects.select_related("user")
            .filter(prefix=presented[: ApiToken.PREFIX_LENGTH])
            .annotate(role_group_name=F("user__groups__name"))
        )
        token = next((row for row in rows if hmac.compare_digest(row.digest, digest)), None)
        if token is None:
            raise AuthenticationFailed("Invalid token.")
        now = timezone.now()
        if token.revoked_at is not None:
            raise AuthenticationFailed("This token was revoked.")
        if token.is_expired(now):
            raise AuthenticationFailed(f"This token expired at {token.expires_at:%Y-%m-%dT%H:%M:%SZ}.")
        if not token.user.is_active:
            raise AuthenticationFailed("User inactive or deleted.")
        groups = {row.role_group_name for row in rows if row.pk == token.pk and row.role_group_name is not None}
        token.user._role_group_names = frozenset(groups & {ROLE_GROUPS[token.role]} if token.role else groups)
        self._touch(token, now)
        return (token.user, token)

    @staticmethod
    def _touch(token: ApiToken, now) -> None:
        interval = timedelta(seconds=settings.API_TOKEN_TOUCH_SECONDS)
        if token.last_used_at is not None and now - token.last_used_at < interval:
            return
        # Conditional: of several processes seeing the same stale value, one writes.
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - interval)
        ).update(last_used_at=now)
        token.last_used_at = now

    def authenticate_header(self, request) -> str:
        return self.keyword



class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The scheme in the OpenAPI schema (drf-spectacular finds extensions when they are defined)."""

    target_class = "claims.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey", "in": "header", "name": "Authorization",
            "description": "`Token <token>` or `Bearer <token>` (manage.py create_api_token).",
        }
