from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count
from django.template.response import TemplateResponse
from django.forms import Textarea
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince

from sources.admin import SourceAdmin
from sources.models import Source

from .. import services, workflow
from . import dashboard, views
from ..corroboration.track_record import track_record
from ..models import Article, ArticleAppearance, Claim, ClaimStatus, Evidence, FactCheck, StatusChange
from ..pipeline.priority import priority_why
from ..roles import is_editor
from ..triage import checkworthiness
from ..triage.scoring import is_check_worthy

# The admin index shows the desk: claims by status and level, oldest waiting, health, beat.
admin.site.index_template = "admin/claims/desk_index.html"
admin.site.site_header = "Claim verifier"
admin.site.site_title = "Claim verifier"
admin.site.index_title = "Verification desk"


class EvidenceListInline(admin.TabularInline):
    """The evidence gathered so far, read-only: verdicts rest on it, so it is never rewritten."""

    model = Evidence
    fk_name = "claim"
    extra = 0
    can_delete = False
    verbose_name_plural = "evidence"
    fields = ("stance", "source", "link", "related_claim", "note", "is_suggestion", "added_by", "created_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source", "related_claim", "added_by")

    @admin.display(description="url")
    def link(self, obj: Evidence):
        return views.safe_link(obj.url) if obj.url else "-"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EvidenceInline(admin.TabularInline):
    """Add evidence from the claim page; ClaimAdmin.save_formset hands each row to services.evidence_add."""

    model = Evidence
    fk_name = "claim"
    extra = 1
    can_delete = False
    verbose_name = "new evidence"
    verbose_name_plural = "add evidence"
    fields = ("stance", "source", "url", "related_claim", "note")
    raw_id_fields = ("related_claim",)
    autocomplete_fields = ("source",)
    formfield_overrides = {models.TextField: {"widget": Textarea(attrs={"rows": 2, "cols": 36})}}

    def get_queryset(self, request):
        return super().get_queryset(request).none()  # the list above shows what exists

    def has_change_permission(self, request, obj=None):
        return False  # evidence is added, never rewritten: verdicts rest on it

    def has_delete_permission(self, request, obj=None):
        return False


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    can_delete = False
    verbose_name_plural = "history"
    fields = ("at", "from_status", "to_status", "actor", "note")
    readonly_fields = fields
    ordering = ("-at", "-id")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _run_moves(modeladmin, request, queryset, to: str, **extra) -> None:
    """Move each selected claim through the workflow and report, per claim, what moved and what was refused."""
    moved, refused = [], []
    for claim_id, text in queryset.order_by("pk").values_list("pk", "text"):
        short = text if len(text) <= 60 else text[:57] + "..."
        try:
            workflow.transition(claim=claim_id, to=to, actor=request.user, **extra)
            moved.append((claim_id, short))
        except workflow.WorkflowError as exc:
            refused.append(f"claim {claim_id}: {exc} [\u201c{short}\u201d]")
    label = ClaimStatus(to).label
    modeladmin.message_user(
        request,
        f"{label}: {len(moved)} of {len(moved) + len(refused)} selected claim(s) moved, {len(refused)} refused.",
        messages.INFO if moved or not refused else messages.WARNING,
    )
    if moved:
        listed = "; ".join(f"{pk} \u201c{short}\u201d" for pk, short in moved)
        modeladmin.message_user(request, f"Moved {len(moved)} claim(s) to {to}: {listed}.", messages.SUCCESS)
    for line in refused:
        modeladmin.message_user(request, f"Refused: {line}", messages.WARNING)


