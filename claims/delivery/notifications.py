"""Reviewer notices: stored in the transaction of the change they report, emailed after.

A notice's dedupe_key is derived from what it reports (reviewer + the claims of the
batch, or claim + SLA window), so a redelivered task or a second run writes nothing new.
Emails go out after commit and again from later runs while `emailed_at` is empty: at
least once, never for a rolled-back change.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.utils import timezone

from ..models import Notification

logger = logging.getLogger(__name__)

MESSAGE_LIST_LIMIT = 20  # claim ids quoted in a message; the notice links all of them


def _digest(ids: Sequence[int]) -> str:
    return hashlib.sha256(",".join(map(str, sorted(ids))).encode()).hexdigest()[:40]


def _link_claims(links: dict[int, Sequence[int]]) -> None:
    """notification id -> claim ids, in the M2M table; one statement per notice on PostgreSQL."""
    through = Notification.claims.through
    if connection.vendor == "postgresql":
        table = through._meta.db_table
        with connection.cursor() as cursor:
            for notification_id, claim_ids in links.items():
                cursor.execute(
                    f"INSERT INTO {table} (notification_id, claim_id) SELECT %s, unnest(%s::bigint[]) ON CONFLICT DO NOTHING",
                    [notification_id, list(claim_ids)],
                )
        return
    through.objects.bulk_create(
        [through(notification_id=n, claim_id=c) for n, ids in links.items() for c in ids], ignore_conflicts=True
    )


def notify_assigned(*, claims_by_reviewer: Mapping[int, Sequence[int]], kind: str = "claims.assigned") -> list[Notification]:
    """One notice per reviewer for a batch of claims just queued for them (call inside the batch's transaction)."""
    wanted = {}
    for reviewer_id, claim_ids in claims_by_reviewer.items():
        if not claim_ids:
            continue
        shown = ", ".join(f"#{pk}" for pk in sorted(claim_ids)[:MESSAGE_LIST_LIMIT])
        more = f" and {len(claim_ids) - MESSAGE_LIST_LIMIT} more" if len(claim_ids) > MESSAGE_LIST_LIMIT else ""
        what = "claims to re-check" if kind == "claims.recheck" else "new claims"
        wanted[f"{kind}:{reviewer_id}:{_digest(claim_ids)}"] = (
            Notification(
                recipient_id=reviewer_id, kind=kind, dedupe_key=f"{kind}:{reviewer_id}:{_digest(claim_ids)}",
                message=f"{len(claim_ids)} {what} in your queue: {shown}{more}.",
            ),
            claim_ids,
        )
    if not wanted:
        return []
    existing = set(Notification.objects.filter(dedupe_key__in=wanted).values_list("dedupe_key", flat=True))
    fresh = [notice for key, (notice, _) in wanted.items() if key not in existing]
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    created = Notification.objects.filter(dedupe_key__in=[n.dedupe_key for n in fresh])
    _link_claims({n.pk: wanted[n.dedupe_key][1] for n in created})
    if fresh:
        transaction.on_commit(notifications_email_pending)
    return list(created)


def notify_escalated(*, keys: Mapping[int, str], recipients: Mapping[int, Sequence[int]]) -> list[int]:
    """Notices for claims past their SLA; returns the claims escalated now (not already in this window)."""
    first_keys = {pk: f"{key}:{recipients[pk][0]}" for pk, key in keys.items() if recipients.get(pk)}
    for pk in keys.keys() - first_keys.keys():
        logger.warning("claim %s is past its SLA but has no assignee and there is no editor to tell", pk)
    done = set(Notification.objects.filter(dedupe_key__in=first_keys.values()).values_list("dedupe_key", flat=True))
    escalated = [pk for pk, key in first_keys.items() if key not in done]
    notices = [
        Notification(
            recipient_id=recipient, kind="claim.escalated", dedupe_key=f"{keys[pk]}:{recipient}",
            message=f"Claim #{pk} has waited past the review SLA ({settings.REVIEW_SLA}); its priority was raised.",
        )
        for pk in escalated
        for recipient in recipients[pk]
    ]
    Notification.objects.bulk_create(notices, ignore_conflicts=True)
    created = Notification.objects.filter(dedupe_key__in=[n.dedupe_key for n in notices]).values_list("pk", "dedupe_key")
    _link_claims({pk: [int(key.split(":")[1])] for pk, key in created})
    if notices:
        transaction.on_commit(notifications_email_pending)
    return escalated


def notifications_email_pending(*, limit: int = 200) -> int:
    """Email notices not emailed yet (recipients with an address). Rows are skip-locked: two senders never double up."""
    sent = 0
    try:
        with transaction.atomic():
            notices = list(
                Notification.objects.filter(emailed_at__isnull=True)
                .exclude(recipient__email="")
                .select_related("recipient")
                .order_by("id")
                .select_for_update(skip_locked=True, of=("self",))[:limit]
            )
            if not notices:
                return 0
            messages = [
                EmailMessage(
                    subject=f"[{settings.NEWSROOM_NAME}] {notice.message[:60]}",
                    body=notice.message,
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=[notice.recipient.email],
                )
                for notice in notices
            ]
            sent = get_connection(fail_silently=False).send_messages(messages) or 0
            Notification.objects.filter(pk__in=[n.pk for n in notices]).update(emailed_at=timezone.now())
    except Exception:  # mail server down: the notices stay un-emailed and the next run retries
        logger.warning("could not email reviewer notices; will retry", exc_info=True)
        return 0
    return sent
