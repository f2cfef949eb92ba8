"""Sourcing policy gates: anonymous-only corroboration needs an editor's sign-off."""

import pytest

from claims import workflow
from claims.models import ClaimStatus, HistoryKind
from sources.levels import AttributionLevel as L
from sources.models import SourceKind as K
from tests.factories import ArticleFactory, ClaimFactory, EvidenceFactory, OutletFactory, SourceFactory

pytestmark = pytest.mark.django_db


def anonymous_report(outlet: str):
    article = ArticleFactory(publisher=OutletFactory(name=outlet), body=f"The deal is done, sources told {outlet}.")
    return ClaimFactory(article=article, attribution_level=L.ANONYMOUS, speaker=SourceFactory(name=f"sources ({outlet})", kind=K.ANONYMOUS))


@pytest.fixture
def in_review(reviewer):
    claim = workflow.transition(claim=ClaimFactory(), to=ClaimStatus.QUEUED, actor=None, assignee=reviewer)
    return workflow.transition(claim=claim, to=ClaimStatus.IN_REVIEW, actor=reviewer)


def test_two_anonymous_origins_need_an_editors_sign_off(in_review, reviewer, editor):
    for outlet in ("Reuters", "BBC News"):
        EvidenceFactory(claim=in_review, related_claim=anonymous_report(outlet), source=None, url="")
    with pytest.raises(workflow.GuardFailed, match="rests only on anonymous sources .*editor must sign off"):
        workflow.transition(claim=in_review, to=ClaimStatus.CORROBORATED, actor=reviewer)
    with pytest.raises(workflow.TransitionForbidden):
        workflow.sign_off(claim=in_review, actor=reviewer, note="fine by me")
    entry = workflow.sign_off(claim=in_review, actor=editor, note="Two desks confirmed the sources independently.")
    assert entry.kind == HistoryKind.SIGN_OFF and entry.actor == editor
    claim = workflow.transition(claim=in_review, to=ClaimStatus.CORROBORATED, actor=reviewer)
    assert claim.status == ClaimStatus.CORROBORATED
    assert list(claim.history.values_list("kind", flat=True)[:2]) == [HistoryKind.TRANSITION, HistoryKind.SIGN_OFF]


def test_single_anonymous_origin_is_gated_where_policy_accepts_one_origin(in_review, reviewer, editor, settings):
    settings.CORROBORATION_MIN_ORIGINS = 1
    EvidenceFactory(claim=in_review, related_claim=anonymous_report("Reuters"), source=None, url="")
    with pytest.raises(workflow.GuardFailed, match="anonymous"):
        workflow.transition(claim=in_review, to=ClaimStatus.CORROBORATED, actor=reviewer)
    # An editor making the move with a note is the sign-off, recorded in the history.
    claim = workflow.transition(claim=in_review, to=ClaimStatus.CORROBORATED, actor=editor, note="Single source vetted by the standards desk.")
    assert claim.history.first().actor == editor


def test_gate_can_be_switched_off(in_review, reviewer, settings):
    settings.ANONYMOUS_CORROBORATION_NEEDS_SIGN_OFF = False
    for outlet in ("Reuters", "BBC News"):
        EvidenceFactory(claim=in_review, related_claim=anonymous_report(outlet), source=None, url="")
    assert workflow.transition(claim=in_review, to=ClaimStatus.CORROBORATED, actor=reviewer).status == ClaimStatus.CORROBORATED


def test_one_on_record_origin_lifts_the_gate(in_review, reviewer):
    EvidenceFactory(claim=in_review, related_claim=anonymous_report("Reuters"), source=None, url="")
    EvidenceFactory(claim=in_review, source=SourceFactory(name="Harbour master Lee Park"))
    assert workflow.transition(claim=in_review, to=ClaimStatus.CORROBORATED, actor=reviewer).status == ClaimStatus.CORROBORATED


def test_suggested_evidence_does_not_count(in_review, reviewer):
    EvidenceFactory(claim=in_review, source=SourceFactory(name="A"), is_suggestion=True)
    EvidenceFactory(claim=in_review, source=SourceFactory(name="B"), is_suggestion=True)
    with pytest.raises(workflow.GuardFailed, match="found 0"):
        workflow.transition(claim=in_review, to=ClaimStatus.CORROBORATED, actor=reviewer)
