"""Speakers worth storing: a hedge is speaker text only; a short name is an alias of the article's full name."""

import pytest

from claims.models import Claim
from claims.pipeline.ingestion import article_extract, article_ingest
from sources.models import Source, SourceAlias

pytestmark = pytest.mark.django_db


def _extract(body: str) -> list[Claim]:
    article, _ = article_ingest(body=body, publisher="The Ledger")
    article_extract(article_id=article.pk)
    return list(article.claims.select_related("speaker").order_by("start"))


def test_a_hedge_is_speaker_text_but_never_a_source():
    claims = _extract("The plan is widely seen as a concession to the unions. The mayor did not comment.")
    hedged = claims[0]
    assert hedged.attribution_level == "vague" and hedged.speaker_text and hedged.speaker is None
    assert not Source.objects.filter(name__icontains="seen").exists()


def test_short_and_full_names_in_one_article_are_one_source():
    claims = _extract(
        "President Donald Trump said the tariffs would stay in place through the summer. "
        "Trump said the talks with Beijing had stalled over farm purchases."
    )
    speakers = {c.speaker_id for c in claims if c.speaker_id}
    assert len(speakers) == 1, [(c.speaker_text, c.speaker) for c in claims]
    source = Source.objects.get(pk=speakers.pop())
    assert "Trump" in source.name
    assert SourceAlias.objects.filter(source=source, name="Trump").exists() or source.name == "Trump"
