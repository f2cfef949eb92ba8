"""The admin's side of publishing: an editor withdraws a fact-check with a reason; an
article's page lists every appearance of its body."""

import pytest
from django.urls import reverse

from claims.models import PublishedVerdict, HistoryKind, StatusChange
from claims.pipeline.ingestion import ingest_article
from tests.api.test_publishing import published_claim

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:claims_claim_changelist"


def test_an_editor_withdraws_a_fact_check_after_giving_a_reason(client, editor, reviewer):
    claim = published_claim(reviewer)
    client.force_login(editor)
    ask = client.post(reverse(CHANGELIST), {"action": "withdraw_fact_check", "_selected_action": [claim.pk]})
    assert ask.status_code == 200 and b'name="reason"' in ask.content  # the reason is asked first
    assert not PublishedVerdict.objects.get(pk=claim.pk).is_withdrawn
    done = client.post(
        reverse(CHANGELIST),
        {"action": "withdraw_fact_check", "_selected_action": [claim.pk], "apply": "Withdraw", "reason": "Wrong claim."},
        follow=True,
    )
    assert "Withdrawn: 1 fact-check(s)" in done.content.decode()
    assert PublishedVerdict.objects.get(pk=claim.pk).withdrawn_reason == "Wrong claim."
    assert StatusChange.objects.filter(claim=claim, kind=HistoryKind.WITHDRAWAL, actor=editor).exists()
    assert client.get(f"/fact-checks/{claim.pk}/").status_code == 410


def test_reviewers_do_not_get_the_withdraw_action(client, reviewer):
    claim = published_claim(reviewer)
    client.force_login(reviewer)
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert "withdraw_fact_check" not in page
    client.post(reverse(CHANGELIST), {"action": "withdraw_fact_check", "_selected_action": [claim.pk], "apply": "1",
                                      "reason": "no"})
    assert not PublishedVerdict.objects.get(pk=claim.pk).is_withdrawn


def test_the_article_page_lists_syndicated_appearances(client, editor):
    article, _ = ingest_article(body="The bridge will close. Originally published by the Miami Herald.", publisher="Miami Herald")
    ingest_article(body=article.body, publisher="Yahoo News", title="Yahoo's headline", url="https://news.yahoo.com/x")
    client.force_login(editor)
    page = client.get(reverse("admin:claims_article_change", args=[article.pk])).content.decode()
    assert "Yahoo News" in page and "Yahoo&#x27;s headline" in page and 'href="https://news.yahoo.com/x"' in page
