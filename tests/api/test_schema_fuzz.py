"""The whole API against its own OpenAPI schema: schemathesis's CLI, every check, a live server.

A real HTTP server on loopback (pytest-django's live_server, on the test database) serves the
API; `schemathesis run` reads /api/schema/ from it and sends generated requests with an
editor's token (an editor may call every operation), in every phase: examples, coverage
(boundaries), fuzzing and stateful sequences. Every check is on (`--checks all`), including
"a request the schema allows is accepted" and "one it forbids is refused": the schema must
tell the truth both ways. The only setting beyond schemathesis's defaults is in
schemathesis.toml (413 counts as a refusal; 410 Gone, like 404, answers a well-formed request for a
fact-check the stateful phase withdrew).

Claims, sources and a verdict with small ids exist, so generated paths hit real rows as well
as missing ones. The run must reach at least MIN_CASES cases, with no failure and no 5xx.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management.color import no_style
from django.db import connection

from claims import workflow
from claims.models import Article, Claim, ClaimStatus, EvidenceStance
from claims.tokens import api_token_create
from sources.models import Source
from tests.factories import ArticleFactory, ClaimFactory, EvidenceFactory, SourceFactory, UserFactory

pytestmark = [pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
MIN_CASES = 1000
SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))


@pytest.fixture
def fuzz_world(transactional_db, settings):
    # Throttling would answer 429 (allowed, but it stops requests reaching the code under test).
    settings.API_THROTTLE_RATES = {scope: "off" for scope in settings.API_THROTTLE_RATES}
    editor = UserFactory(username="fuzz-editor", roles=["editors"])
    reviewer = UserFactory(username="fuzz-reviewer", roles=["reviewers"])
    claims = []
    for pk in range(1, 6):
        article = ArticleFactory(pk=pk, publisher=SourceFactory(pk=100 + pk, kind="outlet", name=f"Outlet {pk}"))
        claims.append(ClaimFactory(pk=pk, article=article, speaker=SourceFactory(pk=pk, name=f"Speaker {pk}")))
    # Explicit ids do not move the sequences: move them, or the next insert collides.
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Article, Claim, Source]):
            cursor.execute(sql)
    for claim in claims[::2]:
        workflow.transition(claim=claim, to=ClaimStatus.QUEUED, actor=None, assignee=reviewer)
    refuted = claims[2]
    workflow.transition(claim=refuted, to=ClaimStatus.IN_REVIEW, actor=reviewer)
    EvidenceFactory(claim=refuted, stance=EvidenceStance.CONTRADICTS)
    workflow.transition(claim=refuted, to=ClaimStatus.REFUTED, actor=reviewer, note="checked")
    return api_token_create(user=editor, role="editor", name="schema fuzz")[1]


def test_schemathesis_finds_nothing_against_a_live_server(fuzz_world, live_server, tmp_path):
    report = tmp_path / "events.ndjson"
    run = subprocess.run(
        [
            SCHEMATHESIS, "run", f"{live_server.url}/api/schema/", "--header", f"Authorization: Token {fuzz_world}",
            "--checks", "all", "--max-examples", "8", "--seed", "20261204", "--workers", "1",
            "--generation-database", "none", "--no-color", "--request-timeout", "60",
            "--report", "ndjson", "--report-ndjson-path", str(report),
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )
    output = run.stdout + run.stderr
    counts = re.search(r"(\d+) generated, (.*?)(?:, \d+ skipped)?\n", output)
    assert counts, output[-3000:]
    generated = int(counts.group(1))
    assert run.returncode == 0 and "passed" in counts.group(2) and "fail" not in counts.group(2), output[-6000:]
    assert generated >= MIN_CASES, f"only {generated} cases: {output[-2000:]}"
    server_errors = [line for line in report.read_text().splitlines() if re.search(r'"status_code":\s*5\d\d', line)]
    assert server_errors == [], server_errors[:3]
    print(f"schemathesis: {generated} cases, no failure")  # the figure, with pytest -s
