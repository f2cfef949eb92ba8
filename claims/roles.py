"""The three newsroom roles, as Django groups (created by migration 0002)."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

NEWSROOM = "newsroom"
REVIEWERS = "reviewers"
EDITORS = "editors"
ROLE_GROUPS = {"newsroom": NEWSROOM, "reviewer": REVIEWERS, "editor": EDITORS}


def _group_names(user) -> frozenset[str]:
    # Cached on the user object: role checks run several times per request.
    cached = getattr(user, "_role_group_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True)) if user.pk else frozenset()
        user._role_group_names = cached
    return cached


def is_editor(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    return bool(user and user.is_authenticated and user.is_active and (user.is_superuser or EDITORS in _group_names(user)))


def is_reviewer(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    return bool(user and user.is_authenticated and user.is_active and REVIEWERS in _group_names(user))


def is_newsroom(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    return bool(user and user.is_authenticated and user.is_active and NEWSROOM in _group_names(user))