class CheckWorthyFilter(admin.SimpleListFilter):
    """By the check-worthiness threshold: "not check-worthy" claims wait here, never auto-assigned."""

    title = "check-worthiness"
    parameter_name = "check_worthy"

    def lookups(self, request, model_admin):
        return [("yes", "Check-worthy"), ("no", "Not check-worthy"), ("unscored", "Not scored yet")]

    def queryset(self, request, queryset):
        cut = checkworthiness.threshold()
        if self.value() == "yes":
            return queryset.filter(check_worthiness__gte=cut)
        if self.value() == "no":
            return queryset.filter(check_worthiness__lt=cut)
        if self.value() == "unscored":
            return queryset.filter(check_worthiness__isnull=True)
        return queryset


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = (
        "id", "short_text", "status", "level", "speaker_text", "article_link", "assignee", "age", "sla", "priority",
        "worthiness",
    )
    list_filter = ("status", CheckWorthyFilter, "attribution_level", ("assignee", admin.RelatedOnlyFieldListFilter), "article__publisher")
    search_fields = ("text", "speaker_text", "speaker__name")
    list_select_related = ("article", "assignee", "speaker")
    list_per_page = 50
    ordering = ("-priority", "created_at")
    inlines = [EvidenceListInline, EvidenceInline, StatusChangeInline]
    fields = (
        "article", "text", ("start", "end"), "attribution_level", "speaker", "speaker_text", "via_outlet", "cue",
        "reason", "status", "assignee", "priority", "priority_why", "worthiness", "recheck_after", "verdict_at", "version",
    )
    readonly_fields = (
        "article", "text", "start", "end", "attribution_level", "speaker", "speaker_text", "via_outlet", "cue",
        "reason", "status", "assignee", "verdict_at", "version", "priority_why", "worthiness",
    )
    actions = ["assign_to_me", "start_review", "mark_needs_recheck", "unassign", "requeue", "withdraw_fact_check"]

    change_list_template = "admin/claims/claim/change_list.html"

    def get_urls(self):
        # Before the stock urls: their "<path:object_id>/" catch-all would swallow these.
        wrap = self.admin_site.admin_view
        return [
            path("queue/", wrap(lambda request: views.my_queue_view(self, request)), name="claims_claim_queue"),
            path(
                "<path:object_id>/transition/",
                wrap(lambda request, object_id: views.claim_transition_view(self, request, object_id)),
                name="claims_claim_transition",
            ),
            path(
                "<path:object_id>/corroboration/",
                wrap(lambda request, object_id: views.claim_corroboration_view(self, request, object_id)),
                name="claims_claim_corroboration",
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(views.claim_page_context(obj, request.user))
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def get_object(self, request, object_id, from_field=None):
        # As ModelAdmin.get_object, with the joins the claim page reads (article body, chain).
        queryset = self.get_queryset(request).select_related(
            "article", "article__publisher", "speaker", "via_outlet", "assignee"
        )
        field = self.opts.pk if from_field is None else self.opts.get_field(from_field)
        try:
            return queryset.get(**{field.name: field.to_python(object_id)})
        except (Claim.DoesNotExist, ValidationError, ValueError):
            return None

    @admin.display(description="check-worthiness", ordering="check_worthiness")
    def worthiness(self, obj: Claim):
        if obj.check_worthiness is None:
            return "not scored"
        worthy = is_check_worthy(obj.check_worthiness)
        return format_html('<span class="worthiness {}" title="{}">{} {}</span>', "worthy" if worthy else "unworthy",
                           priority_why(obj), f"{obj.check_worthiness:.2f}", "check-worthy" if worthy else "not check-worthy")

    @admin.display(description="why this priority")
    def priority_why(self, obj: Claim) -> str:
        return priority_why(obj)

    @admin.display(description="claim")
    def short_text(self, obj: Claim) -> str:
        return str(obj)

    @admin.display(description="level", ordering="attribution_level")
    def level(self, obj: Claim):
        return views.level_badge(obj.attribution_level)

    @admin.display(description="article", ordering="article__title")
    def article_link(self, obj: Claim):
        return format_html('<a href="../article/{}/change/">{}</a>', obj.article_id, obj.article)

    @admin.display(description="age", ordering="created_at")
    def age(self, obj: Claim) -> str:
        return timesince(obj.created_at, timezone.now())

    @admin.display(description="SLA", ordering="status_changed_at")
    def sla(self, obj: Claim):
        state = dashboard.sla_state(obj)
        return format_html('<span class="sla sla-{}">{}</span>', state.code, state.label)

    def has_add_permission(self, request):
        return False  # claims come from articles

    def save_model(self, request, obj, form, change):
        services.claim_update_triage(claim=obj, priority=obj.priority, recheck_after=obj.recheck_after)

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

    def has_withdraw_permission(self, request) -> bool:
        return is_editor(request.user)

    @admin.action(description="Withdraw the published fact-check", permissions=["withdraw"])
    def withdraw_fact_check(self, request, queryset):
        """Asks for the reason first (an intermediate page), then withdraws each selected fact-check."""
        reason = request.POST.get("reason", "").strip()
        if "apply" not in request.POST or not reason:
            return TemplateResponse(request, "admin/claims/claim/withdraw.html", {
                **self.admin_site.each_context(request), "title": "Withdraw fact-checks",
                "claims": queryset.order_by("pk"), "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME, "missing_reason": "apply" in request.POST,
            })
        done, refused = 0, []
        for claim_id in queryset.order_by("pk").values_list("pk", flat=True):
            try:
                workflow.verdict_withdraw(claim=claim_id, actor=request.user, reason=reason)
                done += 1
            except workflow.WorkflowError as exc:
                refused.append(f"claim {claim_id}: {exc}")
        self.message_user(
            request, f"Withdrawn: {done} fact-check(s); {len(refused)} refused. " + " ".join(refused),
            messages.INFO if done else messages.WARNING,
        )
        return None


class ClaimInline(admin.TabularInline):
    model = Claim
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("start", "short_text", "level", "speaker_text", "via_outlet", "cue", "status", "assignee")
    readonly_fields = fields
    ordering = ("start",)

    @admin.display(description="check-worthiness", ordering="check_worthiness")
    def worthiness(self, obj: Claim):
        if obj.check_worthiness is None:
            return "not scored"
        worthy = is_check_worthy(obj.check_worthiness)
        return format_html('<span class="worthiness {}" title="{}">{} {}</span>', "worthy" if worthy else "unworthy",
                           priority_why(obj), f"{obj.check_worthiness:.2f}", "check-worthy" if worthy else "not check-worthy")

    @admin.display(description="why this priority")
    def priority_why(self, obj: Claim) -> str:
        return priority_why(obj)

    @admin.display(description="claim")
    def short_text(self, obj: Claim) -> str:
        return obj.text if len(obj.text) <= 140 else obj.text[:137] + "..."

    @admin.display(description="level")
    def level(self, obj: Claim):
        return views.level_badge(obj.attribution_level)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("via_outlet", "assignee")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ArticleAppearanceInline(admin.TabularInline):
    """Where else this body appeared (syndication): read-only, recorded by ingestion."""

    model = ArticleAppearance
    extra = 0
    can_delete = False
    fields = ("publisher", "title", "link", "published_at", "via_outlet", "created_at")
    readonly_fields = fields
    verbose_name = "syndicated appearance"

    @admin.display(description="url")
    def link(self, obj: ArticleAppearance):
        return views.safe_link(obj.url) if obj.url else "-"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("publisher", "via_outlet")

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
    inlines = [ArticleAppearanceInline, ClaimInline]
    # The body is shown highlighted above the form (change_form.html), not as a raw field.
    fields = (
        "publisher", "title", "link", "published_at", "content_sha256", "supersedes", "is_current", "extraction_status",
        "extraction_error", "extractor_version", "extraction_attempts", "extracted_at", "created_at",
    )
    readonly_fields = fields
    actions = ["reextract"]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(views.article_page_context(obj))
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    @admin.display(description="url")
    def link(self, obj: Article):
        return views.safe_link(obj.url) if obj.url else "-"

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


# Sources are the sources app's; their track record is made of claims, so the claims app
# (which may depend on sources, never the reverse) adds it to the source admin.
class SourceWithTrackRecordAdmin(SourceAdmin):
    readonly_fields = (*SourceAdmin.readonly_fields, "track_record")
    autocomplete_fields = ("affiliation",)

    @admin.display(description="track record")
    def track_record(self, obj: Source):
        record = track_record(obj.pk)
        rows = [("reliability (Beta-smoothed, 0.5 = no record)", f"{record.reliability:.2f}")]
        rows += [(f"claims at level {level}", n) for level, n in sorted(record.by_level.items())]
        rows += [(f"verdict {verdict}", n) for verdict, n in sorted(record.by_verdict.items())]
        return format_html_join("", "<div>{}: <strong>{}</strong></div>", rows)


admin.site.unregister(Source)
admin.site.register(Source, SourceWithTrackRecordAdmin)


@admin.register(FactCheck)
class FactCheckAdmin(admin.ModelAdmin):
    """Imported fact-checks: what other organisations found. Read-only (re-import to change)."""

    list_display = ("claim_short", "rating_name", "author_name", "date_published", "review_link")
    list_filter = ("author_name", "rating_name")
    search_fields = ("claim_reviewed", "headline", "url", "item_author")
    date_hierarchy = "date_published"
    fields = ("claim_reviewed", "headline", "rating_name", "rating_value", "best_rating", "worst_rating",
              "author_name", "author_url", "date_published", "item_author", "appearance_urls", "url", "imported_at")
    readonly_fields = fields
    list_per_page = 100

    @admin.display(description="claim reviewed", ordering="claim_reviewed")
    def claim_short(self, obj: FactCheck) -> str:
        return obj.claim_reviewed[:140]

    @admin.display(description="review")
    def review_link(self, obj: FactCheck):
        return views.safe_link(obj.url, "open")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser
