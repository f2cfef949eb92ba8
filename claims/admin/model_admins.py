from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.forms import Textarea
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince

from sources.admin import SourceAdmin
from sources.models import Source

from .. import services, workflow
from . import dashboard, views
from .large import IndexedValuesFilter, LargeTableAdmin
from ..corroboration.track_record import track_record
from ..delivery import webhooks
from ..models import (
    Article, ArticleAppearance, Claim, ClaimStatus, DeliveryStatus, Evidence, FactCheck, StatusChange, WebhookDelivery,
    WebhookSubscription,
)
from ..pipeline.priority import priority_why
from ..pipeline.ingestion import articles_reextract
from ..reports import sourcing
from ..roles import EDITORS, REVIEWERS, ActionForbidden, can_edit_desk, can_withdraw_evidence, can_work_on_claim
from ..selectors import articles_containing, claims_containing, fact_checks_containing
from ..triage import checkworthiness
from ..triage.scoring import is_check_worthy

# The admin index shows the desk: claims by status and level, oldest waiting, health, beat.
admin.site.index_template = "admin/claims/desk_index.html"
admin.site.site_header = "Claim verifier"
admin.site.site_title = "Claim verifier"
admin.site.index_title = "Verification desk"
# No app sidebar: at 1366 px the claim list needs the width (breadcrumbs and the desk link every page).
admin.site.enable_nav_sidebar = False


class ReadOnlyInline(admin.TabularInline):
    """An inline that shows rows recorded elsewhere (services, ingestion); nothing is added, changed or deleted here."""

    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EvidenceListInline(ReadOnlyInline):
    """The evidence gathered so far, read-only: verdicts rest on it, so it is never rewritten."""

    model = Evidence
    fk_name = "claim"
    extra = 0
    verbose_name_plural = "evidence"
    fields = ("stance", "source", "link", "related_claim", "note", "origin", "created_at", "withdrawal")
    readonly_fields = fields

    def get_queryset(self, request):
        self._user = request.user  # inline instances are made per request
        return super().get_queryset(request).select_related(
            "source", "related_claim", "added_by", "accepted_by", "withdrawn_by"
        )

    @admin.display(description="from")
    def origin(self, obj: Evidence) -> str:
        """Who put it here, in words: a person, or the matcher (and who accepted its suggestion)."""
        if obj.is_suggestion:
            return "suggested by matching (counts once accepted)"
        if obj.accepted_by_id is not None:
            return f"suggested by matching, accepted by {obj.accepted_by.get_username()}"
        return f"added by {obj.added_by.get_username()}" if obj.added_by_id else "added by the system"

    @admin.display(description="withdraw")
    def withdrawal(self, obj: Evidence):
        """Withdrawn: by whom and why. Else, for whoever added it or an editor, a reason and a button
        (they belong to the withdraw form outside the admin's own form: forms cannot nest)."""
        if obj.withdrawn_at is not None:
            return format_html(
                '<span class="withdrawn">Withdrawn by {}: {}</span>',
                obj.withdrawn_by.get_username() if obj.withdrawn_by else "?", obj.withdrawal_reason,
            )
        user = getattr(self, "_user", None)
        if obj.is_suggestion or user is None or not can_withdraw_evidence(user, obj):
            return "-"
        return format_html(
            '<span class="withdraw-control"><input type="text" form="withdraw-form" name="reason-{}" '
            'placeholder="why?" title="Why withdraw it: kept in the claim\'s history" '
            'aria-label="Why withdraw evidence #{} (kept in the claim\'s history)" maxlength="2000">'
            '<button type="submit" form="withdraw-form" name="evidence" value="{}" class="panel-button secondary">'
            "Withdraw</button></span>",
            obj.pk, obj.pk, obj.pk,
        )

    @admin.display(description="url")
    def link(self, obj: Evidence):
        return views.safe_link(obj.url) if obj.url else "-"



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

    def has_add_permission(self, request, obj=None):
        # The rule services.evidence_add enforces (the API asks the same one): assignee or editor.
        return obj is not None and obj.copy_of_id is None and can_work_on_claim(request.user, obj)

    def has_change_permission(self, request, obj=None):
        return False  # evidence is added, never rewritten: verdicts rest on it

    def has_delete_permission(self, request, obj=None):
        return False


