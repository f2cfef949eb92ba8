"""API tokens: creation (the token is returned once and never stored) and revocation.

The digest and lookup live on the model (claims.models.ApiToken); the API's
authentication class (claims.api.permissions) checks a presented token.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from .models import ApiToken

# Sentinel for api_token_create(expires_in=...): the default from settings.
DEFAULT_EXPIRY = object()


def new_token_string() -> str:
    """32 random bytes, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


@transaction.atomic
def api_token_create(
    *, user: AbstractBaseUser, role: str, name: str, expires_in: timedelta | None | object = DEFAULT_EXPIRY
) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the token itself (the only time it is seen).

    `expires_in`: a timedelta, None for a token that never expires (only when asked for),
    or by default settings.API_TOKEN_DEFAULT_EXPIRY_DAYS.
    """
    if expires_in is DEFAULT_EXPIRY:
        expires_in = timedelta(days=settings.API_TOKEN_DEFAULT_EXPIRY_DAYS)
    token = new_token_string()
    row = ApiToken(
        user=user, role=role, name=name, prefix=token[: ApiToken.PREFIX_LENGTH], digest=ApiToken.digest_of(token),
        expires_at=timezone.now() + expires_in if expires_in is not None else None,
    )
    row.full_clean()
    row.save()
    return row, token


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: AbstractBaseUser | None) -> ApiToken:
    """Revoke a token at once (idempotent: a revoked token keeps its first revocation)."""
    token = ApiToken.objects.select_for_update(of=("self",)).get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at, token.revoked_by = timezone.now(), actor
        token.save(update_fields=["revoked_at", "revoked_by"])
    return token
