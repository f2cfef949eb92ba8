"""Webhooks: subscriptions, and delivery of outbox events to them.

The workflow writes an OutboxEvent in the transaction of each change, so an event
exists iff the change committed. Delivery runs later (Celery beat `deliver_outbox`,
plus an on-commit nudge from claims.delivery.outbox) and never blocks or fails the change:

1. fan-out: each undispatched event becomes one WebhookDelivery row per matching
   active subscription (unique per pair, so a second fan-out adds nothing), and the
   event is marked dispatched;
2. attempts: due deliveries are leased (next_attempt_at pushed past the timeout, so
   two workers never send the same row at once), POSTed with an HMAC-SHA256
   signature outside any transaction, and the outcome recorded: delivered, or
   failed with exponential backoff, or gave_up after WEBHOOK_MAX_ATTEMPTS.

Delivery is at-least-once (a worker killed after the POST but before recording it sends
that event again): receivers dedupe on the X-Verifier-Event-Id header. For one claim and
one subscription, events go out in order (its `version` in the payload): a later event
waits until the earlier one is delivered or given up.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from datetime import timedelta

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from ..models import DeliveryStatus, OutboxEvent, WebhookDelivery, WebhookSubscription
from ..roles import ActionForbidden
from .addresses import address_problem
from .outbox import EVENT_KINDS, outbox_nudge

logger = logging.getLogger(__name__)

OPEN = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)
# Rounds of attempts in one deliver_outbox run: an event that waited for its predecessor
# goes out in the same run once that one is delivered.
MAX_ROUNDS = 10

SIGNATURE_HEADER = "X-Verifier-Signature"
EVENT_ID_HEADER = "X-Verifier-Event-Id"
EVENT_KIND_HEADER = "X-Verifier-Event"
DELIVERY_ID_HEADER = "X-Verifier-Delivery"
TIMESTAMP_HEADER = "X-Verifier-Timestamp"


def sign(secret: str, body: bytes) -> str:
    """The signature header value: `sha256=` + hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str) -> bool:
    """What a receiver does (kept here for tests and for receivers written in Python)."""
    return hmac.compare_digest(sign(secret, body), header or "")


# --- Subscriptions --------------------------------------------------------------------


def destination_problem(url: str) -> str | None:
    """Why the service must not POST to `url`, or None.

    A webhook is a request the server makes on a caller's behalf: unless
    WEBHOOK_ALLOW_PRIVATE_ADDRESSES (on with DEBUG, for local receivers), a host that
    resolves to a loopback, private, link-local or reserved address is refused, at
    subscription and again before each delivery (DNS may have changed since).
    """
    return address_problem(url, allow_private=settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES)


def _check_events(events: list[str]) -> None:
    unknown = sorted(set(events) - set(EVENT_KINDS))
    if unknown:
        raise ValidationError(
            {"events": [f"unknown event kind(s) {', '.join(unknown)}; the kinds are {', '.join(EVENT_KINDS)}"]}
        )


class DestinationRefused(ActionForbidden):
    """The service will not send webhooks to that address (403: the caller may not point it there)."""


@transaction.atomic
def webhook_subscribe(*, url: str, events: list[str], secret: str, owner) -> WebhookSubscription:
    if problem := destination_problem(url):
        raise DestinationRefused(f"webhooks are not sent to {url}: {problem}")
    _check_events(events)
    subscription = WebhookSubscription(url=url, events=sorted(set(events)), secret=secret, owner=owner)
    subscription.full_clean()
    subscription.save()
    return subscription


@transaction.atomic
def webhook_update(
    *, subscription_id: int, is_active: bool | None = None, events: list[str] | None = None, secret: str | None = None
) -> WebhookSubscription:
    """Deactivate or reactivate a subscription, change its events, or rotate its secret.

    A new secret signs every delivery attempted from now on, retries of earlier events
    included. A deactivated subscription's open deliveries wait (they are not attempted)
    and go out if it is reactivated.
    """
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription_id)
    fields = []
    if is_active is not None:
        subscription.is_active = is_active
        fields.append("is_active")
    if events is not None:
        _check_events(events)
        subscription.events = sorted(set(events))
        fields.append("events")
    if secret is not None:
        subscription.secret = secret
        fields.append("secret")
    subscription.full_clean()
    if fields:
        subscription.save(update_fields=fields)
    return subscription


