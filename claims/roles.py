"""The three newsroom roles, as Django groups with their model permissions.

Created by data migrations (0002, 0006, 0009) through `ensure_role_groups`, which tests call
again after a transactional flush has emptied the tables.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

NEWSROOM = "newsroom"
REVIEWERS = "reviewers"
EDITORS = "editors"
ROLE_GROUPS = {"newsroom": NEWSROOM, "reviewer": REVIEWERS, "editor": EDITORS}

_VIEW_ALL = [
    "claims.view_article", "claims.view_claim", "claims.view_evidence", "claims.view_statuschange",
    "sources.view_source", "sources.view_sourcealias", "claims.view_factcheck",
    # Publishing (issue 16): where a body appeared, and what is published.
    "claims.view_articleappearance", "claims.view_publishedverdict",
    # Watching sources (issue 27): the feeds and their entries, and the repeat alerts.
    "claims.view_feed", "claims.view_feedentry", "claims.view_alert", "claims.view_alertchange",
]
# Group -> "app_label.codename" permissions; "app_label.*" is every permission of an app.
ROLE_PERMISSIONS = {
    NEWSROOM: _VIEW_ALL + ["claims.add_article"],
    REVIEWERS: _VIEW_ALL + ["claims.change_claim", "claims.add_evidence"],
    EDITORS: _VIEW_ALL + [
        "claims.add_article", "claims.change_article", "claims.change_claim", "claims.add_evidence",
        "claims.change_evidence", "claims.view_outboxevent", "sources.add_source", "sources.change_source",
        "sources.add_sourcealias", "sources.change_sourcealias", "sources.delete_sourcealias",
        # Editors keep the beat schedules (re-check, escalation, sweeps) in the admin.
        "django_celery_beat.*",
        # Access (issue 19): list and revoke API tokens; see sign-in attempts and lift lockouts
        # (deleting an access attempt lifts its lock).
        "claims.view_apitoken", "claims.change_apitoken",
        "axes.view_accessattempt", "axes.delete_accessattempt", "axes.view_accesslog", "axes.view_accessfailurelog",
        # Webhooks (issue 17): subscriptions paused or resumed, failed deliveries retried.
        "claims.view_webhooksubscription", "claims.change_webhooksubscription",
        "claims.view_webhookdelivery", "claims.change_webhookdelivery",
        # Feeds (issue 27): editors add, change and remove them; they acknowledge or dismiss alerts.
        "claims.add_feed", "claims.change_feed", "claims.delete_feed", "claims.change_alert",
    ],
}


def ensure_role_groups(apps=global_apps) -> None:
    """Create the role groups and grant their permissions (idempotent; `apps` is a migration's registry)."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    labels = {name.split(".")[0] for names in ROLE_PERMISSIONS.values() for name in names}
    for label in labels:  # permissions are normally created after migrate; make sure they exist now
        try:
            app_config = apps.get_app_config(label)
        except LookupError:  # an app a later migration brings in
            continue
        models_module, app_config.models_module = getattr(app_config, "models_module", None), True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module
    for group_name, names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        wanted = Permission.objects.none()
        for name in names:
            label, codename = name.split(".")
            by_app = Permission.objects.filter(content_type__app_label=label)
            wanted |= by_app if codename == "*" else by_app.filter(codename=codename)
        found = set(wanted.values_list("content_type__app_label", "codename"))
        missing = [
            n for n in names
            if not n.endswith(".*") and tuple(n.split(".")) not in found and _model_exists(apps, n)
        ]
        if missing:
            raise RuntimeError(f"permissions missing for group {group_name}: {missing}")
        group.permissions.add(*wanted)


def _model_exists(apps, name: str) -> bool:
    """Whether the model of "label.action_model" exists in `apps` (a migration's registry may predate it;
    the migration that creates it grants the permission again)."""
    label, codename = name.split(".")
    try:
        apps.get_model(label, codename.split("_", 1)[1])
    except LookupError:
        return False
    return True


def _group_names(user) -> frozenset[str]:
    # Cached on the user object: role checks run several times per request.
    cached = getattr(user, "_role_group_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True)) if user.pk else frozenset()
        user._role_group_names = cached
    return cached


def is_editor(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    return bool(user and user.is_authenticated and user.is_active and (user.is_superuser or EDITORS in _group_names(user)))


def is_reviewer(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    return bool(user and user.is_authenticated and user.is_active and REVIEWERS in _group_names(user))


def is_newsroom(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    return bool(user and user.is_authenticated and user.is_active and NEWSROOM in _group_names(user))


def may_work_on(user, *, assignee_id: int | None, allow_unassigned: bool = False) -> bool:
    """Editors work on any claim; a reviewer only on claims assigned to them.

    `allow_unassigned` lets a reviewer take an unassigned claim for themselves (the
    workflow then checks the move itself).
    """
    if is_editor(user):
        return True
    if not is_reviewer(user):
        return False
    return assignee_id == user.pk or (allow_unassigned and assignee_id is None)


# --- Who may do what: one rule per write, asked by the services (which refuse), the API and the admin ---
#
# Each write's service calls `require(can_<act>(...), why)`; the API's views and the admin's
# has_*_permission hooks ask the same can_<act> to decide what they offer. Neither door
# decides on its own, so no door is open to a role the other refuses
# (tests/claims/test_both_doors.py walks both).


class ActionForbidden(PermissionDenied):
    """A role rule refused the write: 403 in the API, a refusal in the admin. Nothing was written."""


class StateConflict(ValidationError):
    """A well-formed request the current state refuses (evidence already withdrawn, not a suggestion,
    an alert already dismissed): 409 in the API, a refusal in the admin."""


def require(allowed: bool, why: str) -> None:
    if not allowed:
        raise ActionForbidden(why)


def can_work_on_claim(user, claim) -> bool:
    """Evidence (add, accept), triage (priority, re-check date) and a match's review: the claim's
    assignee or an editor. Status moves have their own table (claims.workflow.MOVES)."""
    return may_work_on(user, assignee_id=claim.assignee_id)


def can_review_match(user, *, assignee_ids) -> bool:
    """A match joins two claims: an assignee of either, or an editor."""
    return any(may_work_on(user, assignee_id=assignee_id) for assignee_id in assignee_ids)


def can_withdraw_evidence(user, evidence) -> bool:
    """Whoever added it (or accepted it, for a suggestion), or an editor (a suggestion still
    pending is rejected with its match instead)."""
    owner = evidence.added_by_id or evidence.accepted_by_id
    return is_editor(user) or (owner is not None and user is not None and owner == user.pk)


def can_take_work(user) -> bool:
    return is_reviewer(user) or is_editor(user)


def can_read_reports(user) -> bool:
    """The Sourcing report: the desk's own figures, for reviewers and editors (not newsroom tools)."""
    return is_reviewer(user) or is_editor(user)


def can_ingest(user) -> bool:
    return is_newsroom(user) or is_editor(user)


def can_edit_desk(user) -> bool:
    """Editors' writes: sign-off, reassignment, withdrawal of a fact-check, copy groups (split, lead),
    re-extraction, webhooks, sources."""
    return is_editor(user)
