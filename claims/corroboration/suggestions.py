"""Suggested evidence: what matching and propagation propose, and only a reviewer accepts."""

from __future__ import annotations

from ..models import Claim, Evidence


def suggest_evidence(*, claim: Claim, related: Claim, stance: str, note: str, source=None) -> Evidence | None:
    """A suggested evidence item (once per claim, related claim, stance and source); none on a claim with a verdict."""
    if claim.has_verdict:
        return None
    evidence, _ = Evidence.objects.get_or_create(
        claim=claim, related_claim=related, stance=stance, source=source, is_suggestion=True, defaults={"note": note}
    )
    return evidence
