"""Publishing: a verdict as a fact-check the web reads (schema.org ClaimReview).

A verdict is published when it is given (`verdict_publish`, called by the workflow in
the transaction of the verdict) and stays published while the claim is re-checked; the
next verdict replaces it (dateModified) and only an editor's withdrawal takes it down.
`claim_review_jsonld` builds the one ClaimReview that the API, the public page and the
feed all serve. Article text goes into JSON here, never into markup: the edges escape.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from sources.models import Source, SourceKind

from ..models import VERDICTS, Article, Claim, ClaimStatus, PublishedVerdict, StatusChange

S = ClaimStatus

# reviewRating for every verdict, on one scale (README, "Publishing"): worst 1, best 3.
# Unverifiable has no truth value, so it sits outside the scale at -1 and says so in its name.
BEST_RATING, WORST_RATING = 3, 1
RATINGS: dict[str, tuple[int, str]] = {
    S.REFUTED: (1, "False"),
    S.DISPUTED: (2, "Disputed"),
    S.CORROBORATED: (3, "Corroborated"),
    S.UNVERIFIABLE: (-1, "Unverifiable"),
}

# "This story was originally published by the Miami Herald." and its usual variants.
RELAYED_FROM = re.compile(
    r"(?:originally (?:was )?(?:published|appeared|ran) (?:by|in|on)|first (?:published|appeared) (?:by|in|on)"
    r"|republished (?:here )?with permission from|reprinted with permission from)"
    r"\s+(?:the\s+)?(?P<outlet>[A-Z][\w&'’.-]*(?:\s+(?:[A-Z][\w&'’.-]*|of|and|&))*)",
)
# Words that make a government speaker a person (the mayor), not an office (the finance office).
PERSON_TITLES = re.compile(
    r"\b(mayor|governor|minister|secretary|president|senator|representative|congress(?:wo)?man|spokes(?:person|man|woman)"
    r"|chancellor|premier|councilm[ae]n|councilwoman|councilor|commissioner|director|chief|sheriff|judge|ambassador"
    r"|official|prosecutor|attorney general|officer|lawmaker|mr|mrs|ms|dr)\b",
    re.IGNORECASE,
)
INSTITUTION_WORDS = re.compile(
    r"\b(office|department|ministry|agency|council|government|administration|bureau|commission|police|service"
    r"|authority|city|state|county|white house|pentagon|court|board|committee|parliament|congress)\b",
    re.IGNORECASE,
)


def relaying_outlet_name(body: str) -> str:
    """The outlet an article's body says it was first published by, or ""."""
    match = RELAYED_FROM.search(body)
    if match is None:
        return ""
    return match.group("outlet").rstrip(".").strip()[:255]


def verdict_publish(*, claim: Claim, change: StatusChange) -> PublishedVerdict:
    """Publish (or replace) the claim's fact-check with the verdict `change` just recorded.

    Called inside the verdict's transaction. A re-publication after a withdrawal puts the
    new verdict back online.
    """
    assert change.to_status in VERDICTS
    existing = PublishedVerdict.objects.select_for_update().filter(claim=claim).first()
    if existing is None:
        return PublishedVerdict.objects.create(
            claim=claim, verdict=change.to_status, explanation=change.note, verdict_change=change,
            published_at=change.at, modified_at=change.at,
        )
    existing.verdict, existing.explanation, existing.verdict_change = change.to_status, change.note, change
    existing.modified_at, existing.withdrawn_at, existing.withdrawn_reason = change.at, None, ""
    existing.save(update_fields=["verdict", "explanation", "verdict_change", "modified_at", "withdrawn_at", "withdrawn_reason"])
    return existing


# --- The ClaimReview (schema.org JSON-LD) ----------------------------------------------


@dataclass(frozen=True)
class Appearance:
    """One place the claim appeared: the article's own, or a syndicated copy of its body."""

    publisher: str
    title: str
    url: str
    published_at: datetime | None
    via_outlet: str = ""


def article_appearances(article: Article, rows: Iterable | None = None) -> list[Appearance]:
    """The article's own appearance first, then each syndicated copy (prefetch `appearances`)."""
    relayed = relaying_outlet_name(article.body)
    own = Appearance(article.publisher.name, article.title, article.url, article.published_at, relayed)
    rows = article.appearances.all() if rows is None else rows
    return [own] + [
        Appearance(row.publisher.name, row.title, row.url, row.published_at, row.via_outlet.name if row.via_outlet else "")
        for row in rows
    ]


# A published verdict lists at most this many of its copy group's other articles as appearances.
COPY_APPEARANCES = 50


def claim_appearances(claim: Claim) -> list[Appearance]:
    """Where the claim appeared: its article (and that body's syndicated copies), then the articles of
    its copy group's copies, first ones first (prefetched as `copy_appearances` by the selectors)."""
    copies = getattr(claim, "copy_appearances", None)
    if copies is None:
        copies = claim.copies.select_related("article__publisher").order_by("pk")[:COPY_APPEARANCES]
    return article_appearances(claim.article) + [
        Appearance(copy.article.publisher.name, copy.article.title, copy.article.url, copy.article.published_at)
        for copy in copies
    ]


