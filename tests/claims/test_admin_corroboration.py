"""Corroboration in the admin: the claim page panels and their actions, through Django's test client."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from claims.models import ClaimMatch, ClaimStatus, Evidence, HistoryKind, MatchStatus
from sources.levels import AttributionLevel as L
from sources.models import SourceKind as K
from tests.factories import ArticleFactory, ClaimFactory, EvidenceFactory, OutletFactory, SourceFactory, refuted_claim

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_claim_page_shows_chain_and_refuses_circular_corroboration(client, reviewer, relayed_claim):
    herald_report = ClaimFactory(
        article=ArticleFactory(publisher=OutletFactory(name="MSN"), body="The call stalled, the Herald reported."),
        attribution_level=L.OTHER_OUTLET, speaker=relayed_claim.via_outlet,
    )
    circular = EvidenceFactory(claim=relayed_claim, related_claim=herald_report, source=None, url="")
    EvidenceFactory(claim=relayed_claim, source=SourceFactory(name="Port log clerk"))
    client.force_login(reviewer)
    page = client.get(reverse("admin:claims_claim_change", args=[relayed_claim.pk])).content.decode()
    assert "relayed by" in page and "Miami Herald" in page and "published by" in page and "Yahoo News" in page
    assert "1 independent origin" in page and f"Circular: evidence #{circular.pk}" in page
    response = client.post(
        reverse("admin:claims_claim_transition", args=[relayed_claim.pk]), {"to": "corroborated", "version": relayed_claim.version}, follow=True
    )
    shown = messages_of(response)
    assert any(m.startswith("Refused:") and f"#{circular.pk}" in m and "circular" in m for m in shown), shown
    relayed_claim.refresh_from_db()
    assert relayed_claim.status == ClaimStatus.IN_REVIEW


def test_sign_off_is_for_editors_and_lands_in_history(client, reviewer, editor, relayed_claim):
    url = reverse("admin:claims_claim_corroboration", args=[relayed_claim.pk])
    client.force_login(reviewer)
    shown = messages_of(client.post(url, {"action": "sign_off", "note": "ok"}, follow=True))
    assert any("only an editor" in m for m in shown)
    client.force_login(editor)
    client.post(url, {"action": "sign_off", "note": "Vetted by the standards desk."})
    assert relayed_claim.history.filter(kind=HistoryKind.SIGN_OFF, actor=editor).exists()


def test_accepting_a_suggestion_and_reviewing_matches(client, reviewer, other_reviewer, relayed_claim):
    other = ClaimFactory(article=ArticleFactory(body="Talks on the call stalled, a person familiar said."))
    low, high = sorted((relayed_claim.pk, other.pk))
    match = ClaimMatch.objects.create(claim_a_id=low, claim_b_id=high, score=0.7)
    suggestion = EvidenceFactory(claim=relayed_claim, related_claim=other, source=None, url="", is_suggestion=True)
    url = reverse("admin:claims_claim_corroboration", args=[relayed_claim.pk])
    client.force_login(other_reviewer)  # not the assignee: may look, not act
    client.post(url, {"action": "accept_evidence", "evidence": suggestion.pk})
    assert Evidence.objects.get(pk=suggestion.pk).is_suggestion
    client.force_login(reviewer)
    page = client.get(reverse("admin:claims_claim_change", args=[relayed_claim.pk])).content.decode()
    assert f"suggestion-{suggestion.pk}" in page and f"match-{match.pk}" in page
    client.post(url, {"action": "accept_evidence", "evidence": suggestion.pk})
    assert not Evidence.objects.get(pk=suggestion.pk).is_suggestion
    match.refresh_from_db()
    assert match.status == MatchStatus.CONFIRMED and match.reviewed_by == reviewer


def test_source_page_shows_the_track_record(client, editor, reviewer):
    mayor = SourceFactory(name="Mayor Jo Kim", kind=K.GOVERNMENT)
    refuted_claim(speaker=mayor, reviewer=reviewer)
    client.force_login(editor)
    page = client.get(reverse("admin:sources_source_change", args=[mayor.pk])).content.decode()
    assert "verdict refuted: <strong>1</strong>" in page and "0.40" in page
