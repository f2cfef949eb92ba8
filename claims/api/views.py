"""The REST API for newsroom tools: thin views over selectors (reads) and services (writes).

One APIView per operation. Policy is class attributes (permissions, throttle scope);
object checks happen in the view right after the row is read, because DRF only runs
object permissions inside get_object(). Every status change goes through
claims.workflow.transition(); its refusals become 409/403 in claims.api.errors.
"""

from __future__ import annotations

import csv
import functools
import io
import json

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from drf_standardized_errors.openapi_serializers import ErrorResponse404Serializer
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound, PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from sources.models import Source
from sources.services import source_resolve

from .. import selectors, workflow
from ..delivery.publishing import claim_reviews_feed_jsonld, withdrawal_jsonld
from ..delivery.webhooks import webhook_delete, webhook_subscribe, webhook_update
from ..jobs import enqueue_on_commit
from ..matching.alerts import alert_decide
from ..matching.copies import copy_group_lead
from ..matching.review import match_review
from ..models import Claim, ClaimMatch, ClaimStatus, Evidence, Feed, WebhookDelivery, WebhookSubscription
from ..pipeline.feeds import feed_create, feed_delete, feed_document, feed_update, feeds_poll_soon
from ..pipeline.html import NotArticleHtml, html_to_text
from ..pipeline.ingestion import article_ingest
from ..reports import sourcing
from ..roles import can_take_work, is_editor, is_newsroom, is_reviewer, may_work_on
from ..services import claim_assign, claim_take_next, evidence_accept, evidence_add, evidence_withdraw
from .pagination import ApiPagination, Keyset
from .errors import Conflict, ErrorResponse409Serializer, ErrorResponse410Serializer, ErrorResponse413Serializer
from .permissions import CanIngest, CanReadReports, HasRole, IsEditor, IsReviewerOrEditor, ReadAllWriteEditors
from .serializers import (
    AlertDecisionInput,
    AlertOutput,
    FeedInput,
    FeedOutput,
    FeedPatchInput,
    CLAIM_REVIEW_FEED_SCHEMA,
    CLAIM_REVIEW_SCHEMA,
    ArticleDetailOutput,
    ArticleInput,
    ArticleOutput,
    AssignInput,
    ClaimDetailOutput,
    ClaimOutput,
    EvidenceInput,
    EvidenceOutput,
    EvidenceWithdrawnOutput,
    MatchOutput,
    MatchReviewInput,
    SignOffInput,
    SplitInput,
    SimilarInput,
    SimilarOutput,
    SourceOutput,
    SourcingReportOutput,
    StrictCharField,
    TransitionInput,
    UserOutput,
    WebhookDeliveryOutput,
    WebhookInput,
    WebhookOutput,
    WebhookPatchInput,
    claim_review_jsonld,
)

User = get_user_model()

CONFLICT = OpenApiResponse(ErrorResponse409Serializer, description="Stale version or a move the workflow does not allow; `allowed` lists the moves open to you.")
TOO_LARGE = OpenApiResponse(ErrorResponse413Serializer, description="The request body is larger than API_MAX_BODY_BYTES.")


class PageJSON(list):
    """A page's rows already rendered to JSON text (one str per row) by the database."""


class PassThroughJSONRenderer(JSONRenderer):
    """JSONRenderer that splices a paginated response's PageJSON results in as they are.

    The envelope (count, next, previous) is rendered as usual with empty results, whose
    closing `[]}` is then replaced by the rows: the same bytes json.dumps would produce.
    """

    def render(self, data, accepted_media_type=None, renderer_context=None):
        rows = data.get("results") if isinstance(data, dict) else None
        if not isinstance(rows, PageJSON):
            return super().render(data, accepted_media_type, renderer_context)
        if self.get_indent(accepted_media_type, renderer_context or {}) is not None:
            # A client asked for indented JSON: re-encode the rows (rare, not the hot path).
            return super().render({**data, "results": [json.loads(row) for row in rows]}, accepted_media_type, renderer_context)
        envelope = super().render({**data, "results": []}, accepted_media_type, renderer_context)
        if not envelope.endswith(b"[]}"):  # results not last: splice nothing, encode the rows
            return super().render({**data, "results": [json.loads(row) for row in rows]}, accepted_media_type, renderer_context)
        body = ",".join(rows).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")  # as JSONRenderer does
        return envelope[:-2] + body.encode() + b"]}"


class JSONLDRenderer(JSONRenderer):
    media_type = "application/ld+json"


def _claim_or_404(claim_id: int) -> Claim:
    claim = selectors.claim_get(claim_id=claim_id)
    if claim is None:
        raise NotFound(f"no claim {claim_id}")
    return claim


def _evidence_or_404(claim_id: int, evidence_id: int) -> Evidence:
    claim = _claim_or_404(claim_id)
    evidence = (
        Evidence.objects.select_related("source").filter(pk=evidence_id, claim_id=claim.pk).first()
        if evidence_id <= selectors.MAX_ID else None
    )
    if evidence is None:
        raise NotFound(f"claim {claim.pk} has no evidence {evidence_id}")
    return evidence


def _claim_detail_response(request, claim_id: int, *, status_code: int = status.HTTP_200_OK) -> Response:
    row = selectors.claim_detail(claim_id=claim_id)
    if row is None:
        raise NotFound(f"no claim {claim_id}")
    # allowed_moves only needs the status and the assignee: no second read of the row.
    bare = Claim(pk=row["id"], status=row["status"], assignee_id=row["assignee"]["id"] if row["assignee"] else None)
    row["allowed_moves"] = workflow.allowed_moves(bare, request.user)
    return Response(row, status=status_code)


