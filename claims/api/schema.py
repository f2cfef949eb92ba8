"""What the OpenAPI schema states beyond drf-spectacular's defaults, so that it tells the truth.

A generated client (or schemathesis) must be able to rely on it both ways: a request the
schema allows is not refused for its shape, and one it forbids is refused. So:

- every string the API reads states what the server checks: no NUL character, its length
  counted before trimming, and "not blank" in Python's sense of whitespace (which ECMA's `\\s`
  is not: it lacks U+001C-U+001F and U+0085);
- a serializer whose rule combines fields (body or html; a source, a url or a claim) states it
  as `schema_rules` beside its validate(), rendered here into the component;
- the schema is built once per process and served from memory (it only changes with the code).
"""

from __future__ import annotations

import unicodedata

import django_filters
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.extensions import OpenApiSerializerExtension, OpenApiSerializerFieldExtension
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SCHEMA_KWARGS, SpectacularAPIView

# Python's str.isspace(), as an ECMA-262 character class body (JSON Schema patterns are ECMA regexes).
PY_WHITESPACE = "\\t-\\r \\u001c-\\u001f\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
BLANK = f"^[{PY_WHITESPACE}]*$"
# HTML with no text outside its tags: only whitespace and complete tags (claims.pipeline.html reads the same).
NO_TEXT_HTML = f"^(?:[{PY_WHITESPACE}]|<[^<>]*>)*$"
NOT_BLANK = {"not": {"pattern": BLANK}}


class RuledSerializer:
    # A serializer whose validate() combines fields; `schema_rules` says the same in JSON Schema
    # (anyOf / oneOf / not), merged into its request component. (A comment, not a docstring:
    # drf-spectacular would publish a docstring as every subclass's description.)
    schema_rules: dict = {}


class RuledSerializerExtension(OpenApiSerializerExtension):
    target_class = RuledSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        if direction == "request":
            schema.update(self.target.schema_rules)
        return schema


HAS_NUL = "\\u0000"  # a search, not anchored: the string contains NUL


def _plain_string(schema: dict) -> dict:
    """The field's schema without spectacular's allow_blank oneOf (it overlaps on "", so no oneOf held),
    nor the keys that make spectacular add it again (pattern, format, minLength 1): the rules below
    are written with not/anyOf instead."""
    if "oneOf" in schema:
        schema = {**schema["oneOf"][0], **{k: v for k, v in schema.items() if k != "oneOf"}}
    schema.pop("pattern", None)
    schema.pop("format", None)
    if schema.get("minLength") == 1:
        del schema["minLength"]
    return schema


class _RequestStringExtension(OpenApiSerializerFieldExtension):
    """A string field's request schema: drf-spectacular's, made plain, then `rules()`."""

    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        return self.rules(_plain_string(schema)) if direction == "request" else schema

    def rules(self, schema: dict) -> dict:
        raise NotImplementedError


class StrictCharFieldExtension(_RequestStringExtension):
    target_class = "claims.api.serializers.StrictCharField"

    def rules(self, schema):
        if self.target.allow_blank:
            schema["not"] = {"pattern": HAS_NUL}  # DRF refuses NUL in any string
        else:  # nor blank, once trimmed ("   ")
            schema["not"] = {"anyOf": [{"pattern": HAS_NUL}, {"pattern": BLANK}]}
        return schema


# What StrictURLField takes, and Django's URLValidator with it (their agreement is tested): an http(s)
# URL whose host is a domain (up to four labels, within DNS's 253 characters), localhost or an IPv4 address.
def _host_chars() -> str:
    """Django's non-ASCII host characters (U+00A1-U+FFFF) as an ECMA class body, without UTF-16
    surrogates and without the characters urlsplit() refuses in a host (NFKC makes them / ? # @ :)."""
    refused = {c for c in range(0xA1, 0x10000)
               if not 0xD800 <= c <= 0xDFFF and set(unicodedata.normalize("NFKC", chr(c))) & set("/?#@:")}
    allowed = [c for c in range(0xA1, 0x10000) if not 0xD800 <= c <= 0xDFFF and c not in refused]
    ranges, start = [], allowed[0]
    for previous, current in zip(allowed, allowed[1:] + [None]):
        if current != previous + 1:
            ranges.append(f"\\u{start:04x}" + (f"-\\u{previous:04x}" if previous != start else ""))
            start = current
    return "".join(ranges)


_HOST_CHAR = _host_chars()
_LABEL = f"[a-zA-Z0-9{_HOST_CHAR}](?:[a-zA-Z0-9{_HOST_CHAR}-]{{0,61}}[a-zA-Z0-9{_HOST_CHAR}])?"
_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_HOST = f"(?:(?:{_LABEL}\\.){{1,3}}[a-zA-Z{_HOST_CHAR}]{{2,60}}\\.?|localhost|{_OCTET}(?:\\.{_OCTET}){{3}})"
URL = f"^[hH][tT][tT][pP][sS]?://{_HOST}(?::[0-9]{{1,5}})?(?:[/?#][^{PY_WHITESPACE}]*)?$"


class StrictURLFieldExtension(_RequestStringExtension):
    # Not `format: uri`: RFC 3986 has no room for the international domain names Django takes.
    target_class = "claims.api.serializers.StrictURLField"

    def rules(self, schema):
        if self.target.allow_blank:
            schema["anyOf"] = [{"pattern": URL}, {"maxLength": 0}]
        else:
            schema["pattern"] = URL
        return schema


class LengthCheckedFilterExtension(DjangoFilterExtension):
    """Query filters state what their form refuses: past a length (`?publisher=` of 300 characters is a
    400) and, for a text filter, a NUL character (Django's CharField refuses it, as DRF's does)."""

    target_class = "claims.api.views.FilterBackend"
    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        parameters = super().resolve_filter_field(auto_schema, model, filterset_class, field_name, filter_field)
        if max_length := filter_field.extra.get("max_length"):
            for parameter in parameters:
                parameter["schema"]["maxLength"] = max_length
        if isinstance(filter_field, django_filters.CharFilter):
            for parameter in parameters:
                if parameter["schema"].get("type") == "string" and "enum" not in parameter["schema"]:
                    parameter["schema"]["not"] = {"pattern": HAS_NUL}
        return parameters


def not_blank(name: str) -> dict:
    """A branch of `schema_rules`: `name` is given and not blank."""
    return {"required": [name], "properties": {name: NOT_BLANK}}


class CachedSchemaView(SpectacularAPIView):
    """The schema, generated and rendered at a process's first request for it, then served from memory.

    It depends on the code only (served public: not on who asks), so one rendered copy per
    format, version and language is exact. Generating it takes seconds; serving it, microseconds.
    """

    _rendered: dict = {}

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        key = self._cache_key(request)
        if response.status_code == 200 and key is not None and key not in self._rendered:
            response.render()
            CachedSchemaView._rendered[key] = (response.content, response["Content-Type"], response["Content-Disposition"])
        return response

    @extend_schema(**SCHEMA_KWARGS)
    def get(self, request, *args, **kwargs):
        key = self._cache_key(request)
        if key in self._rendered:
            content, content_type, disposition = self._rendered[key]
            return HttpResponse(content, content_type=content_type, headers={"Content-Disposition": disposition})
        return super().get(request, *args, **kwargs)

    def _cache_key(self, request):
        renderer = getattr(request, "accepted_renderer", None)
        if renderer is None:
            return None
        return (renderer.format, renderer.media_type, request.GET.get("lang", ""), request.GET.get("version", ""))
