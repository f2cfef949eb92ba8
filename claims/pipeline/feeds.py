"""Watched feeds: editors register them, a beat job polls those due, and new entries become
articles through the one ingestion service (claims/pipeline/ingestion.py).

- Leasing: a poll run takes due feeds with SKIP LOCKED and marks them leased, at most one feed
  per host per round, so two beats or many workers poll each feed once per period.
- Fetching (claims/pipeline/fetching.py): conditional, bounded, guarded, polite per host.
- Entries (claims/pipeline/feed_formats.py) are recorded once per feed by their key; those
  carrying their full text are ingested at once, the others wait (`pending`) for their page,
  fetched within robots.txt and reduced to text by trafilatura. Something that is no article
  (a PDF, a video page, a paywall stub, an empty page) is `skipped` with the reason.
- A ClaimReview DataFeed is imported as fact-checks (claims/matching/fact_checks.py), its
  `next` pages followed; a withdrawal marks the fact-check withdrawn.
- Failures back off exponentially from the feed's interval; after FEEDS_MAX_FAILURES in a
  row the feed is disabled with the reason. One slow feed holds one thread of the run, never
  the others.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from ..delivery.addresses import address_problem
from ..matching import fact_checks, retrieval
from ..models import Feed, FeedEntry, FeedEntryStatus, FeedKind
from ..roles import StateConflict, can_edit_desk, require
from . import feed_formats, fetching
from .html import NotArticleHtml, html_to_text
from .ingestion import ArticleRejected, ingest_article

logger = logging.getLogger(__name__)

FEED_ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, "
               "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5")
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
EDITABLE = ("url", "publisher", "kind", "poll_interval_seconds", "enabled", "respect_robots")
# A feed with entries still waiting for their page is polled again this soon (a 304 costs little).
PENDING_RETRY = timedelta(seconds=60)
_PAYWALL = re.compile(
    r"isAccessibleForFree\"?\s*:\s*\"?false|subscribe to (?:continue|read)|to continue reading|already a subscriber"
    r"|this (?:article|story) is (?:only )?(?:available )?(?:for|to) subscribers|log ?in to (?:continue|read)",
    re.IGNORECASE,
)
_VIDEO_PAGE = re.compile(r"<meta[^>]+property=[\"']og:type[\"'][^>]+content=[\"']video", re.IGNORECASE)


class FeedExists(StateConflict):
    """The URL is watched already (one feed per URL): 409 in the API, with the feed's id."""


# --- Editors' writes --------------------------------------------------------------------------


def _check_url(url: str, *, feed_id: int | None = None) -> None:
    if problem := address_problem(url, allow_private=settings.FEEDS_ALLOW_PRIVATE_ADDRESSES):
        raise ValidationError({"url": [f"feeds are not polled at {url}: {problem}"]})
    watched = Feed.objects.filter(url=url.strip()).exclude(pk=feed_id).values_list("pk", flat=True).first()
    if watched is not None:
        raise FeedExists(f"{url.strip()} is watched already, as feed {watched}")


def _save(feed: Feed) -> None:
    feed.full_clean()
    try:
        with transaction.atomic():
            feed.save()
    except IntegrityError:  # another editor added the same URL a moment ago
        raise FeedExists(f"{feed.url} is watched already") from None


@transaction.atomic
def feed_create(*, url: str, publisher: str, actor, kind: str = "", poll_interval_seconds: int | None = None,
                enabled: bool = True, respect_robots: bool = True) -> Feed:
    require(can_edit_desk(actor), "only an editor may add a feed")
    _check_url(url)
    feed = Feed(
        url=url.strip(), publisher=" ".join((publisher or "").split()), kind=kind or "",
        poll_interval_seconds=poll_interval_seconds or settings.FEEDS_DEFAULT_INTERVAL_SECONDS,
        enabled=enabled, respect_robots=respect_robots, host=fetching.host_of(url),
        next_poll_at=timezone.now(), created_by=actor if getattr(actor, "pk", None) else None,
    )
    _save(feed)
    return feed


