"""The Sourcing report: how each outlet sources its stories (selectors; issue 29).

Read from the ledger the triggers keep (claims.models.SourcingTally) on PostgreSQL, so a report
reads a few rows a publisher and period whatever the archive's size; SQLite computes the same facts
(claims/reports/facts.py) from the claims. What is counted is said there, and on the page:
each outlet's figures count every claim it ran, copies included; figures for all publishers count
each copy group once.
"""

from __future__ import annotations

import math
from contextlib import nullcontext
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.db.models.functions import Coalesce

from sources.levels import AttributionLevel
from sources.models import Source

from ..models import Claim, ClaimStatus
from ..paging import planner_settings
from .facts import DAILY_BELOW, DESK_DIMENSIONS, HOURLY_BELOW, VERDICT_VALUES, facts_sql

INTERVALS = ("week", "month")
LEVELS = tuple(AttributionLevel.values)
ALL_PUBLISHERS = "All publishers"
# The page's longest period: ten years of months, or of weeks.
MAX_PERIODS = 520
LAST_DAY = date.max - timedelta(days=62)
TOP_SPEAKERS = 10
TOP_PUBLISHERS = 50
RANKING_WORK_MEM = "64MB"
COUNTING = ("An outlet's figures count every claim it ran, copies of wire stories included; "
            "figures for all publishers count each copy group once.")


class ReportRefused(ValueError):
    """A report that cannot be made as asked (the message says why; `field`: the query parameter)."""

    def __init__(self, message: str, *, field: str):
        super().__init__(message)
        self.field = field


def period_start(day: date, interval: str) -> date:
    return day - timedelta(days=day.weekday()) if interval == "week" else day.replace(day=1)


