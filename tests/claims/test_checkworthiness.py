"""Check-worthiness: the fine-tuned classifier (its training, its ONNX graph against torch, its cross-validated
figures), the command, scoring and re-scoring stored claims, and the queue's threshold."""

import importlib.util
import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import numpy as np
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
    # the shipped model saw dev-test in training: this checks the file and the command, not the model
    figures = json.loads(run(str(DATA / "devtest.tsv"), "--evaluate"))
    assert figures["f1"] >= 0.80 and figures["average_precision"] >= 0.88, figures
    assert set(figures) >= {"f1", "precision", "recall", "average_precision"}


def test_shipped_model_carries_its_cross_validated_figures():
    model = checkworthiness.model()
    cv = model.meta["cross_validation"]
    assert model.threshold == cv["threshold"] == model.meta["threshold"]
    assert len(cv["per_fold"]) == cv["folds"] >= 5 and cv["pooled"]["n"] == sum(f["n"] for f in cv["per_fold"])
    # out of fold, at the pooled threshold: every row, and dev-test's (the era of the held-out test)
    assert cv["pooled"]["f1"] >= 0.75 and cv["pooled"]["average_precision"] >= 0.84, cv
    assert cv["devtest"]["f1"] >= 0.85 and cv["devtest"]["average_precision"] >= 0.95, cv
    assert cv["fold_f1"]["min"] >= 0.73, cv  # no fold far below the others
    # the service's int8 graph against the trained torch model
    assert model.meta["runtime_check"]["same_side_of_threshold"] >= 0.99, model.meta["runtime_check"]
    assert model.version.startswith("ft-") and model.trunk_layers + model.tuned_layers <= 6


SYNTHETIC = [
    (f"Unemployment fell to {n} percent last year, the lowest in {n + 10} years.", 1) for n in range(3, 23)
] + [
    (f"The deficit grew by {n} billion dollars under this administration.", 1) for n in range(10, 30)
] + [
    (f"Thank you, {name}, it is a pleasure to be here tonight.", 0)
    for name in ("Bob", "Jim", "Martha", "Chris", "Lester", "Anderson", "Megyn", "Savannah", "Kristen", "Norah")
] + [
    (f"I think we should talk about {topic} with respect and hope.", 0)
    for topic in ("families", "our future", "the children", "the country", "faith", "values", "hope", "courage",
                  "patriotism", "the economy", "the people", "our veterans", "the world", "this race", "America",
                  "democracy", "freedom", "leadership", "service", "trust", "our towns", "the flag", "unity",
                  "the dream", "fairness", "respect", "community", "the plan", "work", "life")
]


def write_synthetic(folder: Path) -> Path:
    folder.mkdir()
    lines = ["id\ttext\tlabel"] + [f"{1000 * (k % 4) + k}\t{text}\t{label}" for k, (text, label) in enumerate(SYNTHETIC)]
    (folder / "train.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


ROOT = Path(__file__).parents[2]
HAS_TORCH = (ROOT / ".venv" / "train-site" / "torch").is_dir() or importlib.util.find_spec("torch") is not None


@pytest.mark.skipif(not HAS_TORCH, reason="training needs torch: make install-train (make test does)")
def test_training_is_reproducible_and_served_as_trained(tmp_path):
    data = write_synthetic(tmp_path / "data")
    outputs = []
    for name in ("a", "b"):
        # a process of its own: only the training command puts torch on its path
        done = subprocess.run(
            [sys.executable, "manage.py", "train_checkworthiness", str(data), "--out", str(tmp_path / name / "m.json"),
             "--folds", "2", "--epochs", "3", "--rate", "3e-4"], cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]
        outputs.append(json.loads(done.stdout))
    assert outputs[0]["version"] == outputs[1]["version"]  # the same data and seed give the same file
    assert (tmp_path / "a" / "m.npz").read_bytes() == (tmp_path / "b" / "m.npz").read_bytes()
    check = outputs[0]["runtime_check"]
    assert check["rows"] == len(SYNTHETIC) and check["graph_max_gap"] < 2e-3, check  # the ONNX graph = torch
    assert check["max_gap"] < 0.05 and check["same_side_of_threshold"] >= 0.9, check  # int8, as shipped
    model = checkworthiness.Model.load(tmp_path / "a" / "m.json")
    scores = model.score(["Inflation rose to 9 percent, the highest in 40 years.", "Thank you, Dana, it is great to be here."])
    assert scores[0] > scores[1], scores
    assert outputs[0]["cross_validation"]["folds"] == 2 and outputs[0]["rows"]["train"] == len(SYNTHETIC)


def test_the_best_cut_is_scored_as_it_was_found():
    # scores as a model gives them (more than 4 decimals); the cut is found on the stored precision
    scores, labels = np.array([0.99996, 0.61226, 0.30004, 0.2]), np.array([1, 1, 0, 0])
    cut = checkworthiness.best_threshold(scores, labels)
    assert cut == 0.6123  # 0.61226 as stored
    assert checkworthiness.evaluate(scores, labels, cut)["f1"] == 1.0
    assert checkworthiness.evaluate(scores, labels, 1.0)["recall"] == 0.5  # 0.99996 is stored as 1.0


def test_command_prints_one_line_per_row(tmp_path):
    path = tmp_path / "in.tsv"
    path.write_text(f"id\ttext\textra\na1\t{WORTHY}\tx\na2\t{NOT_WORTHY}\ty\n", encoding="utf-8")
    lines = run(str(path)).strip().split("\n")
    assert lines[0] == "id\tscore\tcheck_worthy"
    rows = [line.split("\t") for line in lines[1:]]
    assert [r[0] for r in rows] == ["a1", "a2"] and all(len(r[1].split(".")[1]) == 4 for r in rows)
    assert [r[2] for r in rows] == ["yes", "no"]


@pytest.mark.django_db
def test_scored_from_text_and_rescored_without_touching_status(monkeypatch, reviewer):
    article, claims = article_with([WORTHY, NOT_WORTHY], "Yahoo News")
    retrieval.claims_embed(claim_ids=[c.pk for c in claims])
    # the classifier reads the claim's text; the retrieval embedding is not computed again
    monkeypatch.setattr(retrieval, "embed", lambda texts: pytest.fail("scoring must not re-embed"))
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


@pytest.mark.django_db
def test_a_new_model_is_rolled_over_in_bounded_runs():
    article, claims = article_with([WORTHY, NOT_WORTHY, "Crime fell by 12 percent in the city last year."], "Yahoo News")
    retrieval.claims_embed(claim_ids=[c.pk for c in claims])
    scoring.claims_score(claim_ids=[c.pk for c in claims])
    Claim.objects.update(check_worthiness_version="lr-old")
    assert scoring.claims_rescore_outdated(limit=2, batch_size=1) == 2  # one run's share
    assert Claim.objects.filter(check_worthiness_version="lr-old").count() == 1
    assert scoring.claims_rescore_outdated(limit=2, batch_size=1) == 1  # the next run takes the rest
    assert set(Claim.objects.values_list("check_worthiness_version", flat=True)) == {checkworthiness.version()}
