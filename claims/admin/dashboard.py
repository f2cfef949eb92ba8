"""Reads behind the reviewer's admin pages: the queue, SLA state, the desk and article pictures.

Selectors only (no writes). Each returns plain data or a queryset with its joins, so
the admin templates render without further queries per row.

Copy groups (claims/matching/copies.py): every count a reviewer reads as work to do counts a
group once, on its first claim; copies (`copy_of` set) follow it and are never work of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import GreaterThan
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from sources.levels import AttributionLevel
from sources.models import Source

from .. import selectors
from ..corroboration.provenance import provenance
from ..models import WAITING_STATUSES, Article, Claim, ClaimStatus, CopyMethod
from ..triage import checkworthiness

S = ClaimStatus

# A reviewer's work in hand: assigned and not yet given a verdict.
QUEUE_STATUSES = (S.QUEUED, S.IN_REVIEW, S.NEEDS_RECHECK)
# Past this share of the SLA a claim is flagged "due soon".
SLA_WARNING_SHARE = 0.75

# Short meanings for the legend (ATTRIBUTION.md).
LEVEL_MEANINGS = {
    AttributionLevel.DOCUMENT: "a primary record a reader could inspect",
    AttributionLevel.OFFICIAL: "a named institution or official, on the record",
    AttributionLevel.NAMED_PERSON: "a named individual on the record",
    AttributionLevel.OTHER_OUTLET: "another news organisation's reporting",
    AttributionLevel.ANONYMOUS: "unnamed sources claiming inside knowledge",
    AttributionLevel.VAGUE: "unspecific groups (\u201canalysts say\u201d)",
    AttributionLevel.UNATTRIBUTED: "the article's own voice",
}


@dataclass(frozen=True)
class Bar:
    """One row of a bar chart: `width` is relative to the largest row, `share` to the total."""

    code: str
    label: str
    count: int
    share: float  # 0..100
    width: float  # 0..100


@dataclass(frozen=True)
class SlaState:
    code: str  # "ok", "due_soon", "overdue", "done"
    label: str
    waited: timedelta
    remaining: timedelta | None  # negative when overdue; None when the claim has a verdict


@dataclass(frozen=True)
class ProvenanceLink:
    """One hop of the chain a claim reaches the reader through."""

    role: str  # "speaker", "relayed by", "published by"
    name: str
    kind: str
    url: str  # the admin page of the source, or "" when the user cannot open it


@dataclass(frozen=True)
class Sourcing:
    total: int
    levels: list[Bar]
    anonymous: int
    weak: int  # anonymous + vague + unattributed: the claims that name nobody

    @property
    def anonymous_share(self) -> float:
        return _share(self.anonymous, self.total)

    @property
    def weak_share(self) -> float:
        return _share(self.weak, self.total)


def _share(part: int, total: int) -> float:
    return round(100.0 * part / total, 1) if total else 0.0


def _bars(counts: dict[str, int], choices) -> list[Bar]:
    total = sum(counts.values())
    largest = max(counts.values(), default=0)
    return [
        Bar(code=code, label=label, count=counts.get(code, 0), share=_share(counts.get(code, 0), total),
            width=_share(counts.get(code, 0), largest))
        for code, label in choices
    ]


# --- the reviewer's queue ---------------------------------------------------------

def with_appearances(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """Each claim with `_appearances` (1 + its copies) and `_copies_differ` (a copy's attribution differs).

    Correlated subqueries over the copy_of index, in the SELECT list: PostgreSQL evaluates them
    for the rows a page returns only (after ORDER BY and LIMIT), whatever the size of the table.
    Both are counts, not EXISTS: the planner may turn an EXISTS into a hashed subplan that reads
    every claim once per page. Never sort or filter on them.
    """
    def count(copies: QuerySet[Claim]):
        per_group = copies.order_by().values("copy_of").annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(per_group, output_field=IntegerField()), 0)

    copies = Claim.objects.filter(copy_of=OuterRef("pk"))
    return claims.annotate(
        _appearances=count(copies) + 1,
        _copies_differ=GreaterThan(count(copies.filter(attribution_differs=True)), 0),
    )


def reviewer_queue(*, user: AbstractBaseUser) -> QuerySet[Claim]:
    """The claims assigned to `user` that still need work, most urgent first: one per copy group."""
    return with_appearances(
        Claim.objects.filter(assignee=user, status__in=QUEUE_STATUSES, copy_of__isnull=True)
        .select_related("article", "article__publisher", "speaker")
        .order_by("-priority", "status_changed_at", "pk")
    )


def article_worthiness_counts(*, limit: int = 10) -> list[dict]:
    """The latest articles with their number of claims, of copies among them, and of check-worthy
    claims to review (copies left out: their group is reviewed once, on its first claim). One query."""
    cut = checkworthiness.threshold()
    latest = Article.objects.filter(is_current=True).order_by("-created_at", "-pk").values("pk")[:limit]
    rows = (
        # The latest articles first, then their claims counted: the count never joins the archive.
        Article.objects.filter(pk__in=latest).order_by("-created_at", "-pk")
        .annotate(
            n_claims=Count("claims"),
            n_copies=Count("claims", filter=Q(claims__copy_of__isnull=False)),
            n_worthy=Count("claims", filter=Q(claims__check_worthiness__gte=cut, claims__copy_of__isnull=True)),
        )
        .values("pk", "title", "n_claims", "n_copies", "n_worthy")[:limit]
    )
    return list(rows)


def unassigned_waiting_count() -> int:
    """Unassigned claims waiting for a reviewer: one per copy group."""
    return Claim.objects.filter(status=S.UNVERIFIED, assignee__isnull=True, copy_of__isnull=True).count()


def sla_state(claim: Claim, *, now: datetime | None = None) -> SlaState:
    """How long the claim has waited in its status against settings.REVIEW_SLA."""
    now = now or timezone.now()
    since = claim.status_changed_at or claim.created_at
    waited = max(now - since, timedelta(0))
    if claim.status not in WAITING_STATUSES:
        return SlaState("done", "verdict given", waited, None)
    sla: timedelta = settings.REVIEW_SLA
    remaining = sla - waited
    if remaining < timedelta(0):
        return SlaState("overdue", "overdue", waited, remaining)
    if waited >= sla * SLA_WARNING_SHARE:
        return SlaState("due_soon", "due soon", waited, remaining)
    return SlaState("ok", "on time", waited, remaining)


# --- the desk (admin index) -----------------------------------------------------

def claims_by_status() -> list[Bar]:
    """The desk's claims per status, a copy group counted once (copies share their first's status)."""
    return _bars(selectors.claim_counts("status"), S.choices)


def claims_by_level(*, article: Article | None = None) -> list[Bar]:
    """Claims per attribution level: the desk's counts a copy group once; an article's are all its own claims."""
    if article is None:
        return _bars(selectors.claim_counts("attribution_level"), AttributionLevel.choices)
    counts = dict(article.claims.values_list("attribution_level").annotate(n=Count("pk")).order_by())
    return _bars(counts, AttributionLevel.choices)


def oldest_waiting_claims(*, limit: int = 10) -> QuerySet[Claim]:
    """Claims without a verdict that have waited longest in their current status: one per copy group."""
    return (
        Claim.objects.filter(status__in=WAITING_STATUSES, copy_of__isnull=True)
        .select_related("article", "assignee", "speaker")
        .order_by("status_changed_at", "pk")[:limit]
    )


# Celery's own housekeeping: with results off (no result backend) it does nothing worth showing.
HIDDEN_BEAT_TASKS = ("celery.backend_cleanup",)


def beat_schedules() -> list:
    """The desk's beat schedules, each with `every`: its period in words ("every 15 minutes")."""
    from django_celery_beat.models import PeriodicTask

    tasks = list(
        PeriodicTask.objects.select_related("interval", "crontab").exclude(task__in=HIDDEN_BEAT_TASKS).order_by("name")
    )
    for task in tasks:
        task.every = every(task.interval) if task.interval else (f"cron {task.crontab}" if task.crontab else "—")
    return tasks