@transaction.atomic
def feed_update(*, feed_id: int, actor, **changes) -> Feed:
    """Change what an editor may change; enabling a feed again clears its failures and polls it now."""
    require(can_edit_desk(actor), "only an editor may change a feed")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError({name: ["not editable"] for name in sorted(unknown)})
    feed = Feed.objects.select_for_update().get(pk=feed_id)
    if "url" in changes and changes["url"] != feed.url:
        _check_url(changes["url"], feed_id=feed.pk)
        feed.host, feed.etag, feed.last_modified, feed.detected_kind = fetching.host_of(changes["url"]), "", "", ""
    for name, value in changes.items():
        setattr(feed, name, value if value is not None else getattr(feed, name))
    if changes.get("enabled"):
        feed.consecutive_failures, feed.disabled_reason, feed.next_poll_at = 0, "", timezone.now()
    _save(feed)
    return feed


@transaction.atomic
def feed_delete(*, feed_id: int, actor) -> None:
    """Stop watching a feed. Its articles and fact-checks stay: they were published."""
    require(can_edit_desk(actor), "only an editor may remove a feed")
    Feed.objects.filter(pk=feed_id).delete()


@transaction.atomic
def feeds_poll_soon(*, feed_ids: list[int], actor) -> int:
    """An editor asks for feeds to be polled at the next run (disabled ones stay disabled)."""
    require(can_edit_desk(actor), "only an editor may ask for a poll")
    return Feed.objects.filter(pk__in=feed_ids, enabled=True).update(next_poll_at=timezone.now())


# --- Leasing ------------------------------------------------------------------------------------


def _lease_seconds() -> float:
    # Past the slowest poll a run can make (its fetches and its page fetches), so a live poll keeps it.
    return settings.FEEDS_TOTAL_TIMEOUT_SECONDS * 4 + settings.FEEDS_HOST_MAX_WAIT_SECONDS + settings.CELERY_TASK_SOFT_TIME_LIMIT


@transaction.atomic
def feeds_lease(*, limit: int, every: bool = False, skip: set[int] = frozenset(), only: list[int] | None = None) -> list[int]:
    """Take due feeds for this run, at most one per host: mark them leased (SKIP LOCKED, so
    concurrent runs split the feeds instead of polling one twice). `every` ignores next_poll_at."""
    now = timezone.now()
    candidates = Feed.objects.select_for_update(skip_locked=True).filter(enabled=True).filter(
        Q(leased_until__isnull=True) | Q(leased_until__lte=now))
    if not every:
        candidates = candidates.filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now))
    if only is not None:
        candidates = candidates.filter(pk__in=only)
    if skip:
        candidates = candidates.exclude(pk__in=skip)
    chosen, hosts = [], set()
    for pk, host in candidates.order_by(F("next_poll_at").asc(nulls_first=True), "id").values_list("pk", "host")[: limit * 4]:
        if host not in hosts:
            hosts.add(host)
            chosen.append(pk)
            if len(chosen) == limit:
                break
    Feed.objects.filter(pk__in=chosen).update(leased_until=now + timedelta(seconds=_lease_seconds()))
    return chosen


# --- One poll --------------------------------------------------------------------------------


@dataclass
class PollOutcome:
    feed_id: int
    url: str
    ok: bool
    line: str  # what `poll_feeds` prints: new entries, unchanged, skipped with the reason, or the error
    new_entries: int = 0
    articles: int = 0


def feed_poll(*, feed_id: int, deadline: float | None = None) -> PollOutcome:
    """Poll one leased feed and record the outcome; never raises for the feed's own faults."""
    feed = Feed.objects.get(pk=feed_id)
    deadline = deadline or time.monotonic() + settings.CELERY_TASK_SOFT_TIME_LIMIT
    try:
        fetched = fetching.polite_fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified, accept=FEED_ACCEPT)
    except fetching.HostBusy as exc:
        Feed.objects.filter(pk=feed_id).update(leased_until=None, next_poll_at=exc.until)
        return PollOutcome(feed_id, feed.url, True, f"waiting: {exc}")
    except fetching.FetchFailed as exc:
        return _record_failure(feed, exc.reason, retry_after=exc.retry_after)
    if fetched.status == 304:
        done = _process_pending(feed, deadline=deadline)
        return _record_success(feed, fetched, line="unchanged (304)" + _entries_line(done), done=done)
    try:
        kind = feed.kind or feed_formats.detect_kind(fetched.body)
        parsed = feed_formats.parse(fetched.body, kind=kind, base_url=fetched.url)
    except feed_formats.FeedFormatError as exc:
        return _record_failure(feed, str(exc))
    if not feed.kind and feed.detected_kind != kind:
        Feed.objects.filter(pk=feed_id).update(detected_kind=kind)
    if kind == FeedKind.CLAIM_REVIEW:
        return _import_claim_reviews(feed, fetched, parsed, deadline=deadline)
    new = _record_entries(feed, parsed.entries)
    done = _process_pending(feed, deadline=deadline, contents={e.key: e for e in parsed.entries if e.key in new})
    line = f"{len(new)} new entr{'y' if len(new) == 1 else 'ies'}" if new else "no new entries"
    return _record_success(feed, fetched, line=line + _entries_line(done), done=done, new=len(new))


