"""bench/scale.py's own code at a small size: loads an archive, times every page, API call and job.

The figures at 1M and 10M are the bench's to measure (README); here it must run end to end on the
suite's PostgreSQL and print every figure the issue names.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="the bench runs on PostgreSQL")
def test_the_scale_bench_prints_every_figure_for_a_small_archive():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "scale.py"), "--claims", "2000", "--base", "seed", "--repeat", "1",
         "--no-vector-index"],
        capture_output=True, text=True, env=env, timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["claims"] == 2000
    for page in ("desk", "claims", "claims_status", "claims_search", "claims_search_speaker", "claim", "article",
                 "factchecks"):
        assert report[f"admin_{page}_p50_ms"] > 0 and report[f"admin_{page}_p99_ms"] >= report[f"admin_{page}_p50_ms"]
    for call in ("claims_first", "claims_deep", "claims_status", "claims_search", "claimreviews_since"):
        assert report[f"api_{call}_p50_ms"] > 0
    for job in ("recheck", "assign", "escalate"):
        assert report[f"job_{job}_rows"] > 0
        # the rows set up for it (assignment also queues the archive's own waiting claims)
        assert report[f"job_{job}_moved"] >= report[f"job_{job}_rows"]
        assert report[f"job_{job}_vs_update"] > 0 and report[f"job_{job}_peak_mb"] > 0
    assert report["transitions_during_jobs"] > 0 and report["transition_during_job_p99_ms"] > 0
    assert 500 < report["db_bytes_per_claim"] < 50_000
