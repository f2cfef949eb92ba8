"""Independence on hand-built provenance chains."""

import pytest

from claims import workflow
from claims.corroboration.independence import independence_report
from claims.models import ClaimStatus, EvidenceStance
from sources.levels import AttributionLevel as L
from sources.models import SourceKind as K
from tests.factories import ArticleFactory, ClaimFactory, EvidenceFactory, OutletFactory, SourceFactory

pytestmark = pytest.mark.django_db


def reported(*, publisher: str, level: str, speaker=None, via=None, body: str = "It happened on Monday."):
    """A claim in another article that a reviewer cites as evidence."""
    article = ArticleFactory(publisher=OutletFactory(name=publisher), body=body + f" ({publisher}/{speaker}/{via})")
    return ClaimFactory(article=article, attribution_level=level, speaker=speaker, via_outlet=via)


def cite(claim, related=None, source=None, stance=EvidenceStance.SUPPORTS):
    return EvidenceFactory(claim=claim, related_claim=related, source=source, url="", stance=stance)


@pytest.fixture
def subject():
    return ClaimFactory(attribution_level=L.UNATTRIBUTED, speaker=None, speaker_text="")


def test_same_relaying_outlet_twice_is_one_origin(subject):
    herald = OutletFactory(name="Miami Herald")
    first = reported(publisher="Yahoo News", level=L.ANONYMOUS, speaker=SourceFactory(name="sources (Miami Herald)", kind=K.ANONYMOUS), via=herald)
    second = reported(publisher="MSN", level=L.ANONYMOUS, speaker=SourceFactory(name="a person briefed (Miami Herald)", kind=K.ANONYMOUS), via=herald)
    a, b = cite(subject, first), cite(subject, second)
    report = independence_report(subject)
    assert len(report.origins) == 1
    assert {e.pk for e in report.origins[0].items} == {a.pk, b.pk}
    assert "Miami Herald's unnamed sources" in report.origins[0].explain()


def test_outlet_citing_the_other_is_one_origin(subject):
    herald, yahoo = OutletFactory(name="Miami Herald"), OutletFactory(name="Yahoo News")
    # Yahoo News publishes a story relayed from the Herald: Yahoo cites the Herald.
    reported(publisher="Yahoo News", level=L.ANONYMOUS, speaker=SourceFactory(name="s (Miami Herald)", kind=K.ANONYMOUS), via=herald)
    own_yahoo = reported(publisher="Yahoo News", level=L.UNATTRIBUTED, body="Yahoo's own line.")
    own_herald = reported(publisher="Miami Herald", level=L.UNATTRIBUTED, body="Herald's own line.")
    cite(subject, own_yahoo), cite(subject, own_herald)
    report = independence_report(subject)
    assert len(report.origins) == 1
    assert "Yahoo News citing Miami Herald" in report.origins[0].explain()
    assert yahoo.pk  # both outlets took part


def test_anonymous_groups_through_different_outlets_are_two_origins(subject):
    one = reported(publisher="Reuters", level=L.ANONYMOUS, speaker=SourceFactory(name="sources (Reuters)", kind=K.ANONYMOUS))
    two = reported(publisher="BBC News", level=L.ANONYMOUS, speaker=SourceFactory(name="sources (BBC News)", kind=K.ANONYMOUS))
    cite(subject, one), cite(subject, two)
    report = independence_report(subject)
    assert len(report.origins) == 2
    assert all(origin.anonymous for origin in report.origins)


def test_one_speaker_quoted_by_two_outlets_is_one_origin(subject):
    minister = SourceFactory(name="Interior Minister Ana Ruiz", kind=K.GOVERNMENT)
    cite(subject, reported(publisher="Reuters", level=L.OFFICIAL, speaker=minister))
    cite(subject, reported(publisher="AP", level=L.OFFICIAL, speaker=minister))
    assert len(independence_report(subject).origins) == 1


def test_officials_of_one_ministry_are_one_origin_when_affiliation_is_known(subject):
    # Decision: people who speak for the same institution are one origin (it speaks once);
    # without a recorded affiliation they count separately.
    ministry = SourceFactory(name="Ministry of Defence", kind=K.GOVERNMENT)
    one = SourceFactory(name="Minister A", kind=K.GOVERNMENT)
    two = SourceFactory(name="Spokesperson B", kind=K.GOVERNMENT)
    cite(subject, source=one), cite(subject, source=two)
    assert len(independence_report(subject).origins) == 2
    one.affiliation = two.affiliation = ministry
    one.save(), two.save()
    report = independence_report(subject)
    assert len(report.origins) == 1
    assert "Ministry of Defence" in report.origins[0].explain()


def test_evidence_sharing_the_claims_own_chain_is_circular():
    herald = OutletFactory(name="Miami Herald")
    sources = SourceFactory(name="sources (Miami Herald)", kind=K.ANONYMOUS)
    subject = ClaimFactory(attribution_level=L.ANONYMOUS, speaker=sources, via_outlet=herald)
    echo = reported(publisher="MSN", level=L.OTHER_OUTLET, speaker=herald)
    evidence = cite(subject, echo)
    report = independence_report(subject)
    assert report.origins == [] and [e.pk for e, _ in report.circular] == [evidence.pk]
    assert "Miami Herald" in report.circular[0][1]


def test_vague_attribution_never_counts(subject):
    analysts = SourceFactory(name="analysts (Gazette)", kind=K.GROUP)
    cite(subject, source=analysts)
    cite(subject, reported(publisher="Gazette", level=L.VAGUE, speaker=analysts))
    report = independence_report(subject)
    assert report.origins == [] and len(report.excluded) == 2


def test_guard_refuses_circular_corroboration_naming_the_evidence(reviewer):
    herald = OutletFactory(name="Miami Herald")
    subject = ClaimFactory(attribution_level=L.ANONYMOUS, speaker=SourceFactory(name="s (MH)", kind=K.ANONYMOUS), via_outlet=herald)
    subject = workflow.transition(claim=subject, to=ClaimStatus.QUEUED, actor=None, assignee=reviewer)
    subject = workflow.transition(claim=subject, to=ClaimStatus.IN_REVIEW, actor=reviewer)
    circular = cite(subject, reported(publisher="MSN", level=L.OTHER_OUTLET, speaker=herald))
    cite(subject, source=SourceFactory(name="Port authority records clerk"))
    with pytest.raises(workflow.GuardFailed) as refused:
        workflow.transition(claim=subject, to=ClaimStatus.CORROBORATED, actor=reviewer)
    assert f"#{circular.pk}" in str(refused.value) and "circular" in str(refused.value)