def _entries_line(done: dict[str, int]) -> str:
    parts = [f"{n} {what}" for what, n in done.items() if n and what != "reasons"]
    reasons = done.get("reasons") or []
    text = (": " + ", ".join(parts)) if parts else ""
    return text + (f" (skipped: {'; '.join(reasons[:3])})" if reasons else "")


def _record_entries(feed: Feed, entries: list[feed_formats.Entry]) -> set[str]:
    """Record the entries not seen before, by guid or by link normalised; returns their keys."""
    by_key = {}
    for entry in entries:
        by_key.setdefault(entry.key, entry)
    links = {entry.link_key for entry in by_key.values() if entry.link_key}
    known_keys, known_links = set(), set()
    keys, link_list = list(by_key), list(links)
    for start in range(0, max(len(keys), len(link_list)), 500):
        rows = FeedEntry.objects.filter(feed=feed).filter(
            Q(key__in=keys[start:start + 500]) | Q(link_key__in=link_list[start:start + 500])).values_list("key", "link_key")
        for key, link_key in rows:
            known_keys.add(key)
            known_links.add(link_key)
    fresh, taken_links = [], set()
    for key, entry in by_key.items():
        if key in known_keys or (entry.link_key and (entry.link_key in known_links or entry.link_key in taken_links)):
            continue
        taken_links.add(entry.link_key)
        fresh.append(key)
    fresh = fresh[: settings.FEEDS_MAX_ENTRIES_PER_POLL]
    FeedEntry.objects.bulk_create([
        FeedEntry(feed=feed, key=key, link_key=by_key[key].link_key, link=by_key[key].link[:1000], title=by_key[key].title,
                  published_at=by_key[key].published_at)
        for key in fresh
    ], ignore_conflicts=True)  # a racing poll of the same feed (a lease that expired) adds nothing
    if fresh:
        Feed.objects.filter(pk=feed.pk).update(entries_seen=F("entries_seen") + len(fresh))
    return set(fresh)


def _process_pending(feed: Feed, *, deadline: float, contents: dict | None = None) -> dict:
    """Ingest the feed's pending entries, oldest first, until the deadline; returns counts by outcome."""
    contents = contents or {}
    done = {"ingested": 0, "already known": 0, "skipped": 0, "failed": 0, "waiting": 0, "reasons": []}
    pending = list(FeedEntry.objects.filter(feed=feed, status=FeedEntryStatus.PENDING).order_by("id"))
    for entry in pending:
        if time.monotonic() > deadline:
            done["waiting"] += 1
            continue
        entry_in_feed = contents.get(entry.key)
        outcome = entry_ingest(feed=feed, entry=entry, content=entry_in_feed.content if entry_in_feed else "")
        key = {FeedEntryStatus.INGESTED: "ingested", FeedEntryStatus.DUPLICATE: "already known",
               FeedEntryStatus.SKIPPED: "skipped", FeedEntryStatus.FAILED: "failed"}.get(outcome.status, "waiting")
        done[key] += 1
        if outcome.status == FeedEntryStatus.SKIPPED:
            done["reasons"].append(outcome.reason)
    return done