def next_period(start: date, interval: str) -> date:
    if interval == "week":
        return start + timedelta(days=7)
    return date(start.year + start.month // 12, start.month % 12 + 1, 1)


def period_label(start: date, interval: str) -> str:
    """"2026-12" for a month; "2026-W49" (ISO) for a week."""
    if interval == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{start.year}-{start.month:02d}"


def period_range(label: str) -> tuple[datetime, datetime] | None:
    """The UTC bounds [start, end) of a period label ("2026-12" or "2026-W49"); None if not one."""
    try:
        if "-W" in label:
            year, week = label.split("-W")
            start, interval = date.fromisocalendar(int(year), int(week), 1), "week"
        else:
            year, month = label.split("-")
            start, interval = date(int(year), int(month), 1), "month"
    except ValueError:
        return None
    return _midnight(start), _midnight(next_period(start, interval))


@dataclass(frozen=True)
class SourcingQuery:
    start: date
    end: date
    interval: str = "month"
    publishers: tuple[Source, ...] = ()
    # Names asked for that no outlet carries: outlets with no claims (their rows are zeros).
    unknown: tuple[str, ...] = ()
    # The range asked for held more than MAX_PERIODS periods: these are its latest.
    shortened: bool = False

    @cached_property
    def periods(self) -> list[date]:
        """The periods from start's to end's; none when start is after end."""
        out, at = [], period_start(self.start, self.interval)
        while at <= self.end:
            out.append(at)
            at = next_period(at, self.interval)
        return out

    @cached_property
    def months(self) -> SourcingQuery:
        """The months its periods touch (itself, by month): the speakers' ranking is kept by month."""
        if self.interval == "month" or not self.periods:
            return self
        last_day = next_period(self.periods[-1], self.interval) - timedelta(days=1)
        return SourcingQuery(start=self.periods[0], end=last_day, interval="month", publishers=self.publishers,
                             unknown=self.unknown)

    @property
    def chosen(self) -> bool:
        return bool(self.publishers or self.unknown)

    @property
    def previous(self) -> SourcingQuery:
        """The same number of periods just before."""
        at = self.periods[0]
        try:
            for _ in self.periods:
                at = period_start(at - timedelta(days=1), self.interval)
        except OverflowError:  # before the first day a date can hold: no period
            return SourcingQuery(start=date.max, end=date.min, interval=self.interval)
        return SourcingQuery(start=at, end=self.periods[0] - timedelta(days=1), interval=self.interval,
                             publishers=self.publishers, unknown=self.unknown)


def sourcing_query(*, start: date | None, end: date | None, interval: str | None,
                   publisher_names: list[str], today: date | None = None) -> SourcingQuery:
    """The query from a request's values: the last 12 periods by default, the latest MAX_PERIODS at
    most. Only an unknown interval is refused: a range that ends before it starts holds no period,
    and a name no outlet carries is an outlet without claims."""
    interval = interval or "month"
    if interval not in INTERVALS:
        raise ReportRefused(f"interval must be week or month, not {interval!r}", field="interval")
    # A range ends two months before the last day a date can hold: every period's end is a date.
    end = min(end or today or date.today(), LAST_DAY)
    if start is None:
        start = period_start(end, interval)
        for _ in range(11):
            start = period_start(start - timedelta(days=1), interval)
    names = sorted({name.strip() for name in publisher_names if name.strip()})
    publishers = tuple(Source.objects.filter(name__in=names, published_articles__isnull=False).distinct().order_by("name")) \
        if names else ()
    unknown = tuple(sorted(set(names) - {p.name for p in publishers}))
    query = SourcingQuery(start=start, end=end, interval=interval, publishers=publishers, unknown=unknown)
    if len(query.periods) > MAX_PERIODS:
        query = SourcingQuery(start=query.periods[-MAX_PERIODS], end=end, interval=interval, publishers=publishers,
                              unknown=unknown, shortened=True)
    return query


def _scope(query: SourcingQuery, dimension: str, scope: str) -> tuple[str, str, list] | None:
    """(the ledger's dimension, a WHERE on publisher_id, its parameters) for `scope`, or None when
    it holds nothing: "chosen" (the query's publishers, or every publisher's copy groups once when
    none is chosen), "all" (copy groups once) or "each" (every outlet apart)."""
    if scope == "chosen" and query.chosen and not query.publishers:
        return None  # only outlets without claims
    if scope == "chosen" and query.publishers:
        return dimension, f"publisher_id IN ({', '.join(['%s'] * len(query.publishers))})", [p.pk for p in query.publishers]
    if scope == "each":
        return dimension, "publisher_id IS NOT NULL", []
    return DESK_DIMENSIONS.get(dimension, dimension), "publisher_id IS NULL", []


def _facts() -> tuple[str, str]:
    """(the relation of facts, its count column): the ledger on PostgreSQL; on SQLite the facts of
    every claim, computed for this read (SQLite serves small archives)."""
    if connection.vendor == "postgresql":
        return "claims_sourcingtally", "claims"
    return f"({facts_sql('claims_claim', vendor='sqlite')})", "n"


def _sum(n: str) -> str:
    # A row's count fits an integer: sum(integer) adds in bigint, sum(bigint) in numeric (slower by half).
    return f"sum(CAST({n} AS integer))"


def _tally(query: SourcingQuery, dimension: str, scope: str, *, by_period: bool = True,
           top_per_level: int | None = None) -> list[tuple]:
    """(period, publisher id, level, value, claims) of `dimension` in the query's periods for
    `scope` (see _scope), period None and the periods summed unless `by_period`."""
    periods, scoped = query.periods, _scope(query, dimension, scope)
    if not periods or scoped is None:
        return []
    name, where, publishers = scoped
    params: list = [query.interval, name, periods[0], periods[-1], *publishers]
    source, n = _facts()
    period = "period" if by_period else "NULL"
    publisher = "NULL" if where == "publisher_id IS NULL" else "publisher_id"
    keys = ", ".join(key for key in (period, publisher, "level", "value") if key != "NULL")
    total = _sum(n)
    sql = (f"SELECT {period} AS period, {publisher} AS publisher_id, level, value, {total} AS total FROM {source} AS t "
           f"WHERE grain = %s AND dimension = %s AND period >= %s AND period <= %s AND {where} "
           f"GROUP BY {keys} HAVING {total} <> 0")
    if top_per_level:  # the database keeps each level's first few, not every value
        sql = (f"SELECT period, publisher_id, level, value, total FROM (SELECT *, row_number() OVER "
               f"(PARTITION BY level ORDER BY total DESC, value) AS rank FROM ({sql}) AS summed) AS ranked "
               f"WHERE rank <= {int(top_per_level)}")
    # A year of the speakers' rows is half a million at 10M claims: summed in memory, not in
    # batches on disk.
    roomy = top_per_level and connection.vendor == "postgresql"
    with planner_settings(work_mem=f"'{RANKING_WORK_MEM}'") if roomy else nullcontext(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [(p if p is None or isinstance(p, date) else date.fromisoformat(str(p)), pub, level, value, int(total))
            for p, pub, level, value, total in rows]


@dataclass
class SourcingReport:
    query: SourcingQuery
    # (period, publisher name, level, claims), every period and level, zeros included
    series: list[dict] = field(default_factory=list)
    anonymous_share: list[dict] = field(default_factory=list)
    top_speakers: list[dict] = field(default_factory=list)
    verdicts_by_level: list[dict] = field(default_factory=list)
    time_to_verdict: list[dict] = field(default_factory=list)
    reviewers: list[dict] = field(default_factory=list)
    counting: str = COUNTING


def sourcing_report(query: SourcingQuery) -> SourcingReport:
    report = SourcingReport(query=query)
    if not query.periods:
        return report
    claims = _tally(query, "claims", "chosen")
    report.series = _series(query, claims)
    report.verdicts_by_level = _verdicts_by_level(claims)
    report.anonymous_share = _anonymous_share(query)
    report.top_speakers = _top_speakers(query)
    report.time_to_verdict = _time_to_verdict(query)
    report.reviewers = _reviewers(query)
    return report


def _series(query: SourcingQuery, rows) -> list[dict]:
    names = {p.pk: p.name for p in query.publishers}
    counts: dict[tuple, int] = defaultdict(int)
    for period, pub, level, _status, n in rows:
        counts[period, names.get(pub, ALL_PUBLISHERS), level] += n
    publishers = sorted([p.name for p in query.publishers] + list(query.unknown)) or [ALL_PUBLISHERS]
    return [
        {"period": period_label(period, query.interval), "period_start": period, "publisher": publisher,
         "level": level, "claims": counts.get((period, publisher, level), 0)}
        for period in query.periods for publisher in publishers for level in LEVELS
    ]


def _verdicts_by_level(rows) -> list[dict]:
    counts: dict[str, dict[str, int]] = {level: {v: 0 for v in VERDICT_VALUES} for level in LEVELS}
    for _period, _pub, level, status, n in rows:
        if status in VERDICT_VALUES and level in counts:
            counts[level][status] += n
    return [{"level": level, **by_verdict, "verdicts": sum(by_verdict.values())} for level, by_verdict in counts.items()]


def _anonymous_share(query: SourcingQuery) -> list[dict]:
    """Each outlet's share of claims on anonymous sources, highest first, beside the previous periods'.

    One read of the ledger over both ranges, a row an outlet (5,000 outlets at 10M claims)."""
    scoped = _scope(query, "anonymous_share", "chosen" if query.chosen else "each")
    if not query.periods or scoped is None:
        return []
    name, where, publishers = scoped
    first = query.previous.periods[0] if query.previous.periods else query.periods[0]
    source, n = _facts()
    now, anonymous = "period >= %s", "value = 'anonymous'"
    total = _sum(n)
    sql = (f"SELECT publisher_id, {total} FILTER (WHERE {now}), {total} FILTER (WHERE {now} AND {anonymous}), "
           f"{total} FILTER (WHERE NOT {now}), {total} FILTER (WHERE NOT {now} AND {anonymous}) "
           f"FROM {source} AS t WHERE grain = %s AND dimension = %s AND period >= %s AND period <= %s AND {where} "
           f"GROUP BY publisher_id")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*[query.periods[0]] * 4, query.interval, name, first, query.periods[-1], *publishers])
        sums = [(pub, *(int(x or 0) for x in figures)) for pub, *figures in cursor.fetchall()]
    ranked = sorted(((pub, total, anon, before, before_anon) for pub, total, anon, before, before_anon in sums if total > 0),
                    key=lambda row: (-row[2] / row[1], -row[1], row[0]))[:TOP_PUBLISHERS]
    names = dict(Source.objects.filter(pk__in=[row[0] for row in ranked]).values_list("pk", "name"))
    out = []
    for pub, total, anon, before, before_anon in ranked:
        share = anon / total
        previous_share = before_anon / before if before > 0 else None
        out.append({"publisher": names.get(pub, str(pub)), "publisher_id": pub, "claims": total, "anonymous": anon,
                    "share": round(share, 4), "previous_share": None if previous_share is None else round(previous_share, 4),
                    "change": None if previous_share is None else round(share - previous_share, 4)})
    return out


