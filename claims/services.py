"""Every write to articles, claims and evidence. Status changes live in workflow.py."""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from sources.levels import AttributionLevel
from sources.models import Source, SourceKind
from sources.services import source_resolve

from .models import Article, Claim, Evidence, ExtractionStatus
from .workflow import StaleVersion, TransitionForbidden, WorkflowError, allowed_moves
from .track_record import priority_adjustment, track_records

logger = logging.getLogger(__name__)

# Which kind of Source a speaker is when the extractor gives no hint.
LEVEL_SOURCE_KIND = {
    AttributionLevel.DOCUMENT: SourceKind.DOCUMENT,
    AttributionLevel.OFFICIAL: SourceKind.GOVERNMENT,
    AttributionLevel.NAMED_PERSON: SourceKind.PERSON,
    AttributionLevel.OTHER_OUTLET: SourceKind.OUTLET,
    AttributionLevel.ANONYMOUS: SourceKind.ANONYMOUS,
    AttributionLevel.VAGUE: SourceKind.GROUP,
}
# Weaker sourcing is reviewed first (DESIGN.md: anonymous and vague attribution first).
LEVEL_PRIORITY = {
    AttributionLevel.ANONYMOUS: 30,
    AttributionLevel.VAGUE: 25,
    AttributionLevel.OTHER_OUTLET: 15,
    AttributionLevel.UNATTRIBUTED: 10,
    AttributionLevel.NAMED_PERSON: 10,
    AttributionLevel.OFFICIAL: 5,
    AttributionLevel.DOCUMENT: 0,
}


class ArticleRejected(ValueError):
    """The article cannot be stored as given (empty, too large, bad publisher)."""