def entry_ingest(*, feed: Feed, entry: FeedEntry, content: str = "") -> FeedEntry:
    """Turn one entry into an article: its own content, else its page. Records the outcome on the entry."""
    now = timezone.now()
    try:
        body = content if content.strip() else entry_page_text(feed=feed, entry=entry)
        article, created = ingest_article(body=body, publisher=feed.publisher, title=entry.title, url=entry.link,
                                          published_at=entry.published_at)
    except NotAnArticle as exc:
        return _entry_done(entry, status=FeedEntryStatus.SKIPPED, reason=str(exc), at=now)
    except ArticleRejected as exc:
        return _entry_done(entry, status=FeedEntryStatus.SKIPPED, reason=str(exc), at=now)
    except fetching.HostBusy:
        return entry  # its host's turn did not come: the next poll tries again
    except fetching.FetchFailed as exc:
        if exc.permanent:
            return _entry_done(entry, status=FeedEntryStatus.SKIPPED, reason=exc.reason, at=now)
        attempts = entry.attempts + 1
        if attempts >= settings.FEEDS_ENTRY_MAX_ATTEMPTS:
            return _entry_done(entry, status=FeedEntryStatus.FAILED, reason=f"{exc.reason} ({attempts} attempts)",
                               at=now, attempts=attempts)
        FeedEntry.objects.filter(pk=entry.pk).update(attempts=attempts, reason=exc.reason)
        return entry
    status = FeedEntryStatus.INGESTED if created else FeedEntryStatus.DUPLICATE
    if created:
        Feed.objects.filter(pk=feed.pk).update(articles_created=F("articles_created") + 1)
    return _entry_done(entry, status=status, reason="", at=now, article_id=article.pk)


def _entry_done(entry: FeedEntry, *, status: str, reason: str, at, attempts: int | None = None,
                article_id: int | None = None) -> FeedEntry:
    entry.status, entry.reason, entry.processed_at = status, reason[:2000], at
    entry.attempts = attempts if attempts is not None else entry.attempts
    entry.article_id = article_id
    entry.save(update_fields=["status", "reason", "processed_at", "attempts", "article"])
    return entry


class NotAnArticle(ValueError):
    """The entry's page is no article (a PDF, a video page, a paywall stub, an empty page)."""


def entry_page_text(*, feed: Feed, entry: FeedEntry) -> str:
    """The entry's page as article text, fetched politely; NotAnArticle with the reason for anything else."""
    if not entry.link:
        raise NotAnArticle("the entry has neither content nor a link")
    if problem := address_problem(entry.link, allow_private=settings.FEEDS_ALLOW_PRIVATE_ADDRESSES):
        raise NotAnArticle(f"its link is refused: {problem}")
    if feed.respect_robots and not fetching.robots_allows(entry.link):
        raise NotAnArticle("robots.txt disallows fetching its page")
    fetched = fetching.polite_fetch(entry.link, accept=PAGE_ACCEPT)
    media_type = fetched.content_type.split(";")[0].strip().lower()
    if media_type == "application/pdf" or fetched.body[:5] == b"%PDF-":
        raise NotAnArticle("a PDF, not an article page")
    if media_type.split("/")[0] in ("video", "audio", "image"):
        raise NotAnArticle(f"a {media_type.split('/')[0]} file, not an article page")
    page = fetched.body.decode(_charset(fetched.content_type), errors="replace")
    try:
        text = html_to_text(page) if media_type != "text/plain" else page
    except NotArticleHtml:
        raise NotAnArticle("an empty page (no text)") from None
    length = len(text.strip())
    if length < settings.FEEDS_MIN_ARTICLE_CHARS and _VIDEO_PAGE.search(page[:100_000]):
        raise NotAnArticle("a video page")
    if _PAYWALL.search(page[:500_000]) and length < 5 * settings.FEEDS_MIN_ARTICLE_CHARS:
        raise NotAnArticle(f"a paywall stub ({length} characters of text)")
    if length < settings.FEEDS_MIN_ARTICLE_CHARS:
        raise NotAnArticle(f"an empty page ({length} characters of text; FEEDS_MIN_ARTICLE_CHARS is "
                           f"{settings.FEEDS_MIN_ARTICLE_CHARS})")
    return text


def _charset(content_type: str) -> str:
    match = re.search(r"charset=[\"']?([\w.:-]+)", content_type or "", re.IGNORECASE)
    if match:
        try:
            "".encode(match.group(1))
            return match.group(1)
        except LookupError:
            pass
    return "utf-8"


