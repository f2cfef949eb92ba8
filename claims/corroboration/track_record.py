"""Source track records: what a source's claims turned out to be, and a smoothed reliability."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q

from ..models import VERDICTS, Claim, ClaimStatus


@dataclass
class TrackRecord:
    source_id: int
    by_level: dict[str, int] = field(default_factory=dict)
    by_verdict: dict[str, int] = field(default_factory=dict)

    @property
    def verdicts(self) -> int:
        return sum(self.by_verdict.values())

    @property
    def reliability(self) -> float:
        """Posterior mean of a Beta prior: corroborated counts for, refuted against, disputed half each.

        With no verdicts it is the prior mean (0.5), so one lucky claim cannot make a source reliable.
        """
        alpha, beta = settings.TRACK_RECORD_PRIOR
        good = self.by_verdict.get(ClaimStatus.CORROBORATED, 0) + 0.5 * self.by_verdict.get(ClaimStatus.DISPUTED, 0)
        bad = self.by_verdict.get(ClaimStatus.REFUTED, 0) + 0.5 * self.by_verdict.get(ClaimStatus.DISPUTED, 0)
        return round((alpha + good) / (alpha + beta + good + bad), 4)

    def as_dict(self) -> dict:
        return {
            "claims_by_level": self.by_level,
            "claims_by_verdict": self.by_verdict,
            "verdicts": self.verdicts,
            "reliability": self.reliability,
        }


def track_records(source_ids: list[int] | set[int]) -> dict[int, TrackRecord]:
    """Track records for these sources (as speaker or relaying outlet) in one aggregate query."""
    records = {source_id: TrackRecord(source_id) for source_id in source_ids}
    if not records:
        return records
    rows = (
        Claim.objects.filter(Q(speaker_id__in=records) | Q(via_outlet_id__in=records))
        .values_list("speaker_id", "via_outlet_id", "attribution_level", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for speaker_id, via_id, level, status, n in rows:
        for source_id in {speaker_id, via_id} & records.keys():
            record = records[source_id]
            record.by_level[level] = record.by_level.get(level, 0) + n
            if status in VERDICTS:
                record.by_verdict[status] = record.by_verdict.get(status, 0) + n
    return records


def track_record(source_id: int) -> TrackRecord:
    return track_records([source_id])[source_id]


def priority_adjustment(reliability: float, verdicts: int) -> int:
    """Sources with a poor record are reviewed sooner; a good record lowers the priority a little."""
    if verdicts == 0:
        return 0
    return round((0.5 - reliability) * settings.TRACK_RECORD_PRIORITY_WEIGHT)
