import pytest
from django.db import IntegrityError, transaction

from claims.models import AppendOnlyError, StatusChange
from claims.pipeline.ingestion import ArticleRejected, article_ingest, article_store_claims, check_span
from sources.models import Source, SourceKind
from sources.services import source_resolve
from tests.factories import ArticleFactory, ClaimFactory


@pytest.mark.django_db
def test_claim_span_is_unique_per_article(claim):
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimFactory(article=claim.article, start=claim.start, end=claim.end)


@pytest.mark.django_db
def test_claim_span_cannot_be_empty(claim):
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimFactory(article=claim.article, start=5, end=5, text="")


@pytest.mark.django_db
def test_status_history_is_append_only(claim):
    change = StatusChange.objects.create(claim=claim, from_status="unverified", to_status="queued")
    change.note = "rewritten"
    with pytest.raises(AppendOnlyError):
        change.save()
    with pytest.raises(AppendOnlyError):
        change.delete()


@pytest.mark.django_db
def test_outlet_names_resolve_to_one_source():
    first = source_resolve(name="The New York Times", kind=SourceKind.OUTLET)
    assert source_resolve(name="New York Times", kind=SourceKind.OUTLET) == first
    assert source_resolve(name="the New York Times’s", kind=SourceKind.OUTLET) == first
    assert Source.objects.filter(kind=SourceKind.OUTLET).count() == 1
    assert list(first.aliases.values_list("name", flat=True)) == ["New York Times"]  # one alias per normalised form
    # The same name in another kind is another source.
    assert source_resolve(name="New York Times", kind=SourceKind.ORGANIZATION) != first


@pytest.mark.django_db
def test_same_body_is_one_article():
    first, created = article_ingest(body="The council voted 5-2.\n", publisher="Gazette", title="Vote")
    again, created_again = article_ingest(body="The council voted 5-2.\r\n", publisher="Gazette", title="Vote")
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk


@pytest.mark.django_db
def test_a_known_url_with_a_new_body_is_a_new_revision():
    url = "https://gazette.example/vote"
    first, _ = article_ingest(body="The council voted 5-2.", publisher="Gazette", url=url)
    second, created = article_ingest(body="The council voted 6-1.", publisher="Gazette", url=url)
    first.refresh_from_db()
    assert created and second.supersedes == first
    assert (first.is_current, second.is_current) == (False, True)


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["", "   \n\t "])
def test_empty_articles_are_rejected(body):
    with pytest.raises(ArticleRejected, match="empty"):
        article_ingest(body=body, publisher="Gazette")


@pytest.mark.django_db
def test_offsets_must_match_the_body():
    article = ArticleFactory(body="Alpha beta. Gamma delta.")
    check_span(article.body, start=0, end=11, text="Alpha beta.")
    with pytest.raises(ValueError, match="does not match"):
        check_span(article.body, start=0, end=11, text="Alpha beta!")

    class Bad:
        start, end, text, attribution_level, speaker, via_outlet, cue, reason = 1, 11, "Alpha beta.", "unattributed", None, None, "", ""

    with pytest.raises(ValueError):
        article_store_claims(article=article, extracted=[Bad()], extractor_version="t")
    assert article.claims.count() == 0
