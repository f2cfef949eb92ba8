"""The admin's Sourcing report (/admin/reports/sourcing/): reviewers and editors (issue 29)."""

from __future__ import annotations

import csv
from datetime import date

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse

from ..models import Article

from ..reports import charts, sourcing
from ..roles import can_read_reports

PUBLISHERS_OFFERED = 200


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise sourcing.ReportRefused(f"{value!r} is not a date (YYYY-MM-DD)", field="from") from None


def sourcing_report_view(request):
    if not can_read_reports(request.user):
        raise PermissionDenied("only reviewers and editors read the desk's reports")
    params = request.GET.copy()
    params.pop("download", None)
    table = request.GET.get("download")
    context = {**admin.site.each_context(request), "title": "Sourcing", "values": params,
               "chosen": [name for name in params.getlist("publisher") if name.strip()],
               "offered": _publishers_offered()}
    try:
        query = sourcing.sourcing_query(start=_day(params.get("from")), end=_day(params.get("to")),
                                        interval=params.get("interval") or None,
                                        publisher_names=params.getlist("publisher"))
    except sourcing.ReportRefused as exc:
        context["error"] = str(exc)
        return TemplateResponse(request, "admin/claims/reports/sourcing.html", context, status=400)
    report = sourcing.sourcing_report(query)
    document = sourcing.report_document(report)
    if table in sourcing.CSV_COLUMNS:
        return _csv(document, table, query)
    context.update(
        report=document, query=query, level_charts=charts.level_share_charts(report),
        share_bars=charts.bars(document["anonymous_share"], value="share",
                               note=lambda row: _change(row["change"])),
        reviewer_bars=charts.bars(document["reviewers"], value="open",
                                  note=lambda row: f"{row['verdicts']} verdict(s) in the period"),
        query_string=params.urlencode(), level_labels=list(charts.LABELS.items()),
        sla_hours=round(settings.REVIEW_SLA.total_seconds() / 3600, 1),
    )
    return TemplateResponse(request, "admin/claims/reports/sourcing.html", context)


def _change(change: float | None) -> str:
    return "new in the period" if change is None else f"{change * 100:+.1f} points on the periods before"


def _publishers_offered() -> list[str]:
    """The outlets of the latest articles, for the form's suggestions (any name may be typed)."""
    latest = Article.objects.order_by("-created_at", "-pk").values_list("publisher__name", flat=True)[:PUBLISHERS_OFFERED]
    return sorted(set(latest))[:PUBLISHERS_OFFERED]


def _csv(document: dict, table: str, query: sourcing.SourcingQuery) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (f'attachment; filename="sourcing-{table}-{document["from"]:%Y-%m-%d}-'
                                       f'{query.end:%Y-%m-%d}.csv"')
    csv.writer(response, lineterminator="\n").writerows(sourcing.csv_rows(document, table))
    return response
