from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from claims.admin.reports import sourcing_report_view
from verifier.health import health_view


def favicon(request):
    # Resolved per request: with the hashed (manifest) storage of production, the file's
    # URL is only known once collectstatic has run, never at import.
    return HttpResponsePermanentRedirect(static("claims/favicon.ico"))


urlpatterns = [
    # The site is the reviewers' admin and the API: "/" (the admin's "View site") goes to the desk.
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False), name="home"),
    path("favicon.ico", favicon),
    # The Sourcing report (issue 29): an admin page of its own, before the admin's catch-all.
    path("admin/reports/sourcing/", admin.site.admin_view(sourcing_report_view), name="sourcing-report"),
    path("admin/", admin.site.urls),
    path("health/", health_view, name="health"),  # public: load balancers and healthchecks
    path("api/", include("claims.api.urls")),  # REST API for newsroom tools (issue 5)
    path("fact-checks/", include("claims.public.urls")),  # public fact-check pages and feed (issue 16)
]
