"""Copy groups in the reviewer's admin (issue 20): a group is one item in the claim list, its
first claim's page lists every appearance and flags a differing attribution, a copy's page says
where it is reviewed and offers no move, an editor splits a wrong member out, and the desk and
queue count groups, not copies.

Groups are built the way ingestion builds them (article_store_claims with extracted items): the
same sentence in four outlets, one of them with another speaker and level.
"""

from types import SimpleNamespace

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from claims import workflow
from claims.admin import dashboard
from claims.models import Article, Claim, ClaimStatus, HistoryKind, StatusChange
from sources.levels import AttributionLevel as L
from tests.factories import ClaimFactory, article_stating

pytestmark = pytest.mark.django_db
S = ClaimStatus
SENTENCE = "The ceasefire will hold until the talks resume, the envoy said."
CHANGELIST = reverse("admin:claims_claim_changelist")
DIFFERS = "same words, another speaker/level: check before the verdict applies to it"


def store(outlet: str, **fields) -> Article:
    """One article carrying SENTENCE, stored as extraction stores it (a copy joins the group here)."""
    return article_stating(SENTENCE, outlet=outlet, title=f"Ceasefire, in {outlet}", **fields)


@pytest.fixture
def group(db):
    """The first claim, its three copies (the last one with another speaker and level), and an unrelated claim."""
    first_article = store("Wire One")
    store("Wire Two", suffix=" ")
    store("Wire Three", suffix="  ")
    store("Wire Four", level=L.OFFICIAL, speaker="the foreign ministry", kind="government", suffix="   ")
    first = Claim.objects.get(article=first_article)
    copies = list(Claim.objects.filter(copy_of=first).order_by("pk"))
    assert len(copies) == 3 and [c.attribution_differs for c in copies] == [False, False, True]
    other = ClaimFactory(article__body="The port handled 9 million containers last year.")
    return SimpleNamespace(first=first, copies=copies, differing=copies[2], other=other)


def listed(page) -> list[int]:
    return [claim.pk for claim in page.context["cl"].result_list]


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def change_url(claim: Claim) -> str:
    return reverse("admin:claims_claim_change", args=[claim.pk])


# --- the claim list -------------------------------------------------------------

def test_the_changelist_lists_one_row_per_group_by_default_and_the_copies_under_the_filter(client, reviewer, group):
    client.force_login(reviewer)
    default = client.get(CHANGELIST)
    assert sorted(listed(default)) == sorted([group.first.pk, group.other.pk])  # one row per group
    assert default.context["cl"].result_count == 2
    assert default.context["cl"].full_result_count is None  # no count of the whole table (claims/paging.py)
    searched = client.get(CHANGELIST, {"q": "ceasefire"})
    assert listed(searched) == [group.first.pk] and "1 result (<a" in searched.content.decode()
    assert "Show all</a>" in searched.content.decode()  # no whole-table count beside the results
    assert sorted(listed(client.get(CHANGELIST, {"copies": "only"}))) == [c.pk for c in group.copies]
    assert listed(client.get(CHANGELIST, {"copies": "differs"})) == [group.differing.pk]
    assert len(listed(client.get(CHANGELIST, {"copies": "all"}))) == 5
    # the filter names its default, and the other choices
    html = default.content.decode()
    for choice in ("One per group", "All claims", "Copies only", "Copies whose attribution differs"):
        assert choice in html
    # an article's claims under the article filter: copies appear once asked for
    assert listed(client.get(CHANGELIST, {"article__id__exact": group.differing.article_id})) == []
    assert listed(client.get(CHANGELIST, {"article__id__exact": group.differing.article_id, "copies": "all"})) == [group.differing.pk]


def test_the_appearances_column_shows_the_group_size_and_a_differing_attribution(client, reviewer, group):
    client.force_login(reviewer)
    page = client.get(CHANGELIST)
    rows = {claim.pk: claim for claim in page.context["cl"].result_list}
    assert rows[group.first.pk]._appearances == 4 and rows[group.first.pk]._copies_differ
    assert rows[group.other.pk]._appearances == 1 and not rows[group.other.pk]._copies_differ
    html = page.content.decode()
    row = html[html.index(f'href="{change_url(group.first)}#copy-group"'):]
    row = row[:row.index("</td>")]
    assert ">4</a>" in row and 'class="copy-differs"' in row
    # a copy's row (under the filter) names its group's first claim
    copies_html = client.get(CHANGELIST, {"copies": "only"}).content.decode()
    assert copies_html.count(f"copy of #{group.first.pk}") == 3


