import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from claims import workflow
from claims.models import ClaimStatus
from tests.factories import ClaimFactory, UserFactory


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
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
