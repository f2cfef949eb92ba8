"""The REST API's routes (included under /api/ by verifier/urls.py)."""

from django.urls import path, re_path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerView
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.settings import api_settings

from . import views as api
from .errors import api_not_found
from .schema import CachedSchemaView


class SwaggerUiView(SpectacularSwaggerView):
    """Swagger UI with the site's opener policy (drf-spectacular relaxes it for OAuth2 pop-ups, unused here)."""

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["Cross-Origin-Opener-Policy"] = "same-origin"
        return response


class SchemaView(CachedSchemaView):
    """The OpenAPI schema; an unknown ?format= is a JSON 400 naming the formats (not a YAML 404)."""

    def perform_content_negotiation(self, request, force=False):
        wanted = request.query_params.get(api_settings.URL_FORMAT_OVERRIDE)
        formats = sorted({renderer.format for renderer in self.get_renderers()})
        if wanted is not None and wanted not in formats:
            if force:  # rendering the error itself
                return (JSONRenderer(), JSONRenderer.media_type)
            raise ValidationError({"format": [f"unknown format {wanted[:50]!r}; use one of {', '.join(formats)}"]})
        return super().perform_content_negotiation(request, force)


urlpatterns = [
    path("reports/sourcing/", api.SourcingReportApi.as_view(), name="api-reports-sourcing"),
    path("articles/", api.ArticleListCreateApi.as_view(), name="api-articles"),
    path("articles/<int:article_id>/", api.ArticleDetailApi.as_view(), name="api-article"),
    path("claims/", api.ClaimListApi.as_view(), name="api-claims"),
    path("claims/similar/", api.ClaimSimilarApi.as_view(), name="api-claims-similar"),
    path("claims/<int:claim_id>/", api.ClaimDetailApi.as_view(), name="api-claim"),
    path("claims/<int:claim_id>/transition/", api.ClaimTransitionApi.as_view(), name="api-claim-transition"),
    path("claims/<int:claim_id>/evidence/", api.ClaimEvidenceApi.as_view(), name="api-claim-evidence"),
    path("claims/<int:claim_id>/assign/", api.ClaimAssignApi.as_view(), name="api-claim-assign"),
    path("claims/<int:claim_id>/claimreview/", api.ClaimReviewApi.as_view(), name="api-claim-claimreview"),
    path("claims/<int:claim_id>/withdraw/", api.ClaimWithdrawApi.as_view(), name="api-claim-withdraw"),
    path("claimreviews/", api.ClaimReviewFeedApi.as_view(), name="api-claimreviews"),
    path("claims/<int:claim_id>/sign-off/", api.ClaimSignOffApi.as_view(), name="api-claim-sign-off"),
    path("claims/<int:claim_id>/split/", api.ClaimSplitApi.as_view(), name="api-claim-split"),
    path("claims/<int:claim_id>/lead/", api.ClaimLeadApi.as_view(), name="api-claim-lead"),
    path(
        "claims/<int:claim_id>/evidence/<int:evidence_id>/accept/", api.EvidenceAcceptApi.as_view(),
        name="api-claim-evidence-accept",
    ),
    path(
        "claims/<int:claim_id>/evidence/<int:evidence_id>/withdraw/", api.EvidenceWithdrawApi.as_view(),
        name="api-claim-evidence-withdraw",
    ),
    path("matches/<int:match_id>/review/", api.MatchReviewApi.as_view(), name="api-match-review"),
    path("sources/", api.SourceListApi.as_view(), name="api-sources"),
    path("sources/<int:source_id>/", api.SourceDetailApi.as_view(), name="api-source"),
    path("me/", api.MeApi.as_view(), name="api-me"),
    path("users/", api.UserListApi.as_view(), name="api-users"),
    path("queue/next/", api.QueueNextApi.as_view(), name="api-queue-next"),
    path("queue/take/", api.QueueTakeApi.as_view(), name="api-queue-take"),
    path("webhooks/", api.WebhookListCreateApi.as_view(), name="api-webhooks"),
    path("webhooks/<int:webhook_id>/", api.WebhookDetailApi.as_view(), name="api-webhook"),
    path("webhooks/<int:webhook_id>/deliveries/", api.WebhookDeliveryListApi.as_view(), name="api-webhook-deliveries"),
    path("feeds/", api.FeedListCreateApi.as_view(), name="api-feeds"),
    path("feeds/<int:feed_id>/", api.FeedDetailApi.as_view(), name="api-feed"),
    path("feeds/<int:feed_id>/poll/", api.FeedPollApi.as_view(), name="api-feed-poll"),
    path("alerts/", api.AlertListApi.as_view(), name="api-alerts"),
    path("alerts/<int:alert_id>/", api.AlertDetailApi.as_view(), name="api-alert"),
    path("alerts/<int:alert_id>/acknowledge/", api.AlertDecisionApi.as_view(decision="acknowledged"),
         name="api-alert-acknowledge"),
    path("alerts/<int:alert_id>/dismiss/", api.AlertDecisionApi.as_view(decision="dismissed"), name="api-alert-dismiss"),
    path("schema/", SchemaView.as_view(), name="api-schema"),
    path("docs/", SwaggerUiView.as_view(url_name="api-schema"), name="api-docs"),
    # Last: any other /api/ path is a JSON 404, never Django's HTML page.
    re_path(r"^[\s\S]*$", api_not_found),
]
