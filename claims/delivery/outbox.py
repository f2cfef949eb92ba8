"""The outbox: events for newsroom tools, written in the transaction of the change they report.

Delivery (claims.delivery.webhooks) happens later and can never block or undo the change; a
committed transaction that wrote events asks a worker for one delivery round at once
(beat runs one every 30 s anyway, so a dead broker only costs latency).
"""

from __future__ import annotations

import logging

from django.db import transaction

from .. import jobs
from ..models import Claim, OutboxEvent

logger = logging.getLogger(__name__)

# Every event kind the service emits: what a webhook may subscribe to (anything else is
# refused at subscription, since it would never fire). A new kind is added here first.
EVENT_KINDS = (
    "claim.status_changed",  # a workflow move (workflow.transition, the recheck sweep)
    "claim.assigned",  # an editor handed an open claim to another reviewer
    "claim.signed_off",  # an editor signed off on the sourcing
    "claim.match_verdict",  # a confirmed match carried a verdict across
    "claim.fact_check_withdrawn",  # an editor withdrew a published fact-check
    "claim.split_from_group",  # an editor split a copy out of its copy group
    "claim.group_lead_changed",  # an editor made a copy the lead of its copy group
    "claim.repeat_detected",  # a claim checked before came back in new copy (claims/matching/alerts.py)
)


def outbox_record(*, kind: str, claim: Claim | None, payload: dict) -> OutboxEvent:
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown event kind {kind!r}: add it to claims.delivery.outbox.EVENT_KINDS")
    event = OutboxEvent.objects.create(kind=kind, claim=claim, payload=payload)
    outbox_nudge()
    return event


def _enqueue_delivery() -> None:
    try:
        jobs.enqueue("deliver_outbox", retry=False)
    except Exception:
        logger.warning("could not enqueue webhook delivery; beat will deliver", exc_info=True)


def outbox_nudge() -> None:
    """After commit, enqueue one delivery round: once per transaction, however many events it wrote."""
    connection = transaction.get_connection()
    # Django keeps pending on-commit callbacks as (savepoint ids, func, robust) and drops
    # them on rollback, so "already pending" is exactly "this transaction asked already".
    if any(func is _enqueue_delivery for _, func, _ in connection.run_on_commit):
        return
    transaction.on_commit(_enqueue_delivery)
