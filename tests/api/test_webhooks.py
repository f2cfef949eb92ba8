"""Webhooks end to end: subscribe over the API, a transition, delivery to a real local HTTP receiver."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection

from claims.delivery import webhooks
from claims.delivery.outbox import _enqueue_delivery
from claims.models import DeliveryStatus, OutboxEvent, WebhookDelivery, WebhookSubscription
from claims.tasks import deliver_outbox

pytestmark = pytest.mark.django_db
SECRET = "a-very-secret-shared-key"


class Receiver:
    """A real HTTP server on localhost; answers the first `fail_first` requests with 500."""

    def __init__(self, fail_first: int = 0):
        self.requests: list[dict] = []
        self.fail_first = fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                failing = len(receiver.requests) <= receiver.fail_first
                self.send_response(500 if failing else 204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fast_retries(settings):
    settings.WEBHOOK_BACKOFF_SECONDS = 0
    settings.WEBHOOK_TIMEOUT_SECONDS = 2


def subscribe(api, url, events=("claim.status_changed",)):
    response = api.post("/api/webhooks/", {"url": url, "events": list(events), "secret": SECRET}, format="json")
    assert response.status_code == 201, response.content
    assert "secret" not in response.json()
    return response.json()


def test_delivery_is_signed_and_retried_after_a_failure(api_as, editor, reviewer, queued_claim, fast_retries):
    with Receiver(fail_first=1) as receiver:
        subscribe(api_as(editor), receiver.url)
        moved = api_as(reviewer).post(f"/api/claims/{queued_claim.pk}/transition/", {"to": "in_review", "version": 2}, format="json")
        assert moved.status_code == 200  # delivery happens later, outside the request

        first = deliver_outbox.apply().get()  # the Celery task body, run here
        # Both outbox events are dispatched; only the one after subscribing is delivered.
        assert first == {"dispatched": 2, "delivered": 0, "failed": 1, "gave_up": 0}
        delivery = WebhookDelivery.objects.get()
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.FAILED, 1, 500)
        assert "HTTP 500" in delivery.last_error
        assert OutboxEvent.objects.get(kind="claim.status_changed", claim=queued_claim, payload__to="in_review").dispatched_at

        second = deliver_outbox.apply().get()
        assert second["delivered"] == 1
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.DELIVERED, 2, 204)
        assert delivery.delivered_at is not None

        assert deliver_outbox.apply().get() == {"dispatched": 0, "delivered": 0, "failed": 0, "gave_up": 0}

    assert len(receiver.requests) == 2
    for request in receiver.requests:
        headers, body = request["headers"], request["body"]
        assert webhooks.verify(SECRET, body, headers["X-Verifier-Signature"])
        assert not webhooks.verify("wrong-secret-wrong-secret", body, headers["X-Verifier-Signature"])
        payload = json.loads(body)
        assert headers["X-Verifier-Event-Id"] == str(payload["id"])
        assert headers["X-Verifier-Event"] == "claim.status_changed"
        assert int(headers["X-Verifier-Timestamp"]) > 0
        assert payload["data"]["claim"] == queued_claim.pk and payload["data"]["to"] == "in_review"


def test_gives_up_after_max_attempts(api_as, editor, reviewer, queued_claim, fast_retries, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    with Receiver(fail_first=100) as receiver:
        subscribe(api_as(editor), receiver.url)
        api_as(reviewer).post(f"/api/claims/{queued_claim.pk}/transition/", {"to": "in_review", "version": 2}, format="json")
        results = [webhooks.deliver_outbox() for _ in range(5)]
    assert [r["failed"] for r in results] == [1, 1, 0, 0, 0]
    assert [r["gave_up"] for r in results] == [0, 0, 1, 0, 0]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.GAVE_UP, 3)
    assert len(receiver.requests) == 3


def test_backoff_grows_exponentially(settings):
    settings.WEBHOOK_BACKOFF_SECONDS, settings.WEBHOOK_BACKOFF_MAX_SECONDS = 30, 3600
    assert [webhooks.backoff(n).total_seconds() for n in (1, 2, 3, 4, 10)] == [30, 60, 120, 240, 3600]


def test_unreachable_receiver_is_logged_and_retried_later(api_as, editor, reviewer, queued_claim, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    with Receiver() as receiver:
        dead_url = receiver.url
    subscribe(api_as(editor), dead_url)  # the server is closed: connection refused
    api_as(reviewer).post(f"/api/claims/{queued_claim.pk}/transition/", {"to": "in_review", "version": 2}, format="json")
    assert webhooks.deliver_outbox()["failed"] == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.last_status_code is None
    assert "ConnectionError" in delivery.last_error
    assert delivery.next_attempt_at is not None
    assert webhooks.deliver_outbox()["failed"] == 0  # not due yet: backoff


def test_fan_out_matches_events_and_is_idempotent(api_as, editor, reviewer, queued_claim):
    all_events = WebhookSubscription.objects.create(url="https://a.example/h", events=[], secret=SECRET)
    assigned_only = WebhookSubscription.objects.create(url="https://b.example/h", events=["claim.assigned"], secret=SECRET)
    WebhookSubscription.objects.create(url="https://c.example/h", events=[], secret=SECRET, is_active=False)
    webhooks.outbox_fan_out()
    assert not WebhookDelivery.objects.exists()  # the queueing event predates every subscription
    api_as(reviewer).post(f"/api/claims/{queued_claim.pk}/transition/", {"to": "in_review", "version": 2}, format="json")
    api_as(editor).post(f"/api/claims/{queued_claim.pk}/assign/", {"assignee": reviewer.pk}, format="json")
    assert webhooks.outbox_fan_out() == 2
    assert webhooks.outbox_fan_out() == 0
    pairs = set(WebhookDelivery.objects.values_list("subscription_id", "event__kind"))
    assert pairs == {(all_events.pk, "claim.status_changed"), (all_events.pk, "claim.assigned"), (assigned_only.pk, "claim.assigned")}


@pytest.mark.parametrize(
    "payload",
    [{"url": "not-a-url", "events": [], "secret": SECRET}, {"url": "https://x.example", "events": ["Bad Event"], "secret": SECRET},
     {"url": "https://x.example", "events": [], "secret": "short"}, {"url": "https://x.example", "events": "claim.status_changed", "secret": SECRET}],
)
def test_bad_subscription_is_400(api_as, editor, payload):
    assert api_as(editor).post("/api/webhooks/", payload, format="json").status_code == 400
    assert not WebhookSubscription.objects.exists()


def test_subscriptions_are_listed_without_secrets(api_as, editor):
    subscribe(api_as(editor), "https://hooks.example/in")
    body = api_as(editor).get("/api/webhooks/").json()
    assert body["count"] == 1 and "secret" not in body["results"][0]


def test_transition_enqueues_a_delivery_after_commit_without_failing(api_as, reviewer, queued_claim, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api_as(reviewer).post(f"/api/claims/{queued_claim.pk}/transition/", {"to": "in_review", "version": 2}, format="json")
    assert response.status_code == 200
    # One delivery round per transaction: the fixture's own transition (same test transaction)
    # may have asked already, so the nudge is either captured here or still pending.
    pending = [func for _, func, _ in connection.run_on_commit]
    assert _enqueue_delivery in callbacks + pending  # a dead broker is only logged


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hook", "http://10.0.0.5/hook", "http://169.254.169.254/latest",
                                 "http://localhost:8000/hook"])
def test_private_receivers_are_refused_in_production(api_as, editor, settings, url):
    # A well-formed URL the service will not send to: 403 (not the caller's to point it there), with why.
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    response = api_as(editor).post("/api/webhooks/", {"url": url, "events": [], "secret": SECRET}, format="json")
    assert response.status_code == 403
    assert "non-public" in response.json()["errors"][0]["detail"]
    assert not WebhookSubscription.objects.exists()


def test_an_ip_v6_literal_is_not_a_webhook_url(api_as, editor):
    # The schema's URL rule (claims/api/schema.py) takes a domain, localhost or IPv4 only.
    response = api_as(editor).post("/api/webhooks/", {"url": "http://[::1]/hook", "events": [], "secret": SECRET}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "url"


def test_delivery_to_an_address_that_became_private_is_refused(editor, settings):
    subscription = webhooks.webhook_subscribe(url="http://127.0.0.1:9/hook", events=["claim.status_changed"], secret=SECRET, owner=editor)
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    event = OutboxEvent.objects.create(kind="claim.status_changed", payload={"claim": 1})
    delivery = WebhookDelivery.objects.create(subscription=subscription, event=event)
    recorded = webhooks.delivery_attempt(delivery_id=delivery.pk)
    assert recorded.status != DeliveryStatus.DELIVERED and recorded.last_error.startswith("refused:")


def test_an_empty_event_list_subscribes_to_every_event(api_as, editor):
    response = api_as(editor).post("/api/webhooks/", {"url": "https://hooks.example/all", "events": [], "secret": SECRET}, format="json")
    assert response.status_code == 201 and response.json()["events"] == []
    subscription = WebhookSubscription.objects.get()
    event = OutboxEvent.objects.create(kind="claim.signed_off", payload={})
    assert webhooks._wants(subscription, event)


def test_one_claims_events_are_delivered_in_version_order_even_under_retries(api_as, editor, reviewer, queued_claim, fast_retries):
    with Receiver(fail_first=1) as receiver:  # the first attempt (version 3) fails and is retried
        subscribe(api_as(editor), receiver.url)
        moves = [(api_as(reviewer), "in_review", 2), (api_as(editor), "unverified", 3)]  # versions 3 and 4
        for api, to, version in moves:
            moved = api.post(f"/api/claims/{queued_claim.pk}/transition/", {"to": to, "version": version}, format="json")
            assert moved.status_code == 200, moved.content
        first = webhooks.deliver_outbox()
        assert first["failed"] == 1 and first["delivered"] == 0  # the later event waited for the failed one
        second = webhooks.deliver_outbox()
        assert second["delivered"] == 2  # both in this run, one after the other
    versions = [json.loads(r["body"])["data"]["version"] for r in receiver.requests]
    assert versions == [3, 3, 4]  # failed, retried, then the next version; never 4 before 3
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 2
