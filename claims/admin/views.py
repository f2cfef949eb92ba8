"""The reviewer's admin pages beyond stock ModelAdmin: the queue, the workflow buttons,
and article text with its claims highlighted.

Article text is untrusted (it comes from the web): every segment goes through
`escape`/`format_html`, and nothing built from it is ever passed to `mark_safe`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from sources.levels import AttributionLevel

from .. import workflow
from ..corroboration.independence import independence_report
from ..matching.copies import copy_group_lead
from ..matching.review import match_review
from ..models import Article, Claim, ClaimMatch, ClaimStatus, Evidence, FactCheck, PublishedVerdict
from ..roles import ActionForbidden, can_edit_desk, can_work_on_claim
from ..pipeline.priority import priority_why
from ..selectors import current_sign_off, match_rows, similar_rows
from ..services import claim_take_next, evidence_accept, evidence_from_checked_before, evidence_withdraw
from ..triage import checkworthiness
from ..triage.scoring import is_check_worthy
from . import dashboard

S = ClaimStatus

# Characters of paragraph shown either side of a claim on its page.
CONTEXT_CHARS = 700
# Rows shown on "My queue" (the count above the table says how many there are).
QUEUE_PAGE_ROWS = 200
# Closest records looked up for the claim page's "Checked before?" panel.
CHECKED_BEFORE_ROWS = 8

# Button labels for the moves, by (from, to) where the same target means different things.
MOVE_LABELS = {
    (S.UNVERIFIED, S.QUEUED): "Assign to me",
    (S.NEEDS_RECHECK, S.QUEUED): "Queue again",
    (S.QUEUED, S.IN_REVIEW): "Start review",
    (S.IN_REVIEW, S.CORROBORATED): "Corroborated",
    (S.IN_REVIEW, S.DISPUTED): "Disputed",
    (S.IN_REVIEW, S.REFUTED): "Refuted",
    (S.IN_REVIEW, S.UNVERIFIABLE): "Unverifiable",
    (S.QUEUED, S.UNVERIFIED): "Unassign",
    (S.IN_REVIEW, S.UNVERIFIED): "Unassign",
}


@dataclass(frozen=True)
class MoveButton:
    to: str
    label: str
    css: str  # "verdict", "back" or "" (plain)
    blocked: str = ""  # why the move cannot be made now (the button is disabled), or ""
    hint: str = ""  # what the move needs that the form can still give (a note)


_STATUS_WORDS = re.compile(r"\b(" + "|".join(sorted(map(re.escape, ClaimStatus.values), key=len, reverse=True)) + r")\b")


def with_labels(text: str) -> str:
    """A workflow message for people: status values (`in_review`) as their labels ("In review")."""
    return _STATUS_WORDS.sub(lambda m: f"\u201c{ClaimStatus(m.group(1)).label}\u201d", text)


def safe_link(url: str, text: str | None = None) -> SafeString:
    """A link only for http(s) URLs; anything else (javascript:, data:, ftp:) shows as inert text."""
    shown = text if text is not None else url
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        scheme = ""
    if scheme in ("http", "https"):
        return format_html('<a href="{}" rel="noopener noreferrer nofollow" target="_blank">{}</a>', url, shown)
    return format_html("{}", shown)


def level_badge(level: str) -> SafeString:
    label = AttributionLevel(level).label if level in AttributionLevel.values else level
    return format_html('<span class="lvl-badge lvl-{}">{}</span>', level, label)


def _claim_title(claim: Claim) -> str:
    who = claim.speaker_text or "no speaker"
    return f"{claim.get_attribution_level_display()} \u2014 {who} \u2014 {claim.get_status_display()}"


def _mark(claim: Claim, text: str, *, href: str = "", current: bool = False) -> SafeString:
    css = f"claim-mark lvl-{claim.attribution_level}" + (" claim-current" if current else "")
    if href:
        return format_html(
            '<a class="{}" href="{}" title="{}" data-claim="{}">{}</a>', css, href, _claim_title(claim), claim.pk, text
        )
    return format_html(
        '<mark class="{}" title="{}" data-claim="{}">{}</mark>', css, _claim_title(claim), claim.pk, text
    )


def _join(parts: list[SafeString]) -> SafeString:
    # Every part is already escaped; format_html_join keeps them as they are.
    return format_html_join("", "{}", ((part,) for part in parts))


def _span_matches(body: str, claim: Claim) -> bool:
    return 0 <= claim.start < claim.end <= len(body) and body[claim.start : claim.end] == claim.text


def highlighted_body(article: Article, claims: list[Claim], *, link_claims: bool = True) -> SafeString:
    """The whole body, each claim wrapped in a mark coloured by its attribution level.

    Claims are taken in start order; one that overlaps an earlier claim is left unmarked
    (the claims table below the text still lists it).
    """
    body, parts, cursor = article.body, [], 0
    for claim in sorted(claims, key=lambda c: (c.start, -c.end)):
        if claim.start < cursor or not _span_matches(body, claim):
            continue
        parts.append(format_html("{}", body[cursor : claim.start]))
        href = reverse("admin:claims_claim_change", args=[claim.pk]) if link_claims else ""
        parts.append(_mark(claim, body[claim.start : claim.end], href=href))
        cursor = claim.end
    parts.append(format_html("{}", body[cursor:]))
    return _join(parts)


def claim_in_paragraph(claim: Claim) -> SafeString:
    """The claim highlighted inside its paragraph, with up to CONTEXT_CHARS either side."""
    body = claim.article.body
    if not _span_matches(body, claim):
        return _mark(claim, claim.text, current=True)
    para_start = body.rfind("\n", 0, claim.start) + 1
    para_end = body.find("\n", claim.end)
    para_end = len(body) if para_end == -1 else para_end
    before_start = max(para_start, claim.start - CONTEXT_CHARS)
    after_end = min(para_end, claim.end + CONTEXT_CHARS)
    return format_html(
        '{}<span class="ctx">{}</span>{}<span class="ctx">{}</span>{}',
        "\u2026 " if before_start > para_start else "",
        body[before_start : claim.start],
        _mark(claim, claim.text, current=True),
        body[claim.end : after_end],
        " \u2026" if after_end < para_end else "",
    )


def move_buttons(claim: Claim, user) -> list[MoveButton]:
    """Exactly the moves the workflow allows this user now, each with its guard's state.

    A guard that fails whatever the note says disables its button, with the reason shown
    before any click; one that only needs a note (unverifiable, an editor's sign-off note)
    stays enabled with a hint.
    """
    buttons = []
    for target in workflow.allowed_moves(claim, user):
        label = MOVE_LABELS.get((claim.status, target)) or S(target).label
        css = "verdict" if target in (S.CORROBORATED, S.DISPUTED, S.REFUTED, S.UNVERIFIABLE) else ""
        css = "back" if target == S.UNVERIFIED else css
        blocked = hint = ""
        guard = workflow.MOVES[(claim.status, target)].guard
        if guard is not None and (reason := guard(claim, "", user)):
            if guard(claim, "a note", user) is None:
                hint = with_labels(reason)
            else:
                blocked = with_labels(reason)
        buttons.append(MoveButton(to=target, label=label, css=css, blocked=blocked, hint=hint))
    return buttons


def why_no_move(claim: Claim, user) -> str:
    """Why a claim page offers this user no move, and what they can do instead."""
    if claim.assignee_id is not None and not can_work_on_claim(user, claim):
        who = claim.assignee.get_username() if claim.assignee else f"user {claim.assignee_id}"
        return (
            f"This claim is assigned to {who}: only {who} or an editor can move it. "
            "Ask an editor to reassign it to you, or take your next claim from My queue."
        )
    if claim.status in workflow.VERDICTS:
        return (
            f"The verdict ({claim.get_status_display()}) stands. Its assignee or an editor can mark it "
            "\u201cNeeds re-check\u201d if new information comes in."
        )
    if claim.status == S.NEEDS_RECHECK:
        return "Waiting for re-check: an editor (or the nightly assignment) queues it again for a reviewer."
    return f"No move is open to you on this claim while it is {claim.get_status_display()}."


def level_legend() -> list[dict]:
    return [
        {"code": code, "label": label, "meaning": dashboard.LEVEL_MEANINGS[code]}
        for code, label in AttributionLevel.choices
    ]


# --- context for the stock change forms -----------------------------------------

def checked_before(claim: Claim) -> list[dict]:
    """"Checked before?": the closest verdicts of ours and imported fact-checks, other than this article's claims."""
    same_article = Claim.objects.filter(article_id=claim.article_id).values_list("pk", flat=True)
    rows = similar_rows(text=claim.text, limit=CHECKED_BEFORE_ROWS, exclude_claim_ids=same_article)
    return [row for row in rows if row["kind"] == "fact_check" or row["verdict"]]


def copy_banner(claim: Claim) -> str:
    """Why a copy's page offers no move: its group is reviewed on its first claim."""
    return (
        f"This claim is a copy of claim #{claim.copy_of_id}: its group is reviewed there, and its status follows "
        "that claim's. Evidence, moves and the verdict are made on claim "
        f"#{claim.copy_of_id}; an editor may split this claim out of the group if it was grouped wrongly."
    )


def claim_page_context(claim: Claim, user) -> dict:
    report = independence_report(claim)
    group = dashboard.copy_group(group_id=claim.group_id, limit=dashboard.COPY_GROUP_LISTED)
    is_copy = claim.copy_of_id is not None
    open_ = claim.status in (S.QUEUED, S.IN_REVIEW)
    # A copy's fact-check is its group's first claim's, linked from that page.
    publication = "" if is_copy else _publication(claim)
    return {
        "corroboration": report,
        "matches": match_rows(claim_id=claim.pk),
        "checked_before": checked_before(claim),
        "priority_why": priority_why(claim, score_shown=True),
        "check_worthy": is_check_worthy(claim.check_worthiness),
        "check_worthiness": None if claim.check_worthiness is None else f"{claim.check_worthiness:.2f}",
        "publication": publication,
        "public_url": reverse("public-fact-check", args=[claim.pk]) if publication else "",
        # The sign-off that opens the anonymous-sourcing gate, while it matters (the history keeps every one).
        "sign_off": current_sign_off(claim=claim) if open_ and not is_copy else None,
        "suggestions": list(claim.evidence.filter(is_suggestion=True).select_related("source", "related_claim")),
        # A copy's evidence, matches and sign-off are its group's first claim's.
        # Offered while the claim is open (queued, in review) and not yet signed off in this status.
        "may_sign_off": can_edit_desk(user) and not is_copy and open_,
        "may_work": can_work_on_claim(user, claim) and not is_copy,
        "corroboration_url": reverse("admin:claims_claim_corroboration", args=[claim.pk]),
        "claim_in_paragraph": claim_in_paragraph(claim),
        "claim_level_badge": level_badge(claim.attribution_level),
        "claim_level_meaning": dashboard.LEVEL_MEANINGS.get(claim.attribution_level, ""),
        "provenance_links": dashboard.claim_provenance(claim, user=user),
        # A copy is never moved on its own (workflow refuses it with CopyInGroup): no move is offered.
        "move_buttons": [] if is_copy else move_buttons(claim, user),
        "why_no_move": copy_banner(claim) if is_copy else why_no_move(claim, user),
        "transition_url": reverse("admin:claims_claim_transition", args=[claim.pk]),
        "sla": dashboard.sla_state(claim),
        "article_url": reverse("admin:claims_article_change", args=[claim.article_id]),
        "is_copy": is_copy,
        "copy_group": group,
        "copy_group_rows": [_appearance_row(a, current=claim.pk) for a in group.appearances],
        "first_url": reverse("admin:claims_claim_change", args=[claim.copy_of_id]) if is_copy else "",
        "may_split": is_copy and can_edit_desk(user),
        "copy_why_differs": _why_this_copy_differs(claim, group),
        "split_url": reverse("admin:claims_claim_split", args=[claim.pk]),
        "lead_url": reverse("admin:claims_claim_lead", args=[claim.pk]),
    }


def _publication(claim: Claim) -> str:
    """"published", "withdrawn" or "" (never published); ClaimAdmin.get_object reads it with the claim."""
    try:
        published = claim.published_verdict
    except PublishedVerdict.DoesNotExist:
        return ""
    return "withdrawn" if published.is_withdrawn else "published"


def _why_this_copy_differs(claim: Claim, group: dashboard.CopyGroup) -> str:
    if claim.copy_of_id is None or not claim.attribution_differs:
        return ""
    listed = next((a for a in group.appearances if a.claim_id == claim.pk), None)
    if listed is not None:
        return listed.why_differs
    first = claim.copy_of  # past the listed appearances: one more read
    return dashboard.why_differs(claim.attribution_level, claim.speaker_text, first.attribution_level, first.speaker_text)


def _appearance_row(appearance: dashboard.Appearance, *, current: int) -> dict:
    return {
        "a": appearance,
        "claim_url": reverse("admin:claims_claim_change", args=[appearance.claim_id]),
        "article_url": reverse("admin:claims_article_change", args=[appearance.article_id]),
        "level": level_badge(appearance.attribution_level),
        "current": appearance.claim_id == current,
    }


# Near-identical copies of a story listed on its article page (the count says how many in all).
NEAR_COPIES_LISTED = 10


def article_page_context(article: Article) -> dict:
    claims = list(dashboard.article_claims(article=article))
    near_count, near = dashboard.near_copies(article=article, limit=NEAR_COPIES_LISTED)
    return {
        "highlighted_body": highlighted_body(article, claims),
        "sourcing": dashboard.article_sourcing(claims=claims),
        "legend": level_legend(),
        "article_link": safe_link(article.url) if article.url else "",
        "copy_of_url": reverse("admin:claims_article_change", args=[article.copy_of_id]) if article.copy_of_id else "",
        "copy_share_percent": round(100 * article.copy_share) if article.copy_share is not None else None,
        "copies_in_article": sum(1 for claim in claims if claim.copy_of_id is not None),
        "near_copies_count": near_count,
        "near_copies": near,
        "near_copies_url": reverse("admin:claims_article_changelist") + f"?copy_of__id__exact={article.pk}",
    }


def desk_context(user) -> dict:
    """Everything the admin index shows about the desk (see templatetags/claims_desk.py)."""
    now = timezone.now()
    can_see_beat = user.has_perm("django_celery_beat.view_periodictask")
    alerts_count, alerts = dashboard.open_alerts()
    return {
        "repeat_alerts": alerts,
        "repeat_alerts_count": alerts_count,
        "can_decide_alerts": can_edit_desk(user),
        "by_status": dashboard.claims_by_status(),
        "by_level": dashboard.claims_by_level(),
        "oldest": [(claim, dashboard.sla_state(claim, now=now)) for claim in dashboard.oldest_waiting_claims()],
        "my_queue_count": dashboard.reviewer_queue(user=user).count(),
        "unassigned_count": dashboard.unassigned_waiting_count(),
        "health": _health_rows(),
        "beat_schedules": list(dashboard.beat_schedules()) if can_see_beat else None,
        "legend": level_legend(),
        "article_worthiness": dashboard.article_worthiness_counts(),
        "priority_formula": PRIORITY_FORMULA(),
    }


def PRIORITY_FORMULA() -> str:  # noqa: N802 - reads as the constant it documents, with today's settings
    return (
        "Priority = sourcing risk (attribution level 0-30, plus the source's track record, about ±10) "
        f"+ {settings.CHECK_WORTHINESS_PRIORITY_WEIGHT} × check-worthiness (0-1) + escalations and edits. "
        f"Claims scored below {checkworthiness.threshold():.2f} are not check-worthy: not auto-assigned, "
        "they stay unverified until a reviewer or editor pulls one into the queue."
    )


def _health_rows() -> list[dict] | None:
    try:
        from verifier.health import collect_health
    except ImportError:  # the health module is optional for the admin
        return None
    labels = {"database": "Database", "broker": "Broker", "worker": "Worker heartbeat", "beat": "Beat",
              "queue_length": "Queue length"}
    return [
        {"name": name, "label": labels.get(name, name), "ok": bool(part.get("ok")), "detail": part.get("detail", ""),
         "last_seen": part.get("last_seen"), "value": part.get("value")}
        for name, part in collect_health().items()
    ]


# --- views (wired in ClaimAdmin.get_urls, wrapped by admin_site.admin_view) -------

def my_queue_view(model_admin, request: HttpRequest) -> HttpResponse:
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    queue = dashboard.reviewer_queue(user=request.user)
    now = timezone.now()
    rows = [
        {"claim": claim, "sla": dashboard.sla_state(claim, now=now), "level": level_badge(claim.attribution_level),
         "why": priority_why(claim), "worthy": is_check_worthy(claim.check_worthiness),
         "appearances": claim._appearances, "copies_differ": claim._copies_differ}
        for claim in queue[:QUEUE_PAGE_ROWS]
    ]
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "My queue",
        "subtitle": None,
        "opts": model_admin.model._meta,
        "rows": rows,
        "total": queue.count() if len(rows) == QUEUE_PAGE_ROWS else len(rows),
        "unassigned_count": dashboard.unassigned_waiting_count(),
        "sla_hours": int(settings.REVIEW_SLA.total_seconds() // 3600),
        "priority_formula": PRIORITY_FORMULA(),
    }
    return TemplateResponse(request, "admin/claims/claim/my_queue.html", context)


def take_next_view(model_admin, request: HttpRequest) -> HttpResponse:
    """POST: "Take next" on My queue: open the claim services.claim_take_next finds for the clicker."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    try:
        claim = claim_take_next(reviewer=request.user)
    except ActionForbidden as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(reverse("admin:claims_claim_queue"))
    if claim is None:
        messages.info(request, "No claim is waiting anywhere: every queue is empty.")
        return HttpResponseRedirect(reverse("admin:claims_claim_queue"))
    messages.success(request, f"Claim {claim.pk} is yours now ({claim.get_status_display()}).")
    return HttpResponseRedirect(reverse("admin:claims_claim_change", args=[claim.pk]))


def _posted_claim(model_admin, request: HttpRequest, object_id: str) -> Claim | HttpResponse:
    """The claim a form on its page posts to, or the response that turns the request away."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    claim = model_admin.get_object(request, unquote(object_id))
    if claim is None:
        return model_admin._get_obj_does_not_exist_redirect(request, model_admin.opts, object_id)
    if not model_admin.has_view_or_change_permission(request, claim):
        raise PermissionDenied
    return claim


def _seen_version(request: HttpRequest) -> int | None:
    """The claim version a page's form says it showed, or None (said to the user: nothing is done)."""
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        messages.error(request, "Refused: the form did not say which version of the claim you saw; reload the page.")
        return None


def claim_transition_view(model_admin, request: HttpRequest, object_id: str) -> HttpResponse:
    """POST {to, version, note}: one workflow move from the claim page."""
    claim = _posted_claim(model_admin, request, object_id)
    if isinstance(claim, HttpResponse):
        return claim
    page = reverse("admin:claims_claim_change", args=[claim.pk])
    to, note = request.POST.get("to", ""), request.POST.get("note", "").strip()
    version = _seen_version(request)
    if version is None:
        return HttpResponseRedirect(page)
    # Taking an unassigned claim queues it for the person who clicked.
    assignee = request.user if (to == S.QUEUED and claim.status == S.UNVERIFIED) else None
    try:
        moved = workflow.transition(
            claim=claim.pk, to=to, actor=request.user, note=note, expected_version=version, assignee=assignee
        )
    except workflow.StaleVersion as exc:
        messages.error(request, stale_message(exc.claim, page))
    except workflow.WorkflowError as exc:
        messages.error(request, f"Refused: {with_labels(str(exc))}")
    else:
        messages.success(request, f"Claim {moved.pk} moved to {moved.get_status_display()} (version {moved.version}).")
    return HttpResponseRedirect(page)


def stale_message(current: Claim, page: str) -> SafeString:
    """Someone else changed the claim since this page was opened: say so, and offer a reload."""
    return format_html(
        'Someone else changed this claim since you opened the page (it is now {}, version {}): nothing was '
        'changed. <a href="{}" class="reload-link">Reload the claim</a> to see the change, then try again.',
        current.get_status_display(), current.version, page,
    )


def claim_corroboration_view(model_admin, request: HttpRequest, object_id: str) -> HttpResponse:
    """POST {action, ...}: an editor's sign-off, accepting a suggested evidence item, or reviewing a match."""
    claim = _posted_claim(model_admin, request, object_id)
    if isinstance(claim, HttpResponse):
        return claim
    page = reverse("admin:claims_claim_change", args=[claim.pk])
    if claim.copy_of_id is not None:  # its evidence, matches and sign-off are its group's first claim's
        messages.error(request, f"Refused: {copy_banner(claim)}")
        return HttpResponseRedirect(page)
    action = request.POST.get("action", "")
    # Who may is the services' rule (claims.roles), the same the API asks: a refusal comes back as
    # ActionForbidden or a WorkflowError, and nothing is written.
    try:
        if action == "sign_off":
            workflow.sign_off(claim=claim.pk, actor=request.user, note=request.POST.get("note", ""))
            messages.success(request, "Sign-off recorded in the claim's history.")
        elif action == "withdraw_evidence":
            evidence = Evidence.objects.get(pk=request.POST.get("evidence"), claim=claim)
            evidence_withdraw(evidence=evidence, actor=request.user, reason=request.POST.get(f"reason-{evidence.pk}", ""))
            messages.success(request, f"Evidence #{evidence.pk} withdrawn: the guards and the corroboration count without it.")
        elif action == "accept_evidence":
            evidence = Evidence.objects.get(pk=request.POST.get("evidence"), claim=claim)
            evidence_accept(evidence=evidence, actor=request.user)
            messages.success(request, f"Evidence #{evidence.pk} accepted: it now counts.")
        elif action == "use_checked_before":
            kind = request.POST.get("kind", "")
            if kind not in ("claim", "fact_check"):
                raise ValueError(kind)
            evidence = evidence_from_checked_before(claim=claim, kind=kind, record_id=int(request.POST.get("record", "")),
                                                    actor=request.user)
            messages.success(request, f"Evidence #{evidence.pk} added ({evidence.get_stance_display().lower()}).")
        elif action in ("confirm_match", "reject_match"):
            match = ClaimMatch.objects.get(pk=request.POST.get("match"))
            if claim.pk not in (match.claim_a_id, match.claim_b_id):
                raise ClaimMatch.DoesNotExist
            match_review(match=match, actor=request.user, confirm=action == "confirm_match")
            messages.success(request, f"Match {'confirmed' if action == 'confirm_match' else 'rejected'}.")
        else:
            messages.error(request, f"Refused: no such action {action[:40]!r} on a claim page.")
    except ActionForbidden as exc:
        messages.error(request, f"Refused: {exc}.")
    except workflow.WorkflowError as exc:
        messages.error(request, f"Refused: {with_labels(str(exc))}")
    except (Evidence.DoesNotExist, ClaimMatch.DoesNotExist, Claim.DoesNotExist, FactCheck.DoesNotExist, ValueError):
        messages.error(request, "Refused: that evidence or match does not belong to this claim.")
    except ValidationError as exc:
        messages.error(request, f"Refused: {' '.join(exc.messages)}")
    return HttpResponseRedirect(page)


def claim_lead_view(model_admin, request: HttpRequest, object_id: str) -> HttpResponse:
    """POST {reason, version}: an editor makes this copy its group's lead (matching.copies.copy_group_lead)."""
    claim = _posted_claim(model_admin, request, object_id)
    if isinstance(claim, HttpResponse):
        return claim
    page = reverse("admin:claims_claim_change", args=[claim.pk])
    version = _seen_version(request)
    if version is None:
        return HttpResponseRedirect(page)
    previous = claim.copy_of_id
    try:
        lead = copy_group_lead(claim=claim.pk, actor=request.user, reason=request.POST.get("reason", "").strip(),
                               expected_version=version)
    except workflow.StaleVersion as exc:
        messages.error(request, stale_message(exc.claim, page))
    except workflow.WorkflowError as exc:
        messages.error(request, f"Refused: {with_labels(str(exc))}")
    else:
        messages.success(request, f"Claim {lead.pk} leads its copy group now (claim #{previous} is one of its copies); "
                                  "its review, evidence and fact-check moved here. Both histories record it.")
    return HttpResponseRedirect(page)


def claim_split_view(model_admin, request: HttpRequest, object_id: str) -> HttpResponse:
    """POST {reason, version}: an editor splits a wrongly grouped copy out of its group (workflow.copy_split)."""
    claim = _posted_claim(model_admin, request, object_id)
    if isinstance(claim, HttpResponse):
        return claim
    if not can_edit_desk(request.user):
        raise PermissionDenied
    page = reverse("admin:claims_claim_change", args=[claim.pk])
    version = _seen_version(request)
    if version is None:
        return HttpResponseRedirect(page)
    group_id = claim.copy_of_id
    try:
        split = workflow.copy_split(
            claim=claim.pk, actor=request.user, reason=request.POST.get("reason", "").strip(), expected_version=version
        )
    except workflow.StaleVersion as exc:
        messages.error(request, stale_message(exc.claim, page))
    except workflow.WorkflowError as exc:
        messages.error(request, f"Refused: {with_labels(str(exc))}")
    else:
        messages.success(
            request,
            f"Claim {split.pk} was split out of the copy group of claim #{group_id}: it is its own claim now "
            f"({split.get_status_display()}, version {split.version}), reviewed on its own; the split is in both histories.",
        )
    return HttpResponseRedirect(page)


def reason_page(model_admin, request, rows: list[tuple[int, str]], *, title: str, question: str, action: str,
                button: str, missing: str) -> TemplateResponse | None:
    """An admin action's intermediate page asking for the reason (kept in history), or None once it is given.
    `rows`: the selected objects' ids and texts."""
    if "apply" in request.POST and request.POST.get("reason", "").strip():
        return None
    return TemplateResponse(request, "admin/claims/reason_action.html", {
        **model_admin.admin_site.each_context(request), "title": title, "question": question, "rows": rows,
        "opts": model_admin.model._meta, "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        "action": action, "button": button, "missing_reason": missing if "apply" in request.POST else "",
    })
