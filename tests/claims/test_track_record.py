import pytest

from claims.models import ClaimStatus
from claims.pipeline.ingestion import article_store_claims, claim_priority
from claims.corroboration.track_record import track_record
from sources.attribution import ExtractedClaim
from sources.levels import AttributionLevel as L
from sources.models import SourceKind as K
from tests.factories import ArticleFactory, ClaimFactory, SourceFactory, refuted_claim

pytestmark = pytest.mark.django_db


def test_reliability_is_smoothed_and_moves_with_verdicts(reviewer):
    mayor = SourceFactory(name="Mayor Jo Kim", kind=K.GOVERNMENT)
    assert track_record(mayor.pk).reliability == 0.5  # the prior, before any verdict
    ClaimFactory(speaker=mayor)
    for _ in range(2):
        refuted_claim(speaker=mayor, reviewer=reviewer)
    record = track_record(mayor.pk)
    assert record.by_level == {L.OFFICIAL: 3}
    assert record.by_verdict == {ClaimStatus.REFUTED: 2}
    assert record.reliability == round(2 / 6, 4)


def test_a_poor_record_raises_the_priority_of_new_claims(reviewer):
    mayor = SourceFactory(name="Mayor Jo Kim", kind=K.GOVERNMENT)
    for _ in range(3):
        refuted_claim(speaker=mayor, reviewer=reviewer)
    article = ArticleFactory(body="Mayor Jo Kim said taxes fell.")
    item = ExtractedClaim(start=0, end=len(article.body), text=article.body, attribution_level=L.OFFICIAL,
                          speaker="Mayor Jo Kim", speaker_kind=K.GOVERNMENT, via_outlet=None, cue="said", reason="")
    (claim,) = article_store_claims(article=article, extracted=[item], extractor_version="t")
    assert claim.speaker == mayor
    assert claim.priority > claim_priority(L.OFFICIAL)
