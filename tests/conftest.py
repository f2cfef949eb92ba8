import pytest

from .factories import ClaimFactory, UserFactory


@pytest.fixture
def reviewer(db):
    return UserFactory(username="rita", roles=["reviewers"])


@pytest.fixture
def other_reviewer(db):
    return UserFactory(username="omar", roles=["reviewers"])


@pytest.fixture
def editor(db):
    return UserFactory(username="edith", roles=["editors"])


@pytest.fixture
def newsroom_user(db):
    return UserFactory(username="nora", roles=["newsroom"])


@pytest.fixture
def claim(db):
    return ClaimFactory()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's deliberate slowness is for production logins, not for thousands of test users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
