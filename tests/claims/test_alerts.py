"""Repeat alerts: a claim checked before comes back through a feed (or any intake), and the desk hears
of it once per story: on the desk, in the API, as a webhook, in the digest."""

from __future__ import annotations

import json

import pytest
from django.core import mail

from claims import tasks, workflow
from claims.delivery import webhooks
from claims.matching import alerts, fact_checks, retrieval
from claims.models import (
    Alert, AlertChange, AlertStatus, Article, Claim, ClaimStatus, EvidenceStance, FactCheck, OutboxEvent, PriorKind,
    WebhookSubscription,
)
from claims.pipeline import feeds, ingestion
from tests.factories import EvidenceFactory
from tests.feed_server import server  # noqa: F401 (the fixture)

from . import feed_fixtures as fx

pytestmark = pytest.mark.django_db
S = ClaimStatus

FALSE_CLAIM = "The harbour bridge repairs will cost taxpayers $90 million, the mayor said."
PRIOR_BODY = (
    f"{FALSE_CLAIM} The council has not published the contract yet.\n\n"
    "Construction crews were seen near the northern ramp on Tuesday, residents said."
)
STORY = (
    "Work on the harbour bridge began this week after months of delay, the transport department said.\n\n"
    f"{FALSE_CLAIM}\n\n"
    "Drivers should expect lane closures until the end of the year, according to the police.\n\n"
    "The ferry company said it would add two extra crossings every morning during the works.\n\n"
    "Shop owners near the southern ramp told reporters that sales had fallen by a third since August."
)


@pytest.fixture(autouse=True)
def _feed_settings(settings):
    settings.FEEDS_ALLOW_PRIVATE_ADDRESSES = True
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    settings.FEEDS_HOST_MIN_GAP_SECONDS = 0.0
    settings.FEEDS_POLL_THREADS = 1
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def extract(article: Article) -> list[Claim]:
    """What the worker does for a new article: extract, match, alert (the task, run here)."""
    tasks.extract_article.apply(args=[article.pk])
    return list(Claim.objects.filter(article=article).order_by("start"))


def refuted_prior(reviewer) -> Claim:
    article, _ = ingestion.ingest_article(body=PRIOR_BODY, publisher="Harbour Daily", title="Bridge costs")
    claim = next(c for c in extract(article) if "$90 million" in c.text)
    workflow.transition(claim=claim, to=S.QUEUED, actor=None, assignee=reviewer)
    workflow.transition(claim=claim, to=S.IN_REVIEW, actor=reviewer)
    EvidenceFactory(claim=claim, stance=EvidenceStance.CONTRADICTS, url="https://records.example.gov/contract")
    return workflow.transition(claim=claim, to=S.REFUTED, actor=reviewer, note="The contract says $9 million.")


def test_the_same_story_in_two_feeds_is_one_copy_group_and_one_alert(server, editor, reviewer):
    prior = refuted_prior(reviewer)
    receiver = server.url("/hook")
    WebhookSubscription.objects.create(url=receiver, secret="s" * 32, events=["claim.repeat_detected"])
    wire = fx.Story("wire-1", server.url("/wire/1"), "Bridge work begins", STORY)
    local = fx.Story("local-1", "https://coast.example/bridge", "Bridge work begins",
                     STORY + "\n\nThe Coast Courier will follow the works closely.")
    first = feeds.feed_create(url=server.route("/wire.xml", fx.rss([wire])), publisher="Wire Service", actor=editor)
    second = feeds.feed_create(url=server.route("/coast.json", fx.json_feed([local]), content_type="application/feed+json"),
                               publisher="Coast Courier", actor=editor)
    outcomes = {o.feed_id: o for o in feeds.feeds_poll()}
    assert outcomes[first.pk].articles == 1 and outcomes[second.pk].articles == 1
    wire_article = Article.objects.get(publisher__name="Wire Service")
    local_article = Article.objects.get(publisher__name="Coast Courier")
    extract(wire_article)
    extract(local_article)
    local_article.refresh_from_db()
    assert local_article.copy_of_id == wire_article.pk  # one story: a copy group

    alert = Alert.objects.get()  # one alert for the story, not one per copy
    assert alert.prior_kind == PriorKind.CLAIM and alert.prior_claim_id == prior.pk and alert.verdict == S.REFUTED
    assert alert.article_id == wire_article.pk and alert.claim.text == FALSE_CLAIM and alert.score >= 0.99
    assert alert.status == AlertStatus.OPEN
    assert AlertChange.objects.filter(alert=alert, to_status="open").count() == 1

    events = OutboxEvent.objects.filter(kind="claim.repeat_detected")
    assert events.count() == 1
    webhooks.deliver_outbox()
    (path, headers, body), = server.posts
    payload = json.loads(body)
    assert path == "/hook" and headers["X-Verifier-Event"] == "claim.repeat_detected"
    assert payload["data"]["prior"] == {"kind": "claim", "id": prior.pk, "url": f"/fact-checks/{prior.pk}/",
                                        "verdict": "refuted", "rating": "refuted"}

    assert alerts.alerts_email_digest() == 1
    (message,) = mail.outbox
    assert editor.email in message.to and message.subject == "Repeated claims: 1 since the last digest"
    lines = [line for line in message.body.splitlines() if line.startswith("- ")]
    assert len(lines) == 1 and FALSE_CLAIM[:60] in lines[0] and "rated refuted" in lines[0]
    assert alerts.alerts_email_digest() == 0  # nothing twice


