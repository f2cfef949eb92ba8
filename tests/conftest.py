import pytest

from claims import workflow
from claims.matching.engines import forget_process_state
from claims.models import ClaimStatus
from sources.levels import AttributionLevel
from sources.models import SourceKind

from .factories import ArticleFactory, ClaimFactory, OutletFactory, SourceFactory, UserFactory


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
def _fresh_search_state():
    # PostgreSQL holds nothing in the process; SQLite's scan would outlive a test's database.
    forget_process_state()
    yield
    forget_process_state()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's deliberate slowness is for production logins, not for thousands of test users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def relayed_claim(reviewer):
    """An anonymous claim in a Yahoo News story, relayed from the Miami Herald, in review by rita."""
    article = ArticleFactory(publisher=OutletFactory(name="Yahoo News"), body="The call stalled, sources told the Miami Herald.")
    claim = ClaimFactory(
        article=article, attribution_level=AttributionLevel.ANONYMOUS, speaker_text="sources",
        speaker=SourceFactory(name="sources (Miami Herald)", kind=SourceKind.ANONYMOUS),
        via_outlet=OutletFactory(name="Miami Herald"),
    )
    claim = workflow.transition(claim=claim, to=ClaimStatus.QUEUED, actor=None, assignee=reviewer)
    return workflow.transition(claim=claim, to=ClaimStatus.IN_REVIEW, actor=reviewer)
