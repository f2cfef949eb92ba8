"""Public routes (included at /fact-checks/ by verifier/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("feed.json", views.FeedView.as_view(), name="public-feed"),
    path("<int:claim_id>/", views.fact_check_page, name="public-fact-check"),
]
