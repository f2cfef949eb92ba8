"""API input (allow-listed writable fields) and output (documentation of the selector rows).

Inputs name every field a client may send; nothing else reaches a service. Status,
version (other than as the client's expectation), assignee, priority and history
are never written through a generic update. Outputs describe the dicts built by
claims.selectors; list pages are not serialized field by field for speed.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from rest_framework import serializers

from sources.levels import AttributionLevel
from sources.models import SourceKind

from ..delivery import publishing
from ..delivery.outbox import EVENT_KINDS
from ..matching import retrieval
from ..models import (
    AlertStatus, FeedKind, PriorKind,
    ClaimStatus, CopyMethod, DeliveryStatus, EvidenceStance, ExtractionStatus, HistoryKind, MatchStatus,
)
from ..selectors import MAX_ID
from .schema import URL as URL_PATTERN
from .schema import BLANK, NO_TEXT_HTML, NOT_BLANK, RuledSerializer, not_blank

MAX_VERSION = 2**31 - 1
URL_VALIDATOR = URLValidator(schemes=["http", "https"])


# --- Outputs --------------------------------------------------------------------------


class SourceRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=SourceKind.choices)


class UserRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class ClaimOutput(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    article = serializers.IntegerField()
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    attribution_level = serializers.ChoiceField(choices=AttributionLevel.choices)
    speaker = SourceRefOutput(allow_null=True)
    speaker_text = serializers.CharField(allow_blank=True)
    via_outlet = SourceRefOutput(allow_null=True)
    cue = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(choices=ClaimStatus.choices)
    assignee = UserRefOutput(allow_null=True)
    priority = serializers.IntegerField()
    check_worthiness = serializers.FloatField(
        allow_null=True, min_value=0, max_value=1, help_text="How worth checking the sentence is, 0-1; null until scored.")
    check_worthy = serializers.BooleanField(
        allow_null=True, help_text="check_worthiness at or above CHECK_WORTHY_THRESHOLD; null until scored.")
    version = serializers.IntegerField()
    recheck_after = serializers.DateTimeField(allow_null=True)
    verdict_at = serializers.DateTimeField(allow_null=True)
    copy_of = serializers.IntegerField(
        allow_null=True, help_text="The id of its copy group's first claim (the one reviewed); null for a first claim.")
    attribution_differs = serializers.BooleanField(
        help_text="A copy whose speaker or level differs from its group's first claim (the same words, another source).")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class EvidenceOutput(serializers.Serializer):
    id = serializers.IntegerField()
    stance = serializers.ChoiceField(choices=EvidenceStance.choices)
    source = SourceRefOutput(allow_null=True)
    url = serializers.CharField(allow_blank=True)
    related_claim = serializers.IntegerField(allow_null=True)
    note = serializers.CharField(allow_blank=True)
    added_by = serializers.CharField(allow_null=True, help_text="Who added it; null when the matcher suggested it.")
    accepted_by = serializers.CharField(allow_null=True, help_text="Who accepted the matcher's suggestion, if it was one.")
    is_suggestion = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class EvidenceWithdrawnOutput(EvidenceOutput):
    withdrawn_at = serializers.DateTimeField()
    withdrawn_by = serializers.CharField(allow_null=True, help_text="Username of whoever withdrew it.")
    withdrawal_reason = serializers.CharField(help_text="Why; the claim's history keeps it too.")


class HistoryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=HistoryKind.choices, help_text="A status change, or an editor's sign-off (from == to).")
    from_status = serializers.ChoiceField(choices=ClaimStatus.choices)
    to_status = serializers.ChoiceField(choices=ClaimStatus.choices)
    actor = serializers.CharField(allow_null=True, help_text="Username; null when the system made the change.")
    note = serializers.CharField(allow_blank=True)
    at = serializers.DateTimeField()


class ProvenanceLinkOutput(serializers.Serializer):
    role = serializers.ChoiceField(choices=["speaker", "relayed_by", "published_by"])
    source = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    kind = serializers.CharField(allow_blank=True)


class OriginOutput(serializers.Serializer):
    evidence = serializers.ListField(child=serializers.IntegerField())
    anonymous = serializers.BooleanField(help_text="Every item rests on unnamed sources.")
    document = serializers.BooleanField(help_text="A primary document is among the items.")
    explanation = serializers.CharField()


class EvidenceNoteOutput(serializers.Serializer):
    evidence = serializers.IntegerField()
    explanation = serializers.CharField()


class CorroborationOutput(serializers.Serializer):
    independent_origins = serializers.IntegerField()
    origins = OriginOutput(many=True)
    circular = EvidenceNoteOutput(many=True, help_text="Supporting evidence resting on the claim's own chain.")
    excluded = EvidenceNoteOutput(many=True, help_text="Supporting evidence that never counts (vague attribution).")


class MatchOutput(serializers.Serializer):
    id = serializers.IntegerField()
    claim = serializers.IntegerField(help_text="The matching claim in another article.")
    article = serializers.IntegerField()
    text = serializers.CharField()
    claim_status = serializers.ChoiceField(choices=ClaimStatus.choices)
    score = serializers.FloatField()
    stance = serializers.ChoiceField(choices=EvidenceStance.choices)
    status = serializers.ChoiceField(choices=MatchStatus.choices)
    propagated_verdict = serializers.CharField(allow_blank=True)


class CopyAppearanceOutput(serializers.Serializer):
    claim = serializers.IntegerField()
    article = serializers.IntegerField()
    article_title = serializers.CharField(allow_blank=True)
    publisher = serializers.CharField()
    attribution_level = serializers.ChoiceField(choices=AttributionLevel.choices)
    speaker_text = serializers.CharField(allow_blank=True)
    attribution_differs = serializers.BooleanField()
    copy_method = serializers.ChoiceField(
        choices=CopyMethod.choices, allow_null=True, help_text="How it joined: same_text or reworded; null for the first claim.")
    copy_score = serializers.FloatField(allow_null=True, help_text="Retrieval's score, for a rewording.")


class CopyGroupOutput(serializers.Serializer):
    first = serializers.IntegerField(help_text="The group's first claim: reviewed once for every appearance.")
    size = serializers.IntegerField(help_text="Appearances, the first claim included.")
    articles = serializers.IntegerField(help_text="Distinct articles the appearances stand in.")
    attribution_differences = serializers.IntegerField(help_text="Appearances whose attribution differs from the first's.")
    appearances = CopyAppearanceOutput(many=True, help_text="The first claim, then copies in id order (at most 100).")


class ClaimDetailOutput(ClaimOutput):
    evidence = EvidenceOutput(many=True)
    history = HistoryOutput(many=True)
    provenance = ProvenanceLinkOutput(many=True, help_text="Speaker -> relaying outlet -> publisher.")
    corroboration = CorroborationOutput(help_text="Accepted supporting evidence grouped into independent origins.")
    matches = MatchOutput(many=True)
    copy_group = CopyGroupOutput(help_text="The claim's copy group (one story in many outlets, reviewed once).")
    allowed_moves = serializers.ListField(
        child=serializers.ChoiceField(choices=ClaimStatus.choices),
        help_text="Statuses the caller may move this claim to now (guards not evaluated).",
    )


class PublisherRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ArticleOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField(allow_blank=True)
    url = serializers.CharField(allow_blank=True)
    published_at = serializers.DateTimeField(allow_null=True)
    publisher = PublisherRefOutput()
    content_sha256 = serializers.CharField()
    is_current = serializers.BooleanField()
    supersedes = serializers.IntegerField(allow_null=True)
    extraction_status = serializers.ChoiceField(choices=ExtractionStatus.choices)
    extraction_error = serializers.CharField(allow_blank=True)
    extractor_version = serializers.CharField(allow_blank=True)
    extracted_at = serializers.DateTimeField(allow_null=True)
    copy_of = serializers.IntegerField(
        allow_null=True, help_text="The earlier story this article is a near-identical copy of (its claims almost all copies).")
    copy_share = serializers.FloatField(allow_null=True, help_text="The share of its claims that are copies; null until extracted.")
    created_at = serializers.DateTimeField()


class ArticleClaimRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    attribution_level = serializers.ChoiceField(choices=AttributionLevel.choices)
    status = serializers.ChoiceField(choices=ClaimStatus.choices)
    copy_of = serializers.IntegerField(allow_null=True)


class ArticleAppearanceOutput(serializers.Serializer):
    publisher = PublisherRefOutput()
    title = serializers.CharField(allow_blank=True)
    url = serializers.CharField(allow_blank=True)
    published_at = serializers.DateTimeField(allow_null=True)
    via_outlet = serializers.CharField(
        allow_null=True, help_text="The outlet the body says it was first published by (\"originally published by\")."
    )
    syndicated = serializers.BooleanField(help_text="False for the article's own (first) publisher.")
    recorded_at = serializers.DateTimeField()


class ArticleDetailOutput(ArticleOutput):
    appearances = ArticleAppearanceOutput(
        many=True, help_text="Every place this body appeared: the article's own publisher first, then syndicated copies."
    )
    near_copies = serializers.ListField(
        child=serializers.IntegerField(), help_text="Later articles that are near-identical copies of this one (at most 100).")
    claims = ArticleClaimRefOutput(many=True)


class CountsByLevel(serializers.Serializer):
    document = serializers.IntegerField(required=False)
    official = serializers.IntegerField(required=False)
    named_person = serializers.IntegerField(required=False)
    other_outlet = serializers.IntegerField(required=False)
    anonymous = serializers.IntegerField(required=False)
    vague = serializers.IntegerField(required=False)
    unattributed = serializers.IntegerField(required=False)


class CountsByVerdict(serializers.Serializer):
    corroborated = serializers.IntegerField(required=False)
    disputed = serializers.IntegerField(required=False)
    refuted = serializers.IntegerField(required=False)
    unverifiable = serializers.IntegerField(required=False)


class UserOutput(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField(allow_blank=True)
    roles = serializers.ListField(child=serializers.ChoiceField(choices=[("newsroom", "newsroom"), ("reviewer", "reviewer"), ("editor", "editor")]))
    open_claims = serializers.IntegerField(help_text="Queued or in-review claims assigned to this user.")


class SourceOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=SourceKind.choices)
    aliases = serializers.ListField(child=serializers.CharField())
    claims_total = serializers.IntegerField(help_text="Claims this source speaks or relays.")
    claims_by_level = CountsByLevel()
    claims_by_verdict = CountsByVerdict()
    reliability = serializers.FloatField(help_text="Beta-smoothed share of its verdicts that held up (0.5 with none).")
    created_at = serializers.DateTimeField()


EVENT_KIND_CHOICES = [(kind, kind) for kind in EVENT_KINDS]  # one schema enum (settings ENUM_NAME_OVERRIDES)


class WebhookOutput(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField(help_text="The receiver's URL (its host may be an international domain name).")
    events = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_KIND_CHOICES))
    is_active = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class WebhookDeliveryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    event = serializers.IntegerField(help_text="The event's id (X-Verifier-Event-Id).")
    event_kind = serializers.ChoiceField(choices=EVENT_KIND_CHOICES)
    claim = serializers.IntegerField(allow_null=True)
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    attempts = serializers.IntegerField()
    last_status_code = serializers.IntegerField(allow_null=True, help_text="The receiver's last HTTP status, if it answered.")
    last_error = serializers.CharField(allow_blank=True)
    next_attempt_at = serializers.DateTimeField(allow_null=True, help_text="When it is tried next (null: delivered or gave up).")
    delivered_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


# --- Inputs ---------------------------------------------------------------------------


class StrictCharField(serializers.CharField):
    """A string, and only a string: DRF would quietly turn 12 or 1.5 into "12"/"1.5". Its length is
    the length sent (DRF would count it after trimming, so "\x1e" + 5,000 characters passed a limit
    of 5,000). The schema says the same (claims/api/schema.py)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer, not "12" as a string (nor true, which Python counts as 1)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictURLField(serializers.CharField):
    """An http(s) URL as the schema states it (claims.api.schema.URL), then Django's URLValidator.

    A CharField that runs the validator itself: as a URLField, drf-spectacular would add
    `format: uri`, which has no room for the international domain names Django takes."""

    default_error_messages = {"invalid": "Enter a valid http(s) URL."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        value = super().to_internal_value(data)
        if value:
            try:
                if not re.fullmatch(URL_PATTERN, value):
                    raise DjangoValidationError("not an http(s) URL")
                URL_VALIDATOR(value)
            except DjangoValidationError:
                self.fail("invalid")
        return value



class ArticleInput(RuledSerializer, serializers.Serializer):
    schema_rules = {
        "description": "The article as plain text (`body`) or as the page's HTML (`html`): exactly one of them.",
        "anyOf": [
            {"required": ["body"], "properties": {"body": NOT_BLANK, "html": {"pattern": BLANK}}},
            {"required": ["html"], "properties": {"html": {"not": {"pattern": NO_TEXT_HTML}}, "body": {"pattern": BLANK}}},
        ],
    }
    title = StrictCharField(max_length=500, allow_blank=True, required=False, default="")
    body = StrictCharField(required=False, allow_blank=True, trim_whitespace=False, default="",
                           max_length=settings.ARTICLE_MAX_CHARS)
    html = StrictCharField(
        required=False, allow_blank=True, trim_whitespace=False, default="",
        help_text="The page's HTML instead of `body`; its main text is extracted (trafilatura; failing that, "
        "the text outside its tags).",
    )
    publisher = StrictCharField(max_length=255)
    url = StrictURLField(max_length=1000, required=False, allow_blank=True, default="")
    published_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def validate(self, data):
        if not data["body"].strip() and not data["html"].strip():
            raise serializers.ValidationError({"body": "send the article text as `body` (or its HTML as `html`)"})
        if data["body"].strip() and data["html"].strip():
            raise serializers.ValidationError({"html": "send either `body` or `html`, not both"})
        return data


class TransitionInput(RuledSerializer, serializers.Serializer):
    schema_rules = {
        # An assignee is named only when queueing (an editor's choice of reviewer).
        "anyOf": [{"properties": {"to": {"type": "string", "pattern": f"^{ClaimStatus.QUEUED.value}$"}}},
                  {"not": {"required": ["assignee"], "properties": {"assignee": {"type": "integer"}}}}],
    }
    to = serializers.ChoiceField(choices=ClaimStatus.choices)
    version = StrictIntegerField(min_value=1, max_value=MAX_VERSION, help_text="The version the client saw.")
    note = StrictCharField(required=False, allow_blank=True, default="", max_length=10_000)
    assignee = StrictIntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID,
        help_text="Editors queueing a claim may name the reviewer (a user id).",
    )


