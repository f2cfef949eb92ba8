"""One error shape for the whole API, and the domain exceptions mapped onto it.

Every error body is drf-standardized-errors' shape::

    {"type": "validation_error" | "client_error" | "server_error",
     "errors": [{"code": "...", "detail": "...", "attr": "field" | null}]}

Workflow refusals keep that shape and add the moves open to the caller
(`allowed`), the claim's `version` and `status`, so a client can recover without
another round trip. Wired through DRF_STANDARDIZED_ERRORS in settings (the handler
itself must stay drf-standardized-errors' so the schema documents the errors).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import TextChoices
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_standardized_errors.formatter import ExceptionFormatter
from drf_standardized_errors.handler import ExceptionHandler
from drf_standardized_errors.openapi_serializers import ClientErrorEnum
from rest_framework import exceptions, serializers, status
from rest_framework.fields import get_error_detail

from ..models import ClaimStatus
from ..pipeline.ingestion import ArticleRejected
from ..roles import ActionForbidden
from ..services import StateConflict
from ..workflow import TransitionForbidden, WorkflowError

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"


class WorkflowRefused(exceptions.APIException):
    """A WorkflowError as an HTTP error: 409 (conflict) or 403 (not this actor's move)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"

    def __init__(self, error: WorkflowError):
        if isinstance(error, TransitionForbidden):
            self.status_code = status.HTTP_403_FORBIDDEN
        super().__init__(detail=str(error), code=error.code)
        self.extra = {"allowed": list(error.allowed), "version": error.claim.version, "status": error.claim.status}


class Conflict(exceptions.APIException):
    """409 without a workflow move: the request is well formed but the state it names refuses it
    (evidence already withdrawn, not a suggestion, an assignee who is not a reviewer)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "state_conflict"


class ApiExceptionHandler(ExceptionHandler):
    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if isinstance(exc, WorkflowError):
            return WorkflowRefused(exc)
        if isinstance(exc, StateConflict):
            return Conflict(detail=" ".join(exc.messages), code="state_conflict")
        if isinstance(exc, ActionForbidden):  # a role rule of the services: 403 with its reason
            return exceptions.PermissionDenied(str(exc))
        if isinstance(exc, ArticleRejected):
            return exceptions.ValidationError({"body": [str(exc)]}, code="invalid")
        if isinstance(exc, DjangoValidationError):
            # A service's full_clean() refusal is the client's input being wrong, not a 500.
            detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
            return exceptions.ValidationError(get_error_detail(DjangoValidationError(detail)))
        if isinstance(exc, ObjectDoesNotExist):
            return exceptions.NotFound()
        return super().convert_known_exceptions(exc)


class ApiExceptionFormatter(ExceptionFormatter):
    def format_error_response(self, error_response):
        data = super().format_error_response(error_response)
        data.update(getattr(self.exc, "extra", None) or {})
        return data


# --- Schema components for the errors drf-standardized-errors does not know ----------


class WorkflowErrorCode(TextChoices):
    INVALID_TRANSITION = "invalid_transition"
    STALE_VERSION = "stale_version"
    GUARD_FAILED = "guard_failed"
    ASSIGNMENT_REFUSED = "assignment_refused"
    NOT_PUBLISHED = "not_published"
    COPY_OF_GROUP = "copy_of_group"
    NOT_A_COPY = "not_a_copy"
    STATE_CONFLICT = "state_conflict"


class Error403Code(TextChoices):
    PERMISSION_DENIED = "permission_denied"
    TRANSITION_FORBIDDEN = "transition_forbidden"


class _Error(serializers.Serializer):
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class Error409(_Error):
    code = serializers.ChoiceField(choices=WorkflowErrorCode.choices)


class ErrorResponse409Serializer(serializers.Serializer):
    """A conflict with the current state; a workflow refusal adds the moves open to you (`allowed`),
    the claim's `version` and `status`."""

    type = serializers.ChoiceField(choices=ClientErrorEnum.choices)
    errors = Error409(many=True)
    allowed = serializers.ListField(child=serializers.ChoiceField(choices=ClaimStatus.choices), required=False)
    version = serializers.IntegerField(required=False)
    status = serializers.ChoiceField(choices=ClaimStatus.choices, required=False)


class Error403(_Error):
    code = serializers.ChoiceField(choices=Error403Code.choices)


class ErrorResponse403Serializer(serializers.Serializer):
    """Permission denied; a workflow refusal adds `allowed`, `version` and `status`."""

    type = serializers.ChoiceField(choices=ClientErrorEnum.choices)
    errors = Error403(many=True)
    allowed = serializers.ListField(child=serializers.ChoiceField(choices=ClaimStatus.choices), required=False)
    version = serializers.IntegerField(required=False)
    status = serializers.ChoiceField(choices=ClaimStatus.choices, required=False)


class Error413Code(TextChoices):
    PAYLOAD_TOO_LARGE = "payload_too_large"


class Error413(_Error):
    code = serializers.ChoiceField(choices=Error413Code.choices)


class ErrorResponse413Serializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=ClientErrorEnum.choices)
    errors = Error413(many=True)


class Error410Code(TextChoices):
    WITHDRAWN = "withdrawn"


class Error410(_Error):
    code = serializers.ChoiceField(choices=Error410Code.choices)


class ErrorResponse410Serializer(serializers.Serializer):
    """The fact-check was withdrawn by an editor; `detail` gives the reason."""

    type = serializers.ChoiceField(choices=ClientErrorEnum.choices)
    errors = Error410(many=True)


# --- Errors raised outside DRF views (middleware, unknown URLs) -------------------------


def error_body(code: str, detail: str, *, type_: str = "client_error", attr: str | None = None) -> dict:
    return {"type": type_, "errors": [{"code": code, "detail": detail, "attr": attr}]}


class ApiBodySizeLimitMiddleware:
    """Refuse API request bodies over API_MAX_BODY_BYTES with a JSON 413 before anything reads them.

    DRF's JSON parser reads the stream itself, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE
    does not protect it; the declared Content-Length is checked here instead (a body
    without one is not read at all by DRF).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(API_PREFIX):
            raw = request.META.get("CONTENT_LENGTH") or "0"
            try:
                length = int(raw)
            except ValueError:
                return JsonResponse(error_body("invalid_content_length", "the Content-Length header is not a number"), status=400)
            limit = settings.API_MAX_BODY_BYTES
            if length > limit:
                return JsonResponse(
                    error_body("payload_too_large", f"the request body has {length} bytes; the limit is {limit}"),
                    status=413,
                )
        return self.get_response(request)


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """JSON 404 for any /api/ path no endpoint serves (never Django's HTML page)."""
    detail = f"no API endpoint at {request.path}"
    if not request.path.endswith("/"):
        detail += "; API paths end with a slash"
    return JsonResponse(error_body("not_found", detail), status=404)
