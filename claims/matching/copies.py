"""Copy groups: one story in many outlets is reviewed once.

A claim whose normalised text (`sources.normalize.sentence_key`) already stands in a claim
of another article joins that claim's group when it is stored; a rewording that retrieval
scores at or above the calibrated copy threshold joins it when its article is matched
(claims/matching/matches.py decides, this module writes). A group is its first claim and
its copies (`Claim.copy_of`, always the first, never a chain):

- only the first is queued, embedded, searched and matched; copies follow its status
  (claims/workflow.py writes both in one transaction) and carry its check-worthiness;
- each copy keeps its own article, publisher, speaker and provenance chain, and one whose
  attribution differs from the first's (the same words, another speaker or level) is
  flagged `attribution_differs`, shown to the reviewer, never merged silently;
- an editor may split a wrong member out (workflow.copy_split): it is its own claim from
  then on, recorded in its history, and never grouped again.

An article made almost entirely of copies (ARTICLE_COPY_MIN_SHARE) is a near-identical
copy of the story most of them come from (`Article.copy_of`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q

from sources.normalize import normalize_name, sentence_key

from ..models import Article, Claim, ClaimStatus, CopyKey, CopyMethod


@dataclass(frozen=True)
class Joining:
    """A claim about to join a group: `first_id` is the group's first claim (or a member of it)."""

    claim_id: int
    first_id: int
    method: str
    score: float | None = None


def attribution_differs(copy: Claim, first: Claim) -> bool:
    """Another level, or another speaker as written ("officials" in two outlets is the same words;
    "Trump" and "President Trump" are one Source)."""
    if copy.attribution_level != first.attribution_level:
        return True
    if copy.speaker_id == first.speaker_id:
        return False
    return normalize_name(copy.speaker_text) != normalize_name(first.speaker_text)


def _join(claim: Claim, first: Claim, method: str, score: float | None = None) -> None:
    """Set a claim's group fields (in memory): the first's status, verdict time and score, the difference flag."""
    claim.copy_of_id, claim.copy_method, claim.copy_score = first.pk, method, score
    claim.status, claim.verdict_at, claim.status_changed_at = first.status, first.verdict_at, first.status_changed_at
    claim.check_worthiness, claim.check_worthiness_version = first.check_worthiness, first.check_worthiness_version
    claim.attribution_differs = attribution_differs(claim, first)


JOIN_FIELDS = [
    "copy_of", "copy_method", "copy_score", "status", "verdict_at", "status_changed_at",
    "check_worthiness", "check_worthiness_version", "attribution_differs",
]


def claims_mark_known_copies(*, claims: list[Claim]) -> int:
    """Before they are stored: claims whose normalised text already has a group join it (one indexed
    read of CopyKey, one of the firsts). Returns how many are copies."""
    keys = {id(claim): sentence_key(claim.text) for claim in claims}
    held = dict(CopyKey.objects.filter(key__in=set(keys.values())).values_list("key", "claim_id"))
    if not held:
        return 0
    firsts = Claim.objects.in_bulk(set(held.values()))
    if chained := {first.copy_of_id for first in firsts.values() if first.copy_of_id is not None}:
        groups = Claim.objects.in_bulk(chained)  # keys lead to firsts; should one lag, never build a chain
        firsts = {pk: groups[first.copy_of_id] if first.copy_of_id else first for pk, first in firsts.items()}
    marked = 0
    for claim in claims:
        first = firsts.get(held.get(keys[id(claim)]))
        if first is not None:
            _join(claim, first, CopyMethod.SAME_TEXT)
            marked += 1
    return marked


def claims_register_texts(*, claims: list[Claim]) -> int:
    """After they are stored: the texts new to the archive are registered, each with its earliest
    claim as the group's first. A worker that registered the same text a moment earlier wins (the
    primary key; PostgreSQL makes us wait for its commit), and ours then join its group, as does a
    second copy of a sentence within one article. Returns how many joined that way."""
    new_firsts = sorted((claim for claim in claims if claim.copy_of_id is None), key=lambda c: c.pk)
    if not new_firsts:
        return 0
    keys = {claim.pk: sentence_key(claim.text) for claim in new_firsts}
    founders: dict[str, int] = {}
    for pk, key in keys.items():
        founders.setdefault(key, pk)
    CopyKey.objects.bulk_create([CopyKey(key=k, claim_id=pk) for k, pk in sorted(founders.items())], ignore_conflicts=True)
    held = dict(CopyKey.objects.filter(key__in=list(founders)).values_list("key", "claim_id"))
    joining = [Joining(pk, held[key], CopyMethod.SAME_TEXT) for pk, key in keys.items() if held[key] != pk]
    return len(claims_join(joining))


def claims_join(joining: list[Joining]) -> list[int]:
    """Make these stored claims copies of their groups (a rewording found by matching, a lost race).

    A claim that leads a group of its own (copies of its text arrived before its rewording was
    found) brings its copies along: nobody has worked on them either (callers pass untouched
    claims only, `unworked`). One split out by an editor stays as it is. The texts it
    registered now lead to the group it joined. Returns the ids that joined.
    """
    if not joining:
        return []
    members = Claim.objects.in_bulk([j.first_id for j in joining] + [j.claim_id for j in joining])
    firsts = Claim.objects.in_bulk({members[j.first_id].group_id for j in joining})
    changed = []
    for j in joining:
        claim, first = members[j.claim_id], firsts[members[j.first_id].group_id]
        if claim.pk == first.pk or claim.copy_split or claim.copy_of_id is not None or claim.pk in firsts:
            continue  # already grouped, or itself the first of a group others are joining now
        _join(claim, first, j.method, j.score)
        changed.append(claim)
    group_of = {claim.pk: claim.copy_of_id for claim in changed}
    followers = list(Claim.objects.filter(copy_of_id__in=list(group_of)))
    for follower in followers:  # the joined claim's own copies move with it, flat (never a chain)
        first = firsts[group_of[follower.copy_of_id]]
        _join(follower, first, follower.copy_method, follower.copy_score)
    Claim.objects.bulk_update(changed + followers, JOIN_FIELDS)
    handed = list(CopyKey.objects.filter(claim_id__in=list(group_of)))
    for row in handed:  # a first that joined late hands its texts to its group
        row.claim_id = group_of[row.claim_id]
    CopyKey.objects.bulk_update(handed, ["claim"])
    return [claim.pk for claim in changed]


