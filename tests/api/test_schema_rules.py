"""The schema's string rules (claims/api/schema.py) say what the server checks, character for character."""

import re
import sys

from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims.api.schema import BLANK, URL
from claims.api.serializers import URL_VALIDATOR


def test_blank_is_pythons_whitespace_exactly():
    blank = re.compile(BLANK)
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        assert bool(blank.match(char)) == (char.strip() == ""), hex(code)


@settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
@given(st.from_regex(URL, fullmatch=True))
def test_every_url_the_schema_allows_passes_djangos_validator(url):
    try:
        URL_VALIDATOR(url)
    except ValidationError:
        raise AssertionError(f"the schema allows {url!r}, Django refuses it") from None


def _objects(node, path="$"):
    """Every object schema inside `node`, with where it is."""
    if isinstance(node, dict):
        if node.get("type") == "object":
            yield path, node
        for key, value in node.items():
            yield from _objects(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _objects(value, f"{path}[{i}]")


def test_the_claimreview_schema_declares_every_object_it_sends():
    from claims.api.serializers import CLAIM_REVIEW_FEED_SCHEMA

    hollow = [path for path, node in _objects(CLAIM_REVIEW_FEED_SCHEMA) if not node.get("properties")]
    assert hollow == []
    review, tombstone = CLAIM_REVIEW_FEED_SCHEMA["properties"]["dataFeedElement"]["items"]["oneOf"]
    item = review["properties"]["itemReviewed"]
    assert {"author", "datePublished", "appearance"} <= set(item["properties"])
    # a withdrawn review goes out as a tombstone naming the review it retracts
    assert {"dateDeleted", "item"} <= set(tombstone["required"])


def test_no_operation_is_described_by_a_code_comment():
    from tests.api.schema_check import openapi

    for path, operations in openapi()["paths"].items():
        for method, operation in operations.items():
            assert "values() rows" not in operation.get("description", ""), f"{method.upper()} {path}"