def _org(name: str, url: str = "") -> dict:
    org = {"@type": "Organization", "name": name}
    if url:
        org["url"] = url
    return org


def source_type(source: Source) -> str:
    """schema.org type of a speaker: people are Person, institutions Organization, documents CreativeWork."""
    if source.kind in (SourceKind.PERSON, SourceKind.ANONYMOUS):
        return "Person"
    if source.kind == SourceKind.DOCUMENT:
        return "CreativeWork"
    if source.kind == SourceKind.GOVERNMENT and PERSON_TITLES.search(source.name) and not INSTITUTION_WORDS.search(
        PERSON_TITLES.sub("", source.name)
    ):
        return "Person"  # "Mayor Jane Roe", "a State Department spokesperson" stays an office below
    return "Organization"


def claim_author(claim: Claim) -> dict:
    speaker = claim.speaker
    if speaker is None:  # unattributed: the article states it in its own voice
        return _org(claim.article.publisher.name)
    kind = source_type(speaker)
    author = {"@type": kind, "name": speaker.name}
    if kind == "CreativeWork" and speaker.affiliation_id is not None:
        author["publisher"] = _org(speaker.affiliation.name)
    elif kind == "Person" and speaker.affiliation_id is not None:
        author["affiliation"] = _org(speaker.affiliation.name)
    return author


def _appearance_jsonld(appearance: Appearance, claim: Claim) -> dict:
    headline = appearance.title.strip() or claim.text.strip()[:110] or appearance.publisher
    node = {"@type": "NewsArticle", "headline": headline, "publisher": _org(appearance.publisher)}
    if appearance.url:
        node["url"] = appearance.url
    if appearance.published_at:
        node["datePublished"] = appearance.published_at.date().isoformat()
    if appearance.via_outlet and appearance.via_outlet != appearance.publisher:
        node["isBasedOn"] = {"@type": "NewsArticle", "publisher": _org(appearance.via_outlet)}
    return node


def review_rating(verdict: str, explanation: str = "") -> dict:
    value, name = RATINGS[verdict]
    rating = {
        "@type": "Rating", "ratingValue": value, "bestRating": BEST_RATING, "worstRating": WORST_RATING,
        "alternateName": verdict, "name": name,
    }
    if explanation:
        rating["ratingExplanation"] = explanation
    return rating


def newsroom_base(request_origin: str = "") -> str:
    """Where the public pages live: NEWSROOM_URL when set, the request's own origin otherwise."""
    return (settings.NEWSROOM_URL or request_origin).rstrip("/")


def fact_check_path(claim_id: int) -> str:
    return f"/fact-checks/{claim_id}/"


def claim_review_jsonld(
    claim: Claim, *, fact_check: PublishedVerdict, appearances: list[Appearance] | None = None, base_url: str = ""
) -> dict:
    """schema.org ClaimReview of the claim's published verdict (its `fact_check`, kept through re-checks).

    Needs claim.speaker (with affiliation), article.publisher and article.appearances loaded
    (claims.selectors.fact_checks does it); `base_url` is the request's origin.
    """
    article = claim.article
    appearances = claim_appearances(claim) if appearances is None else appearances
    nodes = [_appearance_jsonld(a, claim) for a in appearances]
    item = {"@type": "Claim", "author": claim_author(claim), "appearance": nodes, "firstAppearance": nodes[0]}
    if article.published_at:
        item["datePublished"] = article.published_at.date().isoformat()
    base = newsroom_base(base_url)
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": f"{base}{fact_check_path(claim.pk)}",
        "claimReviewed": claim.text,
        "itemReviewed": item,
        "reviewRating": review_rating(fact_check.verdict, fact_check.explanation),
        "author": _org(settings.NEWSROOM_NAME, settings.NEWSROOM_URL or base),
        "datePublished": fact_check.published_at.date().isoformat(),
        "dateModified": fact_check.modified_at.isoformat(),
    }


def withdrawal_jsonld(fact_check: PublishedVerdict, *, base_url: str = "") -> dict:
    """A withdrawn fact-check in the feed: a schema.org DataFeedItem tombstone (`dateDeleted`) naming only
    the review's url, so a follower withdraws its copy; the withdrawn text is never served again."""
    return {
        "@type": "DataFeedItem",
        "dateDeleted": fact_check.withdrawn_at.isoformat(),
        "dateModified": fact_check.modified_at.isoformat(),
        "item": {"@type": "ClaimReview", "url": f"{newsroom_base(base_url)}{fact_check_path(fact_check.claim_id)}"},
    }


def claim_reviews_feed_jsonld(items: list[dict], *, base_url: str = "", next_url: str | None = None) -> dict:
    """A schema.org DataFeed of ClaimReview items (each keeps its own @context off: the feed's applies)."""
    elements = [{k: v for k, v in item.items() if k != "@context"} for item in items]
    feed = {
        "@context": "https://schema.org",
        "@type": "DataFeed",
        "name": f"{settings.NEWSROOM_NAME} fact-checks",
        "url": f"{newsroom_base(base_url)}/fact-checks/feed.json",
        "dateModified": elements[0]["dateModified"] if elements else None,
        "dataFeedElement": elements,
        "next": next_url,
    }
    return feed
