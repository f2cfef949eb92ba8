import pytest

from claims import workflow
from claims.models import Claim, ClaimStatus, EvidenceStance, OutboxEvent, StatusChange
from sources.models import SourceKind
from tests.factories import ClaimFactory, EvidenceFactory, SourceFactory

S = ClaimStatus
ALL = list(S.values)

# The route from unverified to each status, by the system or the assignee.
ROUTES = {
    S.UNVERIFIED: [],
    S.QUEUED: [S.QUEUED],
    S.IN_REVIEW: [S.QUEUED, S.IN_REVIEW],
    **{v: [S.QUEUED, S.IN_REVIEW, v] for v in (S.CORROBORATED, S.DISPUTED, S.REFUTED, S.UNVERIFIABLE)},
    S.NEEDS_RECHECK: [S.QUEUED, S.IN_REVIEW, S.REFUTED, S.NEEDS_RECHECK],
}


def with_all_evidence(claim: Claim) -> Claim:
    """Evidence that satisfies every verdict guard: two independent supporters, one contradiction."""
    EvidenceFactory(claim=claim, stance=EvidenceStance.SUPPORTS, source=SourceFactory(name="Ana Diaz"))
    EvidenceFactory(claim=claim, stance=EvidenceStance.SUPPORTS, source=SourceFactory(name="Ben Ode"))
    EvidenceFactory(claim=claim, stance=EvidenceStance.CONTRADICTS, source=SourceFactory(name="Cy Fox"))
    return claim


def drive(claim: Claim, status: str, reviewer) -> Claim:
    for step in ROUTES[status]:
        if step == S.QUEUED:
            claim = workflow.transition(claim=claim, to=step, actor=None, assignee=reviewer)
        else:
            claim = workflow.transition(claim=claim, to=step, actor=reviewer, note="checked the record")
    return claim


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "target"), sorted(workflow.MOVES))
def test_every_allowed_move_succeeds_and_writes_history(source, target, reviewer, editor):
    claim = drive(with_all_evidence(ClaimFactory()), source, reviewer)
    history_before = StatusChange.objects.filter(claim=claim).count()
    version_before = claim.version
    actor = editor  # editors may make every human move
    if workflow.SYSTEM in workflow.MOVES[(source, target)].actors and workflow.EDITOR not in workflow.MOVES[(source, target)].actors:
        actor = None
    kwargs = {"assignee": reviewer} if target == S.QUEUED else {}
    moved = workflow.transition(claim=claim, to=target, actor=actor, note="a note", expected_version=version_before, **kwargs)
    moved.refresh_from_db()
    assert moved.status == target
    assert moved.version == version_before + 1
    last = StatusChange.objects.filter(claim=claim).latest()
    assert (last.from_status, last.to_status, last.actor) == (source, target, actor)
    assert StatusChange.objects.filter(claim=claim).count() == history_before + 1
    assert OutboxEvent.objects.filter(claim=claim, payload__to=target).exists()


REFUSED = [(a, b) for a in ALL for b in ALL if (a, b) not in workflow.MOVES]


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "target"), REFUSED)
def test_every_move_outside_the_table_is_refused_naming_the_allowed(source, target, reviewer, editor):
    claim = drive(with_all_evidence(ClaimFactory()), source, reviewer)
    before = (claim.version, StatusChange.objects.count())
    with pytest.raises(workflow.InvalidTransition) as refused:
        workflow.transition(claim=claim, to=target, actor=editor, note="x")
    assert refused.value.allowed == workflow.allowed_moves(claim, editor)
    for allowed in workflow.moves_from(source):
        assert allowed in str(refused.value)
    claim.refresh_from_db()
    assert claim.status == source
    assert (claim.version, StatusChange.objects.count()) == before


@pytest.mark.django_db
def test_unknown_status_is_refused(claim, editor):
    with pytest.raises(workflow.InvalidTransition, match="unknown status 'approved'"):
        workflow.transition(claim=claim, to="approved", actor=editor)


@pytest.mark.django_db
def test_only_the_assignee_or_an_editor_reviews(reviewer, other_reviewer, editor):
    claim = drive(ClaimFactory(), S.QUEUED, reviewer)
    with pytest.raises(workflow.TransitionForbidden) as refused:
        workflow.transition(claim=claim, to=S.IN_REVIEW, actor=other_reviewer)
    assert refused.value.allowed == []
    assert workflow.transition(claim=claim, to=S.IN_REVIEW, actor=editor).status == S.IN_REVIEW


