from django.contrib import admin
from django.db.models import Count

from .models import Source, SourceAlias


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

    @admin.display(description="claims spoken", ordering="_claim_count")
    def claim_count(self, obj) -> int:
        return obj._claim_count
