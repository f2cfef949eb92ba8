"""Independence of evidence: count origins, not rows.

Every evidence item rests on a provenance chain (speaker -> relaying outlet ->
publisher). Items whose chains overlap are one origin:
- the same speaker, or speakers of one institution (`Source.affiliation`): two
  officials of one ministry speak for it once;
- the same relaying outlet, or outlets where one cites the other (an article of one
  publishes a claim relayed from, or reported by, the other): circular reporting.
On-record speakers are the origin whoever published them; unnamed sources and an
outlet's own voice rest on the outlet that vouches for them.
- one story syndicated under several publishers (an article body and its
  appearances): evidence citing two copies of one body, by their urls, is one origin,
  and a copy of the claim's own article is the claim's own chain;
- one sentence in many outlets (a copy group, claims/matching/copies.py): evidence citing
  two copies of one group is one origin, and a copy in the claim's own group is circular.
Evidence that shares the claim's own chain is no corroboration of it, and vague
attribution ("analysts say") never counts as an origin.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import BigIntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from sources.levels import AttributionLevel
from sources.models import Source, SourceKind

from ..models import Article, ArticleAppearance, Claim, Evidence, EvidenceStance

OUTLET_VOUCHED_KINDS = {SourceKind.ANONYMOUS, SourceKind.GROUP}


@dataclass(frozen=True)
class Link:
    """One element of a provenance chain that two items may share."""

    source_id: int  # a Source's id, or an Article's for a "story" link
    label: str  # "the Miami Herald", "the Miami Herald's unnamed sources"
    outlet: bool = False  # a news outlet: it may cite, or be cited by, another
    key_kind: str = "src"  # "src": a source; "story": one article body, wherever it appeared

    @property
    def key(self) -> tuple[str, int]:
        return (self.key_kind, self.source_id)


@dataclass
class Origin:
    """Evidence items that rest on one origin, and what ties them together."""

    items: list[Evidence] = field(default_factory=list)
    shared: set[str] = field(default_factory=set)
    anonymous: bool = True  # every item rests on unnamed sources

    @property
    def is_document(self) -> bool:
        return any(item.source is not None and item.source.kind == SourceKind.DOCUMENT for item in self.items)

    def explain(self) -> str:
        ids = ", ".join(f"#{item.pk}" for item in self.items)
        if len(self.items) == 1:
            return f"evidence {ids} is an independent origin"
        return f"evidence {ids} are one origin: {'both' if len(self.items) == 2 else 'all'} rest on {', '.join(sorted(self.shared))}"

    def as_dict(self) -> dict:
        return {
            "evidence": [item.pk for item in self.items],
            "anonymous": self.anonymous,
            "document": self.is_document,
            "explanation": self.explain(),
        }


@dataclass
class IndependenceReport:
    origins: list[Origin]
    circular: list[tuple[Evidence, str]]  # rests on the claim's own chain
    excluded: list[tuple[Evidence, str]]  # never an origin (vague)

    def as_dict(self) -> dict:
        return {
            "independent_origins": len(self.origins),
            "origins": [origin.as_dict() for origin in self.origins],
            "circular": [{"evidence": item.pk, "explanation": why} for item, why in self.circular],
            "excluded": [{"evidence": item.pk, "explanation": why} for item, why in self.excluded],
        }


def _source_links(source: Source) -> list[Link]:
    links = [Link(source.pk, source.name, source.kind == SourceKind.OUTLET)]
    if source.affiliation_id is not None:
        links.append(Link(source.affiliation_id, f"{source.affiliation.name} (whose people both speak for it)"))
    return links


def group_link(claim: Claim) -> Link:
    return Link(claim.group_id, f"one sentence copied across outlets (copy group of claim #{claim.group_id})", key_kind="group")


def claim_chain(claim: Claim) -> list[Link]:
    """The links a claim's statement rests on (its speaker, relaying outlet, or publisher), and its copy group."""
    speaker, outlet, publisher = claim.speaker, claim.via_outlet, claim.article.publisher
    if speaker is not None and speaker.kind in OUTLET_VOUCHED_KINDS:
        vouched_by = outlet or publisher
        return [Link(speaker.pk, speaker.name), Link(vouched_by.pk, f"{vouched_by.name}'s unnamed sources", True),
                group_link(claim)]
    links = _source_links(speaker) if speaker is not None else []
    if outlet is not None:
        links.append(Link(outlet.pk, outlet.name, True))
    if not links:
        links.append(Link(publisher.pk, f"{publisher.name}'s own reporting", True))
    return links + [group_link(claim)]


