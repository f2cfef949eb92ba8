"""Watching the sources in the admin: feeds (editors add and change them; everyone sees their state),
their entries, and the repeat alerts that editors acknowledge or dismiss. Writes go through
claims/pipeline/feeds.py and claims/matching/alerts.py."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html

from .. import jobs
from ..matching import alerts
from ..models import Alert, AlertChange, AlertStatus, Feed, FeedEntry
from ..pipeline import feeds
from ..roles import can_edit_desk
from ..selectors import FEED_ROW_FIELDS
from .model_admins import ReadOnlyInline
from .views import reason_page, safe_link

EDITABLE = list(feeds.EDITABLE)


class FeedForm(forms.ModelForm):
    class Meta:
        model = Feed
        fields = EDITABLE

    def clean(self):
        data = super().clean()
        if not data.get("poll_interval_seconds"):
            data["poll_interval_seconds"] = Feed._meta.get_field("poll_interval_seconds").default
        return data


@admin.register(Feed)
class FeedAdmin(admin.ModelAdmin):
    """A watched feed: what an editor sets, and its state in words."""

    form = FeedForm
    list_display = ("publisher", "url", "shown_kind", "enabled", "state", "articles_created", "last_polled_at")
    list_filter = ("enabled", "kind", "detected_kind")
    search_fields = ("url", "publisher")
    readonly_fields = ("state", "detected_kind", "last_polled_at", "last_success_at", "last_outcome", "last_error",
                       "consecutive_failures", "next_poll_at", "entries_seen", "articles_created", "disabled_reason",
                       "entries_link", "created_at")
    fieldsets = (
        (None, {"fields": EDITABLE}),
        ("State", {"fields": readonly_fields}),
    )
    actions = ["poll_now"]

    @admin.display(description="kind")
    def shown_kind(self, obj: Feed) -> str:
        kind = obj.effective_kind
        label = Feed._meta.get_field("kind").choices and dict(Feed._meta.get_field("kind").choices).get(kind, "not known yet")
        return f"{label} (set)" if obj.kind else label

    @admin.display(description="state")
    def state(self, obj: Feed) -> str:
        if obj.pk is None:
            return "polled at the next run once saved"
        return feeds.feed_state_words({name: getattr(obj, name) for name in FEED_ROW_FIELDS})

    @admin.display(description="entries")
    def entries_link(self, obj: Feed):
        if obj.pk is None:
            return "-"
        url = reverse("admin:claims_feedentry_changelist") + f"?feed__id__exact={obj.pk}"
        return format_html('<a href="{}">{} entries</a>', url, obj.entries_seen)

    def save_model(self, request, obj: Feed, form, change):
        values = {name: form.cleaned_data[name] for name in EDITABLE}
        if change:
            saved = feeds.feed_update(feed_id=obj.pk, actor=request.user, **values)
        else:
            saved = feeds.feed_create(actor=request.user, **values)
            jobs.enqueue_on_commit("poll_feeds", what=f"first poll of feed {saved.pk}", retry=False,
                                   lost="beat polls it within a minute")
        obj.pk = saved.pk
        obj.refresh_from_db()

    def delete_model(self, request, obj: Feed):
        feeds.feed_delete(feed_id=obj.pk, actor=request.user)

    def delete_queryset(self, request, queryset):
        for pk in queryset.values_list("pk", flat=True):
            feeds.feed_delete(feed_id=pk, actor=request.user)

    def has_add_permission(self, request):
        return can_edit_desk(request.user)

    def has_change_permission(self, request, obj=None):
        return can_edit_desk(request.user)

    def has_delete_permission(self, request, obj=None):
        return can_edit_desk(request.user)

    @admin.action(description="Poll now", permissions=["change"])
    def poll_now(self, request, queryset):
        count = feeds.feeds_poll_soon(feed_ids=list(queryset.values_list("pk", flat=True)), actor=request.user)
        jobs.enqueue_on_commit("poll_feeds", what="poll asked by an editor", retry=False, lost="beat polls within a minute")
        self.message_user(request, f"{count} feed(s) will be polled at once (disabled ones are not).", messages.SUCCESS)


@admin.register(FeedEntry)
class FeedEntryAdmin(admin.ModelAdmin):
    """What each feed brought: ingested, already known, skipped with the reason, or waiting for its page."""

    list_display = ("title_or_link", "feed", "status", "reason", "article_link", "first_seen_at")
    list_filter = ("status", "feed")
    list_select_related = ("feed",)
    search_fields = ("title", "link", "key")
    readonly_fields = ("feed", "key", "link_key", "link", "title", "published_at", "status", "reason", "attempts",
                       "article_link", "first_seen_at", "processed_at")
    fields = readonly_fields

    @admin.display(description="entry")
    def title_or_link(self, obj: FeedEntry) -> str:
        return (obj.title or obj.link or obj.key)[:120]

    @admin.display(description="article")
    def article_link(self, obj: FeedEntry):
        if obj.article_id is None:
            return "-"
        return format_html('<a href="{}">Article {}</a>', reverse("admin:claims_article_change", args=[obj.article_id]),
                           obj.article_id)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AlertChangeInline(ReadOnlyInline):
    model = AlertChange
    extra = 0
    fields = ("at", "from_status", "to_status", "actor", "note")
    readonly_fields = fields


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    """Repeated claims: a new claim repeats one we published a verdict on, or an imported false one."""

    list_display = ("created_at", "claim_text", "article_link", "prior_link", "verdict", "score", "status")
    list_filter = ("status", "prior_kind", "verdict")
    list_select_related = ("claim", "article", "prior_fact_check")
    readonly_fields = ("claim_link", "article_link", "prior_link", "verdict", "rating", "score", "status", "reason",
                       "decided_by", "decided_at", "created_at", "last_seen_at")
    fields = readonly_fields
    inlines = [AlertChangeInline]
    actions = ["acknowledge", "dismiss"]

    @admin.display(description="repeated claim")
    def claim_text(self, obj: Alert) -> str:
        return obj.claim.text[:140]

    @admin.display(description="claim")
    def claim_link(self, obj: Alert):
        return format_html('<a href="{}">{}</a>', reverse("admin:claims_claim_change", args=[obj.claim_id]), obj.claim.text)

    @admin.display(description="article")
    def article_link(self, obj: Alert):
        return format_html('<a href="{}">{}</a>', reverse("admin:claims_article_change", args=[obj.article_id]), obj.article)

    @admin.display(description="checked before")
    def prior_link(self, obj: Alert):
        if obj.prior_claim_id:
            return format_html('<a href="{}">our verdict on claim {}</a>',
                               reverse("admin:claims_claim_change", args=[obj.prior_claim_id]), obj.prior_claim_id)
        return safe_link(obj.prior_fact_check.url, f"{obj.prior_fact_check.author_name or 'fact-check'}: {obj.rating}")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return can_edit_desk(request.user)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "show_save": False, "show_save_and_continue": False,
                         "show_save_and_add_another": False}
        return super().change_view(request, object_id, form_url, extra_context)

    def _decide(self, request, queryset, to: str, reason: str = "") -> None:
        done, refused = 0, []
        for pk in queryset.order_by("pk").values_list("pk", flat=True):
            try:
                alerts.alert_decide(alert_id=pk, to=to, actor=request.user, reason=reason)
                done += 1
            except ValidationError as exc:
                refused.append(f"alert {pk}: {' '.join(exc.messages)}")
        self.message_user(request, f"{to.capitalize()}: {done} alert(s); {len(refused)} refused. " + " ".join(refused),
                          messages.SUCCESS if done else messages.WARNING)

    @admin.action(description="Acknowledge", permissions=["change"])
    def acknowledge(self, request, queryset):
        self._decide(request, queryset, AlertStatus.ACKNOWLEDGED)

    @admin.action(description="Dismiss (with a reason)", permissions=["change"])
    def dismiss(self, request, queryset):
        """Asks for the reason first (an intermediate page); it is kept in each alert's history."""
        page = reason_page(
            self, request, list(queryset.order_by("pk").values_list("pk", "claim__text")), title="Dismiss alerts",
            question="Dismiss these alerts? The reason is kept in each alert's history.",
            action="dismiss", button="Dismiss", missing="A dismissal needs a reason.")
        if page is not None:
            return page
        reason = request.POST["reason"].strip()
        self._decide(request, queryset, AlertStatus.DISMISSED, reason)
        return None
