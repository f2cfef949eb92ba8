"""The desk picture on the admin index (AdminSite.index has no hook for extra context)."""

from django import template

from claims.admin import views as admin_views

register = template.Library()


@register.inclusion_tag("admin/claims/_desk.html", takes_context=True)
def desk_dashboard(context):
    request = context["request"]
    if not request.user.has_perm("claims.view_claim"):
        return {"can_view": False}
    return {"can_view": True, "request": request, "user": request.user, **admin_views.desk_context(request.user)}


@register.filter
def safe_link(url: str, text: str = ""):
    """A link only for http(s) URLs (article and fact-check URLs come from outside); plain text otherwise."""
    return admin_views.safe_link(url or "", text or None) if url else ""