@pytest.mark.django_db
def test_unassign_is_for_editors_only_and_clears_the_assignee(reviewer, editor):
    claim = drive(ClaimFactory(), S.IN_REVIEW, reviewer)
    with pytest.raises(workflow.TransitionForbidden):
        workflow.transition(claim=claim, to=S.UNVERIFIED, actor=reviewer)
    claim = workflow.transition(claim=claim, to=S.UNVERIFIED, actor=editor)
    assert claim.assignee is None


@pytest.mark.django_db
def test_reviewer_may_only_queue_a_claim_for_themselves(claim, reviewer, other_reviewer):
    with pytest.raises(workflow.TransitionForbidden):
        workflow.transition(claim=claim, to=S.QUEUED, actor=reviewer, assignee=other_reviewer)
    assert workflow.transition(claim=claim, to=S.QUEUED, actor=reviewer, assignee=reviewer).assignee == reviewer


@pytest.mark.django_db
def test_system_cannot_give_verdicts(reviewer):
    claim = drive(with_all_evidence(ClaimFactory()), S.IN_REVIEW, reviewer)
    with pytest.raises(workflow.TransitionForbidden):
        workflow.transition(claim=claim, to=S.CORROBORATED, actor=None)


@pytest.mark.django_db
def test_stale_version_is_refused_and_nothing_written(reviewer):
    claim = drive(ClaimFactory(), S.QUEUED, reviewer)
    with pytest.raises(workflow.StaleVersion) as refused:
        workflow.transition(claim=claim, to=S.IN_REVIEW, actor=reviewer, expected_version=claim.version - 1)
    assert refused.value.allowed == [S.IN_REVIEW]
    claim.refresh_from_db()
    assert claim.status == S.QUEUED
    assert claim.history.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("verdict", "stances", "note", "reason"),
    [
        (S.REFUTED, [EvidenceStance.SUPPORTS], "", "contradicting evidence"),
        (S.DISPUTED, [EvidenceStance.SUPPORTS], "", "both supporting and contradicting"),
        (S.DISPUTED, [EvidenceStance.CONTRADICTS], "", "both supporting and contradicting"),
        (S.UNVERIFIABLE, [], "   ", "needs a note"),
        (S.CORROBORATED, [EvidenceStance.SUPPORTS], "", "2 independent origins, found 1"),
    ],
)
def test_guards_refuse_without_their_evidence(verdict, stances, note, reason, reviewer):
    claim = drive(ClaimFactory(), S.IN_REVIEW, reviewer)
    for stance in stances:
        EvidenceFactory(claim=claim, stance=stance)
    with pytest.raises(workflow.GuardFailed, match=reason):
        workflow.transition(claim=claim, to=verdict, actor=reviewer, note=note)
    claim.refresh_from_db()
    assert claim.status == S.IN_REVIEW


@pytest.mark.django_db
def test_corroboration_counts_origins_not_rows(reviewer):
    claim = drive(ClaimFactory(), S.IN_REVIEW, reviewer)
    same = SourceFactory(name="Single Witness")
    EvidenceFactory(claim=claim, source=same, url="https://a.example/1")
    EvidenceFactory(claim=claim, source=same, url="https://b.example/2")
    with pytest.raises(workflow.GuardFailed, match="found 1"):
        workflow.transition(claim=claim, to=S.CORROBORATED, actor=reviewer)


@pytest.mark.django_db
def test_evidence_from_the_claims_own_speaker_is_circular(reviewer):
    speaker = SourceFactory(name="Minister Doe", kind=SourceKind.GOVERNMENT)
    claim = drive(ClaimFactory(speaker=speaker), S.IN_REVIEW, reviewer)
    EvidenceFactory(claim=claim, source=speaker)
    EvidenceFactory(claim=claim, source=SourceFactory(name="Independent Auditor"))
    with pytest.raises(workflow.GuardFailed, match="circular"):
        workflow.transition(claim=claim, to=S.CORROBORATED, actor=reviewer)


@pytest.mark.django_db
def test_one_primary_document_suffices_by_policy(reviewer, settings):
    claim = drive(ClaimFactory(), S.IN_REVIEW, reviewer)
    EvidenceFactory(claim=claim, source=SourceFactory(name="Court filing 12-345", kind=SourceKind.DOCUMENT))
    settings.CORROBORATION_DOCUMENT_SUFFICES = False
    with pytest.raises(workflow.GuardFailed):
        workflow.transition(claim=claim, to=S.CORROBORATED, actor=reviewer)
    settings.CORROBORATION_DOCUMENT_SUFFICES = True
    claim = workflow.transition(claim=claim, to=S.CORROBORATED, actor=reviewer)
    assert claim.status == S.CORROBORATED
    assert claim.recheck_after is not None and claim.verdict_at is not None
