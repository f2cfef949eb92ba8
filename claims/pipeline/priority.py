"""Why a claim ranks where it does in the queue: its priority, taken apart (README, "Check-worthiness")."""

from __future__ import annotations

from ..models import Claim
from ..triage.scoring import is_check_worthy, priority_term
from .ingestion import claim_priority


def priority_reasons(claim: Claim, *, score_shown: bool = False) -> list[tuple[str, int]]:
    """(reason, points) for each part of the priority, in the formula's order; the parts sum to it.

    `score_shown`: the page already shows the check-worthiness score, so its part names no figure
    (one figure per page, never 1.00 beside 0.99 from two roundings)."""
    level = claim_priority(claim.attribution_level)
    worth = priority_term(claim.check_worthiness)
    parts = [(f"sourcing: {claim.get_attribution_level_display().lower()}", level)]
    if claim.check_worthiness is None:
        parts.append(("check-worthiness: not scored yet", 0))
    else:
        verdict = "check-worthy" if is_check_worthy(claim.check_worthiness) else "not check-worthy"
        shown = f"check-worthiness ({verdict})" if score_shown else f"check-worthiness {claim.check_worthiness:.2f} ({verdict})"
        parts.append((shown, worth))
    rest = claim.priority - level - worth
    if rest:
        parts.append(("track record, escalation or edits", rest))
    return parts


def priority_why(claim: Claim, *, score_shown: bool = False) -> str:
    return "; ".join(f"{reason} {points:+d}" for reason, points in priority_reasons(claim, score_shown=score_shown))