def _assignee(user_id: int):
    """A claim is assigned to a reviewer (or an editor): no such user is a 404, anyone else a 409."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise NotFound(f"no active user {user_id} (the `assignee`)")
    if not can_take_work(user):
        raise Conflict(
            f"{user.get_username()} (user {user.pk}) is not a reviewer or editor; "
            "GET /api/users/?role=reviewer lists whom you can assign", code="assignment_refused",
        )
    return user


REPEATABLE_PARAMS = frozenset({"ordering"})  # ordering=a&ordering=b is ordering=a,b


def check_query_params(request, known: frozenset[str]) -> None:
    """Refuse a query string the operation does not document: unknown names, or a parameter
    given twice (unless it is a list, like `ordering`).

    An empty value (`?publisher=`, as an HTML form sends it) filters nothing, as the schema says.
    """
    params = request.query_params
    unknown = sorted(name for name in params if name not in known)
    if unknown:
        names = ", ".join(repr(name[:50]) for name in unknown[:10])
        raise ValidationError(
            {"non_field_errors": [f"unknown query parameter(s) {names}; this list takes {', '.join(sorted(known))}"]}
        )
    errors = {}
    for name in params:
        values = params.getlist(name)
        if len(values) > 1 and name not in REPEATABLE_PARAMS:
            errors[name] = [f"given {len(values)} times; give it once"]
    if errors:
        raise ValidationError(errors)


class FilterBackend(DjangoFilterBackend):
    """DjangoFilterBackend that skips building and validating the filter form when the
    query string names no filter (an empty form filters nothing and cannot be invalid),
    and reads a repeated `ordering` as one comma-separated list."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not any(name in request.query_params for name in filterset_class.base_filters):
            return queryset
        return super().filter_queryset(request, queryset, view)

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        orderings = request.query_params.getlist("ordering")
        if len(orderings) > 1:
            data = request.query_params.copy()
            data.setlist("ordering", [",".join(orderings)])
            kwargs["data"] = data
        return kwargs


def list_query_errors(cls):
    """Document the 400s check_query_params() and the paginator send for a list view."""
    names = [*getattr(getattr(cls, "filterset_class", None), "base_filters", {}), "page", "page_size", "non_field_errors",
             *(["cursor"] if hasattr(cls, "keyset") else [])]
    for name in names:
        cls = extend_validation_errors(["invalid"], field_name=name, methods=["get"])(cls)
    return cls


class RowListApi(GenericAPIView):
    # A paginated list built from values() rows: one query per page, shaped by a selector.
    # Subclasses name the `row_fields` to read and the selector in `rows()`. (A comment: drf-spectacular
    # would publish a docstring as the description of every list and POST built on it.)

    pagination_class = ApiPagination
    filter_backends = [FilterBackend]
    row_fields: tuple[str, ...] = ()

    def rows(self, page: list[dict]) -> list[dict]:
        return page

    def known_params(self) -> frozenset[str]:
        filters = getattr(getattr(self, "filterset_class", None), "base_filters", {}) if self.filter_backends else {}
        cursor = [ApiPagination.cursor_query_param] if hasattr(type(self), "keyset") else []
        return frozenset([*filters, ApiPagination.page_query_param, ApiPagination.page_size_query_param, *cursor])

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authenticated and permitted first
        if request.method == "GET":
            check_query_params(request, self.known_params())

    def get(self, request, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset.values(*self.row_fields))
        return self.get_paginated_response(self.rows(page))


# --- Articles -------------------------------------------------------------------------


@list_query_errors
@extend_validation_errors(["invalid"], field_name="body", methods=["post"])
@extend_validation_errors(["invalid"], field_name="html", methods=["post"])
class ArticleListCreateApi(RowListApi):
    permission_classes = [IsAuthenticated, CanIngest]
    filterset_class = selectors.ArticleFilter
    row_fields = selectors.ARTICLE_ROW_FIELDS
    throttle_scope = "ingest"

    def get_queryset(self):
        return selectors.article_list()

    def get_throttles(self):
        # Reads are not ingestion: only POST counts against the "ingest" scope.
        throttles = super().get_throttles()
        if self.request is not None and self.request.method == "GET":
            self.throttle_scope = None
        return throttles

    def rows(self, page):
        return selectors.article_rows(page)

    @extend_schema(operation_id="articles_list", responses=ArticleOutput(many=True),
                   description="Articles, newest first, with their extraction status; `publisher` filters by outlet.")
    def get(self, request):
        return super().get(request)

    @extend_schema(
        operation_id="articles_create",
        description="Submit an article (its text as `body`, or its page as `html`): stored once per body "
        "(the same body again answers 200 with that article), then its claims are extracted in the background.",
        request=ArticleInput,
        responses={
            202: OpenApiResponse(ArticleDetailOutput, description="Stored; extraction is queued."),
            200: OpenApiResponse(ArticleDetailOutput, description="The same body was already ingested: that article."),
            413: TOO_LARGE,
        },
    )
    def post(self, request):
        data = ArticleInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        body = values["body"] if values["body"].strip() else _html_to_text(values["html"])
        article, created = article_ingest(
            body=body, publisher=values["publisher"], title=values["title"], url=values["url"],
            published_at=values["published_at"],
        )
        row = selectors.article_detail(article_id=article.pk)
        return Response(row, status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK)


def _html_to_text(html: str) -> str:
    try:
        return html_to_text(html)
    except NotArticleHtml as exc:  # malformed markup is the client's problem, never a 500
        raise ValidationError({"html": [str(exc)]}) from exc


class ArticleDetailApi(APIView):
    @extend_schema(operation_id="articles_retrieve", responses=ArticleDetailOutput)
    def get(self, request, article_id: int):
        row = selectors.article_detail(article_id=article_id)
        if row is None:
            raise NotFound(f"no article {article_id}")
        return Response(row)


# --- Claims ---------------------------------------------------------------------------


# article id (bigint), start and end (integers): at most 18, 9 and 9 digits in a cursor.
CLAIM_KEYSET = Keyset(Claim._meta.db_table, selectors.CLAIM_DEFAULT_ORDER, names=("article", "start", "end"),
                      digits=(18, 9, 9))


