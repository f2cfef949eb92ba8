"""The claim list's PostgreSQL-built JSON is byte for byte what the Python path renders."""

import datetime as dt
import json

import pytest
from django.db import connection
from rest_framework.renderers import JSONRenderer

from claims import selectors
from claims.models import Claim
from tests.factories import ArticleFactory, OutletFactory, SourceFactory, UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the JSON is built by PostgreSQL"),
]
UTC = dt.timezone.utc

TEXTS = [
    "Plain claim.",
    'He said "no" and C:\\path\\to\\file is \\ fine.',
    "Zoë ✓ 𝄞 😀 — «quoted» 中文",
    "line\nbreak\ttab\r\x01\x1f\x7f control",
    "separators \u2028 and \u2029 inside",
    "",
]


def varied_claims(reviewer) -> list[Claim]:
    body = "x" * 200
    article = ArticleFactory(body=body)
    speaker = SourceFactory(name='Ana "the \\ source" Müller')
    outlet = OutletFactory(name="Ünïcode Daily 𝄞")
    odd_user = UserFactory(username="zoë.ü")
    claims = []
    for i, text in enumerate(TEXTS * 2):
        claims.append(Claim.objects.create(
            article=article, start=i * 10, end=i * 10 + 5, text=text,
            speaker=speaker if i % 2 else None, via_outlet=outlet if i % 3 == 0 else None,
            assignee=(reviewer if i % 4 == 1 else odd_user if i % 4 == 2 else None),
            speaker_text=text[:20], cue='said "so"' if i % 2 else "", priority=-5 + i * 7,
        ))
    stamps = [
        dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),  # no microseconds
        dt.datetime(2026, 1, 2, 3, 4, 5, 5, tzinfo=UTC),  # .000005
        dt.datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        dt.datetime(2030, 6, 1, 12, 0, 0, 120000, tzinfo=dt.timezone(dt.timedelta(hours=-7))),  # not UTC on input
        None,
    ]
    for i, claim in enumerate(claims):
        Claim.objects.filter(pk=claim.pk).update(
            recheck_after=stamps[i % len(stamps)], verdict_at=stamps[(i + 1) % len(stamps)],
            created_at=stamps[(i + 2) % 4], updated_at=stamps[(i + 3) % 4],
        )
    return claims


def test_each_row_is_the_python_rendering_byte_for_byte(reviewer):
    varied_claims(reviewer)
    queryset = selectors.claim_list()
    ids = list(queryset.values_list("pk", flat=True))
    fast = selectors.claim_page_rows(ids, as_json=True)
    python = [JSONRenderer().render(row).decode() for row in selectors.claim_page_rows(ids, as_json=False)]
    assert len(fast) == len(TEXTS) * 2
    for fast_row, python_row in zip(fast, python, strict=True):
        # U+2028/U+2029 are escaped for the whole body by the renderer, as JSONRenderer does.
        assert fast_row.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") == python_row
    # ...and they are JSON with the documented keys in the documented order.
    assert list(json.loads(fast[0])) == list(selectors.claim_rows(queryset[:1])[0])


@pytest.mark.parametrize("query", ["?page_size=5", "?page_size=5&page=2", "?ordering=-priority&page_size=3&page=2",
                                   "?search=%C3%AB&page_size=100", "?assignee=none", "?status=queued"])
def test_list_response_is_the_python_rendering_byte_for_byte(api_as, reviewer, query):
    varied_claims(reviewer)
    response = api_as(reviewer).get("/api/claims/" + query)
    assert response.status_code == 200
    body = response.json()
    ids = [row["id"] for row in body["results"]]
    rows = {row["id"]: row for row in selectors.claim_rows(Claim.objects.filter(pk__in=ids))}
    expected = {**{key: value for key, value in body.items() if key != "results"}, "results": [rows[pk] for pk in ids]}
    cursor = [] if "ordering" in query else ["next_cursor"]  # cursors page the default order
    assert list(body) == ["count", "count_is_exact", "next", "previous", *cursor, "results"]
    assert response.content == JSONRenderer().render(expected)
    assert response["Content-Type"] == "application/json"


def test_indented_json_still_works(api_as, reviewer):
    varied_claims(reviewer)
    response = api_as(reviewer).get("/api/claims/?page_size=2", HTTP_ACCEPT="application/json; indent=2")
    assert response.status_code == 200
    assert response.content.startswith(b'{\n  "count": 12')
    assert len(response.json()["results"]) == 2
