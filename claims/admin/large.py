"""Admin lists over tables that grow with the archive (claims, articles, fact-checks): issue 28.

One screen costs one screen: the count stops at LIST_COUNT_CAP ("more than 10,000"), no count of
the whole table beside it, no facet counts (one aggregate over the table per filter), and search
through the full-text indexes (claims/selectors.py: claims_containing, articles_containing).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
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
