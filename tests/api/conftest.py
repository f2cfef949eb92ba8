import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from claims import workflow
from claims.models import ApiToken, ClaimStatus
from claims.tokens import api_token_create
from tests.factories import ClaimFactory, UserFactory


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        row, token = api_token_create(user=user, role="", name="tests")  # acts in all the user's roles
        # A token in steady use: last_used_at is written at most once a minute, so a request
        # costs no write (tests/api/test_tokens.py pins the once-a-minute write on its own).
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def api_as():
    """api_as(user) -> an APIClient authenticated by that user's token (None: anonymous)."""
    return client_for


@pytest.fixture
def nobody(db):
    """Authenticated, but in no role group."""
    return UserFactory(username="noel")


@pytest.fixture
def queued_claim(reviewer):
    """A claim queued for `reviewer` (rita)."""
    claim = ClaimFactory()
    return workflow.transition(claim=claim, to=ClaimStatus.QUEUED, actor=None, assignee=reviewer)


@pytest.fixture
def in_review_claim(queued_claim, reviewer):
    return workflow.transition(claim=queued_claim, to=ClaimStatus.IN_REVIEW, actor=reviewer)
