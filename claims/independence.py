"""Independence of evidence: count origins, not rows.

Two evidence items are one origin when their provenance chains overlap: the same
speaker, or the same relaying outlet (circular reporting). Evidence that rests on the
claim's own speaker or relaying outlet is no corroboration of it at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from sources.models import SourceKind

from .models import Claim, Evidence, EvidenceStance


@dataclass
class Origin:
    """A group of evidence items that rest on one origin."""

    items: list[Evidence] = field(default_factory=list)
    shared: set[str] = field(default_factory=set)  # the chain links that tie the items together

    @property
    def is_document(self) -> bool:
        return any(item.source is not None and item.source.kind == SourceKind.DOCUMENT for item in self.items)

    def explain(self) -> str:
        ids = ", ".join(f"#{item.pk}" for item in self.items)
        if len(self.items) == 1:
            return f"evidence {ids} stands alone"
        return f"evidence {ids} are one origin: all rest on {', '.join(sorted(self.shared))}"


def chain_links(evidence: Evidence) -> dict[str, str]:
    """The provenance links an evidence item rests on, keyed for overlap, with a label."""
    links: dict[str, str] = {}
    if evidence.source is not None:
        links[f"source:{evidence.source_id}"] = evidence.source.name
    related = evidence.related_claim
    if related is not None:
        if related.speaker is not None:
            links[f"source:{related.speaker_id}"] = related.speaker.name
        if related.via_outlet is not None:
            links[f"source:{related.via_outlet_id}"] = related.via_outlet.name
        elif related.speaker is None:
            publisher = related.article.publisher
            links[f"source:{publisher.pk}"] = publisher.name
    return links


def claim_links(claim: Claim) -> dict[str, str]:
    links = {}
    for source in (claim.speaker, claim.via_outlet):
        if source is not None:
            links[f"source:{source.pk}"] = source.name
    return links


def group_origins(items: list[Evidence]) -> list[Origin]:
    """Union items whose chains share any link; each group is one independent origin."""
    origins: list[tuple[dict[str, str], Origin]] = []
    for item in items:
        links = chain_links(item)
        merged_links, merged = dict(links), Origin(items=[item])
        keep = []
        for other_links, other in origins:
            common = links.keys() & other_links.keys()
            if common:
                merged.items = other.items + merged.items
                merged.shared |= other.shared | {other_links[key] for key in common}
                merged_links.update(other_links)
            else:
                keep.append((other_links, other))
        origins = keep + [(merged_links, merged)]
    return [origin for _, origin in origins]


def supporting_evidence(claim: Claim) -> list[Evidence]:
    return list(
        claim.evidence.filter(stance=EvidenceStance.SUPPORTS, is_suggestion=False).select_related(
            "source", "related_claim__speaker", "related_claim__via_outlet", "related_claim__article__publisher"
        )
    )


def corroboration_shortfall(claim: Claim) -> str | None:
    """Why the claim cannot be corroborated yet, or None when enough origins support it."""
    own = claim_links(claim)
    independent, circular = [], []
    for item in supporting_evidence(claim):
        (circular if chain_links(item).keys() & own.keys() else independent).append(item)
    origins = group_origins(independent)
    if settings.CORROBORATION_DOCUMENT_SUFFICES and any(origin.is_document for origin in origins):
        return None
    needed = settings.CORROBORATION_MIN_ORIGINS
    if len(origins) >= needed:
        return None
    parts = [f"corroborated needs supporting evidence from {needed} independent origins, found {len(origins)}"]
    if circular:
        ids = ", ".join(f"#{item.pk}" for item in circular)
        parts.append(f"evidence {ids} rests on the claim's own source ({', '.join(sorted(own.values()))}): circular")
    parts += [origin.explain() for origin in origins if len(origin.items) > 1]
    return "; ".join(parts)
