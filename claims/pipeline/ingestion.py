"""Ingestion: store an article (one body, idempotent), extract its claims, and queue nothing
before commit. The extractor itself lives in sources.attribution (pure, no database).
"""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import datetime

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from sources.levels import AttributionLevel
from sources.models import Source, SourceKind
from sources.services import source_resolve

from .. import jobs
from ..corroboration.track_record import priority_adjustment, track_records
from ..delivery.publishing import relaying_outlet_name
from ..matching import copies
from ..models import Article, ArticleAppearance, Claim, ExtractionStatus
from ..roles import can_edit_desk, require
from .html import NotArticleHtml, html_to_text, looks_like_html
from sources.attribution.limits import ExtractionRefused, extract_bounded

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
    if looks_like_html(body):  # a saved page, or markup-heavy text: store its article text, never the markup
        try:
            body = normalize_body(html_to_text(body))
        except NotArticleHtml as exc:
            raise ArticleRejected(
                f"the body is HTML and {exc}; send the page as the API's `html` field (ingest --html) "
                "or its plain text as the body"
            ) from None
    if len(body) > settings.ARTICLE_MAX_CHARS:
        raise ArticleRejected(
            f"the article body has {len(body)} characters; the limit is {settings.ARTICLE_MAX_CHARS} (ARTICLE_MAX_CHARS)"
        )
    if not (publisher or "").strip():
        raise ArticleRejected("a publisher is required")
    digest = content_sha256(body)
    existing = Article.objects.select_related("publisher").filter(content_sha256=digest).first()
    if existing is not None:
        article_record_appearance(article=existing, publisher=publisher, title=title, url=url, published_at=published_at)
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


