from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince

from . import services, workflow
from .models import Article, Claim, ClaimStatus, Evidence, StatusChange


class EvidenceInline(admin.TabularInline):
    model = Evidence
    fk_name = "claim"
    extra = 1
    fields = ("stance", "source", "url", "related_claim", "note", "added_by", "created_at")
    readonly_fields = ("added_by", "created_at")
    raw_id_fields = ("related_claim",)
    autocomplete_fields = ("source",)

    def has_change_permission(self, request, obj=None):
        return False  # evidence is added, never rewritten: verdicts rest on it

    def has_delete_permission(self, request, obj=None):
        return False


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    can_delete = False
    fields = ("at", "from_status", "to_status", "actor", "note")
    readonly_fields = fields
    ordering = ("-at", "-id")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _run_moves(modeladmin, request, queryset, to: str, **extra) -> None:
    """Move each selected claim through the workflow and report, per claim, what happened."""
    moved, refused = [], []
    for claim_id in queryset.order_by("pk").values_list("pk", flat=True):
        try:
            workflow.transition(claim=claim_id, to=to, actor=request.user, **extra)
            moved.append(claim_id)
        except workflow.WorkflowError as exc:
            refused.append(f"claim {claim_id}: {exc}")
    if moved:
        ids = ", ".join(map(str, moved))
        modeladmin.message_user(request, f"Moved {len(moved)} claim(s) to {to}: {ids}.", messages.SUCCESS)
    for line in refused:
        modeladmin.message_user(request, f"Refused: {line}", messages.WARNING)


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ("id", "short_text", "status", "attribution_level", "speaker_text", "article_link", "assignee", "age", "priority")
    list_filter = ("status", "attribution_level", ("assignee", admin.RelatedOnlyFieldListFilter), "article__publisher")
    search_fields = ("text", "speaker_text", "speaker__name")
    list_select_related = ("article", "assignee", "speaker")
    list_per_page = 50
    ordering = ("-priority", "created_at")
    inlines = [EvidenceInline, StatusChangeInline]
    fields = (
        "article", "text", ("start", "end"), "attribution_level", "speaker", "speaker_text", "via_outlet", "cue",
        "reason", "status", "assignee", "priority", "recheck_after", "verdict_at", "version",
    )
    readonly_fields = (
        "article", "text", "start", "end", "attribution_level", "speaker", "speaker_text", "via_outlet", "cue",
        "reason", "status", "assignee", "verdict_at", "version",
    )
    actions = ["assign_to_me", "start_review", "mark_needs_recheck", "unassign", "requeue"]

    @admin.display(description="claim")
    def short_text(self, obj: Claim) -> str:
        return str(obj)

    @admin.display(description="article", ordering="article__title")
    def article_link(self, obj: Claim):
        return format_html('<a href="../article/{}/change/">{}</a>', obj.article_id, obj.article)

    @admin.display(description="age", ordering="created_at")
    def age(self, obj: Claim) -> str:
        return timesince(obj.created_at, timezone.now())

    def has_add_permission(self, request):
        return False  # claims come from articles

    def save_model(self, request, obj, form, change):
        services.claim_update_triage(
            claim=obj, actor=request.user, priority=obj.priority, recheck_after=obj.recheck_after
        )

    def save_formset(self, request, form, formset, change):
        if formset.model is not Evidence:
            return super().save_formset(request, form, formset, change)
        # The admin's change message reads these; evidence only ever gets added.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for evidence_form in formset.forms:
            if not evidence_form.has_changed() or evidence_form.instance.pk:
                continue
            data = evidence_form.cleaned_data
            try:
                evidence = services.evidence_add(
                    claim=form.instance, stance=data["stance"], actor=request.user, source=data.get("source"),
                    url=data.get("url", ""), related_claim=data.get("related_claim"), note=data.get("note", ""),
                )
                formset.new_objects.append(evidence)
            except ValidationError as exc:
                self.message_user(request, f"Evidence not added: {'; '.join(exc.messages)}", messages.ERROR)

    @admin.action(description="Assign to me")
    def assign_to_me(self, request, queryset):
        _run_moves(self, request, queryset, ClaimStatus.QUEUED, assignee=request.user)

    @admin.action(description="Start review")
    def start_review(self, request, queryset):
        _run_moves(self, request, queryset, ClaimStatus.IN_REVIEW)

    @admin.action(description="Mark needs re-check")
    def mark_needs_recheck(self, request, queryset):
        _run_moves(self, request, queryset, ClaimStatus.NEEDS_RECHECK)

    @admin.action(description="Unassign (back to unverified)")
    def unassign(self, request, queryset):
        _run_moves(self, request, queryset, ClaimStatus.UNVERIFIED)

    @admin.action(description="Queue again after re-check")
    def requeue(self, request, queryset):
        _run_moves(self, request, queryset, ClaimStatus.QUEUED)


class ClaimInline(admin.TabularInline):
    model = Claim
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("start", "end", "text", "attribution_level", "speaker_text", "via_outlet", "cue", "status", "assignee")
    readonly_fields = fields
    ordering = ("start",)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "publisher", "published_at", "extraction_status", "claim_count", "is_current", "created_at")
    list_filter = ("extraction_status", "publisher", "is_current")
    search_fields = ("title", "url", "body")
    list_select_related = ("publisher",)
    inlines = [ClaimInline]
    readonly_fields = (
        "publisher", "title", "url", "published_at", "body", "content_sha256", "supersedes", "is_current",
        "extraction_status", "extraction_error", "extractor_version", "extraction_attempts", "extracted_at", "created_at",
    )
    actions = ["reextract"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_claim_count=Count("claims"))

    @admin.display(description="claims", ordering="_claim_count")
    def claim_count(self, obj) -> int:
        return obj._claim_count

    def has_add_permission(self, request):
        return False  # articles arrive through ingestion (API, CLI, seeds)

    @admin.action(description="Extract claims again")
    def reextract(self, request, queryset):
        for article in queryset:
            services.article_schedule_extraction(article=article)
        self.message_user(request, f"Extraction scheduled for {queryset.count()} article(s).", messages.SUCCESS)