@transaction.atomic
def webhook_delete(*, subscription_id: int) -> None:
    """Remove a subscription and its delivery log."""
    WebhookSubscription.objects.filter(pk=subscription_id).delete()


@transaction.atomic
def deliveries_retry_now(*, delivery_ids: list[int]) -> int:
    """Make open or given-up deliveries due now (one more attempt each); returns how many.

    Delivered rows are left alone. A delivery that had given up gets one attempt: if it
    fails again it gives up again.
    """
    rows = list(
        WebhookDelivery.objects.select_for_update().filter(pk__in=delivery_ids).exclude(status=DeliveryStatus.DELIVERED).order_by("pk")
    )
    now = timezone.now()
    for delivery in rows:
        if delivery.status == DeliveryStatus.GAVE_UP:
            delivery.status = DeliveryStatus.FAILED
            delivery.attempts = min(delivery.attempts, settings.WEBHOOK_MAX_ATTEMPTS - 1)
        delivery.next_attempt_at = now
    WebhookDelivery.objects.bulk_update(rows, ["status", "attempts", "next_attempt_at"])
    if rows:
        outbox_nudge()
    return len(rows)


def _wants(subscription: WebhookSubscription, event: OutboxEvent) -> bool:
    # A new subscriber hears about what happens from now on, not the whole backlog.
    if subscription.created_at > event.created_at:
        return False
    return not subscription.events or event.kind in subscription.events


# --- Fan-out --------------------------------------------------------------------------


@transaction.atomic
def outbox_fan_out(*, limit: int | None = None) -> int:
    """Turn undispatched events into delivery rows; returns the number of events dispatched.

    Rows are locked with SKIP LOCKED so concurrent runs split the work instead of waiting.
    """
    limit = limit or settings.WEBHOOK_BATCH_SIZE
    events = list(
        OutboxEvent.objects.select_for_update(skip_locked=True)
        .filter(dispatched_at__isnull=True)
        .order_by("id")[:limit]
    )
    if not events:
        return 0
    now = timezone.now()
    subscriptions = list(WebhookSubscription.objects.filter(is_active=True))
    deliveries = [
        WebhookDelivery(subscription=sub, event=event, status=DeliveryStatus.PENDING, next_attempt_at=now)
        for event in events
        for sub in subscriptions
        if _wants(sub, event)
    ]
    WebhookDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).update(dispatched_at=now)
    return len(events)


# --- Attempts -------------------------------------------------------------------------


def backoff(attempts: int) -> timedelta:
    """Wait before attempt `attempts + 1`: base * 2**(attempts - 1), capped."""
    seconds = settings.WEBHOOK_BACKOFF_SECONDS * (2 ** max(attempts - 1, 0))
    return timedelta(seconds=min(seconds, settings.WEBHOOK_BACKOFF_MAX_SECONDS))


def _lease_seconds() -> float:
    # Long enough that a slow receiver's attempt finishes before anyone else may retry it.
    return settings.WEBHOOK_TIMEOUT_SECONDS * 2 + 30


@transaction.atomic
def deliveries_lease(*, limit: int | None = None) -> list[int]:
    """Take due deliveries for this process: bump attempts, push next_attempt_at past the lease."""
    now = timezone.now()
    # In order per claim and subscription: a delivery waits while an earlier event of the
    # same claim to the same subscription is still undelivered (pending or failed; one
    # that gave up no longer blocks). Events without a claim are not ordered.
    earlier_open = WebhookDelivery.objects.filter(
        subscription_id=OuterRef("subscription_id"), event__claim_id=OuterRef("event__claim_id"),
        event_id__lt=OuterRef("event_id"), status__in=OPEN,
    )
    due = list(
        WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(status__in=OPEN, subscription__is_active=True)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(~Exists(earlier_open))
        .order_by("next_attempt_at", "id")[: limit or settings.WEBHOOK_BATCH_SIZE]
    )
    lease_until = now + timedelta(seconds=_lease_seconds())
    for delivery in due:
        delivery.attempts += 1
        delivery.next_attempt_at = lease_until
    WebhookDelivery.objects.bulk_update(due, ["attempts", "next_attempt_at"])
    return [d.pk for d in due]


