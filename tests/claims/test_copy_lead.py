"""An editor chooses a copy group's lead (issue 25): the group's review moves to it, nothing is lost."""

import pytest

from claims import workflow
from claims.matching.copies import copy_group_lead
from claims.models import (
    Claim, ClaimMatch, ClaimStatus, CopyKey, EvidenceStance, HistoryKind, OutboxEvent, PublishedVerdict,
)
from tests.api.conftest import client_for
from tests.factories import ArticleFactory, ClaimFactory, EvidenceFactory

pytestmark = pytest.mark.django_db
S = ClaimStatus
TEXT = "The ministry said the northern bridge will reopen on Monday."


def member(**kwargs) -> Claim:
    article = ArticleFactory(body=f"{TEXT} Local line {Claim.objects.count()}.")
    return ClaimFactory(article=article, end=len(TEXT), text=TEXT, **kwargs)


@pytest.fixture
def group(reviewer):
    """A refuted, published group: its first (the odd one out), two copies, a match with a claim elsewhere."""
    first = member(attribution_level="anonymous", speaker_text="a ministry official")
    workflow.transition(claim=first, to=S.QUEUED, actor=None, assignee=reviewer)
    workflow.transition(claim=first, to=S.IN_REVIEW, actor=reviewer)
    evidence = EvidenceFactory(claim=first, stance=EvidenceStance.CONTRADICTS, added_by=reviewer)
    workflow.transition(claim=first, to=S.REFUTED, actor=reviewer, note="the budget has no bridge line")
    first.refresh_from_db()
    copies = [member(copy_of=first, status=S.REFUTED, copy_method="same_text", speaker_text="Officials")
              for _ in range(2)]
    CopyKey.objects.create(key="the ministry said", claim=first)
    elsewhere = ClaimFactory()
    low, high = sorted((first.pk, elsewhere.pk))
    ClaimMatch.objects.create(claim_a_id=low, claim_b_id=high, score=0.9)
    return {"first": first, "copies": copies, "evidence": evidence, "elsewhere": elsewhere}


def test_the_new_lead_takes_the_groups_review_and_the_old_one_becomes_its_copy(group, editor, reviewer,
                                                                             django_capture_on_commit_callbacks):
    first, (lead, other) = group["first"], group["copies"]
    with django_capture_on_commit_callbacks(execute=False) as scheduled:
        copy_group_lead(claim=lead, actor=editor, reason="the Post's copy names the minister", expected_version=lead.version)
    first.refresh_from_db()
    lead.refresh_from_db()
    other.refresh_from_db()
    assert lead.copy_of_id is None and first.copy_of_id == lead.pk and other.copy_of_id == lead.pk
    assert (lead.status, lead.assignee) == (S.REFUTED, reviewer) and first.assignee is None
    # Its attribution now differs from the new lead's (anonymous against official).
    assert first.attribution_differs and not other.attribution_differs
    assert list(lead.evidence.values_list("pk", flat=True)) == [group["evidence"].pk]
    assert PublishedVerdict.objects.get().claim_id == lead.pk
    assert CopyKey.objects.get().claim_id == lead.pk
    match = ClaimMatch.objects.get()
    assert {match.claim_a_id, match.claim_b_id} == {lead.pk, group["elsewhere"].pk}
    for claim in (first, lead):
        assert claim.history.filter(kind=HistoryKind.LEAD, note__contains="names the minister").count() == 1
    assert OutboxEvent.objects.filter(kind="claim.group_lead_changed", claim=lead).count() == 1
    assert len(scheduled) == 1  # the new lead is embedded and matched after commit
    # Its public page is the new lead's; the old lead's address redirects there.
    page = client_for(None).get(f"/fact-checks/{first.pk}/")
    assert page.status_code == 302 and page["Location"].endswith(f"/fact-checks/{lead.pk}/")


def test_only_an_editor_with_a_fresh_page_and_a_reason_chooses_a_lead(group, editor, reviewer):
    first, (lead, _) = group["first"], group["copies"]
    with pytest.raises(workflow.TransitionForbidden):
        copy_group_lead(claim=lead, actor=reviewer, reason="mine")
    with pytest.raises(workflow.StaleVersion):
        copy_group_lead(claim=lead, actor=editor, reason="x", expected_version=lead.version + 3)
    with pytest.raises(workflow.GuardFailed):
        copy_group_lead(claim=lead, actor=editor, reason="  ")
    with pytest.raises(workflow.NotACopy):
        copy_group_lead(claim=first, actor=editor, reason="it leads already")
    lead.refresh_from_db()
    assert lead.copy_of_id == first.pk and not lead.history.exists()


def test_the_api_answers_with_the_new_lead(group, editor):
    lead = group["copies"][0]
    response = client_for(editor).post(f"/api/claims/{lead.pk}/lead/", {"reason": "clearer copy", "version": lead.version},
                                       format="json")
    assert response.status_code == 200, response.content
    assert response.json()["copy_of"] is None
