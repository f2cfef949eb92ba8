"""Issue 17: evidence added by mistake is withdrawn with a reason kept in the history; the
guards and the corroboration then count without it."""

import pytest

from claims.roles import ActionForbidden
from django.core.exceptions import ValidationError
from django.urls import reverse

from claims import services, workflow
from claims.corroboration.independence import independence_report
from claims.models import ClaimStatus, EvidenceStance, HistoryKind
from tests.factories import ClaimFactory, EvidenceFactory

S = ClaimStatus
pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(reviewer):
    claim = workflow.transition(claim=ClaimFactory(), to=S.QUEUED, actor=None, assignee=reviewer)
    return workflow.transition(claim=claim, to=S.IN_REVIEW, actor=reviewer)


def test_whoever_added_it_withdraws_it_with_a_reason_in_the_history(claim, reviewer):
    evidence = EvidenceFactory(claim=claim, stance=EvidenceStance.CONTRADICTS, added_by=reviewer)
    assert workflow.guard_refuted(claim, "", reviewer) is None
    services.evidence_withdraw(evidence=evidence, actor=reviewer, reason="wrong claim: meant #12")
    evidence.refresh_from_db()
    assert evidence.withdrawn_at is not None and evidence.withdrawn_by == reviewer
    entry = claim.history.filter(kind=HistoryKind.EVIDENCE_WITHDRAWAL).get()
    assert "wrong claim: meant #12" in entry.note and entry.actor == reviewer
    assert workflow.guard_refuted(claim, "", reviewer) is not None  # the guard counts without it
    with pytest.raises(workflow.GuardFailed):
        workflow.transition(claim=claim, to=S.REFUTED, actor=reviewer)


def test_corroboration_counts_without_withdrawn_evidence(claim, reviewer):
    evidence = EvidenceFactory(claim=claim, stance=EvidenceStance.SUPPORTS, added_by=reviewer, url="https://a.example/x")
    before = len(independence_report(claim).origins)
    services.evidence_withdraw(evidence=evidence, actor=reviewer, reason="duplicate of the other link")
    assert len(independence_report(claim).origins) == before - 1


def test_only_the_adder_or_an_editor_and_always_with_a_reason(claim, reviewer, other_reviewer, editor):
    evidence = EvidenceFactory(claim=claim, added_by=reviewer)
    with pytest.raises(ActionForbidden, match="only whoever added"):
        services.evidence_withdraw(evidence=evidence, actor=other_reviewer, reason="not mine")
    with pytest.raises(ValidationError, match="say why"):
        services.evidence_withdraw(evidence=evidence, actor=reviewer, reason="  ")
    services.evidence_withdraw(evidence=evidence, actor=editor, reason="an editor may")
    with pytest.raises(ValidationError, match="already withdrawn"):
        services.evidence_withdraw(evidence=evidence, actor=editor, reason="again")


def test_withdraw_from_the_claim_page(client, claim, reviewer):
    evidence = EvidenceFactory(claim=claim, stance=EvidenceStance.CONTRADICTS, added_by=reviewer, note="the wrong record")
    client.force_login(reviewer)
    page = reverse("admin:claims_claim_change", args=[claim.pk])
    html = client.get(page).content.decode()
    assert f'name="reason-{evidence.pk}"' in html and 'form="withdraw-form"' in html and 'id="withdraw-form"' in html
    response = client.post(
        reverse("admin:claims_claim_corroboration", args=[claim.pk]),
        {"action": "withdraw_evidence", "evidence": evidence.pk, f"reason-{evidence.pk}": "added to the wrong claim"},
        follow=True,
    )
    assert "withdrawn" in response.content.decode() and "Withdrawn by" in response.content.decode()
    evidence.refresh_from_db()
    assert evidence.withdrawal_reason == "added to the wrong claim"
    # The refuted button is disabled again: its guard counts without the withdrawn evidence.
    html = client.get(page).content.decode()
    start = html.index(f'data-move="{S.REFUTED}"')
    assert "disabled" in html[html.rindex("<button", 0, start):start + 200]