class SignOffInput(serializers.Serializer):
    note = StrictCharField(max_length=5000, help_text="Why the sourcing is acceptable; recorded in the claim's history.")


class SplitInput(serializers.Serializer):
    """An editor's change to a copy group (a split, a new lead): why, and the version the client saw."""

    reason = StrictCharField(max_length=5000, help_text="Why; recorded in both histories.")
    version = StrictIntegerField(
        required=False, min_value=1, max_value=MAX_VERSION, help_text="The version the client saw (stale: 409).")


class MatchReviewInput(serializers.Serializer):
    confirm = serializers.BooleanField(help_text="true: the two claims state the same thing; false: they do not.")


class AssignInput(serializers.Serializer):
    assignee = StrictIntegerField(min_value=1, max_value=MAX_ID, help_text="The reviewer's user id.")
    version = StrictIntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=MAX_VERSION)


class EvidenceInput(RuledSerializer, serializers.Serializer):
    schema_rules = {
        "description": "Evidence rests on a source (`source_name`), a `url` or another `claim`: at least one.",
        "anyOf": [
            not_blank("source_name"),
            {"required": ["url"], "properties": {"url": {"minLength": 1}}},
            {"required": ["claim"], "properties": {"claim": {"type": "integer"}}},
        ],
    }
    stance = serializers.ChoiceField(choices=EvidenceStance.choices)
    url = StrictURLField(max_length=1000, required=False, allow_blank=True, default="")
    source_name = StrictCharField(max_length=255, required=False, allow_blank=True, default="")
    source_kind = serializers.ChoiceField(
        choices=SourceKind.choices, required=False, default=SourceKind.ORGANIZATION,
        help_text="The kind of `source_name` (default organization).",
    )
    claim = StrictIntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID,
        help_text="Another ingested claim this evidence rests on.",
    )
    note = StrictCharField(required=False, allow_blank=True, default="", max_length=10_000)

    def validate(self, data):
        if not data["source_name"].strip() and not data["url"] and data["claim"] is None:
            raise serializers.ValidationError({"non_field_errors": ["evidence needs a source_name, a url or a claim"]})
        return data


