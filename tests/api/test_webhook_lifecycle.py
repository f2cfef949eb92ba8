"""Issue 17: webhook event kinds and schemes are checked; subscriptions have a lifecycle
(GET, PATCH, DELETE) and a delivery log; "retry now" makes a delivery due again."""

import pytest

from claims.delivery import webhooks
from claims.delivery.outbox import EVENT_KINDS, outbox_record
from claims.models import DeliveryStatus, OutboxEvent, WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db
SECRET = "a-very-secret-shared-key"


def error(response, status):
    assert response.status_code == status, response.content
    return response.json()["errors"][0]


@pytest.fixture
def hook(editor):
    return webhooks.webhook_subscribe(url="https://hooks.example/in", events=["claim.status_changed"], secret=SECRET, owner=editor)


def test_an_unknown_event_kind_is_refused_naming_the_valid_ones(api_as, editor):
    response = api_as(editor).post("/api/webhooks/", {"url": "https://x.example/h", "events": ["claim.status_changd"], "secret": SECRET}, format="json")
    err = error(response, 400)
    assert err["attr"] == "events" and "claim.status_changd" in err["detail"]
    assert all(kind in err["detail"] for kind in EVENT_KINDS)
    assert not WebhookSubscription.objects.exists()


def test_the_service_refuses_an_event_kind_it_never_emits():
    with pytest.raises(ValueError, match="EVENT_KINDS"):
        outbox_record(kind="claim.status_changd", claim=None, payload={})


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/x", "file:///etc/passwd", "gopher://hooks.example/x"])
def test_the_scheme_is_checked_even_where_private_addresses_are_allowed(api_as, editor, settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    response = api_as(editor).post("/api/webhooks/", {"url": url, "events": [], "secret": SECRET}, format="json")
    assert response.status_code == 400
    assert webhooks.destination_problem(url) == "only http(s) URLs with a host name are allowed"


def test_patch_pauses_changes_events_and_rotates_the_secret(api_as, editor, hook):
    api = api_as(editor)
    paused = api.patch(f"/api/webhooks/{hook.pk}/", {"is_active": False}, format="json")
    assert paused.status_code == 200 and paused.json()["is_active"] is False
    events = api.patch(f"/api/webhooks/{hook.pk}/", {"events": ["claim.assigned", "claim.signed_off"]}, format="json")
    assert events.json()["events"] == ["claim.assigned", "claim.signed_off"]
    rotated = api.patch(f"/api/webhooks/{hook.pk}/", {"secret": "another-secret-of-16+"}, format="json")
    assert rotated.status_code == 200 and "secret" not in rotated.json()
    hook.refresh_from_db()
    assert (hook.is_active, hook.secret) == (False, "another-secret-of-16+")
    assert api.get(f"/api/webhooks/{hook.pk}/").json()["events"] == ["claim.assigned", "claim.signed_off"]


@pytest.mark.parametrize(
    ("payload", "attr"),
    [({"events": ["claim.nope"]}, "events"), ({"is_active": "no"}, "is_active"), ({"secret": "short"}, "secret")],
)
def test_a_bad_patch_is_400(api_as, editor, hook, payload, attr):
    assert error(api_as(editor).patch(f"/api/webhooks/{hook.pk}/", payload, format="json"), 400)["attr"] == attr


def test_an_empty_patch_changes_nothing(api_as, editor, hook):
    before = api_as(editor).get(f"/api/webhooks/{hook.pk}/").json()
    response = api_as(editor).patch(f"/api/webhooks/{hook.pk}/", {}, format="json")
    assert response.status_code == 200 and response.json() == before


def test_delete_removes_the_subscription_and_its_log(api_as, editor, hook):
    event = OutboxEvent.objects.create(kind="claim.status_changed", payload={})
    WebhookDelivery.objects.create(subscription=hook, event=event)
    assert api_as(editor).delete(f"/api/webhooks/{hook.pk}/").status_code == 204
    assert not WebhookSubscription.objects.exists() and not WebhookDelivery.objects.exists()
    assert api_as(editor).delete(f"/api/webhooks/{hook.pk}/").status_code == 404


def test_only_editors_manage_webhooks(api_as, reviewer, hook):
    assert api_as(reviewer).patch(f"/api/webhooks/{hook.pk}/", {"is_active": False}, format="json").status_code == 403
    assert api_as(reviewer).get(f"/api/webhooks/{hook.pk}/deliveries/").status_code == 403


def test_deliveries_are_listed_per_subscription_with_their_state(api_as, editor, hook):
    other = webhooks.webhook_subscribe(url="https://other.example/in", events=[], secret=SECRET, owner=editor)
    event = OutboxEvent.objects.create(kind="claim.status_changed", payload={})
    failed = WebhookDelivery.objects.create(
        subscription=hook, event=event, status=DeliveryStatus.FAILED, attempts=3, last_status_code=500, last_error="HTTP 500: boom",
    )
    WebhookDelivery.objects.create(subscription=other, event=event)
    body = api_as(editor).get(f"/api/webhooks/{hook.pk}/deliveries/").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["id"] == failed.pk and row["event"] == event.pk and row["event_kind"] == "claim.status_changed"
    assert (row["status"], row["attempts"], row["last_status_code"], row["last_error"]) == ("failed", 3, 500, "HTTP 500: boom")
    assert api_as(editor).get(f"/api/webhooks/{hook.pk}/deliveries/?status=delivered").json()["count"] == 0
    assert api_as(editor).get("/api/webhooks/987654/deliveries/").status_code == 404


def test_retry_now_makes_a_given_up_delivery_due_for_one_more_attempt(hook, editor, settings):
    event = OutboxEvent.objects.create(kind="claim.status_changed", payload={})
    gave_up = WebhookDelivery.objects.create(subscription=hook, event=event, status=DeliveryStatus.GAVE_UP, attempts=settings.WEBHOOK_MAX_ATTEMPTS)
    delivered = WebhookDelivery.objects.create(
        subscription=webhooks.webhook_subscribe(url="https://b.example/h", events=[], secret=SECRET, owner=editor),
        event=event, status=DeliveryStatus.DELIVERED,
    )
    assert webhooks.deliveries_retry_now(delivery_ids=[gave_up.pk, delivered.pk]) == 1
    gave_up.refresh_from_db()
    assert gave_up.status == DeliveryStatus.FAILED and gave_up.attempts == settings.WEBHOOK_MAX_ATTEMPTS - 1
    assert webhooks.deliveries_lease() == [gave_up.pk]  # due now