def test_extracting_again_raises_nothing_new(reviewer):
    refuted_prior(reviewer)
    article, _ = ingestion.ingest_article(body=STORY, publisher="Wire Service")
    extract(article)
    extract(article)
    tasks.match_article.apply(args=[article.pk])
    assert Alert.objects.count() == 1 and OutboxEvent.objects.filter(kind="claim.repeat_detected").count() == 1


def test_a_story_relayed_again_after_its_verdict_alerts_once_but_its_earlier_copies_do_not(reviewer):
    lead, _ = ingestion.ingest_article(body=STORY, publisher="Wire Service")
    claim = next(c for c in extract(lead) if c.text == FALSE_CLAIM)
    before, _ = ingestion.ingest_article(body=STORY + "\n\nThe Early Post will follow the works.", publisher="Early Post")
    extract(before)  # a copy made before any verdict: nothing to repeat yet
    workflow.transition(claim=claim, to=S.QUEUED, actor=None, assignee=reviewer)
    workflow.transition(claim=claim, to=S.IN_REVIEW, actor=reviewer)
    EvidenceFactory(claim=claim, stance=EvidenceStance.CONTRADICTS, url="https://records.example.gov/contract")
    workflow.transition(claim=claim, to=S.REFUTED, actor=reviewer, note="The contract says $9 million.")
    assert Alert.objects.count() == 0
    for n, outlet in enumerate(("Coast Courier", "Harbour Daily")):
        copy, _ = ingestion.ingest_article(body=STORY + f"\n\n{outlet} will follow the works.", publisher=outlet)
        extract(copy)
        copy.refresh_from_db()
        assert copy.copy_of_id == lead.pk
        alert = Alert.objects.get()  # the second relay is the same story: it refreshes the one alert
        assert alert.prior_claim_id == claim.pk and alert.story_id == lead.pk and alert.verdict == S.REFUTED
    assert alert.article.publisher.name == "Coast Courier" and alert.last_seen_at > alert.created_at


def test_a_claim_without_a_published_verdict_raises_nothing(reviewer):
    article, _ = ingestion.ingest_article(body=PRIOR_BODY, publisher="Harbour Daily")
    extract(article)  # checked by nobody
    again, _ = ingestion.ingest_article(body=STORY, publisher="Wire Service")
    extract(again)
    assert Alert.objects.count() == 0


