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
