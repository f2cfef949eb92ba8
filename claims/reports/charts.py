"""The Sourcing report's charts, drawn on the server as SVG geometry the template renders (no
script, no CDN, nothing inline the CSP refuses): the page works offline. Each chart carries its
text alternative; its table sits beside it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse

from sources.levels import AttributionLevel

from .sourcing import ALL_PUBLISHERS, LEVELS, SourcingReport

COLUMN_WIDTH, COLUMN_GAP, CHART_HEIGHT = 34, 8, 180
LABELS = dict(AttributionLevel.choices)


@dataclass
class Segment:
    level: str
    label: str
    claims: int
    share: float
    y: float
    height: float
    link: str


@dataclass
class Column:
    period: str
    total: int
    x: float
    segments: list[Segment] = field(default_factory=list)


@dataclass
class StackedChart:
    publisher: str
    columns: list[Column]
    width: int
    height: int = CHART_HEIGHT
    summary: str = ""


def claim_list_link(*, period: str, level: str, publisher_id: int | None) -> str:
    """The claim list of one bar: a period, a level, and an outlet's claims (copies included) or the
    desk's copy groups."""
    params = {"period": period, "attribution_level__exact": level}
    if publisher_id is not None:
        params.update(publisher=publisher_id, copies="all")
    return f"{reverse('admin:claims_claim_changelist')}?{urlencode(params)}"


def level_share_charts(report: SourcingReport) -> list[StackedChart]:
    """One stacked column chart a publisher (or all of them): each period's claims by level, as shares."""
    ids = {p.name: p.pk for p in report.query.publishers}
    by_publisher: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for row in report.series:
        by_publisher[row["publisher"]][row["period"]][row["level"]] = row["claims"]
    charts = []
    for publisher, periods in by_publisher.items():
        columns = []
        for index, (period, counts) in enumerate(periods.items()):
            total = sum(counts.values())
            column = Column(period=period, total=total, x=index * (COLUMN_WIDTH + COLUMN_GAP))
            y = float(CHART_HEIGHT)
            for level in LEVELS:
                n = counts.get(level, 0)
                if not n:
                    continue
                height = CHART_HEIGHT * n / total
                y -= height
                column.segments.append(Segment(
                    level=level, label=LABELS[level], claims=n, share=n / total, y=round(y, 2), height=round(height, 2),
                    link=claim_list_link(period=period, level=level,
                                         publisher_id=None if publisher == ALL_PUBLISHERS else ids.get(publisher)),
                ))
            columns.append(column)
        charts.append(StackedChart(
            publisher=publisher, columns=columns, width=max(1, len(columns)) * (COLUMN_WIDTH + COLUMN_GAP),
            summary=_summary(publisher, periods),
        ))
    return charts


def _summary(publisher: str, periods: dict[str, dict[str, int]]) -> str:
    """The chart in words: each period's total and its anonymous share."""
    parts = []
    for period, counts in periods.items():
        total = sum(counts.values())
        anonymous = counts.get(AttributionLevel.ANONYMOUS, 0)
        parts.append(f"{period}: {total} claims" + (f", {anonymous / total:.0%} anonymous" if total else ""))
    return f"{publisher}, claims by attribution level per period. " + "; ".join(parts) + "."


@dataclass
class Bar:
    row: dict  # the table's row it draws
    width: float  # percent of the widest
    note: str = ""


def bars(rows: list[dict], *, value: str, note=lambda row: "") -> list[Bar]:
    widest = max((row[value] or 0 for row in rows), default=0) or 1
    return [Bar(row=row, width=round(100 * (row[value] or 0) / widest, 1), note=note(row)) for row in rows]