def evidence_chain(evidence: Evidence, stories: dict[str, Link] | None = None) -> list[Link]:
    links: list[Link] = []
    if evidence.source is not None:
        links += _source_links(evidence.source)
    if evidence.related_claim is not None:
        links += claim_chain(evidence.related_claim)
    if stories and evidence.url in stories:
        links.append(stories[evidence.url])
    return links


def story_link(article_id: int) -> Link:
    return Link(article_id, f"one story (article #{article_id}) wherever it was syndicated", key_kind="story")


def story_of_url():
    """The article whose body is at an evidence row's url (its own url or a syndicated copy's), as an annotation."""
    own = Article.objects.filter(url=OuterRef("url")).exclude(url="").values("id")[:1]
    copy = ArticleAppearance.objects.filter(url=OuterRef("url")).exclude(url="").values("article_id")[:1]
    return Coalesce(Subquery(own), Subquery(copy), output_field=BigIntegerField())


def stories_by_url(items: list[Evidence]) -> dict[str, Link]:
    """{url: story link} for evidence urls that are stored articles or their syndicated copies.

    Read from the `story_id` annotation of supporting_evidence (no query); items without
    it cost one query.
    """
    with_url = [item for item in items if item.url]
    if not with_url:
        return {}
    if all(hasattr(item, "story_id") for item in with_url):
        found = {item.url: item.story_id for item in with_url if item.story_id is not None}
    else:
        urls = {item.url for item in with_url}
        found = dict(
            Article.objects.filter(url__in=urls).values_list("url", "id").union(
                ArticleAppearance.objects.filter(url__in=urls).values_list("url", "article_id")
            )
        )
    return {url: story_link(article_id) for url, article_id in found.items()}


def _rests_on_unnamed(evidence: Evidence) -> bool:
    related = evidence.related_claim
    if related is not None:
        return related.attribution_level == AttributionLevel.ANONYMOUS
    return evidence.source is not None and evidence.source.kind == SourceKind.ANONYMOUS


def _is_vague(evidence: Evidence) -> bool:
    related = evidence.related_claim
    if related is not None and related.attribution_level == AttributionLevel.VAGUE:
        return True
    return evidence.source is not None and evidence.source.kind == SourceKind.GROUP


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict = {}

    def find(self, key):
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def union(self, a, b) -> None:
        self.parent[self.find(a)] = self.find(b)


def citing_outlets(outlet_ids: set[int]) -> list[tuple[int, int, str]]:
    """Pairs (publisher, cited outlet) among these outlets, from stored claims: one cites the other."""
    if len(outlet_ids) < 2:
        return []
    rows = (
        Claim.objects.filter(article__publisher_id__in=outlet_ids)
        .filter(
            Q(via_outlet_id__in=outlet_ids)
            | Q(speaker_id__in=outlet_ids, attribution_level=AttributionLevel.OTHER_OUTLET)
        )
        .values_list("article__publisher_id", "article__publisher__name", "via_outlet_id", "speaker_id", "speaker__name", "via_outlet__name")
        .distinct()
    )
    pairs = []
    for publisher_id, publisher_name, via_id, speaker_id, speaker_name, via_name in rows:
        cited_id, cited_name = (via_id, via_name) if via_id in outlet_ids else (speaker_id, speaker_name)
        if cited_id != publisher_id:
            pairs.append((publisher_id, cited_id, f"{publisher_name} citing {cited_name}"))
    return pairs