class StatusChangeInline(ReadOnlyInline):
    model = StatusChange
    extra = 0
    verbose_name_plural = "history"
    fields = ("at", "what", "from_status", "to_status", "actor", "note")
    readonly_fields = fields
    ordering = ("-at", "-id")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description="what")
    def what(self, obj: StatusChange):
        """The kind of record (a status change, a sign-off, a split from a copy group...) in words."""
        return format_html('<span class="history-kind history-{}">{}</span>', obj.kind, obj.get_kind_display())



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


class ClaimTriageForm(forms.ModelForm):
    """The only fields a reviewer edits on the claim page (in its workflow panel), with the
    version the page showed: a save from a stale page is refused, never applied."""

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Claim
        fields = ("priority", "recheck_after")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["seen_version"].initial = self.instance.version
        for field in self.fields.values():  # rendered in the workflow panel, outside the <form> element
            field.widget.attrs["form"] = "claim_form"

    def clean(self):
        cleaned = super().clean()
        seen = cleaned.get("seen_version")
        if seen is None or seen != self.instance.version:
            raise forms.ValidationError(
                f"Someone else changed this claim since you opened the page (it is now version {self.instance.version}); "
                "nothing was saved. Reload the claim and make your change again.",
                code="stale_version",
            )
        return cleaned


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


class PublisherListFilter(admin.SimpleListFilter):
    """By publisher: the outlets of the latest articles (and the one chosen), never every Source
    (speakers, hedges) nor thousands of outlets; the search box finds the rest."""

    title = "publisher"
    parameter_name = "publisher"
    LISTED = 30

    def lookups(self, request, model_admin):
        latest = Article.objects.order_by("-created_at", "-pk").values_list("publisher_id", flat=True)[: self.LISTED * 20]
        ids = list(dict.fromkeys(latest))[: self.LISTED]
        if self.value() and self.value().isdigit():
            ids.append(int(self.value()))
        outlets = Source.objects.filter(pk__in=ids).order_by("name")
        return [(str(pk), name) for pk, name in outlets.values_list("pk", "name")]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(article__publisher_id=value) if value and value.isdigit() else queryset


class StoryPeriodFilter(admin.SimpleListFilter):
    """By the story's week or month ("2026-12", "2026-W49"), as the Sourcing report counts them: its
    bars open the claim list here. Listed only when chosen (the report is where periods are picked)."""

    title = "story period"
    parameter_name = "period"

    def lookups(self, request, model_admin):
        value = self.value()
        return [(value, value)] if value and sourcing.period_range(value) else []

    def queryset(self, request, queryset):
        bounds = sourcing.period_range(self.value() or "")
        if bounds is None:
            return queryset
        start, end = bounds
        return (queryset.annotate(story_at=Coalesce("article__published_at", "article__created_at"))
                .filter(story_at__gte=start, story_at__lt=end))


class ArticleListFilter(admin.SimpleListFilter):
    """By article: the 30 most recent articles with claims (the search box finds older ones)."""

    title = "article"
    parameter_name = "article"

    def lookups(self, request, model_admin):
        # EXISTS from the newest article down: the 30 read are the 30 shown (a join would read every claim).
        with_claims = Exists(Claim.objects.filter(article=OuterRef("pk")))
        articles = Article.objects.filter(with_claims).order_by("-created_at", "-pk")[:30]
        return [(str(pk), _short(title or f"Article {pk}", 40)) for pk, title in articles.values_list("pk", "title")]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(article_id=value) if value and value.isdigit() else queryset