def test_the_changelist_query_count_does_not_grow_with_groups(client, reviewer, group, django_assert_max_num_queries):
    for n in range(6):  # six more groups of two
        lead = ClaimFactory(article__body=f"The bridge {n} will reopen on Monday, officials said.")
        copy = ClaimFactory(article__body=lead.text + " More.", text=lead.text, end=len(lead.text))
        Claim.objects.filter(pk=copy.pk).update(copy_of=lead)
    client.force_login(reviewer)
    client.get(CHANGELIST)
    with django_assert_max_num_queries(11):  # the group sizes are in the page's one query
        page = client.get(CHANGELIST)
    assert len(listed(page)) == 8 and all(c._appearances == 2 for c in page.context["cl"].result_list if c.pk not in (group.first.pk, group.other.pk))


# --- the claim pages ------------------------------------------------------------

def test_the_first_claims_page_lists_the_appearances_and_flags_the_differing_one(client, reviewer, group):
    client.force_login(reviewer)
    page = client.get(change_url(group.first))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Appears in 4 articles" in html and 'id="copy-banner"' not in html
    section = html[html.index('id="copy-group"'):]
    members = [group.first, *group.copies]
    assert [a.claim_id for a in page.context["copy_group"].appearances] == [m.pk for m in members]
    for member in members:
        assert f'data-claim="{member.pk}"' in section
        assert reverse("admin:claims_article_change", args=[member.article_id]) in section
    assert "Wire Four" in section and "the foreign ministry" in section and "first claim (reviewed)" in section
    assert section.count("same text") >= 3
    at = section.index(f'data-claim="{group.differing.pk}"')
    differing = section[section.rindex("<tr", 0, at):section.index("</tr>", at)]
    assert "attribution-differs" in differing and DIFFERS in differing
    assert "level Official here, Named person on the first claim" in differing
    assert section.count('class="appearance attribution-differs') == 1
    assert 'id="copy-differing-count">1<' in section
    # the first is reviewed: its moves are offered
    assert [b.to for b in page.context["move_buttons"]] == [S.QUEUED]


def test_the_group_pages_query_count_does_not_grow_with_copies(client, reviewer, group, django_assert_max_num_queries):
    for n in range(8):
        store(f"Outlet {n}", suffix=" " * (4 + n))
    client.force_login(reviewer)
    client.get(change_url(group.first))  # the process's own caches (content types, the session) are warm
    # "Checked before?" is three round trips whatever the archive (claims/matching/engines/postgres.py).
    with django_assert_max_num_queries(16):
        page = client.get(change_url(group.first))
    assert page.content.decode().count('<tr class="appearance') == 12
    with django_assert_max_num_queries(16):
        client.get(change_url(group.copies[0]))


def test_the_group_panel_is_capped_and_says_how_many_there_are(client, reviewer, group, monkeypatch):
    monkeypatch.setattr(dashboard, "COPY_GROUP_LISTED", 2)
    client.force_login(reviewer)
    html = client.get(change_url(group.first)).content.decode()
    section = html[html.index('id="copy-group"'):]
    assert section.count('<tr class="appearance') == 2
    assert "The first 2 of 4 appearances are listed" in section and "all 3 copies in the claim list" in section


