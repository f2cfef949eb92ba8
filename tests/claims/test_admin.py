import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from claims import workflow
from claims.models import ClaimStatus, StatusChange
from tests.factories import ClaimFactory, EvidenceFactory

CHANGELIST = "admin:claims_claim_changelist"


def run_action(client, action: str, claims) -> list[str]:
    response = client.post(
        reverse(CHANGELIST), {"action": action, "_selected_action": [c.pk for c in claims]}, follow=True
    )
    assert response.status_code == 200
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.django_db
def test_start_review_moves_own_claims_and_reports_refusals(client, reviewer, other_reviewer):
    mine = workflow.transition(claim=ClaimFactory(), to=ClaimStatus.QUEUED, actor=None, assignee=reviewer)
    theirs = workflow.transition(claim=ClaimFactory(), to=ClaimStatus.QUEUED, actor=None, assignee=other_reviewer)
    client.force_login(reviewer)
    shown = run_action(client, "start_review", [mine, theirs])
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == (ClaimStatus.IN_REVIEW, ClaimStatus.QUEUED)
    assert any(f"Moved 1 claim(s) to in_review: {mine.pk}" in m for m in shown)
    assert any(m.startswith(f"Refused: claim {theirs.pk}:") and "may not" in m for m in shown)
    assert StatusChange.objects.filter(claim=mine, actor=reviewer).count() == 1


@pytest.mark.django_db
def test_assign_to_me_and_unassign(client, editor, reviewer):
    claim = ClaimFactory()
    client.force_login(reviewer)
    run_action(client, "assign_to_me", [claim])
    claim.refresh_from_db()
    assert (claim.status, claim.assignee) == (ClaimStatus.QUEUED, reviewer)
    shown = run_action(client, "unassign", [claim])
    assert any("Refused" in m and "editor" in m for m in shown)
    client.force_login(editor)
    run_action(client, "unassign", [claim])
    claim.refresh_from_db()
    assert (claim.status, claim.assignee) == (ClaimStatus.UNVERIFIED, None)


@pytest.mark.django_db
def test_mark_needs_recheck_refused_without_verdict(client, editor):
    claim = ClaimFactory()
    client.force_login(editor)
    shown = run_action(client, "mark_needs_recheck", [claim])
    assert any("cannot move a claim from unverified to needs_recheck" in m for m in shown)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.UNVERIFIED


@pytest.mark.django_db
def test_claim_page_shows_history_and_evidence_and_adds_evidence(client, reviewer):
    claim = workflow.transition(claim=ClaimFactory(), to=ClaimStatus.QUEUED, actor=None, assignee=reviewer)
    EvidenceFactory(claim=claim, note="budget line 14")
    client.force_login(reviewer)
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "budget line 14" in body and "unverified" in body and "queued" in body
    form = {
        "priority": "3", "recheck_after_0": "", "recheck_after_1": "", "seen_version": str(claim.version),
        # The read-only list of evidence, then the add-evidence form (a second inline: prefix "evidence-2").
        "evidence-TOTAL_FORMS": "1", "evidence-INITIAL_FORMS": "1", "evidence-MIN_NUM_FORMS": "0",
        "evidence-MAX_NUM_FORMS": "1000",
        "evidence-0-id": str(claim.evidence.get().pk), "evidence-0-claim": str(claim.pk),
        "evidence-2-TOTAL_FORMS": "1", "evidence-2-INITIAL_FORMS": "0", "evidence-2-MIN_NUM_FORMS": "0",
        "evidence-2-MAX_NUM_FORMS": "1000",
        "evidence-2-0-stance": "contradicts", "evidence-2-0-url": "https://records.example/fy24",
        "evidence-2-0-note": "audited accounts", "evidence-2-0-claim": str(claim.pk),
        "history-TOTAL_FORMS": "1", "history-INITIAL_FORMS": "1", "history-MIN_NUM_FORMS": "0",
        "history-MAX_NUM_FORMS": "1000", "history-0-id": str(claim.history.get().pk), "history-0-claim": str(claim.pk),
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    added = claim.evidence.get(url="https://records.example/fy24")
    assert (added.stance, added.added_by) == ("contradicts", reviewer)
    claim.refresh_from_db()
    assert claim.priority == 3 and claim.status == ClaimStatus.QUEUED


@pytest.mark.django_db
def test_changelist_filters_and_search(client, editor):
    ClaimFactory(article__body="The port handled 9 million containers. Nothing else.")
    client.force_login(editor)
    url = reverse(CHANGELIST)
    assert "9 million containers" in client.get(url, {"q": "containers"}).content.decode()
    assert "9 million containers" not in client.get(url, {"status__exact": "refuted"}).content.decode()
    assert client.get(url, {"attribution_level__exact": "official"}).status_code == 200


@pytest.mark.django_db
def test_fact_check_search_finds_words_of_the_claim_its_headline_and_author_or_its_address(client, editor):
    from claims.models import FactCheck

    def make(i, claim, headline="", author=""):
        return FactCheck.objects.create(url=f"https://checks.example/{i}", claim_reviewed=claim, headline=headline,
                                        item_author=author, author_name="Partner Checks")

    harbour = make(1, "The harbour moved 9 million containers last year.", headline="Port figures")
    senator = make(2, "Unemployment doubled in a year.", author="Senator Jane Roe")
    make(3, "Crime fell by half.", headline="Crime statistics")
    client.force_login(editor)
    changelist = reverse("admin:claims_factcheck_changelist")

    def found(q):
        response = client.get(changelist, {"q": q})
        assert response.status_code == 200
        return {fc.pk for fc in response.context["cl"].result_list}

    assert found("containers") == {harbour.pk}
    assert found("port figures") == {harbour.pk}  # headline words, any case
    assert found("Roe") == {senator.pk}  # who made the claim
    assert found("contain") == {harbour.pk}  # the start of a word
    assert found('"million containers"') == {harbour.pk}
    assert found("containers crime") == set()  # every term
    assert found("https://checks.example/2") == {senator.pk}


@pytest.mark.django_db
def test_fact_check_filters_list_each_organisation_and_rating_once_from_their_indexes(client, editor):
    from claims.admin.large import distinct_values
    from claims.models import FactCheck

    for i, (author, rating) in enumerate([("PolitiFact", "False"), ("Full Fact", "Correct"), ("PolitiFact", "False"),
                                          ("AFP", "Misleading")]):
        FactCheck.objects.create(url=f"https://checks.example/{i}", claim_reviewed=f"claim {i}", author_name=author,
                                 rating_name=rating)
    assert distinct_values(FactCheck, "author_name") == ["AFP", "Full Fact", "PolitiFact"]
    assert distinct_values(FactCheck, "rating_name", limit=2) == ["Correct", "False"]
    client.force_login(editor)
    page = client.get(reverse("admin:claims_factcheck_changelist")).content.decode()
    assert page.count("?author_name=PolitiFact") == 1 and "?rating_name=Misleading" in page
    filtered = client.get(reverse("admin:claims_factcheck_changelist"), {"author_name": "PolitiFact"})
    assert {fc.author_name for fc in filtered.context["cl"].result_list} == {"PolitiFact"}
