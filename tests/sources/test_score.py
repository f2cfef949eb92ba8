"""The scorer: alignment, metrics and the CLI (pure Python, no database)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sources.attribution.score import Tally, align, main, score_folder

PROJECT = Path(__file__).resolve().parents[2]


def g(start, end, level, also=(), speaker=None):
    return {"start": start, "end": end, "text": "x" * (end - start), "attribution": level,
            "also_ok": list(also), "speaker": speaker, "via_outlet": None}


def p(start, end, level, speaker=None):
    return {"start": start, "end": end, "attribution_level": level, "speaker": speaker}


def test_align_overlap_rule():
    gold = [g(0, 10, "official"), g(11, 20, "vague"), g(21, 40, "unattributed")]
    pred = [p(0, 10, "official"), p(11, 14, "vague"), p(21, 40, "vague"), p(50, 60, "vague")]
    matches, spurious = align(gold, pred)
    assert matches == [0, None, 2]  # 3 of 9 chars is not enough
    assert spurious == {1, 3}


def test_metrics_with_also_ok():
    gold = [g(0, 10, "official", speaker="the State Department"),
            g(11, 20, "unattributed", also=["anonymous"]),
            g(21, 30, "vague", speaker="Analysts")]
    pred = [p(0, 10, "official", "State Department"), p(11, 20, "anonymous", "one source"),
            p(21, 30, "official", "Analysts")]
    t = Tally()
    t.add("x", gold, pred)
    s = t.summary()
    assert s["accuracy"] == pytest.approx(2 / 3, abs=1e-3)
    assert s["coverage"] == 1.0 and s["spurious"] == 0
    # per level: official P=1/2 R=1, anonymous 1/1, vague R=0 -> macro (0.667 + 1 + 0) / 3
    assert s["macro_f1"] == pytest.approx((2 / 3 + 1 + 0) / 3, abs=1e-3)
    # speaker tokens: common 2 (state, department) + 1 (analysts); pred 2+2+1, gold 3+0+1
    prec, rec = 3 / 5, 3 / 4
    assert s["speaker_token_f1"] == pytest.approx(2 * prec * rec / (prec + rec), abs=1e-3)


def test_perfect_and_empty_predictions():
    gold = [g(0, 10, "official", speaker="Police")]
    t = Tally()
    t.add("a", gold, [p(0, 10, "official", "Police")])
    assert t.summary()["macro_f1"] == 1.0 and t.summary()["speaker_token_f1"] == 1.0
    t = Tally()
    t.add("b", gold, [])
    s = t.summary()
    assert s["coverage"] == 0.0 and s["accuracy"] == 0.0 and s["speaker_token_f1"] == 0.0


@pytest.fixture()
def seed_dir(tmp_path):
    for name in ("seed.txt", "seed.json"):
        shutil.copy(PROJECT / "seeds" / name, tmp_path / name)
    return tmp_path


def test_score_folder_on_seed(seed_dir):
    report = score_folder(seed_dir)
    assert set(report["articles"]) == {"seed"}
    assert report["overall"]["sentences"] == 41
    assert report["overall"]["macro_f1"] >= 0.9


def test_cli_json_and_table(seed_dir, capsys):
    assert main([str(seed_dir), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"articles", "overall", "errors"} <= set(data)
    for key in ("accuracy", "macro_f1", "coverage", "speaker_token_f1", "spurious"):
        assert key in data["overall"]
    assert main([str(seed_dir)]) == 0
    out = capsys.readouterr().out
    assert "OVERALL" in out and "macroF1" in out


def test_cli_errors(tmp_path, capsys):
    assert main([str(tmp_path / "missing")]) == 2
    assert main([str(tmp_path)]) == 2  # no gold pairs
    assert "error" in capsys.readouterr().err


def test_module_entry_point(seed_dir):
    proc = subprocess.run([sys.executable, "-m", "sources.attribution.score", str(seed_dir), "--json"],
                          cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["overall"]["coverage"] == 1.0