def test_a_copys_page_shows_the_banner_and_offers_no_move(client, reviewer, editor, group):
    copy = group.copies[0]
    for user in (reviewer, editor):
        client.force_login(user)
        page = client.get(change_url(copy))
        assert page.status_code == 200
        html = page.content.decode()
        banner = html[html.index('id="copy-banner"'):html.index("</div>", html.index('id="copy-banner"'))]
        assert "This claim is a copy of" in banner and f"claim #{group.first.pk}</a> (reviewed there)" in banner
        assert f'href="{change_url(group.first)}"' in banner
        assert page.context["move_buttons"] == [] and "data-move=" not in html and 'id="workflow-form"' not in html
        assert f"copy of claim #{group.first.pk}: its group is reviewed there" in html  # why no move
        assert 'name="evidence-2-TOTAL_FORMS"' not in html  # evidence is added on the first
        assert 'name="_save"' not in html and 'name="priority"' not in html  # nothing to edit here
        assert ('id="split-form"' in html) == (user == editor)
    # a move posted anyway is refused by the workflow, and said so
    client.force_login(editor)
    shown = messages_of(client.post(reverse("admin:claims_claim_transition", args=[copy.pk]),
                                     {"to": S.QUEUED, "version": copy.version}, follow=True))
    assert any(m.startswith("Refused: claim") and f"copy of claim {group.first.pk}" in m for m in shown), shown
    # so is a sign-off posted to the corroboration view: the group's sourcing is signed off on its first
    shown = messages_of(client.post(reverse("admin:claims_claim_corroboration", args=[copy.pk]),
                                     {"action": "sign_off", "note": "fine"}, follow=True))
    assert any(m.startswith(f"Refused: This claim is a copy of claim #{group.first.pk}") for m in shown), shown
    copy.refresh_from_db()
    assert copy.status == S.UNVERIFIED and copy.assignee_id is None and not copy.history.exists()
    # a differing copy says what differs
    html = client.get(change_url(group.differing)).content.decode()
    assert 'id="copy-differs-note"' in html and "check before the verdict applies to it" in html
    assert "speaker \u201cthe foreign ministry\u201d here, \u201cAntonio Guterres\u201d on the first claim" in html


# --- splitting a copy out ---------------------------------------------------------

def test_an_editor_splits_a_copy_out_through_the_admin(client, editor, group):
    copy = group.differing
    client.force_login(editor)
    response = client.post(reverse("admin:claims_claim_split", args=[copy.pk]),
                           {"reason": "another speaker: the ministry's own statement", "version": copy.version}, follow=True)
    assert response.redirect_chain[-1][0] == change_url(copy)
    assert any(f"Claim {copy.pk} was split out of the copy group of claim #{group.first.pk}" in m for m in messages_of(response))
    copy.refresh_from_db()
    assert copy.copy_of_id is None and copy.copy_split and copy.status == S.UNVERIFIED
    entry = copy.history.first()
    assert entry.kind == HistoryKind.SPLIT and "the ministry's own statement" in entry.note and entry.actor == editor
    assert group.first.history.filter(kind=HistoryKind.SPLIT).exists()
    # its page: its own claim now, the split readable in its history, its moves offered
    html = response.content.decode()
    assert 'id="copy-banner"' not in html and 'id="copy-split-note"' in html
    assert 'class="history-kind history-split">Split from its copy group<' in html
    assert [b.to for b in response.context["move_buttons"]] == [S.QUEUED]
    # the group's page counts one appearance fewer, and none differs
    first_page = client.get(change_url(group.first))
    assert "Appears in 3 articles" in first_page.content.decode() and first_page.context["copy_group"].differing == 0


def test_a_reviewer_may_not_split_and_sees_no_split_form(client, reviewer, group):
    copy = group.copies[0]
    client.force_login(reviewer)
    assert 'id="split-form"' not in client.get(change_url(copy)).content.decode()
    response = client.post(reverse("admin:claims_claim_split", args=[copy.pk]), {"reason": "wrong", "version": copy.version})
    assert response.status_code == 403
    copy.refresh_from_db()
    assert copy.copy_of_id == group.first.pk and not StatusChange.objects.exists()


