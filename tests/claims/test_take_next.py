"""Issue 17: an idle reviewer gets work ("take next"): their own claim, else an unassigned
one, else the top queued claim of the most loaded queue."""

import pytest
from django.urls import reverse

from claims import services, workflow
from claims.models import Claim, ClaimStatus, OutboxEvent
from tests.factories import ClaimFactory, UserFactory

S = ClaimStatus
pytestmark = pytest.mark.django_db


def queued(user, priority=0) -> Claim:
    return workflow.transition(claim=ClaimFactory(priority=priority), to=S.QUEUED, actor=None, assignee=user)


def test_own_claims_first_then_unassigned(reviewer):
    mine = queued(reviewer, priority=1)
    assert services.claim_take_next(reviewer=reviewer) == mine
    workflow.transition(claim=mine, to=S.IN_REVIEW, actor=reviewer)
    assert services.claim_take_next(reviewer=reviewer).pk == mine.pk  # in review is still mine
    newcomer = UserFactory(username="nina", roles=["reviewers"])
    waiting = ClaimFactory(priority=4)
    taken = services.claim_take_next(reviewer=newcomer)
    assert taken.pk == waiting.pk and (taken.status, taken.assignee) == (S.QUEUED, newcomer)


def test_an_idle_reviewer_pulls_from_the_most_loaded_queue(reviewer, other_reviewer):
    busy = [queued(reviewer, priority=p) for p in (1, 9, 3)]
    queued(other_reviewer)
    newcomer = UserFactory(username="nina", roles=["reviewers"])
    taken = services.claim_take_next(reviewer=newcomer)
    assert taken.pk == busy[1].pk and taken.assignee == newcomer and taken.version == busy[1].version + 1
    assert Claim.objects.filter(assignee=reviewer, status=S.QUEUED).count() == 2
    event = OutboxEvent.objects.filter(kind="claim.assigned", claim=taken).get()
    assert event.payload["from"] == reviewer.pk and event.payload["to"] == newcomer.pk


def test_nothing_is_taken_from_a_queue_of_one_or_from_claims_in_review(reviewer):
    only = queued(reviewer)
    newcomer = UserFactory(username="nina", roles=["reviewers"])
    assert services.claim_take_next(reviewer=newcomer) is None
    second = queued(reviewer)
    workflow.transition(claim=second, to=S.IN_REVIEW, actor=reviewer)
    assert services.claim_take_next(reviewer=newcomer) is None  # one queued claim, one being worked on
    only.refresh_from_db()
    assert only.assignee == reviewer


def test_take_next_in_the_admin(client, reviewer):
    queued(reviewer), queued(reviewer)
    newcomer = UserFactory(username="nina", roles=["reviewers"], is_staff=True)
    client.force_login(newcomer)
    assert b'id="take-next"' in client.get(reverse("admin:claims_claim_queue")).content
    response = client.post(reverse("admin:claims_claim_take_next"))
    assert response.status_code == 302 and "/change/" in response["Location"]
    assert Claim.objects.filter(assignee=newcomer).count() == 1
