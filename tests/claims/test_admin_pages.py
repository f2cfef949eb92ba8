"""The reviewer's admin pages (server side): queue, claim page, transitions, article page, desk."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from claims import workflow
from claims.admin import dashboard
from claims.models import Claim, ClaimStatus, Evidence
from sources.levels import AttributionLevel
from sources.models import SourceKind
from tests.factories import ArticleFactory, ClaimFactory, EvidenceFactory, SourceFactory, UserFactory

S = ClaimStatus
HOSTILE_BODY = (
    "Intro paragraph without claims.\n"
    'Officials said <script>alert(1)</script> is safe. See <a href="javascript:alert(2)">this</a> now.\n'
    "Analysts say <img src=x onerror=alert(3)> is fine."
)


def queue_claim(user, **kwargs) -> Claim:
    return workflow.transition(claim=ClaimFactory(**kwargs), to=S.QUEUED, actor=None, assignee=user)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def claim_on(article, sentence: str, **kwargs) -> Claim:
    start = article.body.index(sentence)
    return ClaimFactory(article=article, start=start, end=start + len(sentence), **kwargs)


# --- My queue -----------------------------------------------------------------

@pytest.mark.django_db
def test_queue_lists_my_open_claims_by_priority_with_sla(client, reviewer, other_reviewer, settings):
    settings.REVIEW_SLA = timedelta(hours=24)
    low = queue_claim(reviewer, priority=1)
    high = queue_claim(reviewer, priority=30, attribution_level=AttributionLevel.ANONYMOUS)
    overdue = queue_claim(reviewer, priority=5)
    Claim.objects.filter(pk=overdue.pk).update(status_changed_at=timezone.now() - timedelta(hours=30))
    theirs = queue_claim(other_reviewer, priority=99)
    done = queue_claim(reviewer, priority=50)
    workflow.transition(claim=done, to=S.IN_REVIEW, actor=reviewer)
    workflow.transition(claim=done, to=S.UNVERIFIABLE, actor=reviewer, note="no records exist")

    client.force_login(reviewer)
    page = client.get(reverse("admin:claims_claim_queue"))
    assert page.status_code == 200
    html = page.content.decode()
    rows = [row["claim"].pk for row in page.context["rows"]]
    assert rows == [high.pk, overdue.pk, low.pk]  # priority first; verdicts and others' claims left out
    assert theirs.pk not in rows and done.pk not in rows
    states = {row["claim"].pk: row["sla"].code for row in page.context["rows"]}
    assert states == {high.pk: "ok", overdue.pk: "overdue", low.pk: "ok"}
    assert 'class="sla sla-overdue"' in html and "lvl-badge lvl-anonymous" in html
    assert reverse("admin:claims_claim_change", args=[high.pk]) in html


@pytest.mark.django_db
def test_queue_page_query_count_does_not_grow_with_rows(client, reviewer, django_assert_max_num_queries):
    for _ in range(15):
        queue_claim(reviewer)
    client.force_login(reviewer)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("admin:claims_claim_queue"))
    assert len(page.context["rows"]) == 15


def test_sla_state_edges(settings):
    settings.REVIEW_SLA = timedelta(hours=10)
    now = timezone.now()
    claim = Claim(status=S.QUEUED, status_changed_at=now - timedelta(hours=8), created_at=now)
    assert dashboard.sla_state(claim, now=now).code == "due_soon"
    claim.status_changed_at = now - timedelta(hours=11)
    assert dashboard.sla_state(claim, now=now).code == "overdue"
    claim.status = S.REFUTED
    assert dashboard.sla_state(claim, now=now).code == "done"


# --- Claim page -----------------------------------------------------------------

@pytest.mark.django_db
def test_claim_page_shows_paragraph_attribution_provenance_and_allowed_moves(client, reviewer):
    article = ArticleFactory(
        body="First paragraph.\nBefore it. The sources told the Herald the deal is off. After it.\nLast paragraph."
    )
    speaker = SourceFactory(kind=SourceKind.ANONYMOUS, name="the sources (the Herald)")
    outlet = SourceFactory(kind=SourceKind.OUTLET, name="the Herald")
    claim = claim_on(
        article, "The sources told the Herald the deal is off.", attribution_level=AttributionLevel.ANONYMOUS,
        speaker=speaker, speaker_text="The sources", via_outlet=outlet, cue="told", reason="anonymous cue 'sources'",
    )
    claim = workflow.transition(claim=claim, to=S.QUEUED, actor=None, assignee=reviewer)
    client.force_login(reviewer)
    page = client.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    # The paragraph around the claim, not the neighbouring ones.
    paragraph = str(page.context["claim_in_paragraph"])
    assert "Before it. " in paragraph and " After it." in paragraph and "First paragraph" not in paragraph
    assert 'class="claim-mark lvl-anonymous claim-current"' in paragraph
    assert "anonymous cue &#x27;sources&#x27;" in html and "told" in html
    # Provenance: speaker (as the article names them) -> relaying outlet -> publisher, in that order.
    names = [link.name for link in page.context["provenance_links"]]
    assert names == ["The sources", "the Herald", article.publisher.name]
    assert 'id="provenance"' in html
    # Exactly the moves the workflow allows this user: the assignee may start review, nothing else.
    assert [b.to for b in page.context["move_buttons"]] == [S.IN_REVIEW]
    assert 'value="in_review"' in html and 'value="unverified"' not in html
    assert f'name="version" value="{claim.version}"' in html


@pytest.mark.django_db
def test_editor_sees_unassign_button(client, editor, reviewer):
    claim = queue_claim(reviewer)
    client.force_login(editor)
    page = client.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    assert {b.to for b in page.context["move_buttons"]} == {S.IN_REVIEW, S.UNVERIFIED}


@pytest.mark.django_db
def test_claim_page_query_count_is_bounded(client, reviewer, django_assert_max_num_queries):
    claim = queue_claim(reviewer)
    for _ in range(8):
        EvidenceFactory(claim=claim)
    client.force_login(reviewer)
    client.get(reverse("admin:claims_claim_change", args=[claim.pk]))  # this process's search index is warm
    # 15, and 2 for the "Checked before?" panel (the article's claim ids, the rows it shows).
    with django_assert_max_num_queries(17):
        page = client.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    assert page.status_code == 200 and page.content.decode().count('<a href="https://example.org/evidence/') == 8


@pytest.mark.django_db
def test_transition_view_moves_the_claim_and_records_the_note(client, reviewer):
    claim = queue_claim(reviewer)
    client.force_login(reviewer)
    url = reverse("admin:claims_claim_transition", args=[claim.pk])
    response = client.post(url, {"to": S.IN_REVIEW, "version": claim.version, "note": "starting now"}, follow=True)
    claim.refresh_from_db()
    assert claim.status == S.IN_REVIEW
    assert claim.history.first().note == "starting now" and claim.history.first().actor == reviewer
    assert any("moved to In review" in m for m in messages_of(response))


@pytest.mark.django_db
def test_transition_view_assign_to_me_queues_for_the_clicker(client, reviewer):
    claim = ClaimFactory()
    client.force_login(reviewer)
    client.post(reverse("admin:claims_claim_transition", args=[claim.pk]), {"to": S.QUEUED, "version": claim.version})
    claim.refresh_from_db()
    assert (claim.status, claim.assignee) == (S.QUEUED, reviewer)


@pytest.mark.django_db
def test_transition_view_refusals_show_the_workflow_reason(client, reviewer, other_reviewer):
    claim = queue_claim(reviewer)
    workflow.transition(claim=claim, to=S.IN_REVIEW, actor=reviewer)
    client.force_login(reviewer)
    url = reverse("admin:claims_claim_transition", args=[claim.pk])
    # Guard: corroborated without evidence.
    shown = messages_of(client.post(url, {"to": S.CORROBORATED, "version": 3}, follow=True))
    # Messages use the labels, never API values (issue 17).
    assert any(m.startswith("Refused: cannot move to \u201cCorroborated\u201d") for m in shown), shown
    # Stale version: the page was loaded before someone else moved the claim.
    shown = messages_of(client.post(url, {"to": S.UNVERIFIABLE, "version": 1, "note": "x"}, follow=True))
    # Says that someone else changed the claim, and offers a reload (issue 17).
    assert any("Someone else changed this claim" in m and "version 3" in m and "Reload the claim" in m for m in shown), shown
    # Someone else's claim.
    client.force_login(other_reviewer)
    shown = messages_of(client.post(url, {"to": S.REFUTED, "version": 3}, follow=True))
    assert any("may not move this claim" in m for m in shown), shown
    # Missing version.
    shown = messages_of(client.post(url, {"to": S.REFUTED}, follow=True))
    assert any("which version" in m for m in shown), shown
    claim.refresh_from_db()
    assert (claim.status, claim.version, claim.history.count()) == (S.IN_REVIEW, 3, 2)


@pytest.mark.django_db
def test_transition_view_needs_post_csrf_and_login(reviewer):
    from django.test import Client

    claim = queue_claim(reviewer)
    url = reverse("admin:claims_claim_transition", args=[claim.pk])
    anonymous = Client()
    assert anonymous.post(url, {"to": S.IN_REVIEW, "version": 2}).status_code == 302  # to the login page
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(reviewer)
    assert strict.get(url).status_code == 405
    assert strict.post(url, {"to": S.IN_REVIEW, "version": 2}).status_code == 403  # no CSRF token
    claim.refresh_from_db()
    assert claim.status == S.QUEUED


# --- Article page -----------------------------------------------------------------

@pytest.mark.django_db
def test_article_page_highlights_every_claim_and_summarises_sourcing(client, reviewer):
    article = ArticleFactory(
        body="Sources said the port will close. Officials said it will not. Analysts say it might. The end."
    )
    claims = [
        claim_on(article, "Sources said the port will close.", attribution_level=AttributionLevel.ANONYMOUS),
        claim_on(article, "Officials said it will not.", attribution_level=AttributionLevel.OFFICIAL),
        claim_on(article, "Analysts say it might.", attribution_level=AttributionLevel.VAGUE),
        claim_on(article, "The end.", attribution_level=AttributionLevel.ANONYMOUS),
    ]
    client.force_login(reviewer)
    page = client.get(reverse("admin:claims_article_change", args=[article.pk]))
    assert page.status_code == 200
    body = str(page.context["highlighted_body"])
    for claim in claims:
        assert f'class="claim-mark lvl-{claim.attribution_level}"' in body
        assert reverse("admin:claims_claim_change", args=[claim.pk]) in body
    sourcing = page.context["sourcing"]
    assert (sourcing.total, sourcing.anonymous, sourcing.anonymous_share) == (4, 2, 50.0)
    counts = {bar.code: (bar.count, bar.width) for bar in sourcing.levels}
    assert counts["anonymous"] == (2, 100.0) and counts["official"] == (1, 50.0) and counts["document"] == (0, 0.0)
    html = page.content.decode()
    assert 'width="100.0%"' in html and 'id="legend"' in html and "50.0%" in html
    # The text between claims is all there, in order.
    assert "Sources said the port will close.</a> <a" in body


@pytest.mark.django_db
def test_article_page_query_count_does_not_grow_with_claims(client, reviewer, django_assert_max_num_queries):
    sentences = [f"Officials said item {n} arrived." for n in range(25)]
    article = ArticleFactory(body=" ".join(sentences))
    for sentence in sentences:
        claim_on(article, sentence, speaker=SourceFactory(), via_outlet=SourceFactory(kind=SourceKind.OUTLET))
    client.force_login(reviewer)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("admin:claims_article_change", args=[article.pk]))
    assert page.content.decode().count('class="claim-mark') == 25


@pytest.mark.django_db
def test_hostile_article_text_is_escaped_everywhere(client, reviewer):
    article = ArticleFactory(body=HOSTILE_BODY, title="<script>alert('title')</script>")
    sentence = 'Officials said <script>alert(1)</script> is safe.'
    claim = claim_on(article, sentence, speaker_text='<b onmouseover="alert(4)">Boss</b>', reason="<i>why</i>")
    claim_on(article, "Analysts say <img src=x onerror=alert(3)> is fine.", attribution_level=AttributionLevel.VAGUE)
    workflow.transition(claim=claim, to=S.QUEUED, actor=None, assignee=reviewer)
    # A stored evidence URL that skipped validation (imported data): shown as text, never a link.
    Evidence.objects.create(claim=claim, stance="supports", url="javascript:alert(5)", note="<script>x</script>")
    client.force_login(reviewer)
    pages = [
        reverse("admin:claims_article_change", args=[article.pk]),
        reverse("admin:claims_claim_change", args=[claim.pk]),
        reverse("admin:claims_claim_queue"),
        reverse("admin:index"),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert "<script>alert" not in html, url
        assert "<img src=x" not in html and "<b onmouseover" not in html and "<i>why" not in html, url
        assert 'href="javascript:' not in html, url
    article_html = client.get(pages[0]).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in article_html
    assert "&lt;a href=&quot;javascript:alert(2)&quot;&gt;this&lt;/a&gt;" in article_html
    claim_html = client.get(pages[1]).content.decode()
    assert "javascript:alert(5)" in claim_html and "&lt;script&gt;x&lt;/script&gt;" in claim_html


def test_safe_link_only_links_http_and_https():
    from claims.admin.views import safe_link

    assert str(safe_link("https://example.org/a?b=1&c=2")).startswith('<a href="https://example.org/a?b=1&amp;c=2"')
    assert str(safe_link("http://example.org")).startswith("<a ")
    for hostile in ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<b>x</b>", "ftp://x.org/f", "//x"):
        rendered = str(safe_link(hostile))
        assert "<a" not in rendered and "<b>" not in rendered


# --- Admin index (the desk) ---------------------------------------------------------

@pytest.mark.django_db
def test_index_shows_desk_health_and_queue(client, reviewer):
    queue_claim(reviewer)
    waiting = ClaimFactory(attribution_level=AttributionLevel.VAGUE)
    Claim.objects.filter(pk=waiting.pk).update(status_changed_at=timezone.now() - timedelta(days=3))
    client.force_login(reviewer)
    page = client.get(reverse("admin:index"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "My queue: 1 claim(s)" in html
    by_status = {bar.code: bar.count for bar in page.context["by_status"]}
    assert by_status["queued"] == 1 and by_status["unverified"] == 1
    assert {bar.code: bar.count for bar in page.context["by_level"]}["vague"] == 1
    assert [claim.pk for claim, _ in page.context["oldest"]][0] == waiting.pk
    health = {part["name"]: part for part in page.context["health"]}
    assert set(health) == {"database", "search", "broker", "worker", "beat", "queue_length"}
    assert health["database"]["ok"] and health["broker"]["ok"]  # real PostgreSQL and Redis
    assert health["search"]["ok"] and "pgvector" in health["search"]["detail"]
    assert health["worker"]["ok"] is False and "no worker heartbeat" in health["worker"]["detail"]
    assert isinstance(health["queue_length"]["value"], int)
    # A reviewer without django_celery_beat permissions does not get the schedule table.
    assert page.context["beat_schedules"] is None and 'id="beat-schedules"' not in html


@pytest.mark.django_db
def test_index_shows_beat_schedules_to_who_may_see_them(client, editor):
    editors = Group.objects.get(name="editors")
    editors.permissions.add(*Permission.objects.filter(content_type__app_label="django_celery_beat"))
    client.force_login(editor)
    html = client.get(reverse("admin:index")).content.decode()
    assert 'id="beat-schedules"' in html and "Worker heartbeat" in html
    assert client.get(reverse("admin:django_celery_beat_periodictask_changelist")).status_code == 200


@pytest.mark.django_db
def test_staff_without_claim_access_sees_no_desk(client):
    user = UserFactory(username="plainstaff")
    user.is_staff = True
    user.save()
    client.force_login(user)
    page = client.get(reverse("admin:index"))
    assert page.status_code == 200 and 'id="desk"' not in page.content.decode()


# --- Bulk actions report ------------------------------------------------------------

@pytest.mark.django_db
def test_bulk_action_reports_summary_and_each_claim(client, reviewer, other_reviewer):
    mine = queue_claim(reviewer)
    theirs = queue_claim(other_reviewer)
    fresh = ClaimFactory()
    client.force_login(reviewer)
    response = client.post(
        reverse("admin:claims_claim_changelist"),
        {"action": "start_review", "_selected_action": [mine.pk, theirs.pk, fresh.pk]},
        follow=True,
    )
    shown = messages_of(response)
    assert shown[0] == "In review: 1 of 3 selected claim(s) moved, 2 refused."
    assert any(m.startswith(f"Moved 1 claim(s) to in_review: {mine.pk} \u201c") for m in shown)
    refused = [m for m in shown if m.startswith("Refused:")]
    assert len(refused) == 2
    assert any(f"claim {fresh.pk}: cannot move a claim from unverified to in_review" in m for m in refused)


@pytest.mark.django_db
def test_changelist_links_the_queue_and_shows_level_and_sla(client, reviewer):
    queue_claim(reviewer, attribution_level=AttributionLevel.VAGUE)
    client.force_login(reviewer)
    html = client.get(reverse("admin:claims_claim_changelist")).content.decode()
    assert reverse("admin:claims_claim_queue") in html
    assert "lvl-badge lvl-vague" in html and 'class="sla sla-ok"' in html