def _import_claim_reviews(feed: Feed, fetched: fetching.Fetched, parsed: feed_formats.ParsedFeed, *,
                          deadline: float) -> PollOutcome:
    """Import a DataFeed's pages as fact-checks, following `next` up to FEEDS_MAX_PAGES."""
    result = fact_checks.ImportResult()
    pages, seen = 1, {fetched.url}
    fact_checks.fact_checks_import_records(fact_checks.document_records(parsed.document, fetched.url), feed=feed, result=result)
    next_url = parsed.next_url
    while next_url and next_url not in seen and pages < settings.FEEDS_MAX_PAGES and time.monotonic() < deadline:
        seen.add(next_url)
        try:
            page = fetching.polite_fetch(next_url, accept=FEED_ACCEPT)
            parsed_page = feed_formats.parse(page.body, kind=FeedKind.CLAIM_REVIEW, base_url=page.url)
        except (fetching.FetchFailed, fetching.HostBusy, feed_formats.FeedFormatError) as exc:
            result.skipped.append(fact_checks.Skipped(next_url, f"page not read: {exc}"))
            break
        pages += 1
        fact_checks.fact_checks_import_records(fact_checks.document_records(parsed_page.document, page.url), feed=feed,
                                               result=result)
        next_url = parsed_page.next_url
    changed = result.created + result.updated
    if changed:  # searchable before the poll ends: a claim arriving next is compared with them
        retrieval.fact_checks_embed(fact_check_ids=changed)
    line = (f"{len(result.created)} new fact-checks, {len(result.updated)} updated, {len(result.unchanged)} unchanged"
            f" ({pages} page{'s' if pages > 1 else ''})")
    if result.skipped:
        line += f"; {len(result.skipped)} skipped: {result.skipped[0].reason}"
    done = {"ingested": len(result.created)}
    return _record_success(feed, fetched, line=line, done=done, new=len(result.created) + len(result.updated))


# --- Outcomes --------------------------------------------------------------------------------------


def _record_success(feed: Feed, fetched: fetching.Fetched, *, line: str, done: dict, new: int = 0) -> PollOutcome:
    now = timezone.now()
    waiting = FeedEntry.objects.filter(feed=feed, status=FeedEntryStatus.PENDING).exists()
    next_poll = now + timedelta(seconds=feed.poll_interval_seconds)
    if waiting:
        next_poll = min(next_poll, now + PENDING_RETRY)
    Feed.objects.filter(pk=feed.pk).update(
        etag=fetched.etag[:500] if fetched.status != 304 else F("etag"),
        last_modified=fetched.last_modified[:100] if fetched.status != 304 else F("last_modified"),
        last_polled_at=now, last_success_at=now, last_outcome=line[:500], last_error="", consecutive_failures=0,
        next_poll_at=next_poll, leased_until=None,
    )
    return PollOutcome(feed.pk, feed.url, True, line, new_entries=new, articles=done.get("ingested", 0))


def failure_backoff(*, interval: int, failures: int) -> float:
    """Seconds before the next poll after `failures` failures in a row: the interval, doubled each time, capped."""
    return min(interval * 2 ** max(failures - 1, 0), settings.FEEDS_BACKOFF_MAX_SECONDS)


def _record_failure(feed: Feed, reason: str, *, retry_after: float | None = None) -> PollOutcome:
    now = timezone.now()
    failures = feed.consecutive_failures + 1
    wait = failure_backoff(interval=feed.poll_interval_seconds, failures=failures)
    if retry_after:
        wait = max(wait, min(retry_after, settings.FEEDS_BACKOFF_MAX_SECONDS))
    changes = {
        "last_polled_at": now, "last_error": reason[:2000], "last_outcome": f"error: {reason}"[:500],
        "consecutive_failures": failures, "next_poll_at": now + timedelta(seconds=wait), "leased_until": None,
    }
    line = f"error: {reason}"
    if failures >= settings.FEEDS_MAX_FAILURES:
        changes.update(enabled=False, disabled_reason=f"disabled after {failures} failures in a row; the last: {reason}"[:2000])
        line += f" (disabled after {failures} failures in a row)"
        logger.warning("feed %s disabled: %s", feed.pk, reason)
    Feed.objects.filter(pk=feed.pk).update(**changes)
    return PollOutcome(feed.pk, feed.url, False, line)


# --- A run -----------------------------------------------------------------------------------------