def group_origins(items: list[Evidence], stories: dict[str, Link] | None = None) -> list[Origin]:
    """Union items whose chains overlap, directly or through outlets citing each other."""
    stories = stories_by_url(items) if stories is None else stories
    chains = {item.pk: evidence_chain(item, stories) for item in items}
    links_by_source = {link.key: link for chain in chains.values() for link in chain}
    uf = _UnionFind()
    citation_labels: dict[int, str] = {}
    outlets = {link.source_id for chain in chains.values() for link in chain if link.outlet and link.key_kind == "src"}
    for citing, cited, label in citing_outlets(outlets):
        uf.union(("src", citing), ("src", cited))
        citation_labels[citing] = citation_labels[cited] = label
    for item in items:
        uf.find(("item", item.pk))
        for link in chains[item.pk]:
            uf.union(("item", item.pk), link.key)
    groups: dict = {}
    for item in items:
        groups.setdefault(uf.find(("item", item.pk)), []).append(item)
    origins = []
    for members in groups.values():
        origin = Origin(items=members, anonymous=all(_rests_on_unnamed(m) for m in members))
        if len(members) > 1:
            counts: dict[tuple, int] = {}
            for member in members:
                for key in {link.key for link in chains[member.pk]}:
                    counts[key] = counts.get(key, 0) + 1
            for key, count in counts.items():
                if count > 1:
                    origin.shared.add(links_by_source[key].label)
            roots = {uf.find(link.key) for m in members for link in chains[m.pk]}
            origin.shared |= {label for sid, label in citation_labels.items() if uf.find(("src", sid)) in roots}
        origins.append(origin)
    return origins


def supporting_evidence(claim: Claim) -> list[Evidence]:
    return list(
        claim.evidence.filter(stance=EvidenceStance.SUPPORTS, is_suggestion=False, withdrawn_at__isnull=True).select_related(
            "source__affiliation",
            "related_claim__speaker__affiliation",
            "related_claim__via_outlet",
            "related_claim__article__publisher",
        ).annotate(story_id=story_of_url())
    )


def independence_report(claim: Claim, items: list[Evidence] | None = None) -> IndependenceReport:
    """Group the claim's accepted supporting evidence into independent origins."""
    items = supporting_evidence(claim) if items is None else items
    own = {link.key: link for link in claim_chain(claim)}
    stories = stories_by_url(items)
    own_story = ("story", claim.article_id)
    counted, circular, excluded = [], [], []
    for item in items:
        chain = evidence_chain(item, stories)
        shared = [own[link.key].label for link in chain if link.key in own]
        shared += [f"{link.label}, the claim's own article" for link in chain if link.key == own_story]
        if shared:
            circular.append((item, f"evidence #{item.pk} rests on the claim's own source ({', '.join(sorted(set(shared)))})"))
        elif _is_vague(item):
            excluded.append((item, f"evidence #{item.pk} is vague attribution, which never counts as an origin"))
        else:
            counted.append(item)
    return IndependenceReport(origins=group_origins(counted, stories), circular=circular, excluded=excluded)


def corroboration_shortfall(claim: Claim, *, signed_off: bool = False) -> str | None:
    """Why the claim cannot be corroborated yet under the sourcing policy, or None."""
    report = independence_report(claim)
    origins = report.origins
    enough = (settings.CORROBORATION_DOCUMENT_SUFFICES and any(o.is_document for o in origins)) or (
        len(origins) >= settings.CORROBORATION_MIN_ORIGINS
    )
    if not enough:
        needed = settings.CORROBORATION_MIN_ORIGINS
        parts = [f"corroborated needs supporting evidence from {needed} independent origins, found {len(origins)}"]
        parts += [why + ": circular" for _, why in report.circular]
        parts += [why for _, why in report.excluded]
        parts += [origin.explain() for origin in origins if len(origin.items) > 1]
        return "; ".join(parts)
    # Sourcing policy (the New York Times 2016 rule): corroboration that rests only on
    # unnamed sources needs an editor's sign-off in the claim's history.
    if settings.ANONYMOUS_CORROBORATION_NEEDS_SIGN_OFF and all(o.anonymous for o in origins) and not signed_off:
        return (
            "the corroboration rests only on anonymous sources "
            f"({len(origins)} origin{'s' if len(origins) != 1 else ''}): an editor must sign off first"
        )
    return None