class EventKindsField(serializers.ListField):
    """A list of event kinds (an enum in the schema), validated as a whole so an error names
    `events` (not `events.3`)."""

    def __init__(self, **kwargs):
        super().__init__(child=serializers.ChoiceField(choices=EVENT_KIND_CHOICES), max_length=50, **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, list) or len(data) > 50:
            raise serializers.ValidationError("a list of at most 50 event kinds", code="invalid")
        if not all(isinstance(kind, str) for kind in data):
            raise serializers.ValidationError("event kinds are strings such as claim.status_changed", code="invalid")
        if unknown := sorted(set(data) - set(EVENT_KINDS)):
            raise serializers.ValidationError(
                f"unknown event kind(s) {', '.join(unknown)}; the kinds are {', '.join(EVENT_KINDS)}", code="invalid"
            )
        return data


class WebhookInput(serializers.Serializer):
    url = StrictURLField(max_length=1000)
    events = EventKindsField(
        required=False, default=list, help_text="Event kinds, e.g. claim.status_changed; empty means every event."
    )
    secret = StrictCharField(min_length=16, max_length=200, write_only=True, trim_whitespace=False, help_text="HMAC-SHA256 key.")


class StrictBooleanField(serializers.BooleanField):
    """true or false, not "yes", 1 or "on"."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class WebhookPatchInput(serializers.Serializer):
    """The fields to change; an empty body changes nothing (and answers the subscription as it is)."""

    is_active = StrictBooleanField(required=False, help_text="false pauses deliveries (they wait); true resumes them.")
    events = EventKindsField(required=False, help_text="The new event kinds; empty means every event.")
    secret = StrictCharField(min_length=16, max_length=200, write_only=True, required=False, trim_whitespace=False,
                             help_text="A new HMAC-SHA256 key.")


# --- ClaimReview (schema.org) ---------------------------------------------------------

# The builder lives with publishing (the public page and the feed serve the same ClaimReview).
claim_review_jsonld = publishing.claim_review_jsonld


# The export's shape, documented as a raw schema (its keys start with "@").
RATING_SCHEMA = {
    "type": "object",
    "description": "The verdict on one scale for every verdict (README, Publishing): refuted 1 (False), "
    "disputed 2, corroborated 3; unverifiable -1 (outside the 1..3 scale: no truth value).",
    "required": ["@type", "ratingValue", "bestRating", "worstRating", "alternateName", "name"],
    "properties": {
        "@type": {"type": "string", "enum": ["Rating"]},
        "ratingValue": {"type": "integer", "enum": [-1, 1, 2, 3]},
        "bestRating": {"type": "integer", "enum": [3]},
        "worstRating": {"type": "integer", "enum": [1]},
        "alternateName": {"type": "string", "enum": ["corroborated", "disputed", "refuted", "unverifiable"]},
        "name": {"type": "string", "enum": ["Corroborated", "Disputed", "False", "Unverifiable"]},
        "ratingExplanation": {"type": "string"},
    },
}
ORGANIZATION_SCHEMA = {
    "type": "object",
    "required": ["@type", "name"],
    "properties": {
        "@type": {"type": "string", "enum": ["Organization"]},
        "name": {"type": "string"},
        "url": {"type": "string", "description": "Its site, when the service knows it."},
    },
    "additionalProperties": False,
}
CLAIM_AUTHOR_SCHEMA = {
    "type": "object",
    "description": "Who made the claim: a person, an organisation, or a document (with its publisher); an "
    "unattributed claim is the publishing outlet's own.",
    "required": ["@type", "name"],
    "properties": {
        "@type": {"type": "string", "enum": ["Person", "Organization", "CreativeWork"]},
        "name": {"type": "string"},
        "url": {"type": "string"},
        "affiliation": {**ORGANIZATION_SCHEMA, "description": "A person's organisation."},
        "publisher": {**ORGANIZATION_SCHEMA, "description": "A document's publisher."},
    },
    "additionalProperties": False,
}
APPEARANCE_SCHEMA = {
    "type": "object",
    "description": "A place the claim appeared: the article and each syndicated copy of its body.",
    "required": ["@type", "headline", "publisher"],
    "properties": {
        "@type": {"type": "string", "enum": ["NewsArticle"]},
        "headline": {"type": "string", "minLength": 1},
        "url": {"type": "string", "description": "The article's address (its host may be an international domain name)."},
        "datePublished": {"type": "string", "format": "date"},
        "publisher": ORGANIZATION_SCHEMA,
        "isBasedOn": {
            "type": "object",
            "description": "The outlet the body says it was first published by.",
            "required": ["@type", "publisher"],
            "properties": {"@type": {"type": "string", "enum": ["NewsArticle"]}, "publisher": ORGANIZATION_SCHEMA},
            "additionalProperties": False,
        },
    },
    "additionalProperties": False,
}
CLAIM_REVIEW_SCHEMA = {
    "type": "object",
    "description": "schema.org ClaimReview (JSON-LD).",
    "required": [
        "@context", "@type", "url", "claimReviewed", "itemReviewed", "reviewRating", "author", "datePublished",
        "dateModified",
    ],
    "properties": {
        "@context": {"type": "string", "enum": ["https://schema.org"]},
        "@type": {"type": "string", "enum": ["ClaimReview"]},
        "url": {"type": "string", "format": "uri", "description": "The public fact-check page."},
        "claimReviewed": {"type": "string"},
        "itemReviewed": {
            "type": "object",
            "required": ["@type", "author", "appearance"],
            "properties": {
                "@type": {"type": "string", "enum": ["Claim"]},
                "author": CLAIM_AUTHOR_SCHEMA,
                "datePublished": {"type": "string", "format": "date", "description": "When its article was published."},
                "appearance": {"type": "array", "items": APPEARANCE_SCHEMA},
                "firstAppearance": APPEARANCE_SCHEMA,
            },
            "additionalProperties": False,
        },
        "reviewRating": RATING_SCHEMA,
        "author": {**ORGANIZATION_SCHEMA, "description": "The newsroom that reviewed the claim (NEWSROOM_NAME)."},
        "datePublished": {"type": "string", "format": "date"},
        "dateModified": {"type": "string", "format": "date-time", "description": "When the current verdict was given."},
    },
}
CLAIM_REVIEW_FEED_SCHEMA = {
    "type": "object",
    "description": "schema.org DataFeed of ClaimReview items, newest change first.",
    "required": ["@context", "@type", "dataFeedElement", "next"],
    "properties": {
        "@context": {"type": "string", "enum": ["https://schema.org"]},
        "@type": {"type": "string", "enum": ["DataFeed"]},
        "name": {"type": "string"},
        "url": {"type": "string", "format": "uri"},
        "dateModified": {"type": "string", "format": "date-time", "nullable": True},
        "dataFeedElement": {"type": "array", "items": {"oneOf": [
            {k: v for k, v in CLAIM_REVIEW_SCHEMA.items() if k != "required"},
            {"type": "object", "description": "A withdrawn fact-check: a tombstone naming only its review's url.",
             "required": ["@type", "dateDeleted", "item"],
             "properties": {"@type": {"type": "string", "enum": ["DataFeedItem"]},
                            "dateDeleted": {"type": "string", "format": "date-time"},
                            "dateModified": {"type": "string", "format": "date-time"},
                            "item": {"type": "object", "required": ["@type", "url"],
                                     "properties": {"@type": {"type": "string", "enum": ["ClaimReview"]},
                                                    "url": {"type": "string", "format": "uri"}}}}},
        ]}},
        "next": {"type": "string", "format": "uri", "nullable": True, "description": "The next page (cursor), or null."},
    },
}


class SimilarInput(serializers.Serializer):
    text = StrictCharField(max_length=settings.SIMILAR_MAX_CHARS, trim_whitespace=True,
                                 help_text=f"The claim to look up (1 to {settings.SIMILAR_MAX_CHARS} characters).")
    limit = StrictIntegerField(min_value=1, max_value=50, default=5)
    kind = serializers.ChoiceField(choices=retrieval.KIND_CHOICES, required=False,
                                   help_text="Only our claims, or only imported fact-checks (default: both).")


class ReviewerRefOutput(serializers.Serializer):
    name = serializers.CharField()
    url = serializers.CharField(allow_null=True)


class SimilarResultOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=retrieval.KIND_CHOICES)
    id = serializers.IntegerField()
    text = serializers.CharField()
    score = serializers.FloatField(help_text="0 to 1, higher is closer (the calibrated 'same claim' cut is in the README).")
    url = serializers.CharField(allow_null=True, help_text="The fact-check's own URL, or the article of our claim.")
    verdict = serializers.CharField(allow_null=True, help_text="Our verdict, or the fact-check's rating name; null when none.")
    reviewed_by = ReviewerRefOutput(allow_null=True, help_text="Who gave the verdict.")
    date = serializers.CharField(allow_null=True)
    article = serializers.IntegerField(allow_null=True)
    headline = serializers.CharField(allow_null=True)
    speaker = serializers.CharField(allow_null=True, help_text="Who made the claim, as written.")
    attribution_level = serializers.CharField(allow_null=True)
    status = serializers.CharField(allow_null=True)


class SimilarOutput(serializers.Serializer):
    results = SimilarResultOutput(many=True)


# --- Watched feeds and repeat alerts (issue 27) ----------------------------------------------

FEED_KIND_CHOICES = [(kind.value, kind.label) for kind in FeedKind]


class FeedInput(serializers.Serializer):
    url = StrictURLField(max_length=1000, help_text="The feed's URL (RSS, Atom, JSON Feed, news sitemap or ClaimReview DataFeed).")
    publisher = StrictCharField(max_length=300, help_text="The outlet its stories are published under.")
    kind = serializers.ChoiceField(choices=FEED_KIND_CHOICES, required=False, allow_blank=True,
                                   help_text="Leave out to detect it from the content; set it to override.")
    poll_interval_seconds = StrictIntegerField(min_value=60, max_value=7 * 86400, required=False,
                                               help_text="How often it is polled (default FEEDS_DEFAULT_INTERVAL_SECONDS, 900).")
    enabled = StrictBooleanField(required=False, default=True)
    respect_robots = StrictBooleanField(required=False, default=True,
                                        help_text="Honour robots.txt for its page fetches (off only for the desk's own site).")


class FeedPatchInput(FeedInput):
    """The fields to change; enabling a disabled feed clears its failures and polls it at the next run."""

    url = StrictURLField(max_length=1000, required=False)
    publisher = StrictCharField(max_length=300, required=False)
    enabled = StrictBooleanField(required=False)
    respect_robots = StrictBooleanField(required=False)


class FeedOutput(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    publisher = serializers.CharField()
    kind = serializers.CharField(help_text="What it is polled as: the editor's override, else what was detected.")
    kind_override = serializers.CharField(help_text="The editor's override; empty when detected.")
    detected_kind = serializers.CharField()
    poll_interval_seconds = serializers.IntegerField()
    enabled = serializers.BooleanField()
    respect_robots = serializers.BooleanField()
    state = serializers.CharField(help_text="Its state in words.")
    last_polled_at = serializers.DateTimeField(allow_null=True)
    last_success_at = serializers.DateTimeField(allow_null=True)
    last_outcome = serializers.CharField()
    last_error = serializers.CharField()
    consecutive_failures = serializers.IntegerField()
    next_poll_at = serializers.DateTimeField(allow_null=True)
    entries_seen = serializers.IntegerField()
    articles_created = serializers.IntegerField()
    disabled_reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class AlertPriorOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PriorKind.choices)
    id = serializers.IntegerField()
    url = serializers.CharField(help_text="Our public fact-check page, or the other organisation's review.")
    verdict = serializers.CharField(help_text="The prior check's verdict in our verdicts (refuted, disputed, ...).")
    rating = serializers.CharField(help_text="The prior check's own rating, as written.")


class AlertOutput(serializers.Serializer):
    id = serializers.IntegerField()
    claim = serializers.IntegerField(help_text="The new claim that repeats the prior check.")
    claim_text = serializers.CharField()
    article = serializers.IntegerField()
    story = serializers.IntegerField(help_text="The story's first article: one alert per story and prior check.")
    prior = AlertPriorOutput()
    score = serializers.FloatField()
    status = serializers.ChoiceField(choices=AlertStatus.choices)
    reason = serializers.CharField(help_text="Why it was dismissed.")
    decided_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    last_seen_at = serializers.DateTimeField(help_text="When a copy of the story last repeated it.")


class AlertDecisionInput(serializers.Serializer):
    reason = StrictCharField(max_length=10_000, required=False, allow_blank=True,
                             help_text="Why (required to dismiss; kept in the alert's history).")


# --- The Sourcing report (issue 29) ----------------------------------------------------


class SourcingSeriesOutput(serializers.Serializer):
    period = serializers.CharField(help_text='"2026-12" for a month, "2026-W49" (ISO) for a week.')
    period_start = serializers.DateField()
    publisher = serializers.CharField(help_text='An outlet, or "All publishers" (each copy group once) when none was chosen.')
    level = serializers.ChoiceField(choices=AttributionLevel.choices)
    claims = serializers.IntegerField()


class SourcingShareOutput(serializers.Serializer):
    publisher = serializers.CharField()
    publisher_id = serializers.IntegerField()
    claims = serializers.IntegerField()
    anonymous = serializers.IntegerField()
    share = serializers.FloatField(help_text="Anonymous claims over all its claims in the periods.")
    previous_share = serializers.FloatField(allow_null=True, help_text="The same over as many periods just before.")
    change = serializers.FloatField(allow_null=True)


class SourcingSpeakerOutput(serializers.Serializer):
    level = serializers.ChoiceField(choices=AttributionLevel.choices)
    speaker = serializers.CharField()
    speaker_id = serializers.IntegerField()
    kind = serializers.CharField()
    claims = serializers.IntegerField()


class SourcingVerdictsOutput(serializers.Serializer):
    level = serializers.ChoiceField(choices=AttributionLevel.choices)
    corroborated = serializers.IntegerField()
    disputed = serializers.IntegerField()
    refuted = serializers.IntegerField()
    unverifiable = serializers.IntegerField()
    verdicts = serializers.IntegerField()


class SourcingTimeOutput(serializers.Serializer):
    period = serializers.CharField()
    period_start = serializers.DateField()
    verdicts = serializers.IntegerField(help_text="Verdicts given in the period (each copy group once).")
    p50_hours = serializers.FloatField(allow_null=True, help_text="Hours from intake to verdict, median.")
    p90_hours = serializers.FloatField(allow_null=True)
    breaches = serializers.IntegerField(help_text="Verdicts given later than REVIEW_SLA after intake.")


class SourcingReviewerOutput(serializers.Serializer):
    reviewer = serializers.CharField()
    reviewer_id = serializers.IntegerField()
    open = serializers.IntegerField(help_text="Claims queued for them or in review now.")
    verdicts = serializers.IntegerField(help_text="Verdicts given in the periods.")


class SourcingReportOutput(serializers.Serializer):
    interval = serializers.ChoiceField(choices=[("week", "week"), ("month", "month")])
    range_shortened = serializers.BooleanField(help_text="The range held more than 520 periods: `from` is its latest 520's first.")
    publishers = serializers.ListField(child=serializers.CharField(), help_text="The outlets chosen; empty: all.")
    counting = serializers.CharField(help_text="What a figure counts (copy groups, outlets).")
    series = SourcingSeriesOutput(many=True, help_text="One row a period, publisher and level: claims.")
    anonymous_share = SourcingShareOutput(many=True)
    top_speakers = SourcingSpeakerOutput(
        many=True, help_text="Each attributed level's ten speakers or outlets cited most, from `speakers_from` to "
        "`speakers_to`: whole months (by week, the months the weeks touch).")
    speakers_from = serializers.DateField(allow_null=True, help_text="The first day of the speakers' first month.")
    speakers_to = serializers.DateField(allow_null=True, help_text="The last day of the speakers' last month.")
    verdicts_by_level = SourcingVerdictsOutput(many=True)
    time_to_verdict = SourcingTimeOutput(many=True)
    reviewers = SourcingReviewerOutput(many=True)


# The report's range under the query's own names (Python keywords, so declared here).
SourcingReportOutput._declared_fields["from"] = serializers.DateField(help_text="The first period's start.")
SourcingReportOutput._declared_fields["to"] = serializers.DateField(help_text="The range's last day.")
