"""Property-based fuzzing of the whole API against its own OpenAPI schema (schemathesis).

Every operation gets generated requests (as an editor, who may call everything);
each response must not be a 5xx and must conform to the schema: status code, content
type, headers and body. Claims and sources with small ids exist so that generated
paths hit real rows as well as missing ones.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.management.color import no_style
from django.db import close_old_connections, connection
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from claims import workflow
from claims.models import Article, Claim, ClaimStatus, EvidenceStance
from claims.tokens import api_token_create
from sources.models import Source
from tests.factories import ArticleFactory, ClaimFactory, EvidenceFactory, SourceFactory, UserFactory

pytestmark = [pytest.mark.slow]


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """Requests go through the real WSGI handler, which closes the DB connection when a
    request finishes; inside the test transaction that would end it. Django's own test
    client disconnects the same receiver."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_world(db, wsgi_keeps_the_test_connection):
    editor = UserFactory(username="fuzz-editor", roles=["editors"])
    reviewer = UserFactory(username="fuzz-reviewer", roles=["reviewers"])
    claims = []
    for pk in range(1, 6):
        article = ArticleFactory(pk=pk, publisher=SourceFactory(pk=100 + pk, kind="outlet", name=f"Outlet {pk}"))
        claims.append(ClaimFactory(pk=pk, article=article, speaker=SourceFactory(pk=pk, name=f"Speaker {pk}")))
    # Explicit ids do not move the sequences: move them, or the next insert collides.
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Article, Claim, Source]):
            cursor.execute(sql)
    for claim in claims[::2]:
        workflow.transition(claim=claim, to=ClaimStatus.QUEUED, actor=None, assignee=reviewer)
    refuted = claims[2]
    workflow.transition(claim=refuted, to=ClaimStatus.IN_REVIEW, actor=reviewer)
    EvidenceFactory(claim=refuted, stance=EvidenceStance.CONTRADICTS)
    workflow.transition(claim=refuted, to=ClaimStatus.REFUTED, actor=reviewer, note="checked")
    return {"Authorization": f"Token {api_token_create(user=editor, role='editor', name='schema fuzz')[1]}"}


def _load_schema():
    from verifier.wsgi import application  # Django is configured by pytest-django before collection

    return schemathesis.openapi.from_wsgi("/api/schema/", application)


# Loaded at collection (schemathesis.pytest.from_fixture does not run under pytest 9):
# one generated test per operation.
schema = _load_schema()


@schema.parametrize()
@hypothesis_settings(
    max_examples=25, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
def test_api_conforms_to_its_schema(case, fuzz_world):
    # Every default check (no 5xx, status codes, content types, headers, bodies against the
    # schema, schema-violating requests refused) except accepting every schema-valid request:
    # cross-field rules (body or html) and state (the claim must exist, the move must be
    # allowed) refuse some requests the schema alone cannot rule out.
    case.call_and_validate(headers=fuzz_world, excluded_checks=[positive_data_acceptance])