@list_query_errors
class ClaimListApi(RowListApi):
    filterset_class = selectors.ClaimFilter
    renderer_classes = [PassThroughJSONRenderer]

    def get_queryset(self):
        return selectors.claim_list()

    KEYSET = CLAIM_KEYSET

    @property
    def keyset(self) -> Keyset | None:
        # The default order (article, start, end) is unique and indexed: pages by key at any depth.
        request = getattr(self, "request", None)
        return None if request is not None and request.query_params.get("ordering") else self.KEYSET

    @extend_schema(operation_id="claims_list", responses=ClaimOutput(many=True),
                   description="Claims with their attribution, status and assignee, filtered and ordered as the "
                   "parameters say (one row per copy group with `is_copy=false`).")
    def get(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        # PostgreSQL writes each row's JSON (selectors.ClaimRowJSON): no per-row parsing here.
        as_json = connection.vendor == "postgresql"
        page = self.paginator.paginate_rows(
            queryset, functools.partial(selectors.claim_page_rows, as_json=as_json), request, view=self,
            keyset=self.keyset,
        )
        return self.get_paginated_response(PageJSON(page) if as_json else page)


class ClaimDetailApi(APIView):
    @extend_schema(operation_id="claims_retrieve", responses=ClaimDetailOutput)
    def get(self, request, claim_id: int):
        return _claim_detail_response(request, claim_id)


@extend_validation_errors(["invalid"], field_name="assignee", methods=["post"])
class ClaimTransitionApi(APIView):
    permission_classes = [IsAuthenticated, IsReviewerOrEditor]
    throttle_scope = "write"

    @extend_schema(
        operation_id="claims_transition",
        request=TransitionInput,
        responses={200: ClaimDetailOutput, 409: CONFLICT, 413: TOO_LARGE},
        description="Move the claim through the workflow. `version` must be the claim's current version.",
    )
    def post(self, request, claim_id: int):
        data = TransitionInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        claim = _claim_or_404(claim_id)
        if not may_work_on(request.user, assignee_id=claim.assignee_id, allow_unassigned=True):
            raise PermissionDenied("this claim is assigned to another reviewer")
        assignee = None
        if values["to"] == ClaimStatus.QUEUED:
            if is_editor(request.user):
                assignee = _assignee(values["assignee"]) if values["assignee"] else None
            elif values["assignee"] not in (None, request.user.pk):
                raise PermissionDenied("a reviewer may only queue a claim for themselves")
            else:
                assignee = request.user
        elif values["assignee"] is not None:
            raise ValidationError({"assignee": ["an assignee is only named when queueing a claim"]})
        workflow.transition(
            claim=claim.pk, to=values["to"], actor=request.user, note=values["note"],
            expected_version=values["version"], assignee=assignee,
        )
        return _claim_detail_response(request, claim.pk)


@extend_validation_errors(["invalid"], field_name="assignee", methods=["post"])
class ClaimAssignApi(APIView):
    permission_classes = [IsAuthenticated, IsEditor]
    throttle_scope = "write"

    @extend_schema(
        operation_id="claims_assign",
        request=AssignInput,
        responses={200: ClaimDetailOutput, 409: CONFLICT, 413: TOO_LARGE},
        description="Editors hand an open (queued or in-review) claim to another reviewer.",
    )
    def post(self, request, claim_id: int):
        data = AssignInput(data=request.data)
        data.is_valid(raise_exception=True)
        claim = _claim_or_404(claim_id)
        assignee = _assignee(data.validated_data["assignee"])
        claim_assign(claim=claim.pk, assignee=assignee, actor=request.user, expected_version=data.validated_data["version"])
        return _claim_detail_response(request, claim.pk)


@extend_validation_errors(["invalid"], field_name="non_field_errors", methods=["post"])
@extend_validation_errors(["invalid"], field_name="claim", methods=["post"])
@extend_validation_errors(["invalid"], field_name="source_name", methods=["post"])
class ClaimEvidenceApi(APIView):
    permission_classes = [IsAuthenticated, IsReviewerOrEditor]
    throttle_scope = "write"

    @extend_schema(
        operation_id="claims_evidence_create",
        request=EvidenceInput,
        responses={201: EvidenceOutput, 409: CONFLICT, 413: TOO_LARGE},
        description="Add evidence. `source_name` is resolved to a known source (or a new one) of `source_kind`.",
    )
    def post(self, request, claim_id: int):
        data = EvidenceInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        claim = _claim_or_404(claim_id)
        related = Claim.objects.filter(pk=values["claim"]).first() if values["claim"] else None
        if values["claim"] and related is None:
            raise NotFound(f"no claim {values['claim']} (the evidence's `claim`)")
        with transaction.atomic():  # a refused evidence leaves no new source behind
            source = None
            if values["source_name"].strip():
                try:
                    source = source_resolve(name=values["source_name"], kind=values["source_kind"])
                except ValueError as exc:
                    raise ValidationError({"source_name": [str(exc)]}) from exc
            evidence = evidence_add(
                claim=claim, stance=values["stance"], actor=request.user, source=source, url=values["url"],
                related_claim=related, note=values["note"],
            )
        return Response(_evidence_row(evidence, source), status=status.HTTP_201_CREATED)


class ClaimSignOffApi(APIView):
    permission_classes = [IsAuthenticated, IsEditor]
    throttle_scope = "write"

    @extend_schema(
        operation_id="claims_sign_off",
        request=SignOffInput,
        responses={200: ClaimDetailOutput, 409: CONFLICT, 413: TOO_LARGE},
        description="An editor signs off on the claim's sourcing (the anonymous-sourcing policy gate); "
        "recorded in its history.",
    )
    def post(self, request, claim_id: int):
        data = SignOffInput(data=request.data)
        data.is_valid(raise_exception=True)
        claim = _claim_or_404(claim_id)
        workflow.sign_off(claim=claim.pk, actor=request.user, note=data.validated_data["note"])
        return _claim_detail_response(request, claim.pk)


class ClaimSplitApi(APIView):
    permission_classes = [IsAuthenticated, IsEditor]
    throttle_scope = "write"

    @extend_schema(
        operation_id="claims_split",
        request=SplitInput,
        responses={200: ClaimDetailOutput, 409: CONFLICT, 413: TOO_LARGE},
        description="An editor splits a wrongly grouped copy out of its copy group: it becomes its own claim "
        "(unverified, matched and queued like a new one, never grouped again); both histories record it.",
    )
    def post(self, request, claim_id: int):
        data = SplitInput(data=request.data)
        data.is_valid(raise_exception=True)
        claim = _claim_or_404(claim_id)
        workflow.copy_split(claim=claim.pk, actor=request.user, reason=data.validated_data["reason"],
                            expected_version=data.validated_data.get("version"))
        return _claim_detail_response(request, claim.pk)


class ClaimLeadApi(APIView):
    permission_classes = [IsAuthenticated, IsEditor]
    throttle_scope = "write"

    @extend_schema(
        operation_id="claims_lead",
        request=SplitInput,
        responses={200: ClaimDetailOutput, 409: CONFLICT, 413: TOO_LARGE},
        description="An editor makes this copy the lead of its copy group (the first arrival may be the odd one "
        "out): the group's review (assignee, priority, evidence, the published fact-check, matches) moves to it and "
        "every other member becomes its copy; both histories record it.",
    )
    def post(self, request, claim_id: int):
        data = SplitInput(data=request.data)
        data.is_valid(raise_exception=True)
        claim = _claim_or_404(claim_id)
        copy_group_lead(claim=claim.pk, actor=request.user, reason=data.validated_data["reason"],
                        expected_version=data.validated_data.get("version"))
        return _claim_detail_response(request, claim.pk)


@extend_validation_errors(["invalid"], field_name="non_field_errors", methods=["post"])
class EvidenceAcceptApi(APIView):
    permission_classes = [IsAuthenticated, IsReviewerOrEditor]
    throttle_scope = "write"

    @extend_schema(
        operation_id="claims_evidence_accept",
        request=None,
        responses={200: EvidenceOutput, 409: CONFLICT},
        description="Accept a suggested evidence item (from a matching claim): it counts from now on, "
        "and the match behind it is confirmed.",
    )
    def post(self, request, claim_id: int, evidence_id: int):
        evidence = _evidence_or_404(claim_id, evidence_id)
        evidence = evidence_accept(evidence=evidence, actor=request.user)
        return Response(_evidence_row(evidence, evidence.source))


class EvidenceWithdrawInput(serializers.Serializer):
    reason = StrictCharField(max_length=2000, help_text="Why the evidence is withdrawn (kept in the claim's history).")


@extend_validation_errors(["invalid"], field_name="non_field_errors", methods=["post"])
class EvidenceWithdrawApi(APIView):
    permission_classes = [IsAuthenticated, IsReviewerOrEditor]
    throttle_scope = "write"

    @extend_schema(
        operation_id="claims_evidence_withdraw",
        request=EvidenceWithdrawInput,
        responses={200: EvidenceWithdrawnOutput, 409: CONFLICT, 413: TOO_LARGE},
        description="Withdraw evidence added by mistake: whoever added it, or an editor, with a reason. The row "
        "stays (in the claim's history); the guards and the corroboration count without it from now on. A verdict "
        "already given is not undone: mark the claim for re-check if it rested on this evidence.",
    )
    def post(self, request, claim_id: int, evidence_id: int):
        data = EvidenceWithdrawInput(data=request.data)
        data.is_valid(raise_exception=True)
        evidence = evidence_withdraw(evidence=_evidence_or_404(claim_id, evidence_id), actor=request.user,
                                     reason=data.validated_data["reason"])
        row = _evidence_row(evidence, evidence.source)
        row.update(withdrawn_at=evidence.withdrawn_at, withdrawn_by=request.user.get_username(),
                   withdrawal_reason=evidence.withdrawal_reason)
        return Response(row)


class ClaimSimilarApi(APIView):
    """Has this been checked before? Our claims and imported fact-checks closest to a text."""

    throttle_scope = "search"

    @extend_schema(
        operation_id="claims_similar",
        request=SimilarInput,
        responses={200: SimilarOutput, 413: TOO_LARGE},
        description="The claims of ours and the imported fact-checks closest in meaning to `text`, best first "
        "(semantic retrieval: sentence embeddings fused with BM25). `score` is 0 to 1, higher is closer.",
    )
    def post(self, request):
        data = SimilarInput(data=request.data)
        data.is_valid(raise_exception=True)
        kind = data.validated_data.get("kind")
        rows = selectors.similar_rows(
            text=data.validated_data["text"], limit=data.validated_data["limit"],
            kinds=(kind,) if kind else ("claim", "fact_check"),
        )
        return Response({"results": rows})


class MatchReviewApi(APIView):
    permission_classes = [IsAuthenticated, IsReviewerOrEditor]
    throttle_scope = "write"

    @extend_schema(
        operation_id="matches_review",
        request=MatchReviewInput,
        responses={200: MatchOutput},
        description="Confirm or reject that two claims in different articles state the same thing. "
        "Only confirmed matches carry verdicts across; rejecting withdraws the suggestions it made.",
    )
    def post(self, request, match_id: int):
        data = MatchReviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        match = ClaimMatch.objects.filter(pk=match_id).first() if 0 < match_id <= selectors.MAX_ID else None
        if match is None:
            raise NotFound(f"no match {match_id}")
        match = match_review(match=match, actor=request.user, confirm=data.validated_data["confirm"])
        row = next(r for r in selectors.match_rows(claim_id=match.claim_a_id) if r["id"] == match.pk)
        return Response(row)


def _evidence_row(evidence: Evidence, source: Source | None) -> dict:
    return {
        "id": evidence.pk,
        "stance": evidence.stance,
        "source": None if source is None else {"id": source.pk, "name": source.name, "kind": source.kind},
        "url": evidence.url,
        "related_claim": evidence.related_claim_id,
        "note": evidence.note,
        "added_by": evidence.added_by.get_username() if evidence.added_by else None,
        "accepted_by": evidence.accepted_by.get_username() if evidence.accepted_by else None,
        "is_suggestion": evidence.is_suggestion,
        "created_at": evidence.created_at,
    }


class Gone(APIException):
    status_code = status.HTTP_410_GONE
    default_detail = "This fact-check was withdrawn."
    default_code = "withdrawn"


def published_fact_check(claim_id: int):
    """The claim's fact-check as published: 404 without one ever, 410 once withdrawn."""
    fact_check = selectors.published_verdict_get(claim_id=claim_id)
    if fact_check is None:
        if selectors.claim_get(claim_id=claim_id) is None:
            raise NotFound(f"no claim {claim_id}")
        raise NotFound(f"claim {claim_id} has no verdict yet")
    if fact_check.is_withdrawn:
        raise Gone(f"the fact-check of claim {claim_id} was withdrawn: {fact_check.withdrawn_reason}")
    return fact_check


def request_origin(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


GONE = OpenApiResponse(ErrorResponse410Serializer, description="The fact-check was withdrawn by an editor (the reason is in `detail`).")


class ClaimReviewApi(APIView):
    renderer_classes = [JSONRenderer, JSONLDRenderer]

    @extend_schema(
        operation_id="claims_claimreview",
        responses={200: OpenApiResponse(CLAIM_REVIEW_SCHEMA, description="schema.org ClaimReview (JSON-LD)."), 410: GONE},
        description="The claim's published verdict as schema.org ClaimReview: 404 until the claim has had a "
        "verdict; while it is re-checked the last verdict stays published until a new one replaces it "
        "(`dateModified`); 410 once an editor withdrew it.",
    )
    def get(self, request, claim_id: int):
        fact_check = published_fact_check(claim_id)
        return Response(claim_review_jsonld(fact_check.claim, fact_check=fact_check, base_url=request_origin(request)))


class FeedPagination(CursorPagination):
    ordering = ("-modified_at", "-claim_id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = settings.API_MAX_PAGE_SIZE
    get_page_size = ApiPagination.get_page_size  # a malformed page_size is a 400, a large one capped

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound:  # any string is a cursor by its schema; one this feed never made names no page
            raise NotFound("no such page: the cursor is not one from this feed's `next` link")


class FeedQuery(serializers.Serializer):
    since = serializers.DateTimeField(
        required=False, help_text="Only fact-checks published or changed at or after this ISO 8601 date-time."
    )


FEED_PARAMETERS = [
    OpenApiParameter("since", OpenApiTypes.DATETIME, description="Only items changed at or after this time (ISO 8601)."),
    OpenApiParameter("cursor", OpenApiTypes.STR, description="The `next` link's cursor (opaque)."),
    OpenApiParameter("page_size", {"type": "integer", "minimum": 1}, description="Items per page (default 50; more than API_MAX_PAGE_SIZE, 200, is capped)."),
]


@extend_validation_errors(["invalid"], field_name="since", methods=["get"])
@extend_validation_errors(["invalid"], field_name="page_size", methods=["get"])
class ClaimReviewFeedApi(GenericAPIView):
    """Every published fact-check as a schema.org DataFeed of ClaimReview items, newest change first."""

    renderer_classes = [JSONRenderer, JSONLDRenderer]
    pagination_class = FeedPagination
    filter_backends = []

    def get_queryset(self):
        query = FeedQuery(data=self.request.query_params.dict())  # a plain dict: `since=` is invalid, not absent
        query.is_valid(raise_exception=True)
        return selectors.published_verdict_feed(since=query.validated_data.get("since"))

    @extend_schema(
        operation_id="claimreviews_feed",
        parameters=FEED_PARAMETERS,
        responses={200: OpenApiResponse(CLAIM_REVIEW_FEED_SCHEMA, description="schema.org DataFeed (JSON-LD)."),
                   404: OpenApiResponse(ErrorResponse404Serializer, description="The cursor names no page of this feed.")},
        description="Published fact-checks (a re-checked claim keeps its last verdict; a withdrawn one becomes a "
        "`DataFeedItem` with `dateDeleted` and its review's url only, so followers withdraw it too), newest change first, with cursor pagination (`next`). Also public at /fact-checks/feed.json.",
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        base = request_origin(request)
        items = [withdrawal_jsonld(fc, base_url=base) if fc.is_withdrawn else
                 claim_review_jsonld(fc.claim, fact_check=fc, base_url=base) for fc in page]
        return Response(claim_reviews_feed_jsonld(items, base_url=base, next_url=self.paginator.get_next_link()))


class WithdrawInput(serializers.Serializer):
    reason = StrictCharField(max_length=10_000, help_text="Why the fact-check is taken down (kept in history).")


class ClaimWithdrawApi(APIView):
    permission_classes = [IsAuthenticated, IsEditor]
    throttle_scope = "write"

    @extend_schema(
        operation_id="claims_withdraw",
        request=WithdrawInput,
        responses={200: OpenApiResponse(CLAIM_REVIEW_SCHEMA, description="The withdrawn ClaimReview."), 409: CONFLICT,
                   413: TOO_LARGE},
        description="Editors: withdraw the claim's published fact-check with a reason (recorded in its history); "
        "its page and ClaimReview answer 410 Gone from then on, until a new verdict republishes it.",
    )
    def post(self, request, claim_id: int):
        data = WithdrawInput(data=request.data)
        data.is_valid(raise_exception=True)
        _claim_or_404(claim_id)
        workflow.verdict_withdraw(claim=claim_id, actor=request.user, reason=data.validated_data["reason"])
        fact_check = selectors.published_verdict_get(claim_id=claim_id)
        return Response(claim_review_jsonld(fact_check.claim, fact_check=fact_check, base_url=request_origin(request)))


# --- Sources --------------------------------------------------------------------------


@list_query_errors
class SourceListApi(RowListApi):
    filterset_class = selectors.SourceFilter
    row_fields = ("id", "name", "kind", "created_at")

    def get_queryset(self):
        return selectors.source_list()

    def rows(self, page):
        return selectors.source_rows(page)

    @extend_schema(operation_id="sources_list", responses=SourceOutput(many=True),
                   description="Who says things: people, organisations, outlets, documents and unnamed groups.")
    def get(self, request):
        return super().get(request)


class SourceDetailApi(APIView):
    @extend_schema(operation_id="sources_retrieve", responses=SourceOutput)
    def get(self, request, source_id: int):
        row = selectors.source_detail(source_id=source_id)
        if row is None:
            raise NotFound(f"no source {source_id}")
        return Response(row)


# --- Users ----------------------------------------------------------------------------


class MeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="me_retrieve", responses=UserOutput,
                   description="The caller: id, username, roles (those this token acts in) and open claims.")
    def get(self, request):
        user = request.user
        (row,) = selectors.user_rows([{field: getattr(user, field) for field in selectors.USER_ROW_FIELDS}])
        # The token acts only in its own role: report what it may do, not every group of the user.
        row["roles"] = [role for role, check in (("newsroom", is_newsroom), ("reviewer", is_reviewer), ("editor", is_editor)) if check(user)]
        return Response(row)


@list_query_errors
class UserListApi(RowListApi):
    permission_classes = [IsAuthenticated, IsEditor]
    filterset_class = selectors.UserFilter
    row_fields = selectors.USER_ROW_FIELDS

    def get_queryset(self):
        return selectors.user_list()

    def rows(self, page):
        return selectors.user_rows(page)

    @extend_schema(operation_id="users_list", responses=UserOutput(many=True),
                   description="Editors: active users, e.g. `?role=reviewer` for whom to assign claims to.")
    def get(self, request):
        return super().get(request)


# --- Review queue ---------------------------------------------------------------------


class QueueNextApi(APIView):
    permission_classes = [IsAuthenticated, IsReviewerOrEditor]

    @extend_schema(
        operation_id="queue_next",
        responses={200: ClaimDetailOutput, 204: OpenApiResponse(description="Nothing is assigned to you.")},
        description="The highest-priority open (queued or in-review) claim assigned to the caller.",
    )
    def get(self, request):
        claim_id = selectors.claim_next_for_reviewer(user=request.user)
        if claim_id is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return _claim_detail_response(request, claim_id)


class QueueTakeApi(APIView):
    permission_classes = [IsAuthenticated, IsReviewerOrEditor]
    throttle_scope = "write"

    @extend_schema(
        operation_id="queue_take",
        request=None,
        responses={200: ClaimDetailOutput, 204: OpenApiResponse(description="No claim is waiting anywhere.")},
        description="Give me work: my highest-priority open claim; else an unassigned waiting claim, queued for me; "
        "else the top queued claim of the most loaded reviewer, handed to me.",
    )
    def post(self, request):
        claim = claim_take_next(reviewer=request.user)
        if claim is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return _claim_detail_response(request, claim.pk)


# --- Webhooks -------------------------------------------------------------------------


@list_query_errors
@extend_validation_errors(["invalid"], field_name="events", methods=["post"])
class WebhookListCreateApi(RowListApi):
    permission_classes = [IsAuthenticated, IsEditor]
    filter_backends = []
    row_fields = ("id", "url", "events", "is_active", "created_at")  # never the secret
    throttle_scope = "write"

    def get_queryset(self):
        return WebhookSubscription.objects.order_by("id")

    @extend_schema(operation_id="webhooks_list", responses=WebhookOutput(many=True),
                   description="Editors: every webhook subscription (never its secret).")
    def get(self, request):
        return super().get(request)

    @extend_schema(
        operation_id="webhooks_create",
        request=WebhookInput,
        responses={201: WebhookOutput, 413: TOO_LARGE},
        description=(
            "Subscribe a URL to events (empty `events` means all). Each delivery is a JSON POST signed with "
            "`X-Verifier-Signature: sha256=<hex HMAC-SHA256 of the raw body with the secret>`, with "
            "`X-Verifier-Event-Id` (dedupe on it: delivery is at-least-once), `X-Verifier-Event` and "
            "`X-Verifier-Timestamp`. Failures are retried with exponential backoff."
        ),
    )
    def post(self, request):
        data = WebhookInput(data=request.data)
        data.is_valid(raise_exception=True)
        sub = webhook_subscribe(owner=request.user, **data.validated_data)
        return Response(_webhook_row(sub), status=status.HTTP_201_CREATED)


def _webhook_row(sub: WebhookSubscription) -> dict:
    return {"id": sub.pk, "url": sub.url, "events": sub.events, "is_active": sub.is_active, "created_at": sub.created_at}


def _webhook_or_404(webhook_id: int) -> WebhookSubscription:
    sub = WebhookSubscription.objects.filter(pk=webhook_id).first() if 0 < webhook_id <= selectors.MAX_ID else None
    if sub is None:
        raise NotFound(f"no webhook {webhook_id}")
    return sub


@extend_validation_errors(["invalid"], field_name="events", methods=["patch"])
@extend_validation_errors(["invalid"], field_name="is_active", methods=["patch"])
class WebhookDetailApi(APIView):
    permission_classes = [IsAuthenticated, IsEditor]
    throttle_scope = "write"

    @extend_schema(operation_id="webhooks_retrieve", responses=WebhookOutput)
    def get(self, request, webhook_id: int):
        return Response(_webhook_row(_webhook_or_404(webhook_id)))

    @extend_schema(
        operation_id="webhooks_update", request=WebhookPatchInput, responses={200: WebhookOutput, 413: TOO_LARGE},
        description="Pause (`is_active: false`) or resume a subscription, change its `events`, or rotate its `secret` "
        "(every delivery attempted from now on is signed with the new one). Paused deliveries wait and go out on resume.",
    )
    def patch(self, request, webhook_id: int):
        data = WebhookPatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        sub = webhook_update(subscription_id=_webhook_or_404(webhook_id).pk, **data.validated_data)
        return Response(_webhook_row(sub))

    @extend_schema(operation_id="webhooks_destroy", responses={204: OpenApiResponse(description="Removed, with its delivery log.")})
    def delete(self, request, webhook_id: int):
        webhook_delete(subscription_id=_webhook_or_404(webhook_id).pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


@list_query_errors
class WebhookDeliveryListApi(RowListApi):
    permission_classes = [IsAuthenticated, IsEditor]
    filterset_class = selectors.DeliveryFilter
    row_fields = selectors.DELIVERY_ROW_FIELDS

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator: no subscription in the URL
            return WebhookDelivery.objects.none()
        return selectors.delivery_list(subscription_id=_webhook_or_404(self.kwargs["webhook_id"]).pk)

    def rows(self, page):
        return selectors.delivery_rows(page)

    @extend_schema(
        operation_id="webhooks_deliveries_list", responses=WebhookDeliveryOutput(many=True),
        description="The subscription's delivery log, newest first: status, attempts, last error and next try.",
    )
    def get(self, request, webhook_id: int):
        return super().get(request)


# --- Watched feeds (claims/pipeline/feeds.py) -----------------------------------------------

WATCHED_ALREADY = OpenApiResponse(ErrorResponse409Serializer, description="Another feed watches this URL already "
                                  "(the detail names it).")


@list_query_errors
class FeedListCreateApi(RowListApi):
    permission_classes = [IsAuthenticated, ReadAllWriteEditors]
    filter_backends = []
    row_fields = selectors.FEED_ROW_FIELDS
    throttle_scope = "write"

    def get_queryset(self):
        return selectors.feed_list()

    def rows(self, page):
        return [feed_document(row) for row in page]

    @extend_schema(operation_id="feeds_list", responses=FeedOutput(many=True),
                   description="Every watched feed with its state (every role reads; editors write).")
    def get(self, request):
        return super().get(request)

    @extend_schema(
        operation_id="feeds_create", request=FeedInput, responses={201: FeedOutput, 409: WATCHED_ALREADY, 413: TOO_LARGE},
        description="Editors: watch a feed. Its kind is detected from the content unless `kind` is given; it is polled "
        "at the next run (every minute), then every `poll_interval_seconds`, with conditional GETs. New entries become "
        "articles of `publisher` (a ClaimReview DataFeed's reviews become imported fact-checks).",
    )
    def post(self, request):
        data = FeedInput(data=request.data)
        data.is_valid(raise_exception=True)
        feed = feed_create(actor=request.user, **data.validated_data)
        enqueue_on_commit("poll_feeds", what=f"first poll of feed {feed.pk}", retry=False, lost="beat polls it within a minute")
        return Response(_feed_row(feed.pk), status=status.HTTP_201_CREATED)


def _feed_row(feed_id: int) -> dict:
    row = selectors.feed_list().filter(pk=feed_id).values(*selectors.FEED_ROW_FIELDS).first()
    if row is None:
        raise NotFound(f"no feed {feed_id}")
    return feed_document(row)


def _feed_id_or_404(feed_id: int) -> int:
    if not 0 < feed_id <= selectors.MAX_ID or not Feed.objects.filter(pk=feed_id).exists():
        raise NotFound(f"no feed {feed_id}")
    return feed_id


class FeedDetailApi(APIView):
    permission_classes = [IsAuthenticated, ReadAllWriteEditors]
    throttle_scope = "write"

    @extend_schema(operation_id="feeds_retrieve", responses=FeedOutput, description="The feed and its state.")
    def get(self, request, feed_id: int):
        return Response(_feed_row(_feed_id_or_404(feed_id)))

    @extend_schema(operation_id="feeds_update", request=FeedPatchInput,
                   responses={200: FeedOutput, 409: WATCHED_ALREADY, 413: TOO_LARGE},
                   description="Editors: change a feed; `enabled: true` on a disabled feed clears its failures.")
    def patch(self, request, feed_id: int):
        data = FeedPatchInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        feed_update(feed_id=_feed_id_or_404(feed_id), actor=request.user, **data.validated_data)
        return Response(_feed_row(feed_id))

    @extend_schema(operation_id="feeds_destroy",
                   responses={204: OpenApiResponse(description="No longer watched; its articles and fact-checks stay.")})
    def delete(self, request, feed_id: int):
        feed_delete(feed_id=_feed_id_or_404(feed_id), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FeedPollApi(APIView):
    permission_classes = [IsAuthenticated, IsEditor]
    throttle_scope = "write"

    @extend_schema(operation_id="feeds_poll", request=None, responses={202: FeedOutput},
                   description="Editors: poll the feed at once (a worker does it; GET the feed for the outcome).")
    def post(self, request, feed_id: int):
        feeds_poll_soon(feed_ids=[_feed_id_or_404(feed_id)], actor=request.user)
        enqueue_on_commit("poll_feeds", what=f"poll of feed {feed_id}", retry=False, lost="beat polls it within a minute")
        return Response(_feed_row(feed_id), status=status.HTTP_202_ACCEPTED)


# --- Repeat alerts (claims/matching/alerts.py) --------------------------------------------------


@list_query_errors
class AlertListApi(RowListApi):
    permission_classes = [IsAuthenticated, HasRole]
    filterset_class = selectors.AlertFilter
    row_fields = selectors.ALERT_ROW_FIELDS

    def get_queryset(self):
        return selectors.alert_list()

    def rows(self, page):
        return selectors.alert_rows(page)

    @extend_schema(operation_id="alerts_list", responses=AlertOutput(many=True),
                   description="Repeated claims, newest first: a new claim that repeats one of our published verdicts or an "
                   "imported false or misleading fact-check (one alert per story and prior check).")
    def get(self, request):
        return super().get(request)


def _alert_row(alert_id: int) -> dict:
    row = selectors.alert_list().filter(pk=alert_id).values(*selectors.ALERT_ROW_FIELDS).first() \
        if 0 < alert_id <= selectors.MAX_ID else None
    if row is None:
        raise NotFound(f"no alert {alert_id}")
    return selectors.alert_rows([row])[0]


class AlertDetailApi(APIView):
    permission_classes = [IsAuthenticated, HasRole]

    @extend_schema(operation_id="alerts_retrieve", responses=AlertOutput)
    def get(self, request, alert_id: int):
        return Response(_alert_row(alert_id))


class AlertDecisionApi(APIView):
    """POST /api/alerts/{id}/acknowledge/ and /dismiss/ (the URL names the decision)."""

    permission_classes = [IsAuthenticated, IsEditor]
    throttle_scope = "write"
    decision = ""

    @extend_schema(request=AlertDecisionInput, responses={200: AlertOutput, 409: ErrorResponse409Serializer},
                   description="Editors: acknowledge the alert, or dismiss it with a `reason`; both go in its history. "
                   "A dismissed alert takes no further decision (409).")
    def post(self, request, alert_id: int):
        data = AlertDecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        _alert_row(alert_id)  # 404 before anything else
        alert_decide(alert_id=alert_id, to=self.decision, actor=request.user, reason=data.validated_data.get("reason", ""))
        return Response(_alert_row(alert_id))


# --- The Sourcing report (issue 29) ----------------------------------------------------


class SourcingCsvRenderer(BaseRenderer):
    """The report's series as CSV (header period,publisher,level,claims)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(data)
        return out.getvalue().encode("utf-8")


def _flat_errors(errors):
    """A list field's errors by item ({0: [...]}) as the field's own list: the parameter repeats, its
    400 names the parameter (as the schema states it), not the repetition."""
    return [error for item in errors.values() for error in item] if isinstance(errors, dict) else errors


# The report's query parameters, as its Input serializer names them.
SOURCING_QUERY_NAMES = {"start": "from", "end": "to"}


@extend_validation_errors(["invalid", "invalid_choice", "max_length", "null_characters_not_allowed"],
                          field_name="publisher", methods=["get"])
@extend_validation_errors(["invalid", "invalid_choice"], field_name="interval", methods=["get"])
@extend_validation_errors(["invalid"], field_name="from", methods=["get"])
@extend_validation_errors(["invalid"], field_name="to", methods=["get"])
class SourcingReportApi(APIView):
    """GET /api/reports/sourcing/: how each outlet sources its stories, per week or month."""

    permission_classes = [IsAuthenticated, CanReadReports]
    renderer_classes = [JSONRenderer, SourcingCsvRenderer]

    class Input(serializers.Serializer):
        start = serializers.DateField(required=False)
        end = serializers.DateField(required=False)
        interval = serializers.ChoiceField(choices=["week", "month"], required=False)
        publisher = serializers.ListField(child=StrictCharField(max_length=255, allow_blank=True), required=False)

    def handle_exception(self, exc):
        # Errors answer in JSON whatever format was asked for (a CSV of an error helps nobody).
        self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return super().handle_exception(exc)

    @extend_schema(
        operation_id="reports_sourcing",
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="The first day (its week or month is the first period); "
                             "default: 12 periods before `to`."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="The last day (default: today)."),
            OpenApiParameter("interval", {"type": "string", "enum": ["week", "month"]}, description="Default: month."),
            OpenApiParameter("publisher", {"type": "array", "items": {"type": "string", "maxLength": 255,
                                                                      "not": {"pattern": "\u0000"}}},
                             explode=True, description="An outlet's name; repeat it for several; none: all of them."),
            OpenApiParameter("format", {"type": "string", "enum": ["json", "csv"]},
                             description="csv: the series alone, header period,publisher,level,claims."),
        ],
        responses={(200, "application/json"): SourcingReportOutput, (200, "text/csv"): OpenApiTypes.STR},
        description="The Sourcing report (reviewers and editors): claims per period, publisher and attribution level, "
        "each outlet's anonymous share ranked, the speakers cited most, verdicts by level, time to verdict and "
        "deadline breaches, reviewers' open work and verdicts. An outlet's figures count every claim it ran; "
        "figures for all publishers count each copy group once.",
    )
    def get(self, request):
        params = request.query_params
        values = self.Input(data={
            **{key: params[name] for key, name in (("start", "from"), ("end", "to"), ("interval", "interval"))
               if name in params},  # a blank date is no date: a 400, as the schema says
            "publisher": params.getlist("publisher"),
        })
        if not values.is_valid():
            raise ValidationError({SOURCING_QUERY_NAMES.get(name, name): _flat_errors(errors)
                                   for name, errors in values.errors.items()})
        data = values.validated_data
        try:
            query = sourcing.sourcing_query(start=data.get("start"), end=data.get("end"), interval=data.get("interval"),
                                            publisher_names=data.get("publisher", []))
        except sourcing.ReportRefused as exc:
            raise ValidationError({exc.field: [str(exc)]}) from exc
        document = sourcing.report_document(sourcing.sourcing_report(query))
        if request.accepted_renderer.format == "csv":
            return Response(sourcing.csv_rows(document), content_type="text/csv; charset=utf-8")
        return Response(SourcingReportOutput(document).data)
