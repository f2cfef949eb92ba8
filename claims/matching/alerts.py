"""Repeat alerts: a claim that was checked before comes back in new copy, and the desk is told.

Raised after an article's claims are matched (claims/tasks.py), whatever brought the article in
(the API, `ingest`, a watched feed). A new claim raises one when it is, above the calibrated
match threshold (and with the same figures),
- a copy or a match of one of our claims whose verdict is published (any verdict: the desk can
  reuse it), or
- a match of an imported fact-check whose rating means false or misleading
  (claims/matching/fact_checks.py `rating_meaning`), not withdrawn.
One alert per story and prior check: the story is the article's first copy (Article.copy_of),
so the copies of one story raise one alert. An alert is open until an editor acknowledges it or
dismisses it with a reason (kept in its history); each new alert is a `claim.repeat_detected`
webhook event, and the day's alerts go to editors in one digest email.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..delivery.outbox import outbox_record
from ..delivery.publishing import fact_check_path, newsroom_base
from ..models import (
    Alert, AlertChange, AlertStatus, Article, Claim, ClaimMatch, FactCheck, MatchStatus, PriorKind, PublishedVerdict,
)
from ..roles import StateConflict, can_edit_desk, require
from . import retrieval
from .fact_checks import ALERTING_MEANINGS, MEANING_VERDICTS, fact_check_meaning
from .matches import is_same_claim, match_threshold

logger = logging.getLogger(__name__)

EVENT = "claim.repeat_detected"
FACT_CHECK_HITS = 3  # fact-checks looked at per claim
DECISIONS = {AlertStatus.ACKNOWLEDGED, AlertStatus.DISMISSED}


class AlertRefused(StateConflict):
    """A decision the alert cannot take (already dismissed, or not a decision): 409 in the API."""


@dataclass(frozen=True)
class Prior:
    claim_id: int  # the new claim that repeats it
    kind: str
    prior_id: int
    score: float
    verdict: str
    rating: str


ROW_FIELDS = (
    "id", "claim_id", "article_id", "story_id", "prior_kind", "prior_claim_id", "prior_fact_check_id",
    "prior_fact_check__url", "verdict", "rating", "score", "status", "reason", "decided_at", "created_at",
    "last_seen_at", "claim__text",
)


def alert_document(row: dict) -> dict:
    """An alert (a values() row of ROW_FIELDS) as the API, the webhook and the digest show it."""
    prior_url = _prior_url(row["prior_claim_id"], row["prior_fact_check__url"])
    return {
        "id": row["id"], "claim": row["claim_id"], "claim_text": row["claim__text"], "article": row["article_id"],
        "story": row["story_id"],
        "prior": {"kind": row["prior_kind"], "id": row["prior_claim_id"] or row["prior_fact_check_id"], "url": prior_url,
                  "verdict": row["verdict"], "rating": row["rating"]},
        "score": row["score"], "status": row["status"], "reason": row["reason"], "decided_at": row["decided_at"],
        "created_at": row["created_at"], "last_seen_at": row["last_seen_at"],
    }


def _prior_url(prior_claim_id: int | None, fact_check_url: str | None) -> str:
    # Our verdict's public page, or the other organisation's review.
    return newsroom_base() + fact_check_path(prior_claim_id) if prior_claim_id else fact_check_url or ""


def alert_payload(alert_id: int) -> dict:
    """The alert's document as JSON values (the webhook's `data`)."""
    document = alert_document(Alert.objects.filter(pk=alert_id).values(*ROW_FIELDS).get())
    return json.loads(json.dumps(document, cls=DjangoJSONEncoder))


def _claim_priors(claims: list[dict], *, article: Article) -> list[Prior]:
    """Our published verdicts that these claims copy (their group's lead) or match (ClaimMatch)."""
    ids = [c["pk"] for c in claims]
    created = {c["pk"]: c["created_at"] for c in claims}
    linked: dict[int, list[tuple[int, float]]] = {}
    for claim in claims:
        if claim["copy_of"]:
            linked.setdefault(claim["pk"], []).append((claim["copy_of"], 1.0))
    for a, b, score in ClaimMatch.objects.filter(claim_a_id__in=ids).exclude(status=MatchStatus.REJECTED).values_list(
            "claim_a_id", "claim_b_id", "score"):
        linked.setdefault(a, []).append((b, score))
    for a, b, score in ClaimMatch.objects.filter(claim_b_id__in=ids).exclude(status=MatchStatus.REJECTED).values_list(
            "claim_a_id", "claim_b_id", "score"):
        linked.setdefault(b, []).append((a, score))
    others = {other for pairs in linked.values() for other, _ in pairs}
    published = {
        # A verdict on the story's lead or an earlier copy counts too: the story relayed again after the
        # verdict is the claim back in new copy (the time check below keeps the verdict's own copies out).
        row["claim_id"]: row for row in PublishedVerdict.objects.filter(claim_id__in=others, withdrawn_at__isnull=True)
        .exclude(claim__article_id=article.pk).values("claim_id", "verdict", "published_at")
    }
    priors = []
    for claim_id, pairs in linked.items():
        for other, score in pairs:
            verdict = published.get(other)
            if verdict is not None and verdict["published_at"] <= created[claim_id]:
                priors.append(Prior(claim_id, PriorKind.CLAIM, other, score, verdict["verdict"], verdict["verdict"]))
    return priors


def _fact_check_priors(claims: list[dict]) -> list[Prior]:
    """Imported fact-checks rated false or misleading that these claims state (one search for the lot)."""
    # A copy has no vector of its own: its group's lead stands for it (the same sentence).
    asked = {c["pk"]: c["copy_of"] or c["pk"] for c in claims}
    leads = sorted(set(asked.values()))
    texts = dict(Claim.objects.filter(pk__in=leads).values_list("pk", "text"))
    leads = [pk for pk in leads if pk in texts]
    if not leads or not FactCheck.objects.filter(withdrawn_at__isnull=True).exists():
        return []
    threshold = match_threshold()
    hits = retrieval.search_many([texts[pk] for pk in leads], limit=FACT_CHECK_HITS, kinds=(retrieval.FACT_CHECK,),
                                 vectors=retrieval.claim_vectors(leads))
    close = {pk: [h for h in row if h.score >= threshold] for pk, row in zip(leads, hits)}
    wanted = {h.id for row in close.values() for h in row}
    fact_checks = FactCheck.objects.filter(pk__in=wanted, withdrawn_at__isnull=True).only(
        "pk", "claim_reviewed", "rating_name", "rating_value", "best_rating", "worst_rating", "imported_at").in_bulk()
    created = {c["pk"]: c["created_at"] for c in claims}
    priors = []
    for claim_id, lead in asked.items():
        for hit in close.get(lead, []):
            fact_check = fact_checks.get(hit.id)
            if fact_check is None or not is_same_claim(hit.score, texts[lead], fact_check.claim_reviewed, threshold=threshold):
                continue
            meaning = fact_check_meaning(fact_check)
            if meaning in ALERTING_MEANINGS and fact_check.imported_at <= created[claim_id]:
                priors.append(Prior(claim_id, PriorKind.FACT_CHECK, fact_check.pk, round(hit.score, 4),
                                    MEANING_VERDICTS[meaning], fact_check.rating_name or fact_check.rating_value))
    return priors


def article_raise_alerts(*, article_id: int) -> list[Alert]:
    """Raise the alerts an article's claims call for (idempotent: one per story and prior check)."""
    article = Article.objects.filter(pk=article_id).first()
    if article is None:
        return []
    story_id = article.copy_of_id or article.pk
    claims = list(Claim.objects.filter(article_id=article_id).values("pk", "copy_of", "created_at"))
    if not claims:
        return []
    priors = _claim_priors(claims, article=article) + _fact_check_priors(claims)
    best: dict[tuple[str, int], Prior] = {}
    for prior in priors:
        key = (prior.kind, prior.prior_id)
        if key not in best or prior.score > best[key].score:
            best[key] = prior
    raised = []
    for prior in best.values():
        alert = _alert_raise(prior, article_id=article_id, story_id=story_id)
        if alert is not None:
            raised.append(alert)
    if raised:
        logger.info("article %s raised %s repeat alert(s)", article_id, len(raised))
    return raised


@transaction.atomic
def _alert_raise(prior: Prior, *, article_id: int, story_id: int) -> Alert | None:
    """Create the alert with its history line and webhook event, or note the story's new copy on the one there is."""
    now = timezone.now()
    target = {"prior_claim_id": prior.prior_id} if prior.kind == PriorKind.CLAIM else {"prior_fact_check_id": prior.prior_id}
    existing = Alert.objects.filter(story_id=story_id, **target)
    if existing.exists():
        existing.filter(last_seen_at__lt=now).update(last_seen_at=now)
        return None
    alert = Alert(claim_id=prior.claim_id, article_id=article_id, story_id=story_id, prior_kind=prior.kind,
                  verdict=prior.verdict, rating=prior.rating[:300], score=prior.score, last_seen_at=now, **target)
    try:
        with transaction.atomic():
            alert.save()
    except IntegrityError:  # another worker raised it a moment ago
        return None
    AlertChange.objects.create(alert=alert, to_status=AlertStatus.OPEN,
                               note=f"claim {prior.claim_id} repeats {prior.kind.replace('_', '-')} {prior.prior_id} "
                                    f"(score {prior.score:.2f})")
    outbox_record(kind=EVENT, claim=alert.claim, payload=alert_payload(alert.pk))
    return alert


@transaction.atomic
def alert_decide(*, alert_id: int, to: str, actor, reason: str = "") -> Alert:
    """An editor acknowledges an alert or dismisses it (a reason is required); both are kept in its history."""
    require(can_edit_desk(actor), "only an editor may acknowledge or dismiss an alert")
    if to not in DECISIONS:
        raise ValidationError({"status": [f"an alert is acknowledged or dismissed, not {to!r}"]})
    reason = (reason or "").strip()
    if to == AlertStatus.DISMISSED and not reason:
        raise ValidationError({"reason": ["say why the alert is dismissed"]})
    alert = Alert.objects.select_for_update().get(pk=alert_id)
    if alert.status == AlertStatus.DISMISSED or alert.status == to:
        raise AlertRefused(f"the alert is {alert.status} already")
    AlertChange.objects.create(alert=alert, from_status=alert.status, to_status=to, actor=actor, note=reason)
    alert.status, alert.decided_by, alert.decided_at, alert.reason = to, actor, timezone.now(), reason
    alert.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    return alert


def _digest_line(alert: Alert) -> str:
    claim, article = alert.claim, alert.article
    prior = "our fact-check" if alert.prior_kind == PriorKind.CLAIM else f"{alert.prior_fact_check.author_name or 'a fact-check'}"
    url = _prior_url(alert.prior_claim_id, alert.prior_fact_check.url if alert.prior_fact_check_id else None)
    return (f"- {claim.text[:200]!r} in {article} ({article.publisher.name}) repeats {prior} rated "
            f"{alert.rating or alert.verdict} (score {alert.score:.2f}): {url}")


def alerts_email_digest(*, limit: int = 500) -> int:
    """Email the alerts raised since the last digest to the editors (and ALERT_DIGEST_RECIPIENTS).

    Marked digested once sent; a run that dies before marking sends them again next time
    (a digest line twice, never a line lost). Returns the number of alerts in it.
    """
    alerts = list(Alert.objects.filter(digested_at__isnull=True).select_related(
        "claim", "article__publisher", "prior_fact_check").order_by("created_at", "id")[:limit])
    if not alerts:
        return 0
    recipients = set(settings.ALERT_DIGEST_RECIPIENTS) | set(
        get_user_model().objects.filter(groups__name="editors", is_active=True).exclude(email="").values_list("email", flat=True))
    if recipients:
        open_count = sum(1 for a in alerts if a.status == AlertStatus.OPEN)
        body = "\n".join([
            f"{len(alerts)} claim(s) checked before came back in new copy ({open_count} still open).", "",
            *(_digest_line(alert) for alert in alerts), "",
            "Acknowledge or dismiss them under \"Repeated claims\" on the desk.",
        ])
        send_mail(f"Repeated claims: {len(alerts)} since the last digest", body, None, sorted(recipients))
    Alert.objects.filter(pk__in=[a.pk for a in alerts]).update(digested_at=timezone.now())
    return len(alerts)