def worthiness_badge(claim: Claim):
    """The claim's score, marked when it clears the threshold (a narrow column: the words and the
    priority's reasons are on hover)."""
    if claim.check_worthiness is None:
        return format_html('<span class="worthiness unscored" title="not scored yet">—</span>')
    worthy = is_check_worthy(claim.check_worthiness)
    verdict = "check-worthy" if worthy else "not check-worthy"
    return format_html('<span class="worthiness {}" title="{}: {}">{}{}</span>', "worthy" if worthy else "unworthy",
                       verdict, priority_why(claim), f"{claim.check_worthiness:.2f}", " ✓" if worthy else "")


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


class CopiesListFilter(admin.SimpleListFilter):
    """Copy groups (claims/matching/copies.py): by default one row per group, its first claim, which is
    the one reviewed; the copies are listed on its page, or here under "copies only"."""

    title = "copies"
    parameter_name = "copies"
    DEFAULT = "One per group"

    def lookups(self, request, model_admin):
        return [("all", "All claims"), ("only", "Copies only"), ("differs", "Copies whose attribution differs")]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "all":
            return queryset
        if value == "only":
            return queryset.filter(copy_of__isnull=False)
        if value == "differs":
            return queryset.filter(copy_of__isnull=False, attribution_differs=True)
        return queryset.filter(copy_of__isnull=True)  # no parameter (or an unknown one): one per group

    def choices(self, changelist):
        # As SimpleListFilter.choices, with the default first under its own name instead of "All".
        yield {
            "selected": self.value() not in {value for value, _ in self.lookup_choices},
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": self.DEFAULT,
        }
        for value, title in self.lookup_choices:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": title,
            }


class AssigneeListFilter(admin.SimpleListFilter):
    """By assignee: the active reviewers and editors (asking the claims which users they name
    would read every claim)."""

    title = "assignee"
    parameter_name = "assignee__id__exact"

    def lookups(self, request, model_admin):
        users = (get_user_model().objects.filter(is_active=True, groups__name__in=[REVIEWERS, EDITORS])
                 .distinct().order_by("username"))
        return [(str(pk), username) for pk, username in users.values_list("pk", "username")]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(assignee_id=value) if value and value.isdigit() else queryset


def appearances_cell(claim: Claim):
    """A first claim: how many articles its group appears in (a badge when a copy's attribution
    differs). A copy: the group's first claim, where it is reviewed."""
    differs = format_html(
        ' <span class="copy-differs" title="{}">differs</span>',
        "A copy's attribution differs (the same words, another speaker or level): check before the verdict applies to it",
    )
    if claim.copy_of_id is not None:
        return format_html(
            '<a class="copy-of" href="{}" title="A copy: reviewed on claim #{}">copy of #{}</a>{}',
            reverse("admin:claims_claim_change", args=[claim.copy_of_id]), claim.copy_of_id, claim.copy_of_id,
            differs if claim.attribution_differs else "",
        )
    size = getattr(claim, "_appearances", 1)
    if size <= 1:
        return format_html('<span class="appearances single">1</span>')
    return format_html(
        '<a class="appearances" href="{}#copy-group" title="The same claim appears in {} articles">{}</a>{}',
        reverse("admin:claims_claim_change", args=[claim.pk]), size, size,
        differs if getattr(claim, "_copies_differ", False) else "",
    )


