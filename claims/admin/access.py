"""Access in the admin: editors list and revoke API tokens (only digests are stored, so a
token is never shown here). Sign-in attempts and lockouts are django-axes' own admin
pages (Axes › Access attempts: deleting an attempt lifts its lock)."""

from django.contrib import admin, messages
from django.utils import timezone
from rest_framework.authtoken.models import TokenProxy

from ..models import ApiToken
from ..tokens import api_token_revoke


class TokenStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("usable", "usable"), ("expired", "expired"), ("revoked", "revoked")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "usable":
            return queryset.usable(now)
        if self.value() == "expired":
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "role", "shown_prefix", "created_at", "expires_at", "last_used_at", "state")
    list_filter = (TokenStateFilter, "role")
    list_select_related = ("user",)
    search_fields = ("name", "user__username", "prefix")
    readonly_fields = (
        "user", "name", "role", "shown_prefix", "created_at", "expires_at", "last_used_at", "revoked_at", "revoked_by",
    )
    fields = readonly_fields
    actions = ["revoke"]

    @admin.display(description="token starts with")
    def shown_prefix(self, obj: ApiToken) -> str:
        return f"{obj.prefix}…"

    @admin.display(description="state")
    def state(self, obj: ApiToken) -> str:
        if obj.revoked_at is not None:
            return "revoked"
        return "expired" if obj.is_expired() else "usable"

    # Tokens are issued by `manage.py create_api_token` (the one time a token is shown) and
    # kept after revocation, as a record of what existed.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Revoke selected tokens (at once)", permissions=["change"])
    def revoke(self, request, queryset):
        revoked = 0
        for token in queryset.filter(revoked_at__isnull=True).order_by("pk"):
            api_token_revoke(token=token, actor=request.user)
            revoked += 1
        self.message_user(request, f"Revoked {revoked} token(s).", messages.SUCCESS)


# DRF's authtoken app stays installed for its migrations only (0009 moved its keys into
# ApiToken and emptied it); its admin would offer plaintext tokens, so it goes.
if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)
