"""A claim's provenance chain: who said it -> who relayed it -> who published it."""

from __future__ import annotations

from dataclasses import dataclass

from ..models import Claim


@dataclass(frozen=True)
class ChainLink:
    role: str  # "speaker", "relayed_by", "published_by"
    source_id: int | None
    name: str
    kind: str

    def as_dict(self) -> dict:
        return {"role": self.role, "source": self.source_id, "name": self.name, "kind": self.kind}


def provenance(claim: Claim) -> list[ChainLink]:
    """Speaker -> relaying outlet -> publisher. Needs speaker, via_outlet and article__publisher loaded."""
    chain = []
    if claim.speaker is not None:
        # The speaker as the article names them ("sources familiar with the exchange").
        chain.append(ChainLink("speaker", claim.speaker_id, claim.speaker_text or claim.speaker.name, claim.speaker.kind))
    elif claim.speaker_text:
        chain.append(ChainLink("speaker", None, claim.speaker_text, ""))
    if claim.via_outlet is not None:
        chain.append(ChainLink("relayed_by", claim.via_outlet_id, claim.via_outlet.name, claim.via_outlet.kind))
    publisher = claim.article.publisher
    chain.append(ChainLink("published_by", publisher.pk, publisher.name, publisher.kind))
    return chain