def content_sha256(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def normalize_body(body: str) -> str:
    # One newline convention, so the same story sent from Windows and Unix is one article
    # and offsets mean the same thing everywhere. NUL cannot be stored by PostgreSQL.
    return body.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


@transaction.atomic
def article_ingest(
    *,
    body: str,
    publisher: str,
    title: str = "",
    url: str = "",
    published_at: datetime | None = None,
) -> tuple[Article, bool]:
    """Store an article (idempotent on its body) and schedule extraction after commit.

    Returns (article, created). A known url with a different body becomes a new
    revision that supersedes the current one.
    """
    body = normalize_body(body)
    if not body.strip():
        raise ArticleRejected("the article body is empty")
    if len(body) > settings.ARTICLE_MAX_CHARS:
        raise ArticleRejected(f"the article body has {len(body)} characters; the limit is {settings.ARTICLE_MAX_CHARS}")
    if not (publisher or "").strip():
        raise ArticleRejected("a publisher is required")
    digest = content_sha256(body)
    existing = Article.objects.filter(content_sha256=digest).first()
    if existing is not None:
        return existing, False
    previous = None
    if url:
        previous = Article.objects.select_for_update().filter(url=url, is_current=True).first()
        if previous is not None:
            previous.is_current = False
            previous.save(update_fields=["is_current", "updated_at"])
    article = Article(
        publisher=source_resolve(name=publisher, kind=SourceKind.OUTLET),
        title=title.strip()[:500],
        url=url,
        published_at=published_at,
        body=body,
        content_sha256=digest,
        supersedes=previous,
    )
    try:
        article.full_clean()
    except ValidationError as exc:
        raise ArticleRejected("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
    article.save()
    article_schedule_extraction(article=article)
    return article, True


def article_schedule_extraction(*, article: Article) -> None:
    """Enqueue extraction once the surrounding transaction commits.

    If the broker is down the article stays pending and the sweeper enqueues it later.
    """
    from .tasks import extract_article  # late: tasks import services

    article_id = article.pk

    def enqueue() -> None:
        try:
            extract_article.delay(article_id)
        except Exception:  # broker unreachable: the sweeper retries, the article is safe
            logger.warning("could not enqueue extraction of article %s; the sweeper will", article_id, exc_info=True)
            return
        Article.objects.filter(pk=article_id).update(extraction_enqueued_at=timezone.now())

    transaction.on_commit(enqueue)


def claim_priority(level: str) -> int:
    return LEVEL_PRIORITY.get(level, 10)


def _resolve_speaker(extracted, *, publisher_name: str) -> Source | None:
    if not extracted.speaker or extracted.attribution_level == AttributionLevel.UNATTRIBUTED:
        return None
    kind = getattr(extracted, "speaker_kind", None) or LEVEL_SOURCE_KIND[extracted.attribution_level]
    name = extracted.speaker
    if kind in (SourceKind.ANONYMOUS, SourceKind.GROUP):
        # "the sources" of one outlet are not the "sources" of another: scope unnamed
        # groups by the outlet that speaks for them.
        name = f"{extracted.speaker} ({extracted.via_outlet or publisher_name})"
    try:
        return source_resolve(name=name, kind=kind)
    except ValueError:
        return None


def _resolve_outlet(name: str | None) -> Source | None:
    if not name:
        return None
    try:
        return source_resolve(name=name, kind=SourceKind.OUTLET)
    except ValueError:
        return None


def check_span(body: str, *, start: int, end: int, text: str) -> None:
    if not (0 <= start < end <= len(body)) or body[start:end] != text:
        raise ValueError(f"claim span [{start}:{end}] does not match the article body")


@transaction.atomic
def article_store_claims(*, article: Article, extracted: list, extractor_version: str) -> list[Claim]:
    """Store the extractor's claims for an article. Idempotent: the same input leaves the same rows.

    Claims keep their workflow state across re-extraction; a span that is no longer
    extracted is removed only while nobody has worked on it.
    """
    article = Article.objects.select_for_update().select_related("publisher").get(pk=article.pk)
    existing = {(c.start, c.end): c for c in article.claims.all()}
    seen, to_create, to_update = set(), [], []
    update_fields = ["text", "attribution_level", "speaker", "speaker_text", "via_outlet", "cue", "reason"]
    for item in extracted:
        check_span(article.body, start=item.start, end=item.end, text=item.text)
        values = {
            "text": item.text,
            "attribution_level": item.attribution_level,
            "speaker": _resolve_speaker(item, publisher_name=article.publisher.name),
            "speaker_text": (item.speaker or "")[:500],
            "via_outlet": _resolve_outlet(item.via_outlet),
            "cue": (item.cue or "")[:100],
            "reason": (getattr(item, "reason", "") or "")[:500],
        }
        key = (item.start, item.end)
        seen.add(key)
        claim = existing.get(key)
        if claim is None:
            to_create.append(
                Claim(article=article, start=item.start, end=item.end, priority=claim_priority(item.attribution_level), **values)
            )
        elif any(getattr(claim, f) != v for f, v in values.items()):
            for field_name, value in values.items():
                setattr(claim, field_name, value)
            to_update.append(claim)
    if to_create:
        records = track_records({claim.speaker_id for claim in to_create if claim.speaker_id})
        for claim in to_create:
            if claim.speaker_id in records:
                record = records[claim.speaker_id]
                claim.priority += priority_adjustment(record.reliability, record.verdicts)
    Claim.objects.bulk_create(to_create)
    if to_update:
        Claim.objects.bulk_update(to_update, update_fields)
    stale = [c.pk for key, c in existing.items() if key not in seen]
    if stale:
        Claim.objects.filter(pk__in=stale, status="unverified", evidence__isnull=True, history__isnull=True).delete()
    article.extraction_status = ExtractionStatus.DONE
    article.extraction_error = ""
    article.extractor_version = extractor_version
    article.extracted_at = timezone.now()
    article.save(update_fields=["extraction_status", "extraction_error", "extractor_version", "extracted_at", "updated_at"])
    return list(article.claims.all())


def article_extract(*, article_id: int, force: bool = False) -> Article | None:
    """Run the attribution extractor over an article and store its claims.

    Safe to run twice (a redelivered task): an article already done by the current
    extractor is left alone unless `force`, and claims are unique per span. Returns None
    when the article no longer exists. `updated_at` marks when a run started, so the
    sweeper can tell a crashed run (running too long) from a live one.
    """
    from sources.attribution import EXTRACTOR_VERSION, extract

    article = Article.objects.select_related("publisher").filter(pk=article_id).first()
    if article is None:
        logger.warning("article %s is gone; nothing to extract", article_id)
        return None
    if not force and article.extraction_status == ExtractionStatus.DONE and article.extractor_version == EXTRACTOR_VERSION:
        return article
    Article.objects.filter(pk=article_id).update(
        extraction_status=ExtractionStatus.RUNNING,
        extraction_attempts=F("extraction_attempts") + 1,
        updated_at=timezone.now(),
    )
    if settings.EXTRACTION_TEST_SLEEP:  # fault injection for the reliability tests only
        time.sleep(settings.EXTRACTION_TEST_SLEEP)
    try:
        extracted = extract(article.body, publisher=article.publisher.name)
    except Exception as exc:
        Article.objects.filter(pk=article_id).update(
            extraction_status=ExtractionStatus.FAILED,
            extraction_error=f"{type(exc).__name__}: {exc}"[:2000],
            updated_at=timezone.now(),
        )
        raise
    article_store_claims(article=article, extracted=extracted, extractor_version=EXTRACTOR_VERSION)
    article.refresh_from_db()
    return article


@transaction.atomic
def evidence_add(
    *,
    claim: Claim,
    stance: str,
    actor: AbstractBaseUser | None,
    source: Source | None = None,
    url: str = "",
    related_claim: Claim | None = None,
    note: str = "",
) -> Evidence:
    evidence = Evidence(
        claim=claim, stance=stance, source=source, url=url, related_claim=related_claim, note=note, added_by=actor
    )
    evidence.full_clean()
    if source is None and not url and related_claim is None:
        raise ValidationError("evidence needs a source, a url or a related claim")
    if related_claim is not None and related_claim.pk == claim.pk:
        raise ValidationError("a claim cannot be evidence for itself")
    evidence.save()
    return evidence


@transaction.atomic
def evidence_accept(*, evidence: Evidence, actor: AbstractBaseUser) -> Evidence:
    """A reviewer accepts a suggested evidence item: it counts from now on, and a suggestion
    that came from a matching claim confirms that match (the two state the same thing)."""
    from .matching import match_review
    from .models import ClaimMatch

    evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
    if not evidence.is_suggestion:
        raise ValidationError("this evidence is not a suggestion")
    evidence.is_suggestion, evidence.added_by = False, actor
    evidence.save(update_fields=["is_suggestion", "added_by"])
    if evidence.related_claim_id is not None:
        low, high = sorted((evidence.claim_id, evidence.related_claim_id))
        match = ClaimMatch.objects.filter(claim_a_id=low, claim_b_id=high).first()
        if match is not None:
            match_review(match=match, actor=actor, confirm=True)
    return evidence


@transaction.atomic
def claim_update_triage(*, claim: Claim, priority: int, recheck_after: datetime | None) -> Claim:
    """Change the fields an editor may set by hand; status only ever moves through workflow."""
    locked = Claim.objects.select_for_update(of=("self",)).get(pk=claim.pk)
    locked.priority, locked.recheck_after = priority, recheck_after
    locked.save(update_fields=["priority", "recheck_after", "updated_at"])
    return locked


class AssignmentRefused(WorkflowError):
    """The claim cannot be handed to that person now (not a reviewer, or not an open claim)."""

    code = "assignment_refused"


@transaction.atomic
def claim_assign(
    *, claim: Claim | int, assignee: AbstractBaseUser, actor: AbstractBaseUser, expected_version: int | None = None
) -> Claim:
    """Hand an open claim (queued or in review) to another reviewer; editors only.

    Not a status change, so no history row; it bumps the version (the old assignee's
    view is stale now) and tells newsroom tools through the outbox.
    """
    from .models import ClaimStatus
    from .outbox import outbox_record
    from .roles import is_editor, is_reviewer

    claim_id = claim.pk if isinstance(claim, Claim) else claim
    locked = Claim.objects.select_for_update(of=("self",)).get(pk=claim_id)
    allowed = allowed_moves(locked, actor)
    if not is_editor(actor):
        raise TransitionForbidden("only an editor may reassign a claim", claim=locked, to=locked.status, allowed=allowed)
    if not (is_reviewer(assignee) or is_editor(assignee)):
        raise AssignmentRefused(
            f"{assignee.get_username()} is not a reviewer or editor", claim=locked, to=locked.status, allowed=allowed
        )
    if locked.status not in (ClaimStatus.QUEUED, ClaimStatus.IN_REVIEW):
        raise AssignmentRefused(
            f"only queued or in-review claims are reassigned; this one is {locked.status} "
            "(queue it with a transition to queued naming the assignee)",
            claim=locked, to=locked.status, allowed=allowed,
        )
    if expected_version is not None and expected_version != locked.version:
        raise StaleVersion(
            f"claim {locked.pk} is at version {locked.version}, not {expected_version}: reload it and try again",
            claim=locked, to=locked.status, allowed=allowed,
        )
    previous = locked.assignee_id
    locked.assignee, locked.version = assignee, locked.version + 1
    locked.save(update_fields=["assignee", "version", "updated_at"])
    outbox_record(
        kind="claim.assigned", claim=locked,
        payload={"claim": locked.pk, "from": previous, "to": assignee.pk, "version": locked.version,
                 "actor": actor.get_username(), "at": timezone.now().isoformat()},
    )
    return locked