def copies_refresh_differences(*, claims: list[Claim]) -> None:
    """Re-extracted copies: their attribution may now differ from their first's, or agree again."""
    copies = [claim for claim in claims if claim.copy_of_id is not None]
    if not copies:
        return
    firsts = Claim.objects.in_bulk({claim.copy_of_id for claim in copies})
    for claim in copies:
        claim.attribution_differs = attribution_differs(claim, firsts[claim.copy_of_id])
    Claim.objects.bulk_update(copies, ["attribution_differs"])


def unworked(claim_ids: list[int]) -> list[int]:
    """Of these, the claims nobody has touched yet (unverified, unassigned, no history, no evidence,
    never split): only those may still join a group by rewording (with their copies, untouched
    too: a copy is never worked on by itself)."""
    return list(
        Claim.objects.filter(pk__in=claim_ids, status=ClaimStatus.UNVERIFIED, assignee__isnull=True,
                             copy_of__isnull=True, copy_split=False)
        .filter(history__isnull=True, evidence__isnull=True)
        .values_list("pk", flat=True).distinct()
    )


def article_link_copy(*, article_id: int) -> Article | None:
    """Link an article to the story it copies when almost all of its claims are copies.

    The story is the article holding the most of their groups' first claims. Recomputed
    after extraction and after matching (a rewording joins a group only then).
    """
    counts = Claim.objects.filter(article_id=article_id).aggregate(
        total=Count("pk"), copies=Count("pk", filter=Q(copy_of__isnull=False))
    )
    share = counts["copies"] / counts["total"] if counts["total"] else 0.0
    origin = None
    if counts["total"] and share >= settings.ARTICLE_COPY_MIN_SHARE:
        origins = Counter(
            Claim.objects.filter(copies__article_id=article_id).exclude(article_id=article_id)
            .values_list("article_id", flat=True)
        )
        if origins:
            origin = min(origins, key=lambda pk: (-origins[pk], pk))  # most of its groups, the earliest on a tie
    Article.objects.filter(pk=article_id).update(copy_of_id=origin, copy_share=round(share, 4))
    return Article.objects.filter(pk=article_id).first()


@dataclass
class BackfillResult:
    scanned: int = 0
    joined: int = 0
    last_id: int = 0


def copies_backfill(*, after_id: int = 0, batch_size: int = 1000, max_batches: int | None = None) -> BackfillResult:
    """Group claims stored before copy groups existed (or whose text was never registered): same-text
    copies in other articles join one group, nobody's work is undone.

    Claims are read in id order, one batch per transaction; each batch registers its texts
    (CopyKey) and joins its untouched claims (`unworked`) to the group holding their text. Where the
    holder is untouched and the claim was worked on (a verdict, evidence, history), the holder joins
    the claim's group instead: the group's first is the claim a reviewer already checked. Two worked
    claims with the same text stay apart (matching links them). Idempotent and resumable
    (`after_id`: the last id of an earlier run). Returns what it scanned and joined.
    """
    from . import retrieval  # late: the index lives beside retrieval, copies only write rows

    result = BackfillResult(last_id=after_id)
    batches = 0
    while max_batches is None or batches < max_batches:
        with transaction.atomic():
            batch = list(
                Claim.objects.filter(pk__gt=result.last_id, copy_of__isnull=True, copy_split=False)
                .order_by("pk").values_list("pk", "text")[:batch_size]
            )
            if not batch:
                break
            keys = {pk: sentence_key(text) for pk, text in batch}
            founders: dict[str, int] = {}
            for pk, key in keys.items():
                founders.setdefault(key, pk)
            CopyKey.objects.bulk_create([CopyKey(key=k, claim_id=pk) for k, pk in founders.items()], ignore_conflicts=True)
            held = dict(CopyKey.objects.filter(key__in=list(founders)).values_list("key", "claim_id"))
            pairs = [(pk, held[key]) for pk, key in keys.items() if held[key] != pk]
            free = set(unworked([pk for pair in pairs for pk in pair]))
            # The worked claim leads: an untouched holder (with its copies) joins it first.
            leads = [Joining(holder, pk, CopyMethod.SAME_TEXT) for pk, holder in pairs if pk not in free and holder in free]
            joined = claims_join(leads)
            followers = [Joining(pk, holder, CopyMethod.SAME_TEXT) for pk, holder in pairs if pk in free]
            joined += claims_join(followers)
            if joined:
                retrieval.search_index().remove(retrieval.key_of(retrieval.CLAIM, pk) for pk in joined)
                for article_id in set(Claim.objects.filter(pk__in=joined).values_list("article_id", flat=True)):
                    article_link_copy(article_id=article_id)
        result.scanned += len(batch)
        result.joined += len(joined)
        result.last_id = batch[-1][0]
        batches += 1
    return result
