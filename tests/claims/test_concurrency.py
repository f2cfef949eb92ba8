import threading

import pytest
from django.db import connection

from claims import workflow
from claims.models import ClaimStatus, StatusChange
from tests.factories import ClaimFactory


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_transitions_on_one_claim_exactly_one_wins(reviewer):
    claim = workflow.transition(claim=ClaimFactory(), to=ClaimStatus.QUEUED, actor=None, assignee=reviewer)
    version = claim.version
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt() -> None:
        try:
            barrier.wait()
            workflow.transition(claim=claim.pk, to=ClaimStatus.IN_REVIEW, actor=reviewer, expected_version=version)
            outcomes.append("won")
        except workflow.WorkflowError as exc:
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # The loser's copy is stale: it is told so (stale_version), not that the move is invalid.
    assert sorted(outcomes) == ["StaleVersion", "won"]
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_REVIEW and claim.version == version + 1
    assert StatusChange.objects.filter(claim=claim, to_status=ClaimStatus.IN_REVIEW).count() == 1
