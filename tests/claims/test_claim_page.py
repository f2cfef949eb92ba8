"""Issue 17, the claim page (server side): each fact once, only priority and re-check date
editable (in the workflow panel), stale saves refused, guard states before the click,
why no move is open."""

import pytest
from django.urls import reverse

from claims import workflow
from claims.models import Claim, ClaimStatus, EvidenceStance
from tests.factories import ClaimFactory, EvidenceFactory

S = ClaimStatus
pytestmark = pytest.mark.django_db


def in_review(reviewer) -> Claim:
    claim = workflow.transition(claim=ClaimFactory(), to=S.QUEUED, actor=None, assignee=reviewer)
    return workflow.transition(claim=claim, to=S.IN_REVIEW, actor=reviewer)


def triage_post(claim: Claim, *, priority: int, seen_version: int) -> dict:
    return {
        "priority": str(priority), "recheck_after_0": "", "recheck_after_1": "", "seen_version": str(seen_version),
        "evidence-TOTAL_FORMS": "0", "evidence-INITIAL_FORMS": "0", "evidence-MIN_NUM_FORMS": "0", "evidence-MAX_NUM_FORMS": "1000",
        "evidence-2-TOTAL_FORMS": "0", "evidence-2-INITIAL_FORMS": "0", "evidence-2-MIN_NUM_FORMS": "0", "evidence-2-MAX_NUM_FORMS": "1000",
        "history-TOTAL_FORMS": "0", "history-INITIAL_FORMS": "0", "history-MIN_NUM_FORMS": "0", "history-MAX_NUM_FORMS": "1000",
        "_continue": "1",
    }


def test_no_raw_form_rows_and_only_triage_fields_editable_in_the_workflow_panel(client, reviewer):
    claim = in_review(reviewer)
    client.force_login(reviewer)
    body = client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    for raw_row in ("field-speaker_text", "field-cue", "field-reason", "field-status", "field-version", "field-start", "field-attribution_level"):
        assert raw_row not in body, raw_row
    workflow_panel = body[body.index('id="workflow"'):body.index("</section>", body.index('id="workflow"'))]
    assert 'name="priority"' in workflow_panel and 'name="recheck_after_0"' in workflow_panel
    assert workflow_panel.count('form="claim_form"') >= 3  # priority, the two date parts (and the version)
    assert 'name="seen_version"' in workflow_panel and f'value="{claim.version}"' in workflow_panel


def test_a_stale_save_is_refused_and_changes_nothing(client, reviewer, editor):
    claim = in_review(reviewer)
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    client.force_login(editor)
    assert client.post(url, triage_post(claim, priority=5, seen_version=claim.version)).status_code == 302
    claim.refresh_from_db()
    assert claim.priority == 5 and claim.version == 4  # a triage change bumps the version
    client.force_login(reviewer)
    stale = client.post(url, triage_post(claim, priority=1, seen_version=3))  # the page they opened before
    assert stale.status_code == 200 and "Someone else changed this claim" in stale.content.decode()
    claim.refresh_from_db()
    assert claim.priority == 5


def test_move_buttons_show_their_guard_before_the_click(client, reviewer):
    claim = in_review(reviewer)
    EvidenceFactory(claim=claim, stance=EvidenceStance.SUPPORTS)
    client.force_login(reviewer)
    body = client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()

    def button(to):
        start = body.index(f'data-move="{to}"')
        return body[body.rindex("<button", 0, start):body.index("</span>", start)]

    assert "disabled" in button(S.REFUTED) and "needs at least one piece of contradicting evidence" in button(S.REFUTED)
    assert "disabled" in button(S.CORROBORATED) and "independent" in button(S.CORROBORATED)
    assert "disabled" not in button(S.UNVERIFIABLE) and "needs a note" in button(S.UNVERIFIABLE)  # the note can still come
    assert "in_review" not in body[body.index('id="workflow"'):body.index("</section>", body.index('id="workflow"'))].replace('data-status="in_review"', "")


def test_why_no_move_names_the_assignee_and_what_to_do(client, reviewer, other_reviewer):
    claim = in_review(reviewer)
    client.force_login(other_reviewer)
    body = client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    assert f"assigned to {reviewer.username}: only {reviewer.username} or an editor can move it" in body
    assert "Ask an editor to reassign it" in body
