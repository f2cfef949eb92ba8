"""Factories for the whole suite (one place)."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from claims import workflow
from claims.models import Article, Claim, ClaimStatus, Evidence, EvidenceStance
from claims.roles import ensure_role_groups
from claims.pipeline.ingestion import content_sha256
from sources.levels import AttributionLevel
from sources.models import Source, SourceKind


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("pw-for-tests-0")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        """roles=["reviewers"] puts the user in those groups (and on staff for reviewers/editors)."""
        if not create or not extracted:
            return
        ensure_role_groups()  # a transactional test's flush empties the groups the migrations made
        self.groups.add(*Group.objects.filter(name__in=extracted))
        if {"reviewers", "editors"} & set(extracted):
            self.is_staff = True
            self.save(update_fields=["is_staff"])


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source
        django_get_or_create = ("kind", "name")

    kind = SourceKind.PERSON
    name = factory.Sequence(lambda n: f"Person {n}")


class OutletFactory(SourceFactory):
    kind = SourceKind.OUTLET
    name = factory.Sequence(lambda n: f"Daily Outlet {n}")


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    publisher = factory.SubFactory(OutletFactory)
    title = factory.Sequence(lambda n: f"Story {n}")
    body = factory.Sequence(
        lambda n: f"Officials said the bridge {n} will reopen on Monday. Analysts say traffic will double. "
        f"The mayor told reporters the repairs cost $2 million."
    )
    content_sha256 = factory.LazyAttribute(lambda a: content_sha256(a.body))
    extraction_status = "done"


class ClaimFactory(factory.django.DjangoModelFactory):
    """A claim on the first sentence of its article (override start/end for others)."""

    class Meta:
        model = Claim

    article = factory.SubFactory(ArticleFactory)
    start = 0
    end = factory.LazyAttribute(lambda c: c.article.body.index(".") + 1)
    text = factory.LazyAttribute(lambda c: c.article.body[c.start : c.end])
    attribution_level = AttributionLevel.OFFICIAL
    speaker_text = "Officials"


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evidence

    claim = factory.SubFactory(ClaimFactory)
    stance = EvidenceStance.SUPPORTS
    source = factory.SubFactory(SourceFactory)
    url = factory.Sequence(lambda n: f"https://example.org/evidence/{n}")


def refuted_claim(*, reviewer, **claim_fields) -> Claim:
    """A claim taken through the workflow to `refuted` by `reviewer` (for track records)."""
    claim = workflow.transition(claim=ClaimFactory(**claim_fields), to=ClaimStatus.QUEUED, actor=None, assignee=reviewer)
    claim = workflow.transition(claim=claim, to=ClaimStatus.IN_REVIEW, actor=reviewer)
    EvidenceFactory(claim=claim, stance=EvidenceStance.CONTRADICTS)
    return workflow.transition(claim=claim, to=ClaimStatus.REFUTED, actor=reviewer)


def article_stating(
    sentence: str, *, outlet: str, level=AttributionLevel.NAMED_PERSON, speaker: str = "Antonio Guterres",
    kind: str = "person", suffix: str = "", title: str = "", article: Article | None = None,
) -> Article:
    """An article whose one claim is `sentence`, stored as extraction stores it (copy groups form here).

    `suffix` makes the body differ from another outlet's (one body is one article); `article`
    stores the claim into an existing article instead of a new one.
    """
    from types import SimpleNamespace

    from claims.pipeline.ingestion import article_store_claims

    if article is None:
        article = ArticleFactory(body=sentence + suffix, publisher=OutletFactory(name=outlet), title=title)
    article_store_claims(article=article, extractor_version="t", extracted=[SimpleNamespace(
        start=0, end=len(sentence), text=sentence, cue="said", via_outlet=None, reason="test",
        attribution_level=level, speaker=speaker, speaker_kind=kind)])
    return article
