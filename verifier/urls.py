from django.contrib import admin
from django.urls import include, path

from verifier.health import health_view

urlpatterns = [
    path("admin/", admin.site.urls),
    path("health/", health_view, name="health"),  # public: load balancers and healthchecks
    path("api/", include("claims.api.urls")),  # REST API for newsroom tools (issue 5)
    path("fact-checks/", include("claims.public.urls")),  # public fact-check pages and feed (issue 16)
]