def feeds_poll(*, every: bool = False, max_seconds: float | None = None, feed_ids: list[int] | None = None,
               on_outcome: Callable[[PollOutcome], None] | None = None) -> list[PollOutcome]:
    """Poll the due feeds (`every`: all enabled ones) in rounds of at most one feed per host, each
    round's feeds side by side on FEEDS_POLL_THREADS threads. Stops at `max_seconds`; the rest is
    the next run's."""
    max_seconds = max_seconds or settings.CELERY_TASK_SOFT_TIME_LIMIT * 0.8
    deadline = time.monotonic() + max_seconds
    outcomes: list[PollOutcome] = []
    polled: set[int] = set()
    threads = max(settings.FEEDS_POLL_THREADS, 1)
    while time.monotonic() < deadline:
        leased = feeds_lease(limit=settings.FEEDS_POLL_BATCH, every=every, skip=polled, only=feed_ids)
        if not leased:
            break
        polled.update(leased)
        for outcome in _poll_round(leased, deadline=deadline, threads=threads):
            outcomes.append(outcome)
            if on_outcome is not None:
                on_outcome(outcome)
    return outcomes


def _poll_round(feed_ids: list[int], *, deadline: float, threads: int) -> list[PollOutcome]:
    """Poll these feeds (one per host) on up to `threads` threads, each with its own connection."""
    if threads == 1 or len(feed_ids) == 1:
        return [_poll_safely(pk, deadline) for pk in feed_ids]
    waiting = queue.SimpleQueue()
    for pk in feed_ids:
        waiting.put(pk)
    results: list[PollOutcome] = []

    def work() -> None:
        try:
            while True:
                try:
                    pk = waiting.get_nowait()
                except queue.Empty:
                    return
                results.append(_poll_safely(pk, deadline))
        finally:
            connections.close_all()  # this thread's own connections, never left open

    pool = [threading.Thread(target=work, name=f"feed-poll-{n}", daemon=True) for n in range(min(threads, len(feed_ids)))]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return results


def _poll_safely(feed_id: int, deadline: float) -> PollOutcome:
    try:
        return feed_poll(feed_id=feed_id, deadline=deadline)
    except Feed.DoesNotExist:
        return PollOutcome(feed_id, "", True, "removed while it was being polled")
    except Exception as exc:  # a bug or a database hiccup costs this feed's poll, never the run
        logger.exception("feed %s poll crashed", feed_id)
        try:
            return _record_failure(Feed.objects.get(pk=feed_id), f"{type(exc).__name__}: {exc}")
        except Exception:
            return PollOutcome(feed_id, "", False, f"error: {type(exc).__name__}: {exc}")


# --- How a feed is shown ------------------------------------------------------------------------


def _ago(moment, now) -> str:
    seconds = int((now - moment).total_seconds())
    future = seconds < 0
    seconds = abs(seconds)
    amount = (f"{seconds} s" if seconds < 90 else f"{seconds // 60} min" if seconds < 5400
              else f"{seconds // 3600} h" if seconds < 172_800 else f"{seconds // 86400} days")
    return f"in {amount}" if future else f"{amount} ago"


def feed_state_words(row: dict, *, now=None) -> str:
    """A feed's state in one sentence, for the admin and the API (`row`: its fields, as values())."""
    now = now or timezone.now()
    if not row["enabled"]:
        return row["disabled_reason"] or "disabled by an editor"
    if row["last_polled_at"] is None:
        head = "not polled yet"
    elif row["consecutive_failures"]:
        head = (f"failing ({row['consecutive_failures']} in a row, last {_ago(row['last_polled_at'], now)}): "
                f"{row['last_error'][:200]}")
    else:
        head = f"polled {_ago(row['last_polled_at'], now)}: {row['last_outcome'][:200]}"
    due = row["next_poll_at"]
    next_poll = "next poll at the next run" if due is None or due <= now else f"next poll {_ago(due, now)}"
    return (f"{head}; {next_poll}; {row['entries_seen']} entries seen, {row['articles_created']} "
            f"article{'s' if row['articles_created'] != 1 else ''} created")


def feed_document(row: dict) -> dict:
    """A feed as the API shows it (`row`: selectors.FEED_ROW_FIELDS)."""
    return {**row, "kind": row["kind"] or row["detected_kind"], "kind_override": row["kind"],
            "state": feed_state_words(row)}
