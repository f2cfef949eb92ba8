"""Hostile articles: caps on characters and claims per article and characters per claim; HTML in, text out."""

import io
from pathlib import Path

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.management import CommandError, call_command

from claims.models import Article, Claim, ExtractionStatus
from claims.pipeline import ingestion, sweeper
from sources.attribution import limits
from claims.pipeline.html import looks_like_html
from claims.pipeline.ingestion import ArticleRejected, article_extract, ingest_article

pytestmark = pytest.mark.django_db
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"

STORY = [
    "Officials said the bridge will reopen on Monday.",
    "Analysts say traffic will double within a year.",
    "The mayor told reporters the repairs cost $2 million.",
    "Sources familiar with the plan said a second bridge is under study.",
    "The Daily Mirror reported that tolls may rise.",
]


def page(paragraphs: list[str], title: str = "Bridge to reopen") -> str:
    """A real-looking saved news page: doctype, head with scripts and styles, navigation, the story, a footer."""
    story = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | Daily Planet</title>
<link rel="stylesheet" href="/static/site.css"><script src="https://cdn.example.com/analytics.js"></script>
<script>window.dataLayer = window.dataLayer || []; function gtag(){{dataLayer.push(arguments);}}</script>
<style>.nav {{ display: flex; }} .ad {{ height: 250px; }}</style></head>
<body><header><nav class="nav"><a href="/">Home</a> | <a href="/world">World</a> | <a href="/sports">Sports</a></nav></header>
<main><article><h1>{title}</h1><div class="byline">By Lois Lane, updated 3 hours ago</div>
{story}
</article><aside class="ad">Advertisement</aside></main>
<footer><p>Copyright 2026 Daily Planet. All rights reserved.</p><a href="/privacy">Privacy</a></footer>
<script>trackPageView("bridge");</script></body></html>"""


def stored_body(article_id: int) -> str:
    return Article.objects.get(pk=article_id).body


# --- characters per claim: a run-on "sentence" ---------------------------------------


def test_a_run_on_sentence_is_cut_into_claims_of_at_most_claim_max_chars_and_the_cut_is_recorded(settings):
    settings.CLAIM_MAX_CHARS = 400
    clause = "the minister said the budget will rise, and officials told reporters that the plan would cost more "
    body = (clause * 200)[:20_000].rstrip()  # 20,000 characters, no full stop
    article, _ = ingest_article(body=body, publisher="Daily")
    article_extract(article_id=article.pk)
    claims = list(Claim.objects.filter(article=article))
    assert claims and max(len(c.text) for c in claims) <= 400  # before: ~3,000-character "claims"
    assert all(article.body[c.start : c.end] == c.text for c in claims)
    assert all("cut" in c.reason for c in claims)
    assert any("clause" in c.reason for c in claims)


def test_a_claim_is_cut_at_a_clause_boundary_before_a_bare_space():
    from sources.attribution import ExtractedClaim

    text = "The council said the works will start in May; " + "the contractor expects delays " * 5 + "and higher costs"
    parts = limits.split_long_claims([ExtractedClaim(0, len(text), text, "named_person", reason="r")], limit=80)
    assert parts[0].text.endswith(";") and all(len(p.text) <= 80 for p in parts)
    assert "".join(text[p.start : p.end] for p in parts).replace(" ", "") == text.replace(" ", "")


# --- claims per article ----------------------------------------------------------------


def test_an_article_beyond_the_claims_cap_fails_with_the_reason_and_is_not_retried(settings):
    settings.ARTICLE_MAX_CLAIMS = 50
    body = "\n\n".join(f"{s[:-1]} {n}." for n in range(30) for s in STORY)  # 150 sentences
    article, _ = ingest_article(body=body, publisher="Daily")
    article_extract(article_id=article.pk)  # no exception: the article fails, the worker carries on
    article.refresh_from_db()
    assert article.extraction_status == ExtractionStatus.FAILED
    assert "ARTICLE_MAX_CLAIMS" in article.extraction_error and "50" in article.extraction_error
    assert not Claim.objects.filter(article=article).exists()  # nothing queued to any reviewer
    assert article.pk not in sweeper.articles_sweep().enqueued  # the same input fails the same way: no retry


def test_a_task_past_its_time_budget_fails_that_article_cleanly(monkeypatch):
    article, _ = ingest_article(body=" ".join(STORY), publisher="Daily")

    def too_slow(body, *, publisher):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(ingestion, "extract_bounded", too_slow)
    article_extract(article_id=article.pk)
    article.refresh_from_db()
    assert article.extraction_status == ExtractionStatus.FAILED and "time budget" in article.extraction_error


def test_characters_per_article_are_capped_with_a_clear_error(settings):
    settings.ARTICLE_MAX_CHARS = 1000
    with pytest.raises(ArticleRejected, match=r"limit is 1000 \(ARTICLE_MAX_CHARS\)"):
        ingest_article(body="Officials said the bridge will reopen. " * 100, publisher="Daily")


# --- HTML in, text out -----------------------------------------------------------------


def test_a_saved_page_through_ingest_is_stored_as_its_article_text(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(page(STORY))
    out, err = io.StringIO(), io.StringIO()
    call_command("ingest", str(path), "--publisher", "Daily Planet", stdout=out, stderr=err)
    body = stored_body(int(out.getvalue()))
    assert "<" not in body and "analytics" not in body and "dataLayer" not in body  # before: the markup was the body
    assert STORY[0] in body and STORY[-1] in body


def test_markup_heavy_text_without_a_doctype_is_recognised_and_plain_prose_is_not():
    fragment = "".join(f"<div class='para'><p><strong>{s}</strong></p></div>\n" for s in STORY)
    assert looks_like_html(fragment)
    assert not looks_like_html("The index rose 3 points (from <2 to >5) as analysts said <b> was a typo.\n" + " ".join(STORY))
    article, _ = ingest_article(body=fragment, publisher="Daily")
    assert "<" not in article.body and STORY[2] in article.body


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not on this machine")
def test_corpus_articles_wrapped_in_a_page_give_the_claims_of_their_text(tmp_path):
    texts = sorted(CORPUS.glob("*.txt"))[:2]
    if not texts:
        pytest.skip("no corpus texts")
    for text_path in texts:
        paragraphs = [p.strip() for p in text_path.read_text().split("\n\n") if p.strip()][1:]  # without the headline
        path = tmp_path / f"{text_path.stem}.html"
        path.write_text(page(paragraphs))
        out = io.StringIO()
        call_command("ingest", str(path), "--publisher", "Daily", stdout=out, stderr=io.StringIO())
        article = Article.objects.get(pk=int(out.getvalue()))
        assert "<" not in article.body and "trackPageView" not in article.body
        article_extract(article_id=article.pk)
        claims = Claim.objects.filter(article=article)
        assert claims.exists() and not claims.filter(text__contains="<").exists()
        assert claims.count() <= 2 * len(paragraphs) * 4  # the story's sentences, not thousands of markup lines


def test_extraction_parses_one_chunk_at_a_time_and_workers_are_recycled(monkeypatch, settings):
    """Peak memory follows the chunk, not the article (bench/extract_big.py: a 2 MB article whole under 1 GB)."""
    import sources.attribution as attribution
    from verifier.celery import app

    seen = {}
    real = attribution.extract_many

    def spy(texts, **kwargs):
        seen.update(kwargs)
        return real(texts, **kwargs)

    monkeypatch.setattr(attribution, "extract_many", spy)
    assert limits.extract_bounded(" ".join(STORY), publisher="Daily")
    assert seen["batch_size"] == 1  # before: nlp.pipe batches of 64 chunks, the whole article at once
    assert app.conf.worker_max_memory_per_child == settings.CELERY_WORKER_MAX_MEMORY_PER_CHILD > 0
