"""Semantic retrieval: the real model, PostgreSQL, and the same ranking on SQLite."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from claims.matching import copies, lexical, retrieval
from claims.matching.vectors import as_stored
from claims.models import ClaimEmbedding, CopyMethod, FactCheck, FactCheckEmbedding
from tests.claims import retrieval_fixture
from tests.factories import ArticleFactory, ClaimFactory

pytestmark = pytest.mark.django_db

TARGET = "Unemployment fell to 3.5 percent in September, the lowest rate in half a century."
# Each shares words with the query or the target, none states the same thing.
DISTRACTORS = [
    "The rate of inflation rose to 3.5 percent in September, the highest in a decade.",
    "Unemployment benefits for September were paid late in half of the states.",
    "In September the central bank kept its lending rate at 3.5 percent.",
    "A century ago, the jobless rate in the city was the lowest in the country.",
]
REWORDED = "Joblessness dropped to three and a half per cent last month, its lowest level in fifty years."


def _claims(texts: list[str]):
    article = ArticleFactory(body=" ".join(texts))
    claims, start = [], 0
    for text in texts:
        claims.append(ClaimFactory(article=article, start=start, end=start + len(text)))
        start += len(text) + 1
    retrieval.claims_embed(claim_ids=[c.pk for c in claims])
    return claims


def test_the_encoder_runs_without_torch_and_gives_unit_vectors():
    vectors = retrieval.embed([TARGET, REWORDED, DISTRACTORS[0]])
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    # torch is installed for the training tests, so the check runs in a process of its own
    code = ("import sys; from claims.matching.encoder import MiniLMEncoder; "
            "MiniLMEncoder().encode(['a claim']); sys.exit('torch' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parents[2]).returncode == 0
    # Meaning, not words: the rewording is closer to the target than a distractor sharing its words.
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_a_reworded_claim_is_found_above_lexical_distractors():
    claims = _claims([*DISTRACTORS, TARGET])
    hits = retrieval.search(REWORDED, limit=5)
    assert [h.id for h in hits][0] == claims[-1].pk
    assert hits[0].kind == "claim"
    assert hits[0].score > hits[1].score
    assert ClaimEmbedding.objects.filter(claim__in=claims, model=retrieval.MODEL).count() == 5


def test_embedding_is_idempotent():
    claims = _claims([TARGET])
    assert retrieval.claims_embed(claim_ids=[claims[0].pk]) == 0


def test_the_database_holds_the_vector_and_terms_it_searches():
    (claim,) = _claims([TARGET])
    stored = ClaimEmbedding.objects.get(claim=claim)
    expected = as_stored(retrieval.embed([TARGET]))[0]
    assert np.array_equal(stored.vector, expected)  # half precision, exactly as written
    assert set(stored.terms) == set(lexical.tokens(TARGET)) and "unemployment" in stored.terms
    assert stored.searchable


def test_a_copy_is_not_searched_and_its_new_lead_is_in_the_same_transaction(editor):
    first, copy = _claims([TARGET, TARGET.replace("September", "Sept.")])
    copies.claims_join([copies.Joining(copy.pk, first.pk, CopyMethod.REWORDED, 0.99)])
    assert [h.id for h in retrieval.search(REWORDED, limit=5)] == [first.pk]
    copies.copy_group_lead(claim=copy.pk, actor=editor, reason="the fuller wording")
    assert [h.id for h in retrieval.search(REWORDED, limit=5)] == [copy.pk]


def test_lexical_features_count_terms_figures_and_rarity():
    stats = lexical.TermStats(1000, {"budget": 50, "cut": 400, "2024": 5, "mayor": 100})
    bm25, coverage, figures = lexical.features(
        "a budget cut in 2024", ["The mayor cut the budget", "The 2024 budget", "Rain on Sunday"], stats)
    assert bm25[1] > bm25[0] > bm25[2] == 0  # the rare figure weighs more than the common verb
    assert coverage[2] == 0 and 0 < coverage[0] < coverage[1] < 1
    assert figures.tolist() == [0.0, 1.0, 0.0]
    assert lexical.features("no figures here", ["The 2024 budget"], stats)[2].tolist() == [1.0]
    # Candidates are fetched by the rarest terms while their documents fit the budget.
    assert lexical.rare_terms(["budget", "cut", "2024", "mayor", "unknown"], stats, 160) == ["2024", "budget", "mayor"]
    assert lexical.rare_terms(["cut"], stats, 100) == []


def test_sqlite_and_postgresql_give_the_same_ranking(tmp_path):
    """The fixture loaded into this PostgreSQL test database and into a fresh SQLite file: the same top 5, same scores."""
    here = retrieval_fixture.load_and_rank()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "CELERY_BROKER_URL": "memory://"}
    root = Path(settings.BASE_DIR)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=root, env=env, check=True, timeout=300)
    script = "import django, json; django.setup(); from tests.claims import retrieval_fixture; print(json.dumps(retrieval_fixture.load_and_rank()))"
    out = subprocess.run([sys.executable, "-c", script], cwd=root, env={**env, "DJANGO_SETTINGS_MODULE": "verifier.settings"},
                         check=True, capture_output=True, text=True, timeout=300)
    there = json.loads(out.stdout.strip().splitlines()[-1])
    assert here == there
    assert any(len(ranking) >= 2 for ranking in here.values())


# --- import_claimreview ---------------------------------------------------------------

REVIEW = {
    "@context": "https://schema.org", "@type": "ClaimReview",
    "url": "https://factcheck.example.org/2020/unemployment",
    "claimReviewed": TARGET,
    "name": "No, unemployment did not hit a 50-year low in September",
    "datePublished": "2020-10-05",
    "author": {"@type": "Organization", "name": "Example Fact Check", "url": "https://factcheck.example.org"},
    "reviewRating": {"@type": "Rating", "ratingValue": 1, "bestRating": 5, "worstRating": 1, "alternateName": "False"},
    "itemReviewed": {"@type": "Claim", "author": {"@type": "Person", "name": "A. Senator"},
                     "appearance": [{"@type": "CreativeWork", "url": "https://social.example.com/post/1"}]},
}


def _write(tmp_path, name: str, content) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def test_import_is_idempotent_and_searchable_when_it_returns(tmp_path):
    feed = {"@context": "https://schema.org", "@type": "DataFeed",
            "dataFeedElement": [{"@type": "DataFeedItem", "item": [REVIEW]}]}
    path = _write(tmp_path, "feed.json", feed)
    call_command("import_claimreview", str(path))
    call_command("import_claimreview", str(path))
    fact_check = FactCheck.objects.get()
    assert (fact_check.rating_name, fact_check.rating_value, fact_check.best_rating, fact_check.worst_rating) == ("False", "1", "5", "1")
    assert fact_check.author_name == "Example Fact Check" and fact_check.item_author == "A. Senator"
    assert fact_check.appearance_urls == ["https://social.example.com/post/1"]
    assert str(fact_check.date_published) == "2020-10-05"
    assert FactCheckEmbedding.objects.filter(fact_check=fact_check, model=retrieval.MODEL).count() == 1
    hits = retrieval.search(REWORDED, limit=3)
    assert (hits[0].kind, hits[0].id) == ("fact_check", fact_check.pk)


def test_a_changed_review_replaces_the_old_one(tmp_path):
    call_command("import_claimreview", str(_write(tmp_path, "a.json", REVIEW)))
    changed = {**REVIEW, "reviewRating": {**REVIEW["reviewRating"], "alternateName": "Mostly false"}}
    call_command("import_claimreview", str(_write(tmp_path, "b.json", [changed])))
    assert list(FactCheck.objects.values_list("rating_name", flat=True)) == ["Mostly false"]


def test_a_file_of_mixed_records_imports_the_good_and_names_the_bad(tmp_path, capsys):
    good = {**REVIEW, "url": "https://factcheck.example.org/2"}
    lines = [
        json.dumps(REVIEW),
        json.dumps({**REVIEW, "claimReviewed": ""}),  # no claim
        json.dumps({k: v for k, v in REVIEW.items() if k != "url"}),  # no url
        json.dumps({"@type": "NewsArticle", "url": "https://news.example.org/x"}),  # not a ClaimReview
        "{not json",
        json.dumps(good),
    ]
    path = _write(tmp_path, "mixed.jsonl", "\n".join(lines))
    with pytest.raises(CommandError) as refused:
        call_command("import_claimreview", str(path))
    assert refused.value.returncode == 1
    err = capsys.readouterr().err
    assert FactCheck.objects.count() == 2
    assert f"{path}:2" in err and "no claimReviewed" in err
    assert f"{path}:3" in err and "no http(s) url" in err
    assert f"{path}:4" in err and "not a ClaimReview" in err
    assert f"{path}:5" in err and "not JSON" in err
    assert err.count("skipped") == 4


def test_a_clean_file_exits_zero(tmp_path, capsys):
    call_command("import_claimreview", str(_write(tmp_path, "one.json", REVIEW)))
    assert "1 imported, 0 updated, 0 unchanged, 0 skipped" in capsys.readouterr().out