def test_a_split_without_a_reason_or_from_a_stale_page_is_refused_and_changes_nothing(client, editor, group):
    copy = group.copies[0]
    url = reverse("admin:claims_claim_split", args=[copy.pk])
    client.force_login(editor)
    shown = messages_of(client.post(url, {"reason": "   ", "version": copy.version}, follow=True))
    assert any(m == "Refused: a split needs a reason, which the claim's history keeps" for m in shown), shown
    shown = messages_of(client.post(url, {"reason": "wrong group", "version": copy.version - 1}, follow=True))
    assert any("Someone else changed this claim" in m for m in shown), shown
    shown = messages_of(client.post(url, {"reason": "wrong group"}, follow=True))
    assert any("which version" in m for m in shown), shown
    shown = messages_of(client.post(reverse("admin:claims_claim_split", args=[group.first.pk]),
                                    {"reason": "wrong group", "version": group.first.version}, follow=True))
    assert any(m.startswith(f"Refused: claim {group.first.pk} is in no copy group") for m in shown), shown
    assert client.get(url).status_code == 405
    copy.refresh_from_db()
    assert copy.copy_of_id == group.first.pk and not copy.copy_split and not StatusChange.objects.exists()


# --- the queue and the desk count groups --------------------------------------------

def test_the_desk_and_the_queue_count_groups_not_copies(client, reviewer, group):
    client.force_login(reviewer)
    desk = client.get(reverse("admin:index"))
    by_status = {bar.code: bar.count for bar in desk.context["by_status"]}
    assert by_status["unverified"] == 2  # the group once, and the other claim; not 5
    assert {bar.code: bar.count for bar in desk.context["by_level"]}["official"] == 1  # the other claim; the copy is not counted
    assert "2 unassigned claim(s) waiting" in desk.content.decode()
    assert sorted(claim.pk for claim, _ in desk.context["oldest"]) == sorted([group.first.pk, group.other.pk])
    worthiness = {row["pk"]: row for row in desk.context["article_worthiness"]}
    assert worthiness[group.differing.article_id]["n_copies"] == 1 and worthiness[group.first.article_id]["n_copies"] == 0
    # the group is queued once (its copies follow), and the queue lists it once with its appearances
    workflow.transition(claim=group.first, to=S.QUEUED, actor=None, assignee=reviewer)
    assert Claim.objects.filter(status=S.QUEUED).count() == 4
    desk = client.get(reverse("admin:index"))
    assert {bar.code: bar.count for bar in desk.context["by_status"]}["queued"] == 1
    assert "My queue: 1 claim(s)" in desk.content.decode() and "1 unassigned claim(s) waiting" in desk.content.decode()
    queue = client.get(reverse("admin:claims_claim_queue"))
    assert [row["claim"].pk for row in queue.context["rows"]] == [group.first.pk] and queue.context["total"] == 1
    assert "in 4 articles" in queue.content.decode() and "attribution differs" in queue.content.decode()


# --- articles ------------------------------------------------------------------

def test_article_pages_link_near_identical_copies_both_ways(client, reviewer, group):
    origin, copy_article = group.first.article, group.copies[0].article
    copy_article.refresh_from_db()
    assert copy_article.copy_of_id == origin.pk
    client.force_login(reviewer)
    html = client.get(reverse("admin:claims_article_change", args=[copy_article.pk])).content.decode()
    banner = html[html.index('id="near-copy-banner"'):html.index("</p>", html.index('id="near-copy-banner"'))]
    assert "Near-identical copy of" in banner and reverse("admin:claims_article_change", args=[origin.pk]) in banner
    assert origin.title in banner and "share of its claims that are copies: 100%" in banner
    assert f"copy of #{group.first.pk}" in html  # its claims say which are copies
    origin_html = client.get(reverse("admin:claims_article_change", args=[origin.pk])).content.decode()
    assert 'id="near-copy-banner"' not in origin_html
    near = origin_html[origin_html.index('id="near-copies"'):origin_html.index("</section>", origin_html.index('id="near-copies"'))]
    assert "Near-identical copies of this story: 3" in near
    for claim in group.copies:
        assert reverse("admin:claims_article_change", args=[claim.article_id]) in near
    articles = reverse("admin:claims_article_changelist")
    yes = client.get(articles, {"near_copy": "yes"})
    assert sorted(a.pk for a in yes.context["cl"].result_list) == sorted(c.article_id for c in group.copies)
    assert f'href="{reverse("admin:claims_article_change", args=[origin.pk])}"' in yes.content.decode()
    no = client.get(articles, {"near_copy": "no"})
    assert sorted(a.pk for a in no.context["cl"].result_list) == sorted([origin.pk, group.other.article_id])
