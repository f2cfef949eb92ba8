"""The Sourcing report (issue 29): figures on a small desk computed by hand, the ledger the triggers
keep against a recount of the claims, and the API (JSON and CSV alike, who may read it, bad input).

Two outlets, three months (November empty): the Herald's October story has three claims, one of
them relayed by the Courier as a copy; the Herald's December story also appeared under the Courier.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone as dt_timezone

import pytest
from django.db import connection

from claims.models import ArticleAppearance, Claim, ClaimStatus as S, SourcingTally
from claims.pipeline import sweeper
from claims.reports import sourcing
from claims.reports.facts import facts_sql
from claims.tokens import api_token_create
from sources.levels import AttributionLevel as L
from sources.models import SourceKind
from tests.factories import ArticleFactory, ClaimFactory, OutletFactory, SourceFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def at(day: int, month: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=dt_timezone.utc)


def sentence_claim(article, index: int, **fields) -> Claim:
    start = index * 10
    return ClaimFactory(article=article, start=start, end=start + 5, text=f"claim {article.pk}-{index}", **fields)


@pytest.fixture
def desk():
    herald, courier = OutletFactory(name="Herald"), OutletFactory(name="Courier")
    reviewer = UserFactory(username="rita", roles=["reviewers"])
    ministry = SourceFactory(kind=SourceKind.GOVERNMENT, name="Ministry of Roads")
    ana = SourceFactory(name="Ana Ruiz")
    october = ArticleFactory(publisher=herald, published_at=at(5, 10))
    relayed = ArticleFactory(publisher=courier, published_at=at(20, 10))
    december = ArticleFactory(publisher=herald, published_at=at(3, 12))
    anonymous = sentence_claim(october, 0, attribution_level=L.ANONYMOUS)
    official = sentence_claim(october, 1, attribution_level=L.OFFICIAL, speaker=ministry)
    sentence_claim(october, 2, attribution_level=L.NAMED_PERSON, speaker=ana)
    sentence_claim(relayed, 0, attribution_level=L.ANONYMOUS, copy_of=anonymous)
    sentence_claim(relayed, 1, attribution_level=L.VAGUE)
    queued = sentence_claim(december, 0, attribution_level=L.ANONYMOUS)
    sentence_claim(december, 1, attribution_level=L.UNATTRIBUTED)
    ArticleAppearance.objects.create(article=december, publisher=courier, url="https://courier.example/x",
                                     published_at=at(4, 12))
    # Verdicts 30.5 h and 10 h after intake; one claim waiting in the reviewer's queue.
    Claim.objects.filter(pk=anonymous.pk).update(status=S.REFUTED, assignee=reviewer, created_at=at(5, 10),
                                                 verdict_at=at(6, 10, 6, 30))
    Claim.objects.filter(pk=official.pk).update(status=S.CORROBORATED, assignee=reviewer, created_at=at(5, 10),
                                                verdict_at=at(5, 10, 10))
    Claim.objects.filter(pk=queued.pk).update(status=S.QUEUED, assignee=reviewer)
    return {"herald": herald, "courier": courier, "reviewer": reviewer}


def levels(report, publisher: str, period: str) -> dict[str, int]:
    return {row["level"]: row["claims"] for row in report.series
            if row["publisher"] == publisher and row["period"] == period and row["claims"]}


def quarter(publishers=(), interval="month") -> sourcing.SourcingQuery:
    return sourcing.SourcingQuery(start=date(2026, 10, 1), end=date(2026, 12, 31), interval=interval,
                                  publishers=tuple(publishers))


def test_figures_by_hand_outlets_count_their_copies_and_the_desk_counts_a_group_once(desk, settings):
    settings.REVIEW_SLA = settings.REVIEW_SLA.__class__(hours=24)
    herald, courier = desk["herald"], desk["courier"]
    mine = sourcing.sourcing_report(quarter([herald, courier]))
    assert levels(mine, "Herald", "2026-10") == {L.ANONYMOUS: 1, L.OFFICIAL: 1, L.NAMED_PERSON: 1}
    assert levels(mine, "Courier", "2026-10") == {L.ANONYMOUS: 1, L.VAGUE: 1}  # its copy counts for it
    assert levels(mine, "Herald", "2026-12") == {L.ANONYMOUS: 1, L.UNATTRIBUTED: 1}
    assert levels(mine, "Courier", "2026-12") == {L.ANONYMOUS: 1, L.UNATTRIBUTED: 1}  # its appearance
    assert levels(mine, "Herald", "2026-11") == {} and levels(mine, "Courier", "2026-11") == {}
    # the empty month is in the series all the same: 3 months x 2 outlets x 7 levels
    assert len(mine.series) == 3 * 2 * 7

    desk_wide = sourcing.sourcing_report(quarter())
    assert levels(desk_wide, sourcing.ALL_PUBLISHERS, "2026-10") == {
        L.ANONYMOUS: 1, L.OFFICIAL: 1, L.NAMED_PERSON: 1, L.VAGUE: 1}  # the copy group once
    assert levels(desk_wide, sourcing.ALL_PUBLISHERS, "2026-12") == {L.ANONYMOUS: 1, L.UNATTRIBUTED: 1}

    shares = [(row["publisher"], row["claims"], row["anonymous"], row["share"], row["previous_share"])
              for row in desk_wide.anonymous_share]
    assert shares == [("Courier", 4, 2, 0.5, None), ("Herald", 5, 2, 0.4, None)]

    verdicts = {row["level"]: (row["refuted"], row["corroborated"], row["verdicts"]) for row in desk_wide.verdicts_by_level}
    assert verdicts[L.ANONYMOUS] == (1, 0, 1) and verdicts[L.OFFICIAL] == (0, 1, 1) and verdicts[L.VAGUE] == (0, 0, 0)

    october, november, _ = desk_wide.time_to_verdict
    # hours 10 and 30.5 fall in the buckets [10, 11) and [30, 31): the median is 1 verdict in
    assert (october["verdicts"], october["p50_hours"], october["p90_hours"], october["breaches"]) == (2, 11.0, 30.8, 1)
    assert (november["verdicts"], november["p50_hours"], november["breaches"]) == (0, None, 0)

    speakers = {(row["level"], row["speaker"]): row["claims"] for row in desk_wide.top_speakers}
    assert speakers == {(L.OFFICIAL, "Ministry of Roads"): 1, (L.NAMED_PERSON, "Ana Ruiz"): 1}
    assert desk_wide.reviewers == [{"reviewer": "rita", "reviewer_id": desk["reviewer"].pk, "open": 1, "verdicts": 2}]

    weeks = sourcing.sourcing_report(quarter([herald], interval="week"))
    assert levels(weeks, "Herald", "2026-W41") == {L.ANONYMOUS: 1, L.OFFICIAL: 1, L.NAMED_PERSON: 1}  # Oct 5 is W41
    assert weeks.series[0]["period"] == "2026-W40"  # the week of Oct 1 (Monday Sep 28)

    # The speakers' ranking is kept by month: by week it covers the months the weeks touch.
    late_october = sourcing.sourcing_report(sourcing.SourcingQuery(start=date(2026, 10, 26), end=date(2026, 11, 8),
                                                                   interval="week"))
    assert not any(row["claims"] for row in late_october.series)  # October's claims fall in W41 and W43
    assert {row["speaker"] for row in late_october.top_speakers} == {"Ministry of Roads", "Ana Ruiz"}
    document = sourcing.report_document(late_october)
    assert (document["speakers_from"], document["speakers_to"]) == (date(2026, 10, 1), date(2026, 11, 30))


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_the_ledger_equals_a_recount_of_the_claims_after_writes_and_folding(desk):
    def ledger() -> dict:
        with connection.cursor() as cursor:
            cursor.execute("SELECT grain, period, publisher_id, dimension, level, value, sum(claims) "
                           "FROM claims_sourcingtally GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(claims) <> 0")
            return {row[:6]: row[6] for row in cursor.fetchall()}

    def recount() -> dict:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT grain, period, publisher_id, dimension, level, value, sum(n) "
                           f"FROM ({facts_sql('claims_claim', vendor='postgresql')}) f GROUP BY 1, 2, 3, 4, 5, 6")
            return {row[:6]: row[6] for row in cursor.fetchall()}

    assert ledger() == recount() and ledger()
    lead = Claim.objects.get(text__endswith="-0", article__publisher=desk["herald"], copy_of__isnull=True,
                             status=S.REFUTED)
    Claim.objects.filter(pk=lead.pk).update(attribution_level=L.VAGUE)  # a copy group's level changed
    Claim.objects.filter(copy_of=lead).update(copy_of=None)  # a copy leaves its group
    Claim.objects.filter(status=S.QUEUED).delete()
    desk["courier"].syndicated_appearances.all().delete()
    assert ledger() == recount()
    unfolded = SourcingTally.objects.filter(folded=False).count()
    assert unfolded and sweeper.sourcing_tallies_compact() > 0
    assert not SourcingTally.objects.filter(folded=False).exists()
    assert ledger() == recount()


def test_api_json_and_csv_agree_and_only_reviewers_and_editors_read_it(desk, client):
    editor = UserFactory(roles=["editors"])
    client.force_login(editor)
    url = "/api/reports/sourcing/?from=2026-10-01&to=2026-12-31&publisher=Herald&publisher=Courier"
    body = client.get(url).json()
    assert body["interval"] == "month" and body["publishers"] == ["Courier", "Herald"]
    assert {"period": "2026-10", "publisher": "Courier", "level": "anonymous", "claims": 1}.items() <= \
        next(r for r in body["series"] if r["period"] == "2026-10" and r["publisher"] == "Courier"
             and r["level"] == "anonymous").items()
    response = client.get(url + "&format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["period", "publisher", "level", "claims"]
    assert rows[1:] == [[r["period"], r["publisher"], r["level"], str(r["claims"])] for r in body["series"]]

    # What the schema refuses is a JSON 400 naming its parameter, whatever format was asked for.
    for bad, attr in (("interval=day", "interval"), ("from=12/01/2026", "from"), ("to=", "to"), ("publisher=" + "x" * 256, "publisher")):
        response = client.get(f"/api/reports/sourcing/?{bad}&format=csv")
        assert response.status_code == 400 and response["Content-Type"].startswith("application/json"), bad
        assert [error["attr"] for error in response.json()["errors"]] == [attr], bad
    # What it allows is answered: a range ending before it starts holds no period; a name no outlet
    # carries is an outlet without claims; a range of more than 520 periods keeps its latest.
    backwards = client.get("/api/reports/sourcing/?from=2026-12-01&to=2026-10-01").json()
    assert backwards["series"] == [] and backwards["time_to_verdict"] == []
    nobody = client.get("/api/reports/sourcing/?from=2026-10-01&to=2026-12-31&publisher=Nobody").json()
    assert {row["publisher"] for row in nobody["series"]} == {"Nobody"}
    assert sum(row["claims"] for row in nobody["series"]) == 0 and nobody["anonymous_share"] == []
    long = client.get("/api/reports/sourcing/?from=1900-01-01&to=2026-12-31&interval=week").json()
    assert long["range_shortened"] and len({row["period"] for row in long["series"]}) == sourcing.MAX_PERIODS
    far = client.get("/api/reports/sourcing/?from=0001-01-01&to=9999-12-31&interval=month")
    assert far.status_code == 200 and far.json()["range_shortened"]

    newsroom = UserFactory(roles=["newsroom"])
    token = api_token_create(user=newsroom, role="newsroom", name="cms")[1]
    client.logout()
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 403
    reviewer_token = api_token_create(user=desk["reviewer"], role="reviewer", name="desk")[1]
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {reviewer_token}").status_code == 200


def test_the_page_shows_the_report_and_a_band_opens_its_claims(desk, client):
    import re
    from html import unescape

    client.force_login(UserFactory(roles=["editors"]))
    page = client.get("/admin/reports/sourcing/?from=2026-10-01&to=2026-12-31&publisher=Courier")
    assert page.status_code == 200
    html = page.content.decode()
    for section in ("report-levels", "report-anonymous", "report-speakers", "report-verdicts", "report-time",
                    "report-reviewers"):
        assert f'id="{section}"' in html
    assert "<desc" in html and "Courier, claims by attribution level per period" in html  # the text alternative
    # The Courier's October anonymous band opens its one claim there (its copy of the Herald's).
    band = re.search(r'<a href="([^"]+)" class="level-band" data-level="anonymous" data-period="2026-10" data-claims="1"', html)
    listed = client.get(unescape(band.group(1)))
    assert listed.status_code == 200
    assert listed.context["cl"].result_count == 1
    assert listed.context["cl"].result_list[0].article.publisher == desk["courier"]

    series = client.get("/admin/reports/sourcing/?from=2026-10-01&to=2026-12-31&publisher=Courier&download=series")
    api = client.get("/api/reports/sourcing/?from=2026-10-01&to=2026-12-31&publisher=Courier&format=csv")
    assert series["Content-Type"].startswith("text/csv") and series.content == api.content

    assert client.get("/admin/reports/sourcing/?interval=fortnight").status_code == 400
    assert client.get("/admin/reports/sourcing/?from=soon").status_code == 400
    client.force_login(UserFactory(roles=["newsroom"], is_staff=True))
    assert client.get("/admin/reports/sourcing/").status_code == 403
