"""No page or API call reads a whole large table to show one screen: checked on the query plans.

bench/scale.py --plans loads a desk's archive of 100,000 claims, sends every reviewer page and API
call the bench times, and runs each SELECT they sent again under EXPLAIN ANALYZE (sequential scans,
hash and merge joins off: the plans of a table too big to read whole). Counts stop at a cap of 200
here, so a count that reads the whole filtered table shows as what it is.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLAIMS = 100_000
CAP = 200

pytestmark = pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                                reason="query plans are PostgreSQL's")


@pytest.fixture(scope="module")
def report():
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LIST_COUNT_CAP": str(CAP)}
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "scale.py"), "--claims", str(CLAIMS), "--base", "seed", "--repeat", "1",
         "--no-vector-index", "--skip-jobs", "--plans"],
        capture_output=True, text=True, env=env, timeout=900,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def plans(report: dict, table: str) -> dict[str, int]:
    return {key: rows for key, rows in report.items() if key.startswith("plan_") and key.endswith(f"_{table}_rows")}


def test_every_page_and_call_was_planned(report):
    claim_plans = plans(report, "claims_claim")
    for name in ("admin_desk", "admin_claims", "admin_claims_search", "admin_claims_search_speaker", "admin_claim",
                 "admin_claim_evidence", "admin_article", "admin_factchecks", "api_claims_first", "api_claims_deep",
                 "api_claims_search", "api_claim_evidence", "api_claimreviews_since"):
        assert f"plan_{name}_claims_claim_rows" in claim_plans
    assert report["claims_claim_rows"] == CLAIMS
    # the lists did read claims (a check that saw no query would pass anything)
    assert claim_plans["plan_admin_claims_claims_claim_rows"] > 0 and claim_plans["plan_api_claims_first_claims_claim_rows"] > 0


@pytest.mark.parametrize("table", ["claims_claim", "claims_statuschange"])
def test_no_scan_reads_more_than_a_twentieth_of_the_claims_or_their_history(report, table):
    limit = report[f"{table}_rows"] // 20
    assert {key: rows for key, rows in plans(report, table).items() if rows > limit} == {}


def test_no_scan_reads_the_articles_table_whole(report):
    # 2,500 articles here: a page's lookups of its claims' articles are a good share of them (at 10M,
    # 250,000 articles, the same lookups are a sliver); a whole read is not.
    limit = report["claims_article_rows"] * 6 // 10
    assert {key: rows for key, rows in plans(report, "claims_article").items() if rows > limit} == {}


def test_the_fact_check_search_reads_its_matches_not_the_fact_checks(report):
    # 1,000 fact-checks here, 100,000 at 10M claims: the admin's ILIKE over four columns read them all
    assert report["claims_factcheck_rows"] >= 1000
    assert report["plan_admin_factchecks_search_claims_factcheck_rows"] <= report["claims_factcheck_rows"] // 20


def test_lists_count_up_to_the_cap_and_no_further(report):
    # the claim list's default count reads at most cap + 1 claims
    assert report["plan_admin_claims_claims_claim_rows"] <= CAP + 1
    assert report["plan_api_claims_first_claims_claim_rows"] <= CAP + 1
