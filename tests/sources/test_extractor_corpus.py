"""Quality bar on the public gold corpus (read in place, never copied).

The corpus folder is ``$ATTRIBUTION_CORPUS_DIR`` or ``<project>/../shared/corpus``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sources.attribution import extract
from sources.attribution.score import gold_pairs, score_folder

CORPUS = Path(os.environ.get("ATTRIBUTION_CORPUS_DIR") or Path(__file__).parents[2].parent / "shared" / "corpus")

pytestmark = pytest.mark.skipif(
    not CORPUS.is_dir() or not any(CORPUS.glob("*.json")),
    reason=f"public gold corpus not found at {CORPUS} (set ATTRIBUTION_CORPUS_DIR)",
)


@pytest.fixture(scope="module")
def report():
    return score_folder(CORPUS)


def test_quality_bar(report):
    overall = report["overall"]
    assert overall["sentences"] >= 100
    assert overall["macro_f1"] >= 0.90, report["errors"]
    assert overall["speaker_token_f1"] >= 0.85
    assert overall["coverage"] >= 0.95
    assert overall["spurious"] == 0


def test_every_article_is_good(report):
    for name, s in report["articles"].items():
        assert s["accuracy"] >= 0.85, (name, s)
        assert s["coverage"] >= 0.9, (name, s)


def test_no_claims_of_boilerplate_or_headlines():
    for name, txt, gold in gold_pairs(CORPUS):
        text = txt.read_text(encoding="utf-8")
        claims = extract(text, gold.get("publisher"))
        headline = text.split("\n", 1)[0].strip()
        gold_spans = [(s["start"], s["end"]) for s in gold["sentences"]]
        for c in claims:
            assert c.text == text[c.start : c.end]
            assert c.text.strip() != "Advertisement"
            assert c.start >= len(headline), (name, c.text)
            # every claim lies inside some labelled sentence's neighbourhood (no junk spans)
            assert any(min(c.end, e) - max(c.start, s) > 0 for s, e in gold_spans), (name, c.text)


def test_publisher_inferred_when_not_given():
    # without --publisher the BBC texts still name their own outlet ("... was told")
    report = score_folder(CORPUS, extract_many=lambda items: _no_publisher(items))
    assert report["overall"]["macro_f1"] >= 0.90


def _no_publisher(items):
    from sources.attribution import extract_many

    return extract_many((t, None) for t, _p in items)


def test_gold_files_are_consistent():
    for _name, txt, gold in gold_pairs(CORPUS):
        text = txt.read_text(encoding="utf-8")
        for s in gold["sentences"]:
            assert text[s["start"] : s["end"]] == s["text"]
    json.dumps(score_folder(CORPUS))  # report is JSON-serialisable
