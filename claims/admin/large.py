"""Admin lists over tables that grow with the archive (claims, articles, fact-checks): issue 28.

One screen costs one screen: the count stops at LIST_COUNT_CAP ("more than 10,000"), no count of
the whole table beside it, no facet counts (one aggregate over the table per filter), and search
through the full-text indexes (claims/selectors.py: claims_containing, articles_containing).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db import connection
from django.utils.text import smart_split, unescape_string_literal

from ..paging import CappedCountPaginator, count_cap


class LargeChangeList(ChangeList):
    def get_results(self, request):
        super().get_results(request)
        self.count_capped = self.result_count > count_cap()
        self.count_cap_text = f"{count_cap():,}"


def search_terms(search_term: str) -> list[str]:
    """The admin's own split: words, or "quoted phrases" as one term."""
    terms = []
    for bit in smart_split(search_term):
        if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
            bit = unescape_string_literal(bit)
        if bit.strip():
            terms.append(bit)
    return terms


# A sidebar filter lists at most this many values (the search box finds the others).
FILTER_VALUES_SHOWN = 100


def distinct_values(model, column: str, *, limit: int = FILTER_VALUES_SHOWN) -> list:
    """The first `limit` distinct values of an indexed `column`, one index probe each (a recursive
    query that skips from each value to the next), where SELECT DISTINCT reads every row."""
    table, quoted = connection.ops.quote_name(model._meta.db_table), connection.ops.quote_name(column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE v (value) AS (SELECT min({quoted}) FROM {table} UNION ALL "
            f"SELECT (SELECT min({quoted}) FROM {table} WHERE {quoted} > v.value) FROM v WHERE v.value IS NOT NULL) "
            f"SELECT value FROM v WHERE value IS NOT NULL LIMIT %s", [limit])
        return [row[0] for row in cursor.fetchall()]


class IndexedValuesFilter(admin.AllValuesFieldListFilter):
    """The admin's "by value" filter over an indexed column, its choices read from the index."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.lookup_choices = distinct_values(model, field.column)


class LargeTableAdmin(admin.ModelAdmin):
    paginator = CappedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    def get_changelist(self, request, **kwargs):
        return LargeChangeList

    def search_with(self, queryset, search_term: str, search):
        """Filter `queryset` by `search(queryset, terms)`: words, or "quoted phrases" as one term."""
        terms = search_terms(search_term)
        return (search(queryset, terms) if terms else queryset), False
