"""Reads for the API: filtered querysets and lean row builders.

List pages are built from `values()` rows shaped into plain dicts: one query for the
page however many rows, and no per-field serializer cost. The shapes here are
documented by the Output serializers in claims/serializers.py (a test keeps the two
in step, and the schemathesis run checks responses against the schema).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from collections.abc import Iterable

import django_filters
from django_filters.fields import BaseCSVField, IsoDateTimeField
from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import BooleanField, Count, F, Func, Prefetch, Q, QuerySet, Sum, TextField
from django.db.models.expressions import RawSQL
from drf_spectacular.utils import extend_schema_field

from sources.levels import AttributionLevel
from sources.models import Source, SourceAlias, SourceKind

from .corroboration.independence import independence_report
from .corroboration.provenance import provenance
from .corroboration.track_record import track_records
from .delivery import publishing
from .delivery.publishing import relaying_outlet_name
from .matching import alerts, retrieval
from .paging import (
    PAST_CAP, count_cap, estimated_count, over_rows, planner_settings, with_known_count, with_known_order,
)
from .models import (
    Alert, AlertStatus, Feed, PriorKind,
    VERDICTS, Article, ArticleAppearance, Claim, ClaimMatch, ClaimStatus, ClaimTally, DeliveryStatus, Evidence,
    EvidenceStance, ExtractionStatus, FactCheck, HistoryKind, PublishedVerdict, StatusChange, WebhookDelivery,
)
from .roles import ROLE_GROUPS
from .triage import checkworthiness
from .triage.scoring import is_check_worthy

MAX_ID = 2**63 - 1  # PostgreSQL bigint: a larger id can match nothing


# --- Filters --------------------------------------------------------------------------


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """An id: an integer in bigint range (never a float, never an overflowing number)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class SinceField(IsoDateTimeField):
    """An ISO 8601 date-time read as UTC (PostgreSQL takes offsets up to 15:59 only); `since=` is a mistake, not "all"."""

    def clean(self, value):
        if value == "":
            raise forms.ValidationError("give an ISO 8601 date-time, or leave the parameter out", code="invalid")
        moment = super().clean(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(dt.timezone.utc)
        except OverflowError:  # the first or last day of year 1 or 9999 shifted past the calendar: all time
            return dt.datetime.min.replace(tzinfo=dt.timezone.utc) if moment.year == 1 else dt.datetime.max.replace(
                tzinfo=dt.timezone.utc)


class SinceFilter(django_filters.IsoDateTimeFilter):
    field_class = SinceField


class StableOrderingFilter(django_filters.OrderingFilter):
    """Ordering with the primary key as the last key, so pages never overlap or skip rows.

    `tie_breaks`: for a first key, the keys after it that an index holds in that order (claims by
    priority break ties as the reviewers' list does, claim_list_idx: read in order, not sorted)."""

    def __init__(self, *args, tie_breaks: dict[str, tuple[str, ...]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.tie_breaks = tie_breaks or {}

    def filter(self, qs, value):
        if value in ([], (), {}, "", None):
            return qs
        keys = [self.get_ordering_value(param) for param in value]
        return qs.order_by(*keys, *(self.tie_breaks.get(keys[0], ("id",)) if len(keys) == 1 else ("id",)))


class StrictFilterForm(forms.Form):
    """An integer or enum parameter sent empty (`?article=`) is an error, not "no filter": the schema
    allows no empty value there. A text one (`?search=`) or a list (`?ordering=`, the empty list)
    filters nothing."""

    def clean(self):
        cleaned = super().clean()
        for name, field in self.fields.items():
            if isinstance(field, BaseCSVField):
                continue
            if isinstance(field, (forms.IntegerField, forms.ChoiceField)) and self.data.get(name) == "":
                code = "invalid_choice" if isinstance(field, forms.ChoiceField) else "invalid"
                self.add_error(name, forms.ValidationError("must not be empty", code=code))
        return cleaned


class FilterSet(django_filters.FilterSet):
    """A FilterSet whose form class is built once per FilterSet class, not on every request.

    The form's fields depend only on the declared filters (nothing per request), and
    Django forms copy their base fields per instance, so sharing the class is safe.
    A `search` filter applies after every other (it knows the count of what they left).
    """

    def filter_queryset(self, queryset):
        values = self.form.cleaned_data
        for name in sorted(values, key=lambda name: name == "search"):  # stable: the rest keep their order
            queryset = self.filters[name].filter(queryset, values[name])
        return queryset

    def get_form_class(self):
        form_class = type(self).__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            type(self)._form_class = form_class
        return form_class


class PublisherFilter(django_filters.CharFilter):
    """An outlet by its source id (`12`) or by its name (`The Miami Herald`, any case)."""

    def __init__(self, *args, prefix: str = "", **kwargs):
        kwargs.setdefault("max_length", 255)
        kwargs.setdefault("help_text", "Articles of this outlet: its source id or its name (any case).")
        super().__init__(*args, **kwargs)
        self.prefix = prefix

    def filter(self, qs, value):
        value = (value or "").strip()
        if not value:
            return qs
        if value.isascii() and value.isdigit():
            return qs.filter(**{f"{self.prefix}publisher_id": int(value)}) if int(value) <= MAX_ID else qs.none()
        return qs.filter(**{f"{self.prefix}publisher__name__iexact": value})


ASSIGNEE_PATTERN = RegexValidator(r"^(me|none|[1-9][0-9]{0,17})$", "use me, none or a user id")


SPEAKERS_SEARCHED = 500
_WORD = re.compile(r"\w+")
# The expressions migration 0021 indexes (GIN), written as its CREATE INDEX writes them: a query
# uses the index only when its expression is the same.
CLAIM_WORDS = "to_tsvector('simple'::regconfig, ({t}.text || ' ') || {t}.speaker_text::text)"
ARTICLE_WORDS = "to_tsvector('simple'::regconfig, ({t}.title::text || ' ') || {t}.body)"
# Migration 0025's: the claim reviewed, its headline and who made the claim.
FACT_CHECK_WORDS = ("to_tsvector('simple'::regconfig, (((({t}.claim_reviewed || ' ') || {t}.headline) || ' ') "
                    "|| {t}.item_author::text))")


def words_query(term: str) -> str | None:
    """A tsquery for `term`: its words in order, the last one also as the start of a longer word
    ("madur" finds "Maduro"); None when it holds no word."""
    words = [w.lower() for w in _WORD.findall(term)]
    if not words:
        return None
    lexemes = ["'" + w.replace("'", "''") + "'" for w in words]
    lexemes[-1] += ":*"
    return " <-> ".join(lexemes)


def _has_words(expression: str, table: str, query: str) -> Q:
    return Q(RawSQL(f"{expression.format(t=table)} @@ to_tsquery('simple'::regconfig, %s)", [query],
                    output_field=BooleanField()))


def claim_counts(dimension: str) -> dict[str, int]:
    """The desk's claims per `dimension` ("status" or "attribution_level"), a copy group counted once.

    PostgreSQL sums the tally ledger its triggers keep (a few rows a value, whatever the archive's
    size); SQLite counts the claims."""
    if connection.vendor == "postgresql":
        rows = ClaimTally.objects.filter(dimension=dimension).values_list("value").annotate(n=Sum("claims"))
    else:
        rows = Claim.objects.filter(copy_of__isnull=True).values_list(dimension).annotate(n=Count("pk"))
    return {value: n for value, n in rows.order_by() if n}


def claims_containing(queryset: QuerySet[Claim], terms: Iterable[str], *, speaker_names: bool = False) -> QuerySet[Claim]:
    """Claims holding every term (a word, or words in a row) in their text or speaker, in any case.

    PostgreSQL reads them from the claim_words_idx full-text index; SQLite compares the texts.
    `speaker_names`: or whose speaker's canonical name contains the term (looked up first: an OR
    across a join could use no index)."""
    matches = []
    for term in terms:
        if connection.vendor == "postgresql":
            query = words_query(term)
            if query is None:
                continue
            match = _has_words(CLAIM_WORDS, Claim._meta.db_table, query)
        else:
            match = Q(text__icontains=term) | Q(speaker_text__icontains=term)
        if speaker_names:
            speakers = list(Source.objects.filter(name__icontains=term).order_by().values_list("pk", flat=True)
                            [:SPEAKERS_SEARCHED])
            if speakers:
                match |= Q(speaker_id__in=speakers)
        matches.append(match)
    return _read_through_word_index(queryset, matches)


def articles_containing(queryset: QuerySet[Article], terms: Iterable[str]) -> QuerySet[Article]:
    """Articles holding every term in their title or text (full-text index on PostgreSQL), or at that address."""
    return _texts_containing(queryset, terms, ARTICLE_WORDS, ("title", "body"), sorted_at_least=ARTICLE_MATCHES_SORTED)


def fact_checks_containing(queryset: QuerySet[FactCheck], terms: Iterable[str]) -> QuerySet[FactCheck]:
    """Imported fact-checks holding every term in the claim reviewed, their headline or the claim's
    author (full-text index on PostgreSQL), or at that address."""
    return _texts_containing(queryset, terms, FACT_CHECK_WORDS, ("claim_reviewed", "headline", "item_author"))


def _texts_containing(queryset: QuerySet, terms: Iterable[str], words: str, fields: tuple[str, ...], *,
                      sorted_at_least: int = 0) -> QuerySet:
    """`queryset`'s rows whose `fields` hold every term: through the GIN index on `words` on
    PostgreSQL, comparing the texts on SQLite; a term that is an address also finds the row's url."""
    table, matches = queryset.model._meta.db_table, []
    for term in terms:
        if connection.vendor == "postgresql":
            query = words_query(term)
            match = _has_words(words, table, query) if query else Q(pk__in=[])
        else:
            match = Q()
            for name in fields:
                match |= Q(**{f"{name}__icontains": term})
        if term.startswith(("http://", "https://")):
            match |= Q(url=term)
        matches.append(match)
    return _read_through_word_index(queryset, matches, sorted_at_least=sorted_at_least)


# Past one row in this many a search's words are common: the list's own order meets a screen of
# them within a few thousand rows. Below it the matches are few enough to sort (40,000 at 10M).
COMMON_WORDS_SHARE = 250
MIN_MATCHES_SORTED = 200
# An article's words are its whole text: testing them row by row along the list costs a few
# hundred milliseconds a screen at 250,000 articles, so its matches are sorted up to this many
# (or a tenth of the articles).
ARTICLE_MATCHES_SORTED = 40_000
# Reading this many ids from the word index costs a few milliseconds: tables under 1.25M rows
# (articles and fact-checks at 10M claims) probe whatever the planner guesses.
PROBE_ALWAYS_UP_TO = 5000


def _matches_sorted_at_most(table: str, *, at_least: int = 0) -> int:
    with connection.cursor() as cursor:  # the planner's row count: no row read
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        row = cursor.fetchone()
    rows = int(max(row[0] if row else 0, 0))
    # `at_least`, up to a tenth of the table: past that the walk meets a screen of matches at once
    return max(MIN_MATCHES_SORTED, min(at_least, rows // 10), rows // COMMON_WORDS_SHARE)


def _read_through_word_index(unsearched: QuerySet, matches: list[Q], *, sorted_at_least: int = 0) -> QuerySet:
    """`unsearched` filtered by `matches` (each term's words); on PostgreSQL, as the ids the
    full-text index holds when they are few.

    Ordered by its list's index, a search walks that index testing each row's words, and a rare
    word's matches may lie at its far end: 70 s for one page at 10M claims. The planner cannot tell
    a rare word from a middling one (it guesses the same for both), so unless it expects the words
    to be common, the words' rows are read from the word index alone (bitmap scans, exact, at most
    one row in COMMON_WORDS_SHARE), the list's other filters are tested on those rows as the word
    index reads them again (not by intersecting with an index of a status's millions of rows, nor
    by probing the primary key for each id), and the list sorts the ids.
    Common words (more than that) keep the walk, which meets a screen of them within a few
    thousand rows; their count is known to pass the list's cap without counting them
    (paging.capped_count). Search last: a filter after it would leave the count it knows behind."""
    if not matches:
        return unsearched
    matched = unsearched.filter(*matches)
    if connection.vendor != "postgresql":
        return matched
    at_most = _matches_sorted_at_most(matched.model._meta.db_table, at_least=sorted_at_least)
    # More than at_most matches pass the list's cap only in a large table; a small one counts them.
    common = with_known_count(matched, PAST_CAP) if at_most >= count_cap() else matched
    # The planner's guess decides only where the probe is dear: a word's prefix gets a default
    # guess (2,000 of 100,000 fact-checks for 257 matches), and a wrong "common" walks the list.
    guess = estimated_count(matched) or 0
    if at_most > PROBE_ALWAYS_UP_TO and guess > at_most:
        return common
    table = unsearched.model._meta.db_table

    def by_ids(ids: list[int]) -> QuerySet:
        # One array parameter: a list of 40,000 placeholders costs the planner more than the read
        return unsearched.filter(Q(RawSQL(f'"{table}"."id" = ANY(%s)', [ids], output_field=BooleanField())))

    # The list's own order, when set: the ids are read in it, and a page is then a slice of them.
    ordering, filtered = unsearched.query.order_by, bool(unsearched.query.where)
    # The word index alone: bitmap scans, in memory, in this process. A parallel worker is a new
    # process that maps afresh each shared buffer it touches: reading 25,000 scattered rows took
    # 112 ms with two workers at 10M, 55 ms in one long-lived connection.
    with planner_settings(enable_seqscan="off", enable_indexscan="off", work_mem="'64MB'",
                          max_parallel_workers_per_gather="0"):
        words = unsearched.model._base_manager.filter(*matches)
        sorted_read = bool(ordering) and not filtered
        if sorted_read and guess <= at_most // 2:  # well below: read once, in the list's order
            ids = list(words.order_by(*ordering).values_list("pk", flat=True)[: at_most + 1])
        else:  # unordered first, so the read stops at at_most + 1 however common the words are
            ids = list(words.order_by().values_list("pk", flat=True)[: at_most + 1])
            if len(ids) <= at_most and sorted_read:  # the same rows again, sorted
                ids = list(words.order_by(*ordering).values_list("pk", flat=True))
        if len(ids) > at_most:
            return common
        if filtered:  # the list's own filters, tested on the words' rows as they are read again (by
            # id, 25,000 probes of the primary key cost twice the read; ANDed with a status's index, six times)
            ids = list(over_rows(unsearched, words).order_by(*ordering).values_list("pk", flat=True))
    found = with_known_count(by_ids(ids), len(ids))
    return with_known_order(found, ids) if ordering else found


class ClaimFilter(FilterSet):
    article = IdFilter(field_name="article_id", help_text="Claims of this article.")
    status = django_filters.ChoiceFilter(choices=ClaimStatus.choices)
    attribution_level = django_filters.ChoiceFilter(choices=AttributionLevel.choices)
    assignee = django_filters.CharFilter(
        method="filter_assignee", validators=[ASSIGNEE_PATTERN],
        help_text="A user id, `me` (the caller) or `none` (unassigned).",
    )
    speaker = IdFilter(field_name="speaker_id", help_text="Claims spoken by this source.")
    publisher = PublisherFilter(prefix="article__", help_text="Claims in articles of this outlet: its source id or its name (any case).")
    search = django_filters.CharFilter(
        method="filter_search", max_length=200,
        help_text="Claims whose text or speaker holds these words (any case; the last may be the start of a word).",
    )
    is_copy = django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")], method="filter_is_copy",
        help_text="false: one claim per copy group (its first claim); true: the copies.",
    )
    check_worthy = django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")], method="filter_check_worthy",
        help_text="true: scored at or above CHECK_WORTHY_THRESHOLD; false: scored below it (not yet scored: neither).",
    )
    ordering = StableOrderingFilter(
        fields=(("priority", "priority"), ("created_at", "created"), ("check_worthiness", "check_worthiness")),
        help_text="priority, created or check_worthiness, - for descending (default: article order). "
        "Ties by priority fall as in the reviewers' list (oldest first), then by id.",
        tie_breaks={"-priority": ("created_at", "-id"), "priority": ("-created_at", "id")},
    )

    class Meta:
        model = Claim
        fields: list[str] = []
        form = StrictFilterForm

    @extend_schema_field({"type": "string", "pattern": "^(|me|none|[1-9][0-9]{0,17})$"})
    def filter_assignee(self, queryset, name, value):
        if value == "me":
            user = getattr(self.request, "user", None)
            return queryset.filter(assignee_id=user.pk) if user is not None and user.pk else queryset.none()
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        return queryset.filter(assignee_id=int(value))

    def filter_is_copy(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(copy_of__isnull=value == "false")

    def filter_check_worthy(self, queryset, name, value):
        if not value:
            return queryset
        cut = checkworthiness.threshold()
        return queryset.filter(check_worthiness__gte=cut) if value == "true" else queryset.filter(check_worthiness__lt=cut)

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return claims_containing(queryset, [value])


class ArticleFilter(FilterSet):
    publisher = PublisherFilter()
    extraction_status = django_filters.ChoiceFilter(choices=ExtractionStatus.choices)

    class Meta:
        model = Article
        fields: list[str] = []
        form = StrictFilterForm


class SourceFilter(FilterSet):
    kind = django_filters.ChoiceFilter(choices=SourceKind.choices)
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=200)

    class Meta:
        model = Source
        fields: list[str] = []
        form = StrictFilterForm


class UserFilter(FilterSet):
    role = django_filters.ChoiceFilter(
        choices=[(role, role) for role in ROLE_GROUPS], method="filter_role",
        help_text="Only users in this role (reviewer: whom a claim can be assigned to).",
    )

    class Meta:
        model = get_user_model()
        fields: list[str] = []
        form = StrictFilterForm

    def filter_role(self, queryset, name, value):
        in_group = Q(groups__name=ROLE_GROUPS[value])
        if value == "editor":  # a superuser acts as an editor (claims.roles.is_editor)
            in_group |= Q(is_superuser=True)
        return queryset.filter(pk__in=get_user_model().objects.filter(in_group).values("pk"))


class DeliveryFilter(FilterSet):
    status = django_filters.ChoiceFilter(choices=DeliveryStatus.choices)

    class Meta:
        model = WebhookDelivery
        fields: list[str] = []
        form = StrictFilterForm


# --- Webhook deliveries ---------------------------------------------------------------

DELIVERY_ROW_FIELDS = (
    "id", "event_id", "event__kind", "event__claim_id", "status", "attempts", "last_status_code", "last_error",
    "next_attempt_at", "delivered_at", "created_at",
)


def delivery_list(*, subscription_id: int) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(subscription_id=subscription_id).order_by("-id")


def delivery_rows(page: Iterable[dict]) -> list[dict]:
    return [
        {
            "id": r["id"], "event": r["event_id"], "event_kind": r["event__kind"], "claim": r["event__claim_id"],
            "status": r["status"], "attempts": r["attempts"], "last_status_code": r["last_status_code"],
            "last_error": r["last_error"], "next_attempt_at": r["next_attempt_at"], "delivered_at": r["delivered_at"],
            "created_at": r["created_at"],
        }
        for r in page
    ]


# --- Users ----------------------------------------------------------------------------

USER_ROW_FIELDS = ("id", "username", "first_name", "last_name", "is_superuser")


def user_list() -> QuerySet:
    """Active users by username; filter with UserFilter, shape with user_rows()."""
    return get_user_model().objects.filter(is_active=True).order_by("username", "id")


def user_rows(page: Iterable[dict]) -> list[dict]:
    """Rows of USER_ROW_FIELDS -> id, username, name, roles and open (queued or in-review) claims: two queries."""
    page = list(page)
    ids = [row["id"] for row in page]
    groups = defaultdict(set)
    for user_id, group in get_user_model().groups.through.objects.filter(user_id__in=ids).values_list("user_id", "group__name"):
        groups[user_id].add(group)
    open_claims = dict(
        Claim.objects.filter(assignee_id__in=ids, status__in=(ClaimStatus.QUEUED, ClaimStatus.IN_REVIEW))
        .values("assignee_id").annotate(n=Count("id")).values_list("assignee_id", "n")
    )
    return [
        {
            "id": row["id"],
            "username": row["username"],
            "name": f"{row['first_name']} {row['last_name']}".strip(),
            "roles": [
                role for role, group in ROLE_GROUPS.items()
                if group in groups[row["id"]] or (role == "editor" and row["is_superuser"])
            ],
            "open_claims": open_claims.get(row["id"], 0),
        }
        for row in page
    ]


# --- Claims ---------------------------------------------------------------------------

# Article order: served straight from the (article, start, end) unique index.
CLAIM_DEFAULT_ORDER = ("article_id", "start", "end")

CLAIM_ROW_FIELDS = (
    "id", "text", "article_id", "start", "end", "attribution_level",
    "speaker_id", "speaker__name", "speaker__kind", "speaker_text",
    "via_outlet_id", "via_outlet__name", "via_outlet__kind", "cue",
    "status", "assignee_id", "assignee__username", "priority", "check_worthiness", "version",
    "recheck_after", "verdict_at", "copy_of_id", "attribution_differs", "created_at", "updated_at",
)


def claim_list() -> QuerySet[Claim]:
    """Every claim, in article order; filter with ClaimFilter, shape with claim_rows()."""
    return Claim.objects.order_by(*CLAIM_DEFAULT_ORDER)


def _source_ref(source_id, name, kind) -> dict | None:
    return None if source_id is None else {"id": source_id, "name": name, "kind": kind}


def claim_rows(queryset: QuerySet[Claim] | Iterable[dict]) -> list[dict]:
    """One query (values() with joins) -> the API's claim dicts, in queryset order."""
    rows = queryset.values(*CLAIM_ROW_FIELDS) if isinstance(queryset, QuerySet) else queryset
    out = []
    for r in rows:
        out.append(
            {
                "id": r["id"],
                "text": r["text"],
                "article": r["article_id"],
                "start": r["start"],
                "end": r["end"],
                "attribution_level": r["attribution_level"],
                "speaker": _source_ref(r["speaker_id"], r["speaker__name"], r["speaker__kind"]),
                "speaker_text": r["speaker_text"],
                "via_outlet": _source_ref(r["via_outlet_id"], r["via_outlet__name"], r["via_outlet__kind"]),
                "cue": r["cue"],
                "status": r["status"],
                "assignee": None if r["assignee_id"] is None else {"id": r["assignee_id"], "username": r["assignee__username"]},
                "priority": r["priority"],
                "check_worthiness": r["check_worthiness"],
                "check_worthy": is_check_worthy(r["check_worthiness"]),
                "version": r["version"],
                "recheck_after": r["recheck_after"],
                "verdict_at": r["verdict_at"],
                "copy_of": r["copy_of_id"],
                "attribution_differs": r["attribution_differs"],
                "created_at": r["created_at"],
                "updated_at": r["updated_at"],
            }
        )
    return out


# --- Claim rows as JSON text, built by PostgreSQL ---------------------------------------
#
# The list page's hot path: PostgreSQL writes each row's JSON exactly as claim_rows() +
# DRF's JSONRenderer would (same keys in the same order, compact separators, datetimes as
# isoformat with "Z" and microseconds only when non-zero), so Python neither parses 19
# columns per row nor encodes them again. tests/api/test_claim_rows_json.py holds the two
# byte for byte equal.

# (key, kind, fields): kinds are "int", "str", "bool", "datetime", "source" (id, name, kind), "user",
# "float" (as Python's repr: "1.0", never "1") and "worthy" (the score against the threshold, a boolean).
CLAIM_JSON_LAYOUT = (
    ("id", "int", ("id",)),
    ("text", "str", ("text",)),
    ("article", "int", ("article_id",)),
    ("start", "int", ("start",)),
    ("end", "int", ("end",)),
    ("attribution_level", "str", ("attribution_level",)),
    ("speaker", "source", ("speaker_id", "speaker__name", "speaker__kind")),
    ("speaker_text", "str", ("speaker_text",)),
    ("via_outlet", "source", ("via_outlet_id", "via_outlet__name", "via_outlet__kind")),
    ("cue", "str", ("cue",)),
    ("status", "str", ("status",)),
    ("assignee", "user", ("assignee_id", "assignee__username")),
    ("priority", "int", ("priority",)),
    ("check_worthiness", "float", ("check_worthiness",)),
    ("check_worthy", "worthy", ("check_worthiness",)),
    ("version", "int", ("version",)),
    ("recheck_after", "datetime", ("recheck_after",)),
    ("verdict_at", "datetime", ("verdict_at",)),
    ("copy_of", "int", ("copy_of_id",)),
    ("attribution_differs", "bool", ("attribution_differs",)),
    ("created_at", "datetime", ("created_at",)),
    ("updated_at", "datetime", ("updated_at",)),
)


def _sql_str(literal: str) -> str:
    return "'" + literal.replace("'", "''") + "'"


def _json_int(col: str) -> str:
    return f"COALESCE(({col})::text, 'null')"


def _json_str(col: str) -> str:
    return f"COALESCE(to_json({col})::text, 'null')"


def _json_float(col: str) -> str:
    # PostgreSQL writes the shortest round-trip digits as Python does, but "1" where Python writes "1.0".
    return f"CASE WHEN {col} IS NULL THEN 'null' WHEN {col} = trunc({col}) THEN trunc({col})::bigint::text || '.0' ELSE ({col})::text END"


def _json_datetime(col: str) -> str:
    # DRF: datetime.isoformat() (no fraction when microsecond == 0), "+00:00" -> "Z".
    # '.000000' can only be the fraction here: one to_char, then drop a zero fraction.
    iso = f"to_char((({col}) AT TIME ZONE 'UTC'), 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
    return f"COALESCE('\"' || replace({iso}, '.000000', '') || 'Z\"', 'null')"


def _json_object(pairs: list[tuple[str, str]]) -> str:
    """'{"k":' || v || ',"k2":' || v2 || '}' from (key, SQL text expression) pairs."""
    parts = []
    for i, (key, value) in enumerate(pairs):
        parts.append(_sql_str(("{" if i == 0 else ",") + json.dumps(key) + ":"))
        parts.append(value)
    parts.append("'}'")
    return "(" + " || ".join(parts) + ")"


class ClaimRowJSON(Func):
    """One claim as the API's JSON text (PostgreSQL only); annotate, then values_list(flat=True)."""

    output_field = TextField()

    def __init__(self):
        super().__init__(*[F(name) for _, _, names in CLAIM_JSON_LAYOUT for name in names])

    def as_sql(self, compiler, connection, **extra):
        cols, params = [], []
        for expression in self.get_source_expressions():
            sql, expression_params = compiler.compile(expression)
            cols.append(f"({sql})")
            params.extend(expression_params)
        if params:  # plain columns compile without parameters; keep the SQL literal-only
            raise ValueError("ClaimRowJSON expects plain column references")
        column = iter(cols)
        pairs = []
        for key, kind, names in CLAIM_JSON_LAYOUT:
            values = [next(column) for _ in names]
            if kind == "int":
                pairs.append((key, _json_int(values[0])))
            elif kind == "str":
                pairs.append((key, _json_str(values[0])))
            elif kind == "datetime":
                pairs.append((key, _json_datetime(values[0])))
            elif kind == "float":
                pairs.append((key, _json_float(values[0])))
            elif kind == "bool":
                pairs.append((key, f"CASE WHEN {values[0]} THEN 'true' ELSE 'false' END"))
            elif kind == "worthy":
                cut = repr(float(checkworthiness.threshold()))  # a float's repr: a literal, never a parameter
                pairs.append((key, f"CASE WHEN {values[0]} IS NULL THEN 'null' WHEN {values[0]} >= {cut} THEN 'true' ELSE 'false' END"))
            elif kind == "source":
                ref = _json_object([("id", _json_int(values[0])), ("name", _json_str(values[1])), ("kind", _json_str(values[2]))])
                pairs.append((key, f"CASE WHEN {values[0]} IS NULL THEN 'null' ELSE {ref} END"))
            elif kind == "user":
                ref = _json_object([("id", _json_int(values[0])), ("username", _json_str(values[1]))])
                pairs.append((key, f"CASE WHEN {values[0]} IS NULL THEN 'null' ELSE {ref} END"))
            else:  # pragma: no cover - a layout typo
                raise ValueError(kind)
        # '%' would be read as a parameter marker by the database adapter.
        return _json_object(pairs).replace("%", "%%"), []


def claim_page_rows(ids: list[int], *, as_json: bool) -> list:
    """A page's claims by id, in that order: claim_rows() dicts, or their JSON text (PostgreSQL)."""
    claims = Claim.objects.filter(pk__in=ids).order_by()
    if as_json:
        by_id = dict(claims.annotate(row_json=ClaimRowJSON()).values_list("pk", "row_json"))
    else:
        by_id = {row["id"]: row for row in claim_rows(claims)}
    return [by_id[pk] for pk in ids if pk in by_id]


def claim_detail(*, claim_id: int) -> dict | None:
    """A claim with its evidence, history, provenance chain, independent origins and matches, or None."""
    if not 0 < claim_id <= MAX_ID:
        return None
    rows = claim_rows(Claim.objects.filter(pk=claim_id))
    if not rows:
        return None
    row = rows[0]
    row["evidence"] = evidence_rows(claim_id=claim_id)
    row["history"] = history_rows(claim_id=claim_id)
    claim = claim_with_chain(claim_id=claim_id)
    row["provenance"] = [link.as_dict() for link in provenance(claim)]
    # Most claims have no accepted supporting evidence: the evidence just read says so, without a query.
    counts_as_support = any(e["stance"] == EvidenceStance.SUPPORTS and not e["is_suggestion"] for e in row["evidence"])
    row["corroboration"] = independence_report(claim, None if counts_as_support else []).as_dict()
    row["matches"] = match_rows(claim_id=claim_id)
    row["copy_group"] = copy_group(group_id=row["copy_of"] or claim_id)
    return row


COPY_GROUP_LISTED = 100


def copy_group_first_id(*, claim_id: int) -> int | None:
    """The first claim of this copy's group, or None for a first claim (or no such claim)."""
    if not 0 < claim_id <= MAX_ID:
        return None
    return Claim.objects.filter(pk=claim_id).values_list("copy_of_id", flat=True).first()


def copy_group(*, group_id: int, limit: int = COPY_GROUP_LISTED) -> dict:
    """A copy group as reviewers see it (API and admin): its first claim, how many appearances (first
    included) in how many articles, how many differ in attribution, and the first `limit` appearances,
    the first claim first. One query, or two for a group longer than `limit`."""
    members = Claim.objects.filter(Q(pk=group_id) | Q(copy_of_id=group_id))
    fields = ("id", "article_id", "article__title", "article__publisher__name", "attribution_level", "speaker_text",
              "attribution_differs", "copy_method", "copy_score")
    appearances = list(members.order_by(F("copy_of_id").asc(nulls_first=True), "pk").values(*fields)[:limit + 1])
    if len(appearances) > limit:  # a long group: count it in the database
        appearances = appearances[:limit]
        counts = members.aggregate(size=Count("pk"), articles=Count("article_id", distinct=True),
                                   differing=Count("pk", filter=Q(attribution_differs=True)))
    else:  # the whole group is in hand (most claims have no copy)
        counts = {"size": len(appearances), "articles": len({r["article_id"] for r in appearances}),
                  "differing": sum(1 for r in appearances if r["attribution_differs"])}
    return {
        "first": group_id,
        "size": counts["size"],
        "articles": counts["articles"],
        "attribution_differences": counts["differing"],
        "appearances": [
            {"claim": r["id"], "article": r["article_id"], "article_title": r["article__title"],
             "publisher": r["article__publisher__name"],
             "attribution_level": r["attribution_level"], "speaker_text": r["speaker_text"],
             "attribution_differs": r["attribution_differs"], "copy_method": r["copy_method"] or None,
             "copy_score": r["copy_score"]}
            for r in appearances
        ],
    }


def claim_with_chain(*, claim_id: int) -> Claim:
    """A claim with the sources its provenance chain is made of."""
    return Claim.objects.select_related("speaker__affiliation", "via_outlet", "article__publisher").get(pk=claim_id)


def match_rows(*, claim_id: int) -> list[dict]:
    """Claims in other articles that state the same thing, best first."""
    matches = ClaimMatch.objects.filter(Q(claim_a_id=claim_id) | Q(claim_b_id=claim_id)).order_by("-score", "id")
    rows = list(matches.values(
        "id", "claim_a_id", "claim_b_id", "score", "stance", "status", "propagated_verdict",
        "claim_a__text", "claim_b__text", "claim_a__article_id", "claim_b__article_id", "claim_a__status", "claim_b__status",
    ))
    out = []
    for r in rows:
        side = "b" if r["claim_a_id"] == claim_id else "a"
        out.append({
            "id": r["id"],
            "claim": r[f"claim_{side}_id"],
            "article": r[f"claim_{side}__article_id"],
            "text": r[f"claim_{side}__text"],
            "claim_status": r[f"claim_{side}__status"],
            "score": r["score"],
            "stance": r["stance"],
            "status": r["status"],
            "propagated_verdict": r["propagated_verdict"],
        })
    return out


def evidence_rows(*, claim_id: int) -> list[dict]:
    rows = (
        Evidence.objects.filter(claim_id=claim_id, withdrawn_at__isnull=True)  # withdrawn: in the history only
        .order_by("created_at", "id")
        .values(
            "id", "stance", "source_id", "source__name", "source__kind", "url", "related_claim_id",
            "note", "added_by__username", "accepted_by__username", "is_suggestion", "created_at",
        )
    )
    return [
        {
            "id": r["id"],
            "stance": r["stance"],
            "source": _source_ref(r["source_id"], r["source__name"], r["source__kind"]),
            "url": r["url"],
            "related_claim": r["related_claim_id"],
            "note": r["note"],
            "added_by": r["added_by__username"],
            "accepted_by": r["accepted_by__username"],
            "is_suggestion": r["is_suggestion"],
            "created_at": r["created_at"],
        }
        for r in rows
    ]


def history_rows(*, claim_id: int) -> list[dict]:
    rows = (
        StatusChange.objects.filter(claim_id=claim_id)
        .order_by("-at", "-id")
        .values("id", "kind", "from_status", "to_status", "actor__username", "note", "at")
    )
    return [
        {
            "id": r["id"],
            "kind": r["kind"],
            "from_status": r["from_status"],
            "to_status": r["to_status"],
            "actor": r["actor__username"],
            "note": r["note"],
            "at": r["at"],
        }
        for r in rows
    ]


def claim_get(*, claim_id: int) -> Claim | None:
    """The bare claim row (for permission checks before a write), or None."""
    if not 0 < claim_id <= MAX_ID:
        return None
    return Claim.objects.filter(pk=claim_id).only("id", "status", "assignee_id", "version").first()


def claim_for_review(*, claim_id: int) -> Claim | None:
    """A claim with what the ClaimReview export needs (speaker, article, publisher, last verdict note)."""
    if not 0 < claim_id <= MAX_ID:
        return None
    return (
        Claim.objects.select_related("speaker", "via_outlet", "article__publisher")
        .filter(pk=claim_id)
        .first()
    )


def claim_verdict_change(*, claim: Claim) -> StatusChange | None:
    """The history row that set the current verdict."""
    return StatusChange.objects.filter(claim=claim, to_status=claim.status).order_by("-at", "-id").first()


def claim_next_for_reviewer(*, user) -> int | None:
    """The id of the highest-priority open claim assigned to `user` (oldest first on ties)."""
    return (
        Claim.objects.filter(assignee_id=user.pk, status__in=(ClaimStatus.QUEUED, ClaimStatus.IN_REVIEW))
        .order_by("-priority", "status_changed_at", "id")
        .values_list("id", flat=True)
        .first()
    )


# --- Articles -------------------------------------------------------------------------

ARTICLE_ROW_FIELDS = (
    "id", "title", "url", "published_at", "publisher_id", "publisher__name", "content_sha256",
    "is_current", "supersedes_id", "extraction_status", "extraction_error", "extractor_version",
    "extracted_at", "copy_of_id", "copy_share", "created_at",
)


def article_list() -> QuerySet[Article]:
    return Article.objects.order_by("-created_at", "-id")


def article_rows(queryset: QuerySet[Article] | Iterable[dict]) -> list[dict]:
    rows = queryset.values(*ARTICLE_ROW_FIELDS) if isinstance(queryset, QuerySet) else queryset
    return [
        {
            "id": r["id"],
            "title": r["title"],
            "url": r["url"],
            "published_at": r["published_at"],
            "publisher": {"id": r["publisher_id"], "name": r["publisher__name"]},
            "content_sha256": r["content_sha256"],
            "is_current": r["is_current"],
            "supersedes": r["supersedes_id"],
            "extraction_status": r["extraction_status"],
            "extraction_error": r["extraction_error"],
            "extractor_version": r["extractor_version"],
            "extracted_at": r["extracted_at"],
            "copy_of": r["copy_of_id"],
            "copy_share": r["copy_share"],
            "created_at": r["created_at"],
        }
        for r in rows
    ]


def article_detail(*, article_id: int) -> dict | None:
    """An article with its claims' ids, levels and statuses (two queries), or None."""
    if not 0 < article_id <= MAX_ID:
        return None
    rows = article_rows(Article.objects.filter(pk=article_id))
    if not rows:
        return None
    row = rows[0]
    row["appearances"] = article_appearance_rows(article_id=article_id, own=row)
    row["near_copies"] = list(
        Article.objects.filter(copy_of_id=article_id).order_by("created_at", "id").values_list("id", flat=True)[:COPY_GROUP_LISTED]
    )
    row["claims"] = list(
        Claim.objects.filter(article_id=article_id)
        .order_by(*CLAIM_DEFAULT_ORDER)
        .values("id", "attribution_level", "status", "copy_of_id")
    )
    for claim in row["claims"]:
        claim["copy_of"] = claim.pop("copy_of_id")
    return row


def article_appearance_rows(*, article_id: int, own: dict) -> list[dict]:
    """Every place the article's body appeared: its own publisher first, then each syndicated copy (one query)."""
    body = Article.objects.filter(pk=article_id).values_list("body", flat=True).first() or ""
    relayed = relaying_outlet_name(body)
    rows = [{
        "publisher": own["publisher"], "title": own["title"], "url": own["url"], "published_at": own["published_at"],
        "via_outlet": relayed or None, "syndicated": False, "recorded_at": own["created_at"],
    }]
    for r in ArticleAppearance.objects.filter(article_id=article_id).order_by("created_at", "id").values(
        "publisher_id", "publisher__name", "title", "url", "published_at", "via_outlet__name", "created_at"
    ):
        rows.append({
            "publisher": {"id": r["publisher_id"], "name": r["publisher__name"]}, "title": r["title"], "url": r["url"],
            "published_at": r["published_at"], "via_outlet": r["via_outlet__name"], "syndicated": True,
            "recorded_at": r["created_at"],
        })
    return rows


# --- Published fact-checks ------------------------------------------------------------


def published_verdicts() -> QuerySet[PublishedVerdict]:
    """Fact-checks with everything a ClaimReview needs (claim, speaker, article, publishers, appearances,
    the first articles of its copy group)."""
    copies = Claim.objects.select_related("article__publisher").order_by("pk")[:publishing.COPY_APPEARANCES]
    return PublishedVerdict.objects.select_related(
        "claim__speaker__affiliation", "claim__via_outlet", "claim__article__publisher",
    ).prefetch_related(
        "claim__article__appearances__publisher", "claim__article__appearances__via_outlet",
        Prefetch("claim__copies", queryset=copies, to_attr="copy_appearances"),
    )


def published_verdict_get(*, claim_id: int) -> PublishedVerdict | None:
    """The claim's published (or withdrawn) fact-check, or None when it never had a verdict."""
    if not 0 < claim_id <= MAX_ID:
        return None
    return published_verdicts().filter(claim_id=claim_id).first()


def current_sign_off(*, claim: Claim) -> StatusChange | None:
    """The editor's sign-off given since the claim entered its current status (workflow.signed_off's rule), if any."""
    return (
        claim.history.filter(kind=HistoryKind.SIGN_OFF, at__gte=claim.status_changed_at)
        .select_related("actor").order_by("-at", "-id").first()
    )


def published_verdict_feed(*, since=None) -> QuerySet[PublishedVerdict]:
    """Published fact-checks and withdrawals (tombstones for followers), newest change first; `since`: changed at or after it."""
    queryset = published_verdicts().order_by("-modified_at", "-claim_id")
    if since is not None:
        queryset = queryset.filter(modified_at__gte=since)
    return queryset


def fact_check_evidence(*, claim_id: int) -> list[Evidence]:
    """The evidence a reviewer accepted (never the system's suggestions), oldest first."""
    return list(Evidence.objects.filter(claim_id=claim_id, is_suggestion=False).select_related("source").order_by("created_at", "id"))


def claim_verdict_history(*, claim_id: int) -> list[StatusChange]:
    """The claim's verdicts and withdrawals, oldest first (the public page's history)."""
    return list(
        StatusChange.objects.filter(claim_id=claim_id)
        .filter(Q(kind=HistoryKind.TRANSITION, to_status__in=list(VERDICTS)) | Q(kind=HistoryKind.WITHDRAWAL))
        .order_by("at", "id")
    )


# --- Sources --------------------------------------------------------------------------


def source_list() -> QuerySet[Source]:
    return Source.objects.order_by("name", "id")


def source_rows(queryset: QuerySet[Source] | list) -> list[dict]:
    """Sources with aliases and their track record (claims by level and verdict, reliability): four queries per page."""
    sources = list(queryset.values("id", "name", "kind", "created_at")) if isinstance(queryset, QuerySet) else queryset
    ids = [s["id"] for s in sources]
    aliases: dict[int, list[str]] = defaultdict(list)
    for source_id, name in SourceAlias.objects.filter(source_id__in=ids).order_by("name").values_list("source_id", "name"):
        aliases[source_id].append(name)
    records = track_records(ids)
    return [
        {
            "id": s["id"],
            "name": s["name"],
            "kind": s["kind"],
            "aliases": aliases.get(s["id"], []),
            "claims_total": sum(records[s["id"]].by_level.values()),
            "claims_by_level": records[s["id"]].by_level,
            "claims_by_verdict": records[s["id"]].by_verdict,
            "reliability": records[s["id"]].reliability,
            "created_at": s["created_at"],
        }
        for s in sources
    ]


def source_detail(*, source_id: int) -> dict | None:
    if not 0 < source_id <= MAX_ID:
        return None
    rows = source_rows(Source.objects.filter(pk=source_id))
    return rows[0] if rows else None


# --- Has this been checked before? ------------------------------------------------------


def similar_rows(*, text: str, limit: int = 5, kinds=retrieval.KINDS, exclude_claim_ids=()) -> list[dict]:
    """The closest of our claims and imported fact-checks to `text`, best first, as API rows.

    Two queries for the rows whatever the limit (after retrieval's own); a record deleted meanwhile is left out.
    """
    exclude = {retrieval.key_of(retrieval.CLAIM, pk) for pk in exclude_claim_ids}
    hits = retrieval.search(text, limit=limit, kinds=kinds, exclude=exclude)
    claims = Claim.objects.select_related("article", "speaker").in_bulk([h.id for h in hits if h.kind == retrieval.CLAIM])
    fact_checks = FactCheck.objects.in_bulk([h.id for h in hits if h.kind == retrieval.FACT_CHECK])
    rows = []
    for hit in hits:
        if hit.kind == retrieval.CLAIM and hit.id in claims:
            claim = claims[hit.id]
            verdict = claim.status if claim.has_verdict else None
            rows.append({
                "kind": hit.kind, "id": claim.pk, "text": claim.text, "score": round(hit.score, 4),
                "url": claim.article.url or None, "verdict": verdict,
                "reviewed_by": {"name": settings.NEWSROOM_NAME, "url": settings.NEWSROOM_URL} if verdict else None,
                "date": claim.verdict_at.isoformat() if verdict and claim.verdict_at else None,
                "article": claim.article_id, "headline": claim.article.title or None,
                "speaker": claim.speaker_text or None, "attribution_level": claim.attribution_level,
                "status": claim.status,
            })
        elif hit.kind == retrieval.FACT_CHECK and hit.id in fact_checks:
            fact_check = fact_checks[hit.id]
            rows.append({
                "kind": hit.kind, "id": fact_check.pk, "text": fact_check.claim_reviewed, "score": round(hit.score, 4),
                "url": fact_check.url, "verdict": fact_check.rating_name or fact_check.rating_value or None,
                "reviewed_by": {"name": fact_check.author_name, "url": fact_check.author_url or None}
                if fact_check.author_name else None,
                "date": fact_check.date_published.isoformat() if fact_check.date_published else None,
                "article": None, "headline": fact_check.headline or None,
                "speaker": fact_check.item_author or None, "attribution_level": None, "status": None,
            })
    return rows


# --- Watched feeds and repeat alerts (issue 27) -------------------------------------------

FEED_ROW_FIELDS = (
    "id", "url", "publisher", "kind", "detected_kind", "poll_interval_seconds", "enabled", "respect_robots",
    "last_polled_at", "last_success_at", "last_outcome", "last_error", "consecutive_failures", "next_poll_at",
    "entries_seen", "articles_created", "disabled_reason", "created_at",
)


def feed_list() -> QuerySet[Feed]:
    return Feed.objects.order_by("publisher", "id")


class AlertFilter(FilterSet):
    status = django_filters.ChoiceFilter(choices=AlertStatus.choices)
    prior_kind = django_filters.ChoiceFilter(choices=PriorKind.choices, help_text="claim: our verdict; fact_check: imported.")
    claim = IdFilter(field_name="claim_id")
    article = IdFilter(field_name="article_id")
    since = SinceFilter(field_name="created_at", lookup_expr="gte",
                                             help_text="Only alerts raised at or after this time (ISO 8601).")

    class Meta:
        model = Alert
        fields: list[str] = []
        form = StrictFilterForm


ALERT_ROW_FIELDS = alerts.ROW_FIELDS


def alert_list() -> QuerySet[Alert]:
    """Alerts, newest first."""
    return Alert.objects.order_by("-created_at", "-id")


def alert_rows(page: Iterable[dict]) -> list[dict]:
    return [alerts.alert_document(row) for row in page]