def test_an_imported_false_fact_check_alerts_a_reworded_repeat_but_a_true_one_does_not():
    records = [
        ("a", {"@type": "ClaimReview", "url": "https://factcheck.example/vaccine-chips",
               "claimReviewed": "COVID-19 vaccines contain microchips that track people",
               "reviewRating": {"@type": "Rating", "alternateName": "Pants on Fire"}, "author": {"name": "PolitiFact"}}),
        ("b", {"@type": "ClaimReview", "url": "https://factcheck.example/bridge-open",
               "claimReviewed": "The harbour bridge reopened to traffic in May",
               "reviewRating": {"@type": "Rating", "alternateName": "True"}, "author": {"name": "PolitiFact"}}),
    ]
    result = fact_checks.fact_checks_import_records(records)
    retrieval.fact_checks_embed(fact_check_ids=result.created)
    body = ("Vaccines against COVID-19 contain microchips to track people, a viral post claimed on Sunday.\n\n"
            "The harbour bridge reopened to traffic in May, the transport department said.")
    article, _ = ingestion.ingest_article(body=body, publisher="Coast Courier")
    extract(article)
    alert = Alert.objects.get()
    assert alert.prior_kind == PriorKind.FACT_CHECK and alert.prior_fact_check.url.endswith("/vaccine-chips")
    assert alert.verdict == S.REFUTED and alert.rating == "Pants on Fire"
    assert alerts.alert_payload(alert.pk)["prior"]["url"] == "https://factcheck.example/vaccine-chips"
    # withdrawn by its publisher: no longer alerts
    fact_checks.fact_checks_import_records([("c", fact_checks.Withdrawal("https://factcheck.example/vaccine-chips",
                                                                         alert.created_at))])
    assert FactCheck.objects.get(url__endswith="/vaccine-chips").withdrawn_at is not None
    Alert.objects.all().delete()
    extract(article)
    tasks.match_article.apply(args=[article.pk])
    assert Alert.objects.count() == 0


@pytest.mark.parametrize(("name", "meaning", "verdict"), [
    ("False", "false", S.REFUTED),
    ("Pants on Fire", "false", S.REFUTED),
    ("pants-fire", "false", S.REFUTED),
    ("Four Pinocchios", "false", S.REFUTED),
    ("Incorrect", "false", S.REFUTED),
    ("Fake", "false", S.REFUTED),
    ("Mostly False", "misleading", S.DISPUTED),
    ("Misleading", "misleading", S.DISPUTED),
    ("Missing context", "misleading", S.DISPUTED),
    ("Three Pinocchios", "misleading", S.DISPUTED),
    ("Half True", "mixed", S.DISPUTED),
    ("Mixture", "mixed", S.DISPUTED),
    ("Mostly True", "true", S.CORROBORATED),
    ("True", "true", S.CORROBORATED),
    ("Correct", "true", S.CORROBORATED),
    ("Not false", "true", S.CORROBORATED),
    ("Unproven", "unproven", S.UNVERIFIABLE),
    ("refuted", "false", S.REFUTED),  # another instance of this service
    ("corroborated", "true", S.CORROBORATED),
])
def test_rating_names_map_to_our_verdicts(name, meaning, verdict):
    assert fact_checks.rating_meaning(name=name) == meaning
    assert fact_checks.MEANING_VERDICTS[meaning] == verdict
    assert (meaning in fact_checks.ALERTING_MEANINGS) == (meaning in ("false", "misleading"))


@pytest.mark.parametrize(("value", "best", "worst", "meaning"), [
    ("1", "5", "1", "false"), ("2", "5", "1", "misleading"), ("3", "5", "1", "mixed"), ("5", "5", "1", "true"),
    ("1", "3", "1", "false"),  # this service's own scale: refuted
    ("-1", "3", "1", ""),  # unverifiable sits outside the scale
    ("x", "5", "1", ""),
])
def test_a_numeric_rating_is_placed_on_its_own_scale(value, best, worst, meaning):
    assert fact_checks.rating_meaning(name="", value=value, best=best, worst=worst) == meaning


def test_editors_acknowledge_or_dismiss_with_a_reason_kept_in_history(reviewer, editor):
    refuted_prior(reviewer)
    article, _ = ingestion.ingest_article(body=STORY, publisher="Wire Service")
    extract(article)
    alert = Alert.objects.get()
    from claims.roles import ActionForbidden
    from django.core.exceptions import ValidationError

    with pytest.raises(ActionForbidden):
        alerts.alert_decide(alert_id=alert.pk, to="acknowledged", actor=reviewer)
    with pytest.raises(ValidationError):
        alerts.alert_decide(alert_id=alert.pk, to="dismissed", actor=editor)
    alerts.alert_decide(alert_id=alert.pk, to="acknowledged", actor=editor)
    alerts.alert_decide(alert_id=alert.pk, to="dismissed", actor=editor, reason="A quote of the old claim, debunked in copy.")
    with pytest.raises(alerts.AlertRefused):
        alerts.alert_decide(alert_id=alert.pk, to="acknowledged", actor=editor)
    history = list(AlertChange.objects.filter(alert=alert).values_list("from_status", "to_status", "note"))
    assert history[1:] == [("open", "acknowledged", ""), ("acknowledged", "dismissed", "A quote of the old claim, debunked in copy.")]
