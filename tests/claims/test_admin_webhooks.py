"""Issue 17: editors see webhook subscriptions and their delivery log in the admin, and retry failures."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from claims.delivery import webhooks
from claims.models import DeliveryStatus, OutboxEvent, WebhookDelivery

pytestmark = pytest.mark.django_db
SECRET = "a-very-secret-shared-key"


@pytest.fixture
def failed_delivery(editor, settings):
    sub = webhooks.webhook_subscribe(url="https://hooks.example/in", events=[], secret=SECRET, owner=editor)
    event = OutboxEvent.objects.create(kind="claim.status_changed", payload={})
    return WebhookDelivery.objects.create(
        subscription=sub, event=event, status=DeliveryStatus.GAVE_UP, attempts=settings.WEBHOOK_MAX_ATTEMPTS,
        last_status_code=503, last_error="HTTP 503: receiver down",
    )


def test_editors_see_subscriptions_without_secrets_and_the_delivery_log(client, editor, failed_delivery):
    client.force_login(editor)
    subs = client.get(reverse("admin:claims_webhooksubscription_changelist"))
    assert subs.status_code == 200 and b"hooks.example/in" in subs.content and SECRET.encode() not in subs.content
    page = client.get(reverse("admin:claims_webhooksubscription_change", args=[failed_delivery.subscription_id]))
    assert page.status_code == 200 and SECRET.encode() not in page.content and b"Delivery log" in page.content
    log = client.get(reverse("admin:claims_webhookdelivery_changelist"))
    assert log.status_code == 200 and b"receiver down" in log.content and b"Retry now" in log.content


def test_retry_now_makes_a_failed_delivery_due(client, editor, failed_delivery):
    client.force_login(editor)
    response = client.post(
        reverse("admin:claims_webhookdelivery_changelist"),
        {"action": "retry_now", "_selected_action": [failed_delivery.pk]}, follow=True,
    )
    assert "1 delivery will be tried now." in [str(m) for m in get_messages(response.wsgi_request)]
    failed_delivery.refresh_from_db()
    assert failed_delivery.status == DeliveryStatus.FAILED and failed_delivery.next_attempt_at is not None


def test_pause_from_the_admin(client, editor, failed_delivery):
    client.force_login(editor)
    client.post(
        reverse("admin:claims_webhooksubscription_changelist"),
        {"action": "pause", "_selected_action": [failed_delivery.subscription_id]}, follow=True,
    )
    failed_delivery.subscription.refresh_from_db()
    assert failed_delivery.subscription.is_active is False


def test_reviewers_do_not_see_webhooks(client, reviewer, failed_delivery):
    client.force_login(reviewer)
    assert client.get(reverse("admin:claims_webhookdelivery_changelist")).status_code == 403