def article_record_appearance(
    *, article: Article, publisher: str, title: str = "", url: str = "", published_at: datetime | None = None
) -> ArticleAppearance | None:
    """The same body again: record where it appeared this time (syndication), unless that place is known.

    The article keeps its first publisher; claims are the body's, so none are added. A
    copy that names no new publisher or url is the same appearance again: nothing to add.
    """
    outlet = source_resolve(name=publisher, kind=SourceKind.OUTLET)
    if outlet.pk == article.publisher_id and url in ("", article.url):
        return None  # the article's own appearance again
    if url == "" and ArticleAppearance.objects.filter(article=article, publisher=outlet).exists():
        return None  # this publisher's copy is known; a url-less resend adds nothing
    known = ArticleAppearance.objects.filter(article=article, publisher=outlet, url=url).first()
    if known is not None:
        return known
    relayed = relaying_outlet_name(article.body)
    appearance = ArticleAppearance(
        article=article, publisher=outlet, url=url, title=title.strip()[:500], published_at=published_at,
        via_outlet=_resolve_outlet(relayed) if relayed else None,
    )
    try:
        appearance.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise ArticleRejected("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
    appearance.save()  # a racing twin hits the unique constraint: ingest_article retries and finds it
    logger.info("article %s appeared again: %s %s", article.pk, outlet.name, url or "(no url)")
    return appearance


def article_schedule_extraction(*, article: Article, force: bool = False) -> None:
    """Enqueue extraction once the surrounding transaction commits (`force`: even if it is done by
    the current extractor).

    If the broker is down the article stays pending and the sweeper enqueues it later.
    """
    article_id = article.pk
    jobs.enqueue_on_commit(
        "extract_article", article_id, *((True,) if force else ()), what=f"extraction of article {article_id}",
        on_sent=lambda: Article.objects.filter(pk=article_id).update(extraction_enqueued_at=timezone.now()),
    )


def articles_reextract(*, article_ids: list[int], actor) -> int:
    """An editor asks for articles to be extracted again (the claims already stored stay: extraction is
    idempotent on their offsets). Returns how many were scheduled."""
    require(can_edit_desk(actor), "only an editor may extract articles again")
    articles = list(Article.objects.filter(pk__in=article_ids).order_by("pk"))
    for article in articles:
        article_schedule_extraction(article=article, force=True)
    return len(articles)


def claim_priority(level: str) -> int:
    return LEVEL_PRIORITY.get(level, 10)


def _resolve_speaker(extracted, *, publisher_name: str) -> Source | None:
    if not extracted.speaker or extracted.attribution_level == AttributionLevel.UNATTRIBUTED:
        return None
    if not getattr(extracted, "speaker_is_source", True):
        return None  # a hedge ("is seen as"), "reportedly", a poll share: speaker text, never a Source
    kind = getattr(extracted, "speaker_kind", None) or LEVEL_SOURCE_KIND[extracted.attribution_level]
    name, aliases = extracted.speaker, ()
    if kind in (SourceKind.ANONYMOUS, SourceKind.GROUP):
        # "the sources" of one outlet are not the "sources" of another: scope unnamed
        # groups by the outlet that speaks for them.
        name = f"{extracted.speaker} ({extracted.via_outlet or publisher_name})"
    elif getattr(extracted, "speaker_name", None) and extracted.speaker_name != extracted.speaker:
        # "Trump" after "President Donald Trump" in one article: one Source, the short form its alias.
        name, aliases = extracted.speaker_name, (extracted.speaker,)
    try:
        return source_resolve(name=name, kind=kind, aliases=aliases)
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
    copies.claims_mark_known_copies(claims=to_create)  # the same sentence elsewhere: a copy, not a new claim
    Claim.objects.bulk_create(to_create)
    copies.claims_register_texts(claims=to_create)
    if to_update:
        Claim.objects.bulk_update(to_update, update_fields)
        copies.copies_refresh_differences(claims=to_update)
    stale = [c.pk for key, c in existing.items() if key not in seen]
    if stale:
        Claim.objects.filter(pk__in=stale, status="unverified", evidence__isnull=True, history__isnull=True,
                             copies__isnull=True).delete()
    copies.article_link_copy(article_id=article.pk)
    article.extraction_status = ExtractionStatus.DONE
    article.extraction_error = ""
    article.extractor_version = extractor_version
    article.extracted_at = timezone.now()
    article.save(update_fields=["extraction_status", "extraction_error", "extractor_version", "extracted_at", "updated_at"])
    return list(article.claims.all())


def article_extract(*, article_id: int, force: bool = False, worker: str = "") -> Article | None:
    """Run the attribution extractor over an article and store its claims.

    Safe to run twice (a redelivered task): an article already done by the current
    extractor is left alone unless `force`, and claims are unique per span. Returns None
    when the article no longer exists. `updated_at` marks when a run started, so the
    sweeper can tell a crashed run (running too long) from a live one; `worker` (the
    Celery worker's hostname) lets it tell a dead worker at once from its heartbeat.
    The caps of sources/attribution/limits.py apply: beyond them the article fails with the reason.
    """
    from sources.attribution import EXTRACTOR_VERSION

    article = Article.objects.select_related("publisher").filter(pk=article_id).first()
    if article is None:
        logger.warning("article %s is gone; nothing to extract", article_id)
        return None
    if not force and article.extraction_status == ExtractionStatus.DONE and article.extractor_version == EXTRACTOR_VERSION:
        return article
    Article.objects.filter(pk=article_id).update(
        extraction_status=ExtractionStatus.RUNNING,
        extraction_attempts=F("extraction_attempts") + 1,
        extraction_worker=worker[:200],
        updated_at=timezone.now(),
    )
    if settings.EXTRACTION_TEST_SLEEP:  # fault injection for the reliability tests only
        time.sleep(settings.EXTRACTION_TEST_SLEEP)
    try:
        extracted = extract_bounded(article.body, publisher=article.publisher.name)
    except (ExtractionRefused, SoftTimeLimitExceeded, MemoryError) as exc:
        # Beyond a cap or the task's budget: the same input would fail the same way, so the
        # article fails for good (no retries), with the reason, and the worker carries on.
        reason = str(exc) if isinstance(exc, ExtractionRefused) else (
            f"extraction exceeded its time budget (CELERY_TASK_SOFT_TIME_LIMIT={settings.CELERY_TASK_SOFT_TIME_LIMIT} s)"
            if isinstance(exc, SoftTimeLimitExceeded) else "extraction ran out of memory"
        )
        logger.warning("article %s not extracted: %s", article_id, reason)
        Article.objects.filter(pk=article_id).update(
            extraction_status=ExtractionStatus.FAILED, extraction_error=reason[:2000],
            extraction_attempts=max(settings.EXTRACTION_MAX_ATTEMPTS, article.extraction_attempts + 1),
            updated_at=timezone.now(),
        )
        article.refresh_from_db()
        return article
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


def ingest_article(
    *, body: str, publisher: str, title: str = "", url: str = "", published_at: datetime | None = None
) -> tuple[Article, bool]:
    """Store an article and schedule its extraction after commit. Returns (article, created).

    Idempotent on the body (content_sha256): the same text twice is one article. A known
    url with a different body is a new revision: the new Article `supersedes` the old
    one, which stops being `is_current` (its claims and verdicts stay, as history).
    If the broker is down the enqueue failure is logged, never raised: the article
    stays pending and `articles_sweep` enqueues it later.
    """
    try:
        return article_ingest(body=body, publisher=publisher, title=title, url=url, published_at=published_at)
    except IntegrityError:
        # Two ingestions of the same body (or url) raced: the other one stored it; take theirs.
        if transaction.get_connection().in_atomic_block:
            raise
        return article_ingest(body=body, publisher=publisher, title=title, url=url, published_at=published_at)