def _top_speakers(query: SourcingQuery) -> list[dict]:
    """The speakers and outlets cited most at each attributed level, over the months the query's
    periods touch (a ranking over weeks would sum a row a speaker and week: millions at 10M).

    Every publisher: the ledger's rows (each copy group once). Chosen outlets: their own articles'
    claims in those months, counted from the claims (an outlet's claims, not the archive's)."""
    months = query.months
    if query.chosen:
        start, end = _midnight(months.periods[0]), _midnight(next_period(months.periods[-1], "month"))
        rows = (
            Claim.objects.filter(article__publisher__in=query.publishers, speaker__isnull=False)
            .annotate(story_at=Coalesce("article__published_at", "article__created_at"))
            .filter(story_at__gte=start, story_at__lt=end)
            .values_list("attribution_level", "speaker_id").annotate(n=Count("pk")).order_by()
        )
        counts = [(level, speaker, n) for level, speaker, n in rows]
    else:
        counts = [(level, int(speaker), n) for _p, _pub, level, speaker, n in
                  _tally(months, "speaker", "all", by_period=False, top_per_level=TOP_SPEAKERS)]
    by_level: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for level, speaker, n in counts:
        by_level[level].append((n, speaker))
    top = {level: sorted(items, key=lambda item: (-item[0], item[1]))[:TOP_SPEAKERS] for level, items in by_level.items()}
    sources = Source.objects.in_bulk([speaker for items in top.values() for _, speaker in items])
    return [
        {"level": level, "speaker": sources[speaker].name if speaker in sources else str(speaker), "speaker_id": speaker,
         "kind": sources[speaker].kind if speaker in sources else "", "claims": n}
        for level in LEVELS for n, speaker in top.get(level, [])
    ]


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=dt_timezone.utc)


