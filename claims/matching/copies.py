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
from django.utils import timezone

from sources.normalize import normalize_name, sentence_key

from .. import jobs
from ..delivery.outbox import outbox_record
from . import retrieval
from ..models import (
    Article, Claim, ClaimMatch, ClaimStatus, CopyKey, CopyMethod, Evidence, HistoryKind, PublishedVerdict, StatusChange,
)
from ..roles import can_edit_desk
from ..workflow import GuardFailed, NotACopy, StaleVersion, TransitionForbidden


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
    retrieval.claims_regrouped(claim_ids=[claim.pk for claim in changed + followers])
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
                for article_id in set(Claim.objects.filter(pk__in=joined).values_list("article_id", flat=True)):
                    article_link_copy(article_id=article_id)
        result.scanned += len(batch)
        result.joined += len(joined)
        result.last_id = batch[-1][0]
        batches += 1
    return result


@transaction.atomic
def copy_group_lead(*, claim: Claim | int, actor, reason: str, expected_version: int | None = None) -> Claim:
    """An editor makes a copy the lead of its group (the first arrival may be the odd one out).

    The group's review moves to it in one transaction: assignee, priority and re-check date,
    evidence, the published fact-check (its public page follows), matches and text keys; every
    member becomes its copy (the old lead too) and its attribution is compared with the new
    lead's. Each claim keeps its own history; both record the change with the reason, newsroom
    tools get `claim.group_lead_changed`, and the new lead is embedded and matched after commit.
    """
    claim_id = claim.pk if isinstance(claim, Claim) else claim
    group_id = Claim.objects.filter(pk=claim_id).values_list("copy_of_id", flat=True).first()
    # The whole group, locked in id order (as transition locks a first and then its copies follow).
    members = {
        c.pk: c for c in Claim.objects.select_for_update(of=("self",))
        .filter(Q(pk=claim_id) | Q(pk=group_id) | Q(copy_of_id=group_id)).order_by("pk")
    }
    new = members[claim_id]
    refuse = {"claim": new, "to": new.status, "allowed": []}
    if not can_edit_desk(actor):
        raise TransitionForbidden("only an editor may choose a copy group's lead", **refuse)
    if expected_version is not None and expected_version != new.version:
        raise StaleVersion(f"claim {new.pk} is at version {new.version}, not {expected_version}: reload it and try again",
                           **refuse)
    if new.copy_of_id is None or new.copy_of_id != group_id:
        raise NotACopy(f"claim {new.pk} is no copy: it leads its group already, or is in none", **refuse)
    if not reason.strip():
        raise GuardFailed("a new lead needs a reason, which both histories keep", **refuse)
    old, now = members[group_id], timezone.now()
    method, score = new.copy_method, new.copy_score
    new.copy_of, new.copy_method, new.copy_score, new.attribution_differs = None, "", None, False
    new.assignee_id, new.priority, new.recheck_after = old.assignee_id, old.priority, old.recheck_after
    old.assignee_id, old.recheck_after, old.copy_method, old.copy_score = None, None, method, score
    for member in members.values():
        if member.pk != new.pk:
            member.copy_of_id, member.attribution_differs = new.pk, attribution_differs(member, new)
        member.version += 1
    Claim.objects.bulk_update(
        list(members.values()),
        ["copy_of", "copy_method", "copy_score", "attribution_differs", "assignee", "priority", "recheck_after", "version"],
    )
    retrieval.claims_regrouped(claim_ids=list(members))
    Evidence.objects.filter(claim_id=old.pk).update(claim_id=new.pk)
    PublishedVerdict.objects.filter(claim_id=old.pk).update(claim_id=new.pk)
    CopyKey.objects.filter(claim_id=old.pk).update(claim_id=new.pk)
    # The group's matches are the lead's (at most CLAIM_MATCH_MAX_PER_CLAIM rows); a pair the new
    # lead already had keeps its own row.
    for match in ClaimMatch.objects.filter(Q(claim_a_id=old.pk) | Q(claim_b_id=old.pk)):
        other = match.claim_b_id if match.claim_a_id == old.pk else match.claim_a_id
        low, high = sorted((new.pk, other))
        if other == new.pk or ClaimMatch.objects.filter(claim_a_id=low, claim_b_id=high).exists():
            match.delete()
        else:
            match.claim_a_id, match.claim_b_id = low, high
            match.save(update_fields=["claim_a", "claim_b"])
    note = f"claim {new.pk} (article {new.article_id}) leads the copy group of claim {old.pk} from now on: {reason}"
    StatusChange.objects.bulk_create([
        StatusChange(claim=c, kind=HistoryKind.LEAD, from_status=c.status, to_status=c.status, actor=actor, note=note)
        for c in (new, old)
    ])
    outbox_record(
        kind="claim.group_lead_changed", claim=new,
        payload={"claim": new.pk, "previous": old.pk, "members": len(members), "version": new.version,
                 "actor": actor.get_username(), "reason": reason, "at": now.isoformat()},
    )
    for article_id in {new.article_id, old.article_id}:
        article_link_copy(article_id=article_id)
    jobs.enqueue_on_commit("match_article", new.article_id, what=f"matching of article {new.article_id} after a new lead")
    return new
