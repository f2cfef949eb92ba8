"""Query budgets: list pages cost a constant number of SQL queries, however many rows."""

import pytest
from django.db import connection

from claims import workflow
from claims.models import Claim, ClaimStatus, Evidence, EvidenceStance
from tests.factories import ArticleFactory, SourceFactory

pytestmark = pytest.mark.django_db

# token with its user and the user's groups (role check) in one, COUNT(*), the page's ids (the
# list's filters and order, no joins), the page's rows by id.
CLAIM_LIST_QUERIES = 4


def make_claims(n: int, reviewer) -> list[Claim]:
    article = ArticleFactory(body="y" * (n + 10))
    speaker, outlet = SourceFactory(name="Speaker One"), SourceFactory(name="Outlet One", kind="outlet")
    claims = Claim.objects.bulk_create(
        Claim(article=article, start=i, end=i + 1, text="y", speaker=speaker if i % 2 else None,
              via_outlet=outlet if i % 3 else None, assignee=reviewer if i % 4 else None)
        for i in range(n)
    )
    return claims


@pytest.mark.parametrize("rows", [3, 150])
def test_claim_list_page_is_constant_queries(api_as, reviewer, django_assert_num_queries, rows):
    make_claims(rows, reviewer)
    api = api_as(reviewer)
    with django_assert_num_queries(CLAIM_LIST_QUERIES):
        response = api.get("/api/claims/?page_size=100")
    assert response.status_code == 200
    assert len(response.json()["results"]) == min(rows, 100)


@pytest.mark.parametrize("rows", [2, 40])
def test_source_list_is_constant_queries(api_as, reviewer, django_assert_num_queries, rows):
    for i in range(rows):
        SourceFactory(name=f"Source {i}")
    api = api_as(reviewer)
    with django_assert_num_queries(5):  # auth (token, user, groups), count, page, aliases, claim counts
        assert api.get("/api/sources/?page_size=100").status_code == 200


@pytest.mark.parametrize("evidence", [0, 1, 30])
def test_claim_detail_is_constant_queries(api_as, reviewer, django_assert_num_queries, evidence):
    claim = make_claims(1, reviewer)[0]
    workflow.transition(claim=claim, to=ClaimStatus.QUEUED, actor=None, assignee=reviewer)
    Evidence.objects.bulk_create(
        Evidence(claim=claim, stance=EvidenceStance.SUPPORTS, source=SourceFactory(name=f"E {i}"), url="https://e.example")
        for i in range(evidence)
    )
    api = api_as(reviewer)
    # auth (token, user, groups), claim row, evidence, history, provenance chain, supporting evidence (only
    # when the evidence holds some), matches, copy group (its appearances, counted in hand when short)
    with django_assert_num_queries(8 if evidence else 7):
        response = api.get(f"/api/claims/{claim.pk}/")
    assert response.status_code == 200
    report = response.json()["corroboration"]
    weighed = [e for origin in report["origins"] for e in origin["evidence"]]
    weighed += [item["evidence"] for item in report["circular"] + report["excluded"]]
    assert sorted(weighed) == sorted(Evidence.objects.filter(claim=claim).values_list("pk", flat=True))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL path (row JSON built by the database)")
def test_claim_list_queries_are_lean(api_as, reviewer, django_assert_num_queries):
    make_claims(3, reviewer)
    api = api_as(reviewer)
    with django_assert_num_queries(CLAIM_LIST_QUERIES) as captured:
        assert api.get("/api/claims/?page_size=100").status_code == 200
    auth, count, ids, page = (q["sql"] for q in captured.captured_queries)
    assert "auth_group" in auth
    # The exact count and the page's ids read the claims alone: no joins, no row JSON; only the
    # page's rows are built.
    assert "COUNT(*)" in count and "JOIN" not in count and "to_json" not in count
    assert "LIMIT" in ids and "JOIN" not in ids and "to_json" not in ids
    assert "LIMIT" not in page and "to_json" in page and "IN (" in page