def event_body(event: OutboxEvent) -> bytes:
    envelope = {
        "id": event.pk,
        "event": event.kind,
        "created_at": event.created_at,
        "claim": event.claim_id,
        "data": event.payload,
    }
    return json.dumps(envelope, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":")).encode("utf-8")


@dataclass
class Outcome:
    ok: bool
    status_code: int | None
    error: str


def _post(delivery: WebhookDelivery) -> Outcome:
    event, subscription = delivery.event, delivery.subscription
    body = event_body(event)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "verifier-webhooks/1",
        SIGNATURE_HEADER: sign(subscription.secret, body),
        EVENT_ID_HEADER: str(event.pk),
        EVENT_KIND_HEADER: event.kind,
        DELIVERY_ID_HEADER: str(delivery.pk),
        TIMESTAMP_HEADER: str(int(time.time())),
    }
    if problem := destination_problem(subscription.url):
        return Outcome(False, None, f"refused: {problem}")
    try:
        response = requests.post(
            subscription.url, data=body, headers=headers,
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS, allow_redirects=False,
        )
    except requests.RequestException as exc:
        return Outcome(False, None, f"{type(exc).__name__}: {exc}"[:2000])
    if 200 <= response.status_code < 300:
        return Outcome(True, response.status_code, "")
    return Outcome(False, response.status_code, f"HTTP {response.status_code}: {response.text[:500]}")


@transaction.atomic
def delivery_record(*, delivery_id: int, outcome: Outcome) -> WebhookDelivery:
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
    now = timezone.now()
    delivery.last_status_code = outcome.status_code
    delivery.last_error = outcome.error
    if outcome.ok:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = DeliveryStatus.DELIVERED, now, None
    elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.GAVE_UP, None
        logger.warning("webhook delivery %s gave up after %s attempts: %s", delivery.pk, delivery.attempts, outcome.error)
    else:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, now + backoff(delivery.attempts)
    delivery.save(update_fields=["status", "delivered_at", "next_attempt_at", "last_status_code", "last_error"])
    return delivery


def delivery_attempt(*, delivery_id: int) -> WebhookDelivery:
    """Send one leased delivery (no transaction is held during the HTTP call) and record it."""
    delivery = WebhookDelivery.objects.select_related("event", "subscription").get(pk=delivery_id)
    try:
        outcome = _post(delivery)
    except Exception as exc:  # a bug or odd URL must cost one attempt, never the whole batch
        logger.exception("webhook delivery %s crashed", delivery_id)
        outcome = Outcome(False, None, f"{type(exc).__name__}: {exc}"[:2000])
    return delivery_record(delivery_id=delivery_id, outcome=outcome)


def deliver_outbox() -> dict:
    """One round: fan out new events, then attempt every due delivery. Idempotent."""
    dispatched = 0
    while batch := outbox_fan_out():
        dispatched += batch
        if batch < settings.WEBHOOK_BATCH_SIZE:
            break
    results = {"dispatched": dispatched, "delivered": 0, "failed": 0, "gave_up": 0}
    for _ in range(MAX_ROUNDS):
        settled = 0  # delivered or given up: the claim's next event may go now
        for delivery_id in deliveries_lease():
            status = delivery_attempt(delivery_id=delivery_id).status
            key = {DeliveryStatus.DELIVERED: "delivered", DeliveryStatus.GAVE_UP: "gave_up"}.get(status, "failed")
            results[key] += 1
            settled += key != "failed"
        if not settled:
            break
    return results
