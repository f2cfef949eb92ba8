"""Both doors, one rule (issue 25): every write the admin offers and every write the API offers,
tried by each role on a claim that is not theirs, must be refused or allowed alike.

The world: rita's claim in review (her evidence, a suggestion, a match), her published verdict,
a copy group, an unassigned claim, a webhook with a failed delivery. Each case tries one write
through one door as one person, on a fresh copy of that world, and reads what changed in the
database (and what was scheduled after commit). The expected answers are written here by hand,
from DESIGN.md's roles, so an implementation that lets anything through (or nothing) fails.

People: rita (reviewer, the assignee), omar (reviewer, not the assignee), edith (editor),
nora (newsroom: submits articles, reads, never reviews).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Callable

import pytest
from django.contrib.messages import get_messages
from django.db.models import Count
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from claims import workflow
from claims.admin.model_admins import ArticleAdmin, ClaimAdmin, WebhookDeliveryAdmin, WebhookSubscriptionAdmin
from claims.admin.access import ApiTokenAdmin
from claims.admin.watching import AlertAdmin, FeedAdmin
from claims.api import urls as api_urls
from claims.api import views as api_views
from claims.models import (
    Alert, Feed,
    ApiToken, Article, Claim, ClaimMatch, ClaimStatus, DeliveryStatus, Evidence, EvidenceStance, FactCheck, OutboxEvent,
    PublishedVerdict, StatusChange, WebhookDelivery, WebhookSubscription,
)
from claims.tokens import api_token_create
from sources.models import Source
from tests.factories import ArticleFactory, ClaimFactory, EvidenceFactory, UserFactory

from .conftest import client_for

S = ClaimStatus
ASSIGNEE, OTHER_REVIEWER, EDITOR, NEWSROOM = "rita", "omar", "edith", "nora"
PEOPLE = (ASSIGNEE, OTHER_REVIEWER, EDITOR, NEWSROOM)
CLAIM_WORKERS = frozenset({ASSIGNEE, EDITOR})
EDITORS_ONLY = frozenset({EDITOR})


@pytest.fixture
def world(db):
    users = {
        ASSIGNEE: UserFactory(username=ASSIGNEE, roles=["reviewers"]),
        OTHER_REVIEWER: UserFactory(username=OTHER_REVIEWER, roles=["reviewers"]),
        EDITOR: UserFactory(username=EDITOR, roles=["editors"]),
        NEWSROOM: UserFactory(username=NEWSROOM, roles=["newsroom"]),
    }
    rita = users[ASSIGNEE]
    claim = ClaimFactory()
    workflow.transition(claim=claim, to=S.QUEUED, actor=None, assignee=rita)
    claim = workflow.transition(claim=claim, to=S.IN_REVIEW, actor=rita)
    evidence = EvidenceFactory(claim=claim, stance=EvidenceStance.SUPPORTS, added_by=rita, note="rita's link")
    elsewhere = ClaimFactory()
    suggestion = EvidenceFactory(claim=claim, stance=EvidenceStance.SUPPORTS, related_claim=elsewhere, source=None,
                                 is_suggestion=True)
    low, high = sorted((claim.pk, elsewhere.pk))
    match = ClaimMatch.objects.create(claim_a_id=low, claim_b_id=high, score=0.9)
    verdict = ClaimFactory()
    workflow.transition(claim=verdict, to=S.QUEUED, actor=None, assignee=rita)
    workflow.transition(claim=verdict, to=S.IN_REVIEW, actor=rita)
    EvidenceFactory(claim=verdict, stance=EvidenceStance.CONTRADICTS, added_by=rita)
    verdict = workflow.transition(claim=verdict, to=S.REFUTED, actor=rita, note="contradicted by the records")
    first = ClaimFactory()
    copy = ClaimFactory(article=ArticleFactory(body=first.article.body + " Local line."), text=first.text, copy_of=first)
    unassigned = ClaimFactory(check_worthiness=0.9)
    queued = workflow.transition(claim=ClaimFactory(), to=S.QUEUED, actor=None, assignee=rita)
    recheck = ClaimFactory()
    workflow.transition(claim=recheck, to=S.QUEUED, actor=None, assignee=rita)
    workflow.transition(claim=recheck, to=S.IN_REVIEW, actor=rita)
    workflow.transition(claim=recheck, to=S.UNVERIFIABLE, actor=rita, note="no records")
    recheck = workflow.transition(claim=recheck, to=S.NEEDS_RECHECK, actor=None)
    fact_check = FactCheck.objects.create(url="https://factcheck.example/1", claim_reviewed=claim.text, rating_name="False",
                                          author_name="Fact Desk")
    webhook = WebhookSubscription.objects.create(url="https://hooks.example/in", secret="s" * 32, owner=users[EDITOR])
    paused = WebhookSubscription.objects.create(url="https://hooks.example/paused", secret="p" * 32, is_active=False)
    delivery = WebhookDelivery.objects.create(subscription=webhook, event=OutboxEvent.objects.first(),
                                              status=DeliveryStatus.FAILED, attempts=3)
    _, token = api_token_create(user=rita, role="", name="rita's tool")
    feed = Feed.objects.create(url="https://wire.example/rss", publisher="Wire", host="wire.example",
                               next_poll_at=timezone.now() - timedelta(hours=1))
    alert = Alert.objects.create(claim=copy, article=copy.article, story=copy.article, prior_kind="claim",
                                 prior_claim=verdict, verdict="refuted", rating="refuted", score=0.93,
                                 last_seen_at=timezone.now())
    return {
        "users": users, "claim": claim, "evidence": evidence, "suggestion": suggestion, "match": match,
        "verdict": verdict, "first": first, "copy": copy, "unassigned": unassigned, "queued": queued, "recheck": recheck, "fact_check": fact_check,
        "webhook": webhook, "paused_webhook": paused, "delivery": delivery, "token": ApiToken.objects.get(user=rita), "source": evidence.source,
        "article": claim.article, "feed": feed, "alert": alert,
    }


def snapshot() -> tuple:
    """Everything a write could change, as plain values."""
    return (
        sorted(Claim.objects.values_list("pk", "status", "version", "assignee_id", "priority", "recheck_after", "copy_of_id")),
        sorted(Evidence.objects.values_list("pk", "claim_id", "is_suggestion", "withdrawn_at", "added_by_id")),
        StatusChange.objects.count(),
        sorted(PublishedVerdict.objects.values_list("claim_id", "withdrawn_at")),
        sorted(ClaimMatch.objects.values_list("pk", "status")),
        sorted(WebhookSubscription.objects.values_list("pk", "is_active", "events")),
        sorted(WebhookDelivery.objects.values_list("pk", "status", "next_attempt_at")),
        ApiToken.objects.filter(revoked_at__isnull=False).count(),  # (each API attempt makes its own token)
        sorted(Source.objects.values_list("pk", "name")),
        Article.objects.aggregate(n=Count("pk"))["n"],
        sorted(Feed.objects.values_list("pk", "url", "publisher", "enabled", "poll_interval_seconds", "next_poll_at")),
        sorted(Alert.objects.values_list("pk", "status", "reason")),
    )


# --- the two doors ----------------------------------------------------------------------


def admin_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def walks(what: str):
    """Label an attempt with the admin form or action, or the API route, it exercises."""

    def label(attempt):
        attempt.walks = what
        return attempt

    return label


def admin_claim_post(key: str, view: str, data: Callable[[dict], dict]):
    @walks(f"claim page: {view}")
    def attempt(user, w):
        return admin_client(user).post(reverse(f"admin:claims_claim_{view}", args=[w[key].pk]), data(w))

    return attempt


def admin_action(model: str, action: str, key: str, extra: dict | None = None):
    @walks(f"{model}: {action}")
    def attempt(user, w):
        return admin_client(user).post(
            reverse(f"admin:{model}_changelist"), {"action": action, "_selected_action": [w[key].pk], **(extra or {})}
        )

    return attempt


def claim_change_form(w, *, priority: str | None = None, evidence_url: str = "") -> dict:
    claim = w["claim"]
    priority = str(claim.priority) if priority is None else priority
    shown = list(claim.evidence.order_by("pk").values_list("pk", flat=True))
    history = list(claim.history.order_by("-at", "-id").values_list("pk", flat=True))
    form = {
        "priority": priority, "recheck_after_0": "", "recheck_after_1": "", "seen_version": str(claim.version),
        "evidence-TOTAL_FORMS": str(len(shown)), "evidence-INITIAL_FORMS": str(len(shown)),
        "evidence-MIN_NUM_FORMS": "0", "evidence-MAX_NUM_FORMS": "1000",
        "evidence-2-TOTAL_FORMS": "1", "evidence-2-INITIAL_FORMS": "0", "evidence-2-MIN_NUM_FORMS": "0",
        "evidence-2-MAX_NUM_FORMS": "1000", "evidence-2-0-claim": str(claim.pk),
        "history-TOTAL_FORMS": str(len(history)), "history-INITIAL_FORMS": str(len(history)),
        "history-MIN_NUM_FORMS": "0", "history-MAX_NUM_FORMS": "1000",
    }
    for i, pk in enumerate(shown):
        form |= {f"evidence-{i}-id": str(pk), f"evidence-{i}-claim": str(claim.pk)}
    for i, pk in enumerate(history):
        form |= {f"history-{i}-id": str(pk), f"history-{i}-claim": str(claim.pk)}
    if evidence_url:
        form |= {"evidence-2-0-stance": "contradicts", "evidence-2-0-url": evidence_url, "evidence-2-0-note": "audit"}
    return form


def admin_change_form(**kwargs):
    @walks("claim page: change form")
    def attempt(user, w):
        return admin_client(user).post(reverse("admin:claims_claim_change", args=[w["claim"].pk]),
                                       claim_change_form(w, **kwargs))

    return attempt


def api(method: str, path: str, body: Callable[[dict], dict] | None = None):
    @walks(f"{method} {path}")
    def attempt(user, w):
        ids = {k: getattr(v, "pk", v) for k, v in w.items() if k != "users"}
        return getattr(client_for(user), method)(path.format(**ids), body(w) if body else {}, format="json")

    return attempt


def api_move(key: str, to: str, note: str = ""):
    """The API's transition of the world's `key` claim, at the version it has."""
    return api("post", f"/api/claims/{{{key}}}/transition/", lambda w: {"to": to, "version": w[key].version, "note": note})


@dataclass
class Write:
    """One write, the people who may make it, and how each door attempts it."""

    name: str
    allowed: frozenset[str]
    admin: Callable | None = None
    api: Callable | None = None
    # Did the attempt do the write? Default: the database (or what was scheduled after commit) changed.
    outcome: dict[str, Callable] = field(default_factory=dict)


def _took_work_api(response, before, after) -> bool:
    return response.status_code in (200, 204)


def _took_work_admin(response, before, after) -> bool:
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    return response.status_code == 302 and "/login/" not in response["Location"] and not any("only" in m for m in shown)


WRITES = [
    Write("triage: priority", CLAIM_WORKERS, admin=admin_change_form(priority="71")),
    Write(
        "add evidence", CLAIM_WORKERS,
        admin=admin_change_form(evidence_url="https://records.example/fy24"),
        api=api("post", "/api/claims/{claim}/evidence/", lambda w: {"stance": "contradicts", "url": "https://records.example/fy24"}),
    ),
    Write(
        "accept a suggestion", CLAIM_WORKERS,
        admin=admin_claim_post("claim", "corroboration", lambda w: {"action": "accept_evidence", "evidence": w["suggestion"].pk}),
        api=api("post", "/api/claims/{claim}/evidence/{suggestion}/accept/"),
    ),
    Write(
        "withdraw evidence", frozenset({ASSIGNEE, EDITOR}),  # whoever added it (rita), or an editor
        admin=admin_claim_post("claim", "corroboration", lambda w: {
            "action": "withdraw_evidence", "evidence": w["evidence"].pk, f"reason-{w['evidence'].pk}": "wrong link"}),
        api=api("post", "/api/claims/{claim}/evidence/{evidence}/withdraw/", lambda w: {"reason": "wrong link"}),
    ),
    Write(
        "evidence from 'checked before?'", CLAIM_WORKERS,
        admin=admin_claim_post("claim", "corroboration", lambda w: {
            "action": "use_checked_before", "kind": "fact_check", "record": w["fact_check"].pk}),
        api=api("post", "/api/claims/{claim}/evidence/", lambda w: {
            "stance": "contradicts", "url": w["fact_check"].url, "source_name": "Fact Desk", "source_kind": "outlet"}),
    ),
    Write(
        "review a match", CLAIM_WORKERS,
        admin=admin_claim_post("claim", "corroboration", lambda w: {"action": "reject_match", "match": w["match"].pk}),
        api=api("post", "/api/matches/{match}/review/", lambda w: {"confirm": False}),
    ),
    Write(
        "a verdict (unverifiable, with a note)", CLAIM_WORKERS,
        admin=admin_claim_post("claim", "transition", lambda w: {
            "to": S.UNVERIFIABLE, "version": w["claim"].version, "note": "no records exist"}),
        api=api_move("claim", S.UNVERIFIABLE, "no records exist"),
    ),
    Write(
        "mark a verdict for re-check", CLAIM_WORKERS,
        admin=admin_action("claims_claim", "mark_needs_recheck", "verdict"),
        api=api_move("verdict", S.NEEDS_RECHECK),
    ),
    Write(
        "start review", CLAIM_WORKERS,
        admin=admin_action("claims_claim", "start_review", "queued"),
        api=api_move("queued", S.IN_REVIEW),
    ),
    Write(
        "queue again after re-check", EDITORS_ONLY,
        admin=admin_action("claims_claim", "requeue", "recheck"),
        api=api_move("recheck", S.QUEUED),
    ),
    Write(
        "unassign", EDITORS_ONLY,
        admin=admin_action("claims_claim", "unassign", "claim"),
        api=api_move("claim", S.UNVERIFIED),
    ),
    Write(
        "reassign", EDITORS_ONLY,
        api=api("post", "/api/claims/{claim}/assign/", lambda w: {
            "assignee": w["users"][OTHER_REVIEWER].pk, "version": w["claim"].version}),
    ),
    Write(
        "take an unassigned claim for oneself", frozenset({ASSIGNEE, OTHER_REVIEWER, EDITOR}),
        admin=admin_action("claims_claim", "assign_to_me", "unassigned"),
        api=None,  # the API's own form of it is below (queued for the caller)
    ),
    Write(
        "queue an unassigned claim for oneself", frozenset({ASSIGNEE, OTHER_REVIEWER, EDITOR}),
        admin=admin_claim_post("unassigned", "transition", lambda w: {"to": S.QUEUED, "version": w["unassigned"].version}),
        api=api_move("unassigned", S.QUEUED),
    ),
    Write(
        "take next", frozenset({ASSIGNEE, OTHER_REVIEWER, EDITOR}),
        admin=walks("claim queue: take next")(lambda user, w: admin_client(user).post(reverse("admin:claims_claim_take_next"))),
        api=api("post", "/api/queue/take/"),
        outcome={"admin": _took_work_admin, "api": _took_work_api},
    ),
    Write(
        "sign off on the sourcing", EDITORS_ONLY,
        admin=admin_claim_post("claim", "corroboration", lambda w: {"action": "sign_off", "note": "vetted"}),
        api=api("post", "/api/claims/{claim}/sign-off/", lambda w: {"note": "vetted"}),
    ),
    Write(
        "split a copy out of its group", EDITORS_ONLY,
        admin=admin_claim_post("copy", "split", lambda w: {"reason": "another statement", "version": w["copy"].version}),
        api=api("post", "/api/claims/{copy}/split/", lambda w: {"reason": "another statement", "version": w["copy"].version}),
    ),
    Write(
        "choose a copy group's lead", EDITORS_ONLY,
        admin=admin_claim_post("copy", "lead", lambda w: {"reason": "the clearer copy", "version": w["copy"].version}),
        api=api("post", "/api/claims/{copy}/lead/", lambda w: {"reason": "the clearer copy", "version": w["copy"].version}),
    ),
    Write(
        "withdraw a published fact-check", EDITORS_ONLY,
        admin=admin_action("claims_claim", "withdraw_fact_check", "verdict", {"reason": "libel risk", "apply": "1"}),
        api=api("post", "/api/claims/{verdict}/withdraw/", lambda w: {"reason": "libel risk"}),
    ),
    Write("extract an article again", EDITORS_ONLY, admin=admin_action("claims_article", "reextract", "article")),
    Write(
        "pause a webhook", EDITORS_ONLY,
        admin=admin_action("claims_webhooksubscription", "pause", "webhook"),
        api=api("patch", "/api/webhooks/{webhook}/", lambda w: {"is_active": False}),
    ),
    Write(
        "resume a webhook", EDITORS_ONLY,
        admin=admin_action("claims_webhooksubscription", "resume", "paused_webhook"),
        api=api("patch", "/api/webhooks/{paused_webhook}/", lambda w: {"is_active": True}),
    ),
    Write(
        "subscribe a webhook", EDITORS_ONLY,
        api=api("post", "/api/webhooks/", lambda w: {"url": "https://hooks.example/new", "secret": "x" * 32}),
    ),
    Write("delete a webhook", EDITORS_ONLY, api=api("delete", "/api/webhooks/{webhook}/")),
    Write("retry a failed delivery", EDITORS_ONLY, admin=admin_action("claims_webhookdelivery", "retry_now", "delivery")),
    Write("revoke an API token", EDITORS_ONLY, admin=admin_action("claims_apitoken", "revoke", "token")),
    Write(
        "rename a source", EDITORS_ONLY,
        admin=walks("source: change form")(lambda user, w: admin_client(user).post(
            reverse("admin:sources_source_change", args=[w["source"].pk]), {
                "name": "Renamed", "kind": w["source"].kind, "aliases-TOTAL_FORMS": "0", "aliases-INITIAL_FORMS": "0",
                "aliases-MIN_NUM_FORMS": "0", "aliases-MAX_NUM_FORMS": "1000"})),
    ),
    Write(
        "add a feed", EDITORS_ONLY,
        admin=walks("feed: add form")(lambda user, w: admin_client(user).post(reverse("admin:claims_feed_add"), {
            "url": "https://coast.example/feed", "publisher": "Coast Courier", "kind": "", "poll_interval_seconds": "900",
            "enabled": "on", "respect_robots": "on"})),
        api=api("post", "/api/feeds/", lambda w: {"url": "https://coast.example/feed", "publisher": "Coast Courier"}),
    ),
    Write(
        "change a feed", EDITORS_ONLY,
        admin=walks("feed: change form")(lambda user, w: admin_client(user).post(
            reverse("admin:claims_feed_change", args=[w["feed"].pk]), {
                "url": w["feed"].url, "publisher": "Wire Service", "kind": "rss", "poll_interval_seconds": "600",
                "respect_robots": "on"})),
        api=api("patch", "/api/feeds/{feed}/", lambda w: {"enabled": False}),
    ),
    Write("remove a feed", EDITORS_ONLY, api=api("delete", "/api/feeds/{feed}/")),
    Write(
        "poll a feed now", EDITORS_ONLY,
        admin=admin_action("claims_feed", "poll_now", "feed"),
        api=api("post", "/api/feeds/{feed}/poll/"),
    ),
    Write(
        "acknowledge a repeat alert", EDITORS_ONLY,
        admin=admin_action("claims_alert", "acknowledge", "alert"),
        api=api("post", "/api/alerts/{alert}/acknowledge/"),
    ),
    Write(
        "dismiss a repeat alert", EDITORS_ONLY,
        admin=admin_action("claims_alert", "dismiss", "alert", {"reason": "a quote, debunked in copy", "apply": "1"}),
        api=api("post", "/api/alerts/{alert}/dismiss/", lambda w: {"reason": "a quote, debunked in copy"}),
    ),
    Write(
        "submit an article", frozenset({NEWSROOM, EDITOR}),
        api=api("post", "/api/articles/", lambda w: {"publisher": "Daily Planet", "body": "The mayor said the dam is safe."}),
    ),
]

CASES = [
    pytest.param(write, door, person, id=f"{write.name} | {door} | {person}")
    for write in WRITES for door in ("admin", "api") if getattr(write, door) is not None for person in PEOPLE
]


@pytest.mark.parametrize(("write", "door", "person"), CASES)
def test_each_write_is_open_to_the_same_people_through_both_doors(write, door, person, world,
                                                                  django_capture_on_commit_callbacks):
    user = world["users"][person]
    before = snapshot()
    with django_capture_on_commit_callbacks(execute=False) as scheduled:
        response = getattr(write, door)(user, world)
    after = snapshot()
    judge = write.outcome.get(door)
    did = judge(response, before, after) if judge else (before != after or bool(scheduled))
    expected = person in write.allowed
    assert did == expected, (
        f"{write.name} through the {door} by {person}: {'done' if did else 'refused'}, expected "
        f"{'done' if expected else 'refused'} (HTTP {response.status_code})"
    )
    if door == "api" and not expected and write.outcome.get(door) is None:
        assert response.status_code in (401, 403, 409), response.content[:300]


def _walked() -> set[str]:
    return {getattr(attempt, "walks", None) for write in WRITES for attempt in (write.admin, write.api) if attempt}


def test_the_walk_covers_every_write_the_api_offers():
    import re

    walked = {re.sub(r"\{\w+\}", "<id>", label) for label in _walked()}
    for pattern in api_urls.urlpatterns:
        view = getattr(pattern.callback, "view_class", None)
        if view is None or view is api_views.ClaimSimilarApi:  # a search sent as POST: no write
            continue
        route = "/api/" + re.sub(r"<int:\w+>", "<id>", str(pattern.pattern))
        for method in ("post", "patch", "put", "delete"):
            if hasattr(view, method):
                assert f"{method} {route}" in walked, f"{method.upper()} {route} is not walked"


def test_the_walk_covers_every_write_the_admin_offers():
    walked = _walked()
    for model_admin, label in ((ClaimAdmin, "claims_claim"), (ArticleAdmin, "claims_article"),
                               (WebhookSubscriptionAdmin, "claims_webhooksubscription"),
                               (WebhookDeliveryAdmin, "claims_webhookdelivery"), (ApiTokenAdmin, "claims_apitoken"),
                               (FeedAdmin, "claims_feed"), (AlertAdmin, "claims_alert")):
        for action in model_admin.actions:
            assert f"{label}: {action}" in walked, f"{model_admin.__name__}.{action} is not walked"
    for view in ("change form", "corroboration", "transition", "split", "lead"):
        assert f"claim page: {view}" in walked, f"the claim page's {view} is not walked"
    assert "claim queue: take next" in walked
