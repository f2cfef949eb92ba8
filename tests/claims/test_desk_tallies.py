"""The desk's bars (claims per status and per level) read a tally its triggers keep, not the claims table.

On PostgreSQL the tally must equal a count of the claims after whatever wrote them: the workflow, a
copy joining a group, the ORM's bulk writes, raw SQL, deletes, rollbacks; and the sweep's folding must
change no sum. On SQLite the desk counts the claims (the same selector, the simple path).
"""

import pytest
from django.db import connection, transaction
from django.db.models import Count

from claims import selectors, workflow
from claims.models import Claim, ClaimStatus as S, ClaimTally
from claims.pipeline import sweeper
from sources.levels import AttributionLevel as L
from tests.factories import ArticleFactory, ClaimFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def counted(dimension: str) -> dict[str, int]:
    rows = Claim.objects.filter(copy_of__isnull=True).values_list(dimension).annotate(n=Count("pk")).order_by()
    return {value: n for value, n in rows}


def assert_tallies_exact():
    for dimension in ("status", "attribution_level"):
        assert selectors.claim_counts(dimension) == counted(dimension), dimension


def test_the_desk_tallies_stay_exact_whatever_writes_and_folding_changes_no_sum():
    editor = UserFactory(roles=["editors"])
    claims = [ClaimFactory(attribution_level=level) for level in (L.OFFICIAL, L.VAGUE, L.ANONYMOUS, L.VAGUE)]
    assert_tallies_exact()

    workflow.transition(claim=claims[0], to=S.QUEUED, actor=editor)
    Claim.objects.filter(pk=claims[1].pk).update(attribution_level=L.DOCUMENT)  # the ORM's bulk write
    # A copy joins its first's group: it leaves the desk's counts (a group counts once).
    Claim.objects.filter(pk=claims[3].pk).update(copy_of=claims[2])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE claims_claim SET status = 'refuted' WHERE id = %s", [claims[2].pk])
    assert_tallies_exact()

    with pytest.raises(RuntimeError), transaction.atomic():  # a rolled-back write leaves no trace
        Claim.objects.filter(pk=claims[0].pk).update(status=S.CORROBORATED)
        raise RuntimeError
    ArticleFactory.create_batch(2)  # articles without claims change nothing
    claims[1].article.delete()  # cascades to its claim
    assert_tallies_exact()

    if connection.vendor == "postgresql":
        assert ClaimTally.objects.count() > len(S.values)  # the ledger grew a row a change
        sweeper.claim_tallies_compact()
        # one row a value still counted, none for a value that went to zero
        assert ClaimTally.objects.count() == len(counted("status")) + len(counted("attribution_level"))
    assert_tallies_exact()
    assert selectors.claim_counts("status") == {S.QUEUED: 1, S.REFUTED: 1}


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_the_archive_tables_are_re_analysed_long_before_a_tenth_of_them_changes():
    # At the defaults a 10M-row claims table is re-analysed after a million changes: the planner
    # kept old status counts after a job moved 75,000 claims (3.3 s for one API page).
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reloptions FROM pg_class WHERE relname IN "
                       "('claims_claim', 'claims_statuschange', 'claims_sourcingtally', 'claims_claimtally')")
        options = {name: dict(option.split("=") for option in (reloptions or [])) for name, reloptions in cursor.fetchall()}
    assert float(options["claims_claim"]["autovacuum_analyze_scale_factor"]) <= 0.01
    assert float(options["claims_statuschange"]["autovacuum_analyze_scale_factor"]) <= 0.01
    assert float(options["claims_sourcingtally"]["autovacuum_vacuum_insert_scale_factor"]) <= 0.01
    assert "autovacuum_vacuum_insert_scale_factor" in options["claims_claimtally"]
