"""Old claims join copy groups (issue 25): `manage.py group_copies` groups same-text claims stored
before copy groups existed, never undoing anyone's work."""

from io import StringIO

import pytest
from django.core.management import call_command

from claims import workflow
from claims.models import Claim, ClaimStatus, CopyKey, EvidenceStance
from tests.factories import ArticleFactory, ClaimFactory, EvidenceFactory

pytestmark = pytest.mark.django_db
S = ClaimStatus
SENTENCE = "The ministry said the northern bridge will reopen on Monday."


def old_claim(text: str = SENTENCE, **kwargs) -> Claim:
    """A claim as an archive from before copy groups holds it: stored, its text never registered."""
    article = ArticleFactory(body=f"{text} Local line {ArticleFactory._meta.model.objects.count()}.")
    return ClaimFactory(article=article, end=len(text), text=text, **kwargs)


def group_copies(*args) -> str:
    out = StringIO()
    call_command("group_copies", *args, stdout=out)
    return out.getvalue()


def test_untouched_old_claims_join_one_group_and_a_second_run_changes_nothing():
    first, *others = [old_claim() for _ in range(4)]
    lone = old_claim("Another sentence entirely, said the mayor.")
    assert not CopyKey.objects.exists()
    assert "scanned 5 claims, 3 joined" in group_copies("--batch-size", "2")  # batches cross the group
    for other in others:
        other.refresh_from_db()
        assert other.copy_of_id == first.pk and other.copy_method == "same_text"
    lone.refresh_from_db()
    assert lone.copy_of_id is None
    assert "0 joined" in group_copies()
    assert set(CopyKey.objects.values_list("claim_id", flat=True)) == {first.pk, lone.pk}


def test_a_reviewed_claim_leads_its_group_and_is_never_made_a_copy(reviewer):
    untouched = old_claim()
    reviewed = old_claim()
    workflow.transition(claim=reviewed, to=S.QUEUED, actor=None, assignee=reviewer)
    workflow.transition(claim=reviewed, to=S.IN_REVIEW, actor=reviewer)
    EvidenceFactory(claim=reviewed, stance=EvidenceStance.CONTRADICTS, added_by=reviewer)
    workflow.transition(claim=reviewed, to=S.REFUTED, actor=reviewer, note="the ministry denied it")
    later = old_claim()
    group_copies()
    untouched.refresh_from_db()
    reviewed.refresh_from_db()
    later.refresh_from_db()
    assert reviewed.copy_of_id is None and reviewed.status == S.REFUTED
    # The untouched ones follow the reviewed claim: its verdict is theirs.
    assert (untouched.copy_of_id, untouched.status) == (reviewed.pk, S.REFUTED)
    assert (later.copy_of_id, later.status) == (reviewed.pk, S.REFUTED)
    assert CopyKey.objects.get().claim_id == reviewed.pk


def test_two_reviewed_claims_with_the_same_words_stay_apart(reviewer):
    a, b = old_claim(), old_claim()
    for claim in (a, b):
        workflow.transition(claim=claim, to=S.QUEUED, actor=None, assignee=reviewer)
    group_copies()
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.copy_of_id is None and b.copy_of_id is None


def test_resuming_after_an_id_skips_what_was_done():
    old_claim()
    second = old_claim()
    assert f"last id {second.pk}" in group_copies("--after-id", "0")
    assert "scanned 0 claims" in group_copies("--after-id", str(second.pk))