def _bucket_width(lower: int) -> int:
    return 1 if lower < HOURLY_BELOW else 24 if lower < DAILY_BELOW else 720


def _percentile(histogram: list[tuple[int, int]], share: float) -> float | None:
    """The `share` quantile of a sorted (bucket lower bound in hours, verdicts) histogram, linear
    within its bucket."""
    total = sum(n for _, n in histogram)
    if not total:
        return None
    rank, seen = share * total, 0
    for lower, n in histogram:
        if seen + n >= rank:
            return round(lower + _bucket_width(lower) * (rank - seen) / n, 1)
        seen += n
    return float(histogram[-1][0])


def _time_to_verdict(query: SourcingQuery) -> list[dict]:
    """Per period of the verdict: verdicts, hours from intake to verdict (p50, p90) and verdicts
    given later than REVIEW_SLA after intake."""
    sla_hours = settings.REVIEW_SLA.total_seconds() / 3600
    histograms: dict[date, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for period, _pub, _level, bucket, n in _tally(query, "time_to_verdict", "chosen"):
        histograms[period][int(bucket)] += n
    out = []
    for period in query.periods:
        histogram = sorted(histograms.get(period, {}).items())
        out.append({
            "period": period_label(period, query.interval), "period_start": period,
            "verdicts": sum(n for _, n in histogram),
            "p50_hours": _percentile(histogram, 0.5), "p90_hours": _percentile(histogram, 0.9),
            "breaches": sum(n for lower, n in histogram if lower >= math.ceil(sla_hours)),
        })
    return out


def _reviewers(query: SourcingQuery) -> list[dict]:
    """Every reviewer with open work now or verdicts in the periods (the whole desk's work)."""
    from django.contrib.auth import get_user_model

    open_work = dict(
        Claim.objects.filter(status__in=[ClaimStatus.QUEUED, ClaimStatus.IN_REVIEW], copy_of__isnull=True,
                             assignee__isnull=False)
        .values_list("assignee_id").annotate(n=Count("pk")).order_by()
    )
    verdicts: dict[int, int] = defaultdict(int)
    for _period, _pub, _level, user_id, n in _tally(query, "reviewer", "all"):
        verdicts[int(user_id)] += n
    users = get_user_model().objects.in_bulk(set(open_work) | set(verdicts))
    rows = [{"reviewer": users[pk].get_username() if pk in users else str(pk), "reviewer_id": pk,
             "open": open_work.get(pk, 0), "verdicts": verdicts.get(pk, 0)} for pk in set(open_work) | set(verdicts)]
    return sorted(rows, key=lambda row: (-row["open"], -row["verdicts"], row["reviewer"]))


# The report's parts as CSV, with their columns (the series' header is the API's interface).
CSV_COLUMNS = {
    "series": ("period", "publisher", "level", "claims"),
    "anonymous_share": ("publisher", "claims", "anonymous", "share", "previous_share", "change"),
    "top_speakers": ("level", "speaker", "kind", "claims"),
    "verdicts_by_level": ("level", "corroborated", "disputed", "refuted", "unverifiable", "verdicts"),
    "time_to_verdict": ("period", "verdicts", "p50_hours", "p90_hours", "breaches"),
    "reviewers": ("reviewer", "open", "verdicts"),
}


def csv_rows(document: dict, part: str = "series") -> list[list]:
    """A part of report_document() as CSV rows, its header first."""
    columns = CSV_COLUMNS[part]
    return [list(columns), *([row.get(column, "") for column in columns] for row in document[part])]


def report_document(report: SourcingReport) -> dict:
    """The report as the API answers it (and the page's tables read it)."""
    query = report.query
    return {
        "interval": query.interval, "from": query.periods[0] if query.periods else query.start, "to": query.end,
        "range_shortened": query.shortened,
        # the speakers' ranking covers whole months: by week, the months the weeks touch
        "speakers_from": query.months.periods[0] if query.periods else None,
        "speakers_to": next_period(query.months.periods[-1], "month") - timedelta(days=1) if query.periods else None,
        "publishers": sorted([p.name for p in query.publishers] + list(query.unknown)), "counting": report.counting,
        "series": report.series, "anonymous_share": report.anonymous_share, "top_speakers": report.top_speakers,
        "verdicts_by_level": report.verdicts_by_level, "time_to_verdict": report.time_to_verdict,
        "reviewers": report.reviewers,
    }