@admin.register(Claim)
class ClaimAdmin(LargeTableAdmin):
    # A working list: one line per claim (texts shortened, the full text on hover).
    # The speaker and the age are on the claim page and in the hover titles (SLA says how long it waited).
    # A copy group is one row (CopiesListFilter's default); "appearances" says how many articles it is in.
    list_display = (
        "id", "short_text", "status", "level", "article_link", "appearances", "assignee", "sla", "priority", "worthiness",
    )
    list_filter = (
        CopiesListFilter, "status", CheckWorthyFilter, "attribution_level", AssigneeListFilter,
        ArticleListFilter, PublisherListFilter, StoryPeriodFilter,
    )
    search_fields = ("text", "speaker_text", "speaker__name")
    search_help_text = "Words of the claim or its speaker (the last may be a word's start; \"quote\" words in a row)."
    list_select_related = ("article", "assignee", "speaker")
    list_per_page = 50
    ordering = ("-priority", "created_at")
    inlines = [EvidenceListInline, EvidenceInline, StatusChangeInline]
    # Every other fact is shown once, in the page's panels (change_form.html); these are the
    # only editable ones, rendered in the workflow panel.
    form = ClaimTriageForm
    fields = ("priority", "recheck_after", "seen_version")
    actions = ["assign_to_me", "start_review", "mark_needs_recheck", "unassign", "requeue", "withdraw_fact_check"]

    change_list_template = "admin/claims/claim/change_list.html"

    def get_urls(self):
        # Before the stock urls: their "<path:object_id>/" catch-all would swallow these.
        wrap = self.admin_site.admin_view
        return [
            path("queue/", wrap(lambda request: views.my_queue_view(self, request)), name="claims_claim_queue"),
            path("queue/take/", wrap(lambda request: views.take_next_view(self, request)), name="claims_claim_take_next"),
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
            path(
                "<path:object_id>/lead/",
                wrap(lambda request, object_id: views.claim_lead_view(self, request, object_id)),
                name="claims_claim_lead",
            ),
            path(
                "<path:object_id>/split/",
                wrap(lambda request, object_id: views.claim_split_view(self, request, object_id)),
                name="claims_claim_split",
            ),
            *super().get_urls(),
        ]

    def get_queryset(self, request):
        # The group size per row: correlated subqueries, evaluated for the page's rows only.
        return dashboard.with_appearances(super().get_queryset(request))

    def get_search_results(self, request, queryset, search_term):
        # Each term through the trigram indexes; the speaker's name looked up first.
        return self.search_with(queryset, search_term,
                                lambda claims, terms: claims_containing(claims, terms, speaker_names=True))

    def has_change_permission(self, request, obj=None):
        # A copy is reviewed on its group's first claim: its own page only shows it (and, to an
        # editor, the split form, which posts to its own view). Another reviewer's claim is
        # view-only: services.claim_update_triage refuses the save, as the API would.
        if obj is not None and (obj.copy_of_id is not None or not can_work_on_claim(request.user, obj)):
            return False
        return super().has_change_permission(request, obj)

    def get_inlines(self, request, obj):
        if obj is not None and obj.copy_of_id is not None:
            return [EvidenceListInline, StatusChangeInline]  # evidence is added on the group's first claim
        return super().get_inlines(request, obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(views.claim_page_context(obj, request.user))
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def get_object(self, request, object_id, from_field=None):
        # As ModelAdmin.get_object, with the joins the claim page reads (article body, chain).
        queryset = self.get_queryset(request).select_related(
            "article", "article__publisher", "speaker", "via_outlet", "assignee", "published_verdict"
        )
        field = self.opts.pk if from_field is None else self.opts.get_field(from_field)
        try:
            return queryset.get(**{field.name: field.to_python(object_id)})
        except (Claim.DoesNotExist, ValidationError, ValueError):
            return None

    @admin.display(description="check-worthy", ordering="check_worthiness")
    def worthiness(self, obj: Claim):
        return worthiness_badge(obj)

    @admin.display(description="articles")
    def appearances(self, obj: Claim):
        return appearances_cell(obj)

    @admin.display(description="why this priority")
    def priority_why(self, obj: Claim) -> str:
        return priority_why(obj)

    @admin.display(description="claim")
    def short_text(self, obj: Claim):
        hover = f"{obj.text}\n\u2014 {obj.speaker_text}" if obj.speaker_text else obj.text
        return format_html('<span class="claim-text" title="{}">{}</span>', hover, _short(obj.text, 140))

    @admin.display(description="level", ordering="attribution_level")
    def level(self, obj: Claim):
        return views.level_badge(obj.attribution_level)


    @admin.display(description="article", ordering="article__title")
    def article_link(self, obj: Claim):
        title = str(obj.article)
        return format_html(
            '<a class="one-line" href="{}" title="{}">{}</a>',
            reverse("admin:claims_article_change", args=[obj.article_id]), title, _short(title, 28),
        )

    @admin.display(description="age", ordering="created_at")
    def age(self, obj: Claim) -> str:
        return timesince(obj.created_at, timezone.now())

    @admin.display(description="SLA", ordering="status_changed_at")
    def sla(self, obj: Claim):
        state = dashboard.sla_state(obj)
        waited = timesince(obj.created_at, timezone.now())
        return format_html('<span class="sla sla-{}" title="waiting {}">{}</span>', state.code, waited, state.label)

    def has_add_permission(self, request):
        return False  # claims come from articles

    def save_model(self, request, obj, form, change):
        try:
            services.claim_update_triage(
                claim=obj, actor=request.user, priority=obj.priority, recheck_after=obj.recheck_after,
                expected_version=form.cleaned_data.get("seen_version"),
            )
        except ActionForbidden as exc:  # reassigned since the page was opened
            self.message_user(request, f"Refused: {exc}", messages.ERROR)
        except workflow.StaleVersion as exc:  # changed between the form's check and the lock
            page = reverse("admin:claims_claim_change", args=[obj.pk])
            self.message_user(request, views.stale_message(exc.claim, page), messages.ERROR)

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
            except ActionForbidden as exc:
                self.message_user(request, f"Evidence not added: {exc}", messages.ERROR)

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
        return can_edit_desk(request.user)

    @admin.action(description="Withdraw the published fact-check", permissions=["withdraw"])
    def withdraw_fact_check(self, request, queryset):
        """Asks for the reason first (an intermediate page), then withdraws each selected fact-check."""
        page = views.reason_page(
            self, request, list(queryset.order_by("pk").values_list("pk", "text")), title="Withdraw fact-checks",
            question="Withdraw the published fact-check of these claims? Their public pages and ClaimReview will answer "
                     "410 Gone; the reason is kept in each claim's history.",
            action="withdraw_fact_check", button="Withdraw", missing="A withdrawal needs a reason.")
        if page is not None:
            return page
        reason = request.POST["reason"].strip()
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


class ClaimInline(ReadOnlyInline):
    model = Claim
    fk_name = "article"
    extra = 0
    show_change_link = True
    fields = ("start", "short_text", "level", "speaker_text", "via_outlet", "cue", "status", "assignee", "group")
    readonly_fields = fields
    ordering = ("start",)

    @admin.display(description="copy group")
    def group(self, obj: Claim):
        if obj.copy_of_id is None:
            return "-"
        return appearances_cell(obj)

    @admin.display(description="check-worthiness", ordering="check_worthiness")
    def worthiness(self, obj: Claim):
        return worthiness_badge(obj)

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



class ArticleAppearanceInline(ReadOnlyInline):
    """Where else this body appeared (syndication): read-only, recorded by ingestion."""

    model = ArticleAppearance
    extra = 0
    fields = ("publisher", "title", "link", "published_at", "via_outlet", "created_at")
    readonly_fields = fields
    verbose_name = "syndicated appearance"

    @admin.display(description="url")
    def link(self, obj: ArticleAppearance):
        return views.safe_link(obj.url) if obj.url else "-"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("publisher", "via_outlet")



class NearCopyListFilter(admin.SimpleListFilter):
    """Near-identical copies of an earlier story (Article.copy_of): wire copy with a local sentence."""

    title = "near-identical copies"
    parameter_name = "near_copy"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(copy_of__isnull=False)
        if self.value() == "no":
            return queryset.filter(copy_of__isnull=True)
        return queryset


@admin.register(Article)
class ArticleAdmin(LargeTableAdmin):
    list_display = (
        "id", "title", "publisher", "published_at", "extraction_status", "claim_count", "copy_of_link", "is_current",
        "created_at",
    )
    list_filter = ("extraction_status", NearCopyListFilter, PublisherListFilter, "is_current")
    search_fields = ("title", "url", "body")
    search_help_text = "Words of the title or the text, or the article's address."
    list_select_related = ("publisher",)
    inlines = [ArticleAppearanceInline, ClaimInline]
    # The body is shown highlighted above the form (change_form.html), not as a raw field.
    fields = (
        "publisher", "title", "link", "published_at", "content_sha256", "supersedes", "is_current", "extraction_status",
        "extraction_error", "extractor_version", "extraction_attempts", "extracted_at", "created_at",
    )
    readonly_fields = fields
    actions = ["reextract"]

    def get_inlines(self, request, obj):
        # "Syndicated appearances" only where the body appeared under another publisher (no empty table).
        if obj is not None and not obj.appearances.exists():
            return [ClaimInline]
        return super().get_inlines(request, obj)

    def has_change_permission(self, request, obj=None):
        # Nothing on an article is edited by hand (re-extraction is an action): its page is read-only
        # for everyone, so no "Change article" title on a page without a form.
        return False

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(views.article_page_context(obj))
            # Nothing on the article page is edited by hand: no Save buttons (actions re-extract).
            context.update(show_save=False, show_save_and_continue=False, show_save_and_add_another=False)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    @admin.display(description="url")
    def link(self, obj: Article):
        return views.safe_link(obj.url) if obj.url else "-"

    def get_queryset(self, request):
        # A correlated count, evaluated for the page's rows only (a join would count every claim).
        claims = Claim.objects.filter(article=OuterRef("pk")).order_by().values("article").annotate(n=Count("pk"))
        return super().get_queryset(request).annotate(_claim_count=Coalesce(Subquery(claims.values("n")), 0))

    def get_search_results(self, request, queryset, search_term):
        return self.search_with(queryset, search_term, articles_containing)

    @admin.display(description="claims")
    def claim_count(self, obj) -> int:
        return obj._claim_count

    @admin.display(description="copy of", ordering="copy_of")
    def copy_of_link(self, obj: Article):
        if obj.copy_of_id is None:
            return "-"
        return format_html(
            '<a class="copy-of" href="{}" title="A near-identical copy of article {} ({}% of its claims are copies)">article {}</a>',
            reverse("admin:claims_article_change", args=[obj.copy_of_id]), obj.copy_of_id,
            round(100 * (obj.copy_share or 0)), obj.copy_of_id,
        )

    def has_add_permission(self, request):
        return False  # articles arrive through ingestion (API, CLI, seeds)

    def has_reextract_permission(self, request) -> bool:
        return can_edit_desk(request.user)

    @admin.action(description="Extract claims again", permissions=["reextract"])
    def reextract(self, request, queryset):
        count = articles_reextract(article_ids=list(queryset.values_list("pk", flat=True)), actor=request.user)
        self.message_user(request, f"Extraction scheduled for {count} article(s).", messages.SUCCESS)


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


# --- Webhooks: subscriptions and their delivery log (editors) ---------------------------


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    """Subscriptions are made over the API (POST /api/webhooks/); here they are seen, paused and resumed.

    The secret is never shown.
    """

    list_display = ("url", "event_kinds", "is_active", "owner", "open_deliveries", "failing", "created_at")
    list_filter = ("is_active",)
    search_fields = ("url",)
    list_select_related = ("owner",)
    fields = ("url", "event_kinds", "is_active", "owner", "created_at", "deliveries_link")
    readonly_fields = ("url", "event_kinds", "is_active", "owner", "created_at", "deliveries_link")
    actions = ["pause", "resume"]

    def get_queryset(self, request):
        open_ = models.Q(deliveries__status__in=(DeliveryStatus.PENDING, DeliveryStatus.FAILED))
        failing = models.Q(deliveries__status__in=(DeliveryStatus.FAILED, DeliveryStatus.GAVE_UP))
        return super().get_queryset(request).annotate(_open=Count("deliveries", filter=open_), _failing=Count("deliveries", filter=failing))

    @admin.display(description="events")
    def event_kinds(self, obj: WebhookSubscription) -> str:
        return ", ".join(obj.events) or "every event"

    @admin.display(description="open deliveries", ordering="_open")
    def open_deliveries(self, obj) -> int:
        return obj._open

    @admin.display(description="failed or gave up", ordering="_failing")
    def failing(self, obj) -> int:
        return obj._failing

    @admin.display(description="deliveries")
    def deliveries_link(self, obj: WebhookSubscription):
        url = reverse("admin:claims_webhookdelivery_changelist") + f"?subscription__id__exact={obj.pk}"
        return format_html('<a href="{}">Delivery log</a>', url)

    def has_add_permission(self, request):
        return False  # subscribed over the API, with a secret only the receiver knows

    def has_delete_permission(self, request, obj=None):
        return False  # DELETE /api/webhooks/{id}/

    @admin.action(description="Pause (deliveries wait)", permissions=["change"])
    def pause(self, request, queryset):
        for pk in queryset.values_list("pk", flat=True):
            webhooks.webhook_update(subscription_id=pk, is_active=False)
        self.message_user(request, f"Paused {len(queryset)} subscription(s).", messages.SUCCESS)

    @admin.action(description="Resume", permissions=["change"])
    def resume(self, request, queryset):
        for pk in queryset.values_list("pk", flat=True):
            webhooks.webhook_update(subscription_id=pk, is_active=True)
        self.message_user(request, f"Resumed {len(queryset)} subscription(s).", messages.SUCCESS)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log, read-only; "Retry now" makes failed or given-up deliveries due at once."""

    list_display = ("id", "subscription", "event", "status", "attempts", "last_status_code", "error", "next_attempt_at", "delivered_at")
    list_filter = ("status", "subscription")
    list_select_related = ("subscription", "event")
    fields = ("subscription", "event", "status", "attempts", "last_status_code", "last_error", "next_attempt_at", "delivered_at", "created_at")
    readonly_fields = fields
    actions = ["retry_now"]

    @admin.display(description="last error")
    def error(self, obj: WebhookDelivery) -> str:
        return obj.last_error[:80] + ("…" if len(obj.last_error) > 80 else "")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "show_save": False, "show_save_and_continue": False, "show_save_and_add_another": False}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description="Retry now", permissions=["change"])
    def retry_now(self, request, queryset):
        count = webhooks.deliveries_retry_now(delivery_ids=list(queryset.values_list("pk", flat=True)))
        skipped = len(queryset) - count
        note = f" ({skipped} already delivered, left alone)" if skipped else ""
        self.message_user(request, f"{count} deliver{'y' if count == 1 else 'ies'} will be tried now{note}.", messages.SUCCESS)


@admin.register(FactCheck)
class FactCheckAdmin(LargeTableAdmin):
    """Imported fact-checks: what other organisations found. Read-only (re-import to change)."""

    list_display = ("claim_short", "rating_name", "author_name", "date_published", "review_link", "withdrawn_at")
    list_filter = (("author_name", IndexedValuesFilter), ("rating_name", IndexedValuesFilter))
    search_fields = ("claim_reviewed", "headline", "url", "item_author")
    date_hierarchy = "date_published"
    search_help_text = "Words of the claim reviewed, its headline or who made the claim; or the review's address."
    fields = ("claim_reviewed", "headline", "rating_name", "rating_value", "best_rating", "worst_rating",
              "author_name", "author_url", "date_published", "item_author", "appearance_urls", "url", "feed", "withdrawn_at", "imported_at")
    readonly_fields = fields
    list_per_page = 100

    def get_search_results(self, request, queryset, search_term):
        return self.search_with(queryset, search_term, fact_checks_containing)

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