_PERIOD_SECONDS = {"days": 86400, "hours": 3600, "minutes": 60, "seconds": 1, "microseconds": 1e-6}
_UNITS = ((86400, "day"), (3600, "hour"), (60, "minute"), (1, "second"))


def every(interval) -> str:
    """An IntervalSchedule in words, in the largest whole unit: 900 seconds is "every 15 minutes"."""
    seconds = interval.every * _PERIOD_SECONDS.get(interval.period, 1)
    for size, unit in _UNITS:
        if seconds >= size and seconds % size == 0:
            count = int(seconds // size)
            return f"every {unit}" if count == 1 else f"every {count} {unit}s"
    return f"every {seconds:g} seconds"


# --- one article ----------------------------------------------------------------

def article_claims(*, article: Article) -> QuerySet[Claim]:
    return article.claims.select_related("speaker", "via_outlet", "assignee").order_by("start", "end")


def article_sourcing(*, claims: list[Claim]) -> Sourcing:
    """How an article is sourced, from its claims (already loaded by the page)."""
    counts: dict[str, int] = {}
    for claim in claims:
        counts[claim.attribution_level] = counts.get(claim.attribution_level, 0) + 1
    weak_levels = (AttributionLevel.ANONYMOUS, AttributionLevel.VAGUE, AttributionLevel.UNATTRIBUTED)
    return Sourcing(
        total=len(claims),
        levels=_bars(counts, AttributionLevel.choices),
        anonymous=counts.get(AttributionLevel.ANONYMOUS, 0),
        weak=sum(counts.get(level, 0) for level in weak_levels),
    )


# --- provenance -----------------------------------------------------------------

def _source_url(source: Source, user) -> str:
    if user is None or not user.has_perm("sources.view_source"):
        return ""
    try:
        return reverse("admin:sources_source_change", args=[source.pk])
    except NoReverseMatch:
        return ""


def claim_provenance(claim: Claim, *, user=None) -> list[ProvenanceLink]:
    """The chain the claim reaches the reader through (claims.corroboration.provenance), with admin links."""
    sources = {s.pk: s for s in (claim.speaker, claim.via_outlet, claim.article.publisher) if s is not None}
    return [
        ProvenanceLink(
            role=link.role.replace("_", " "),
            name=link.name,
            kind=sources[link.source_id].get_kind_display() if link.source_id in sources else "as written",
            url=_source_url(sources[link.source_id], user) if link.source_id in sources else "",
        )
        for link in provenance(claim)
    ]


# --- copy groups ----------------------------------------------------------------

# Appearances listed on a group's claim page (the panel says how many there are in all).
COPY_GROUP_LISTED = selectors.COPY_GROUP_LISTED


@dataclass(frozen=True)
class Appearance:
    """One member of a copy group as its claim page lists it."""

    claim_id: int
    article_id: int
    article_title: str
    publisher: str
    speaker_text: str
    attribution_level: str
    method: str  # "" for the group's first claim, else a CopyMethod value
    method_label: str
    score: float | None
    differs: bool
    why_differs: str  # for a differing member: what differs from the first, in words


@dataclass(frozen=True)
class CopyGroup:
    first_id: int
    size: int  # appearances, the first claim included
    articles: int  # distinct articles they stand in
    differing: int  # copies whose attribution differs from the first's
    appearances: list[Appearance]

    @property
    def unlisted(self) -> int:
        return self.size - len(self.appearances)


def _level_label(level: str) -> str:
    return AttributionLevel(level).label if level in AttributionLevel.values else level


def why_differs(level: str, speaker_text: str, first_level: str, first_speaker_text: str) -> str:
    """What differs between a copy's attribution and its group's first claim's, in words."""
    parts = []
    if level != first_level:
        parts.append(f"level {_level_label(level)} here, {_level_label(first_level)} on the first claim")
    if (speaker_text or "") != (first_speaker_text or ""):
        parts.append(f"speaker \u201c{speaker_text or 'none'}\u201d here, \u201c{first_speaker_text or 'none'}\u201d on the first claim")
    return "; ".join(parts) or "another speaker than the first claim's"


def _why_differs(member: dict, first: dict) -> str:
    return why_differs(member["attribution_level"], member["speaker_text"], first["attribution_level"], first["speaker_text"])


def copy_group(*, group_id: int, limit: int = COPY_GROUP_LISTED) -> CopyGroup:
    """A copy group for its claims' pages: the selectors' read (the API's too), with labels and, for
    each differing member, what differs in words."""
    group = selectors.copy_group(group_id=group_id, limit=limit)
    rows = group["appearances"]
    first = next((r for r in rows if r["claim"] == group_id), rows[0] if rows else None)
    labels = dict(CopyMethod.choices)
    return CopyGroup(
        first_id=group_id, size=group["size"], articles=group["articles"], differing=group["attribution_differences"],
        appearances=[
            Appearance(
                claim_id=r["claim"], article_id=r["article"], article_title=r["article_title"] or f"Article {r['article']}",
                publisher=r["publisher"] or "", speaker_text=r["speaker_text"] or "",
                attribution_level=r["attribution_level"], method=r["copy_method"] or "",
                method_label=labels.get(r["copy_method"], ""), score=r["copy_score"], differs=r["attribution_differs"],
                why_differs=_why_differs(r, first) if r["attribution_differs"] and first is not None else "",
            )
            for r in rows
        ],
    )


def near_copies(*, article: Article, limit: int = 10) -> tuple[int, list[Article]]:
    """How many articles are near-identical copies of this one, and the first `limit` of them."""
    copies = Article.objects.filter(copy_of=article).select_related("publisher").order_by("created_at", "pk")
    listed = list(copies[:limit])
    return (copies.count() if len(listed) == limit else len(listed)), listed


def open_alerts(*, limit: int = 10) -> tuple[int, list]:
    """The desk's "Repeated claims": open alerts, newest first, and how many there are."""
    from ..models import Alert, AlertStatus

    queryset = Alert.objects.filter(status=AlertStatus.OPEN)
    rows = list(queryset.select_related("claim", "article__publisher", "prior_fact_check").order_by("-created_at", "-id")[:limit])
    return (len(rows) if len(rows) < limit else queryset.count()), rows
