from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from verifier.health import health_view

urlpatterns = [
    # The site is the reviewers' admin and the API: "/" (the admin's "View site") goes to the desk.
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False), name="home"),
    path("favicon.ico", RedirectView.as_view(url=static("claims/favicon.ico"), permanent=True)),
    path("admin/", admin.site.urls),
    path("health/", health_view, name="health"),  # public: load balancers and healthchecks
    path("api/", include("claims.api.urls")),  # REST API for newsroom tools (issue 5)
]
