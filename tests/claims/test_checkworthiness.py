"""Check-worthiness: the command, scoring from stored embeddings, re-scoring, and the queue's threshold."""

import json
import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from claims import workflow
from claims.models import Claim, ClaimStatus
from claims.pipeline.assignment import claims_assign
from claims.pipeline.priority import priority_reasons
from claims.matching import retrieval
from claims.triage import checkworthiness, scoring
from tests.claims.test_matching import article_with

DATA = Path(os.environ.get("CHECKWORTHINESS_DIR") or Path(__file__).parents[2].parent / "shared" / "checkworthiness")
WORTHY = "Venezuela holds the world's largest oil reserves, more than 300 billion barrels."
NOT_WORTHY = "Thank you very much, it is great to be here tonight."


def run(*args) -> str:
    out = StringIO()
    call_command("score_checkworthiness", *args, stdout=out)
    return out.getvalue()


@pytest.mark.skipif(not (DATA / "devtest.tsv").is_file(), reason=f"CheckThat! data not found at {DATA} (set CHECKWORTHINESS_DIR)")
def test_devtest_floor():
    figures = json.loads(run(str(DATA / "devtest.tsv"), "--evaluate"))
    assert figures["f1"] >= 0.80 and figures["average_precision"] >= 0.88, figures
    assert set(figures) >= {"f1", "precision", "recall", "average_precision"}


def test_command_prints_one_line_per_row(tmp_path):
    path = tmp_path / "in.tsv"
    path.write_text(f"id\ttext\textra\na1\t{WORTHY}\tx\na2\t{NOT_WORTHY}\ty\n", encoding="utf-8")
    lines = run(str(path)).strip().split("\n")
    assert lines[0] == "id\tscore\tcheck_worthy"
    rows = [line.split("\t") for line in lines[1:]]
    assert [r[0] for r in rows] == ["a1", "a2"] and all(len(r[1].split(".")[1]) == 4 for r in rows)
    assert [r[2] for r in rows] == ["yes", "no"]


@pytest.mark.django_db
def test_scored_from_stored_embeddings_and_rescored_without_touching_status(monkeypatch, reviewer):
    article, claims = article_with([WORTHY, NOT_WORTHY], "Yahoo News")
    retrieval.claims_embed(claim_ids=[c.pk for c in claims])
    monkeypatch.setattr(retrieval, "embed", lambda texts: pytest.fail("scoring must not re-encode"))
    before = {c.pk: c.priority for c in claims}
    assert scoring.claims_score(claim_ids=[c.pk for c in claims]) == 2
    assert scoring.claims_score(claim_ids=[c.pk for c in claims]) == 0  # idempotent
    worthy, unworthy = (Claim.objects.get(pk=c.pk) for c in claims)
    assert worthy.check_worthiness >= checkworthiness.threshold() > unworthy.check_worthiness
    assert worthy.check_worthiness_version == checkworthiness.version()
    assert worthy.priority == before[worthy.pk] + scoring.priority_term(worthy.check_worthiness)
    assert sum(points for _, points in priority_reasons(worthy)) == worthy.priority

    workflow.transition(claim=worthy.pk, to=ClaimStatus.QUEUED, actor=reviewer, assignee=reviewer)
    Claim.objects.update(check_worthiness_version="old")
    assert scoring.claims_rescore_outdated() == 2
    worthy.refresh_from_db()
    assert worthy.status == ClaimStatus.QUEUED and worthy.check_worthiness_version == checkworthiness.version()
    assert worthy.priority == before[worthy.pk] + scoring.priority_term(worthy.check_worthiness)  # replaced, not added


@pytest.mark.django_db
def test_not_check_worthy_claims_wait_and_can_be_pulled_in(reviewer):
    article, claims = article_with([WORTHY, NOT_WORTHY], "Yahoo News")
    retrieval.claims_embed(claim_ids=[c.pk for c in claims])
    scoring.claims_score(claim_ids=[c.pk for c in claims])
    claims_assign()
    worthy, unworthy = (Claim.objects.get(pk=c.pk) for c in claims)
    assert worthy.status == ClaimStatus.QUEUED
    assert unworthy.status == ClaimStatus.UNVERIFIED and unworthy.assignee_id is None
    workflow.transition(claim=unworthy.pk, to=ClaimStatus.QUEUED, actor=reviewer, assignee=reviewer)  # the one click
    unworthy.refresh_from_db()
    assert unworthy.status == ClaimStatus.QUEUED and unworthy.assignee_id == reviewer.pk


@pytest.mark.django_db
def test_api_fields_filter_and_ordering(reviewer):
    from tests.api.conftest import client_for

    article, claims = article_with([WORTHY, NOT_WORTHY], "Yahoo News")
    retrieval.claims_embed(claim_ids=[c.pk for c in claims])
    scoring.claims_score(claim_ids=[c.pk for c in claims])
    api = client_for(reviewer)
    rows = api.get("/api/claims/?ordering=-check_worthiness").json()["results"]
    assert [r["id"] for r in rows] == [claims[0].pk, claims[1].pk]
    assert rows[0]["check_worthy"] is True and rows[1]["check_worthy"] is False
    assert isinstance(rows[0]["check_worthiness"], float)
    assert [r["id"] for r in api.get("/api/claims/?check_worthy=false").json()["results"]] == [claims[1].pk]
    assert [r["id"] for r in api.get("/api/claims/?check_worthy=true").json()["results"]] == [claims[0].pk]
