from django.contrib import admin
from django.db.models import Case, Count, IntegerField, Value, When

from .models import Source, SourceAlias, SourceKind


class SourceAliasInline(admin.TabularInline):
    model = SourceAlias
    extra = 0
    fields = ("name", "normalized_name")
    readonly_fields = ("normalized_name",)


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "claim_count", "created_at")
    list_filter = ("kind",)
    search_fields = ("name", "normalized_name", "aliases__name")
    readonly_fields = ("normalized_name", "created_at", "updated_at")
    inlines = [SourceAliasInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_claim_count=Count("spoken_claims"))

    def get_search_results(self, request, queryset, search_term):
        """In the autocomplete (e.g. an evidence source), the best matches first: the exact name,
        then outlets, then names starting with the term; anonymous speakers such as
        "(the Miami Herald)" and unspecified groups last."""
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term and request.path.endswith("/autocomplete/"):
            queryset = queryset.annotate(
                _rank=Case(
                    When(name__iexact=term, then=Value(0)),
                    When(kind=SourceKind.OUTLET, name__istartswith=term, then=Value(1)),
                    When(kind=SourceKind.OUTLET, then=Value(2)),
                    When(kind__in=(SourceKind.ANONYMOUS, SourceKind.GROUP), then=Value(5)),
                    When(name__istartswith=term, then=Value(3)),
                    default=Value(4),
                    output_field=IntegerField(),
                )
            ).order_by("_rank", "name", "pk")
        return queryset, may_have_duplicates

    @admin.display(description="claims spoken", ordering="_claim_count")
    def claim_count(self, obj) -> int:
        return obj._claim_count
