"""PolNeAR (Newell, Margolin and Ruths, LREC 2018) as an outside check of the extractor.

The folder is ``$POLNEAR_DIR`` or ``<project>/../shared/polnear`` (train and dev
splits, never copied into the project); the tests on it skip when it is absent.
The scorer's own behaviour is tested on a tiny original brat file.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sources.attribution.polnear import main, read_ann, score_polnear, speaker_matches

ROOT = Path(__file__).parents[2]
POLNEAR = Path(os.environ.get("POLNEAR_DIR") or ROOT.parent / "shared" / "polnear")
DEV = POLNEAR / "dev"

needs_polnear = pytest.mark.skipif(
    not DEV.is_dir() or not any(DEV.glob("*.ann")),
    reason=f"PolNeAR dev split not found at {DEV} (set POLNEAR_DIR to the folder holding dev/)",
)

TEXT = (
    "Harbour Board Delays Vote\n\n"
    "The harbour board will delay its vote on the new pier, said Ruth Okafor, its chair. "
    "Ferry operators want a longer consultation. "
    "The pier would cost $40 million.\n"
)
ANN = """T1\tSource 0 0\tRuth Okafor, its chair
T2\tCue 0 0\tsaid
T3\tContent 0 0\tThe harbour board will delay its vote on the new pier
E1\tAttribution:T2 Source:T1 Cue:T2 Content:T3
T4\tSource 0 0\tFerry operators
T5\tCue 0 0\twant
T6\tContent 0 0\ta longer consultation
E2\tAttribution:T5 Source:T4 Cue:T5 Content:T6
"""


@pytest.fixture
def tiny(tmp_path):
    (tmp_path / "harbour.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "harbour.ann").write_text(_fix_offsets(ANN), encoding="utf-8")
    return tmp_path


def _fix_offsets(ann: str) -> str:
    """Recompute each T line's offsets from its text (the text above is the truth)."""
    out = []
    for line in ann.splitlines():
        if line.startswith("T"):
            tid, mid, text = line.split("\t")
            kind = mid.split()[0]
            a = TEXT.index(text)
            line = f"{tid}\t{kind} {a} {a + len(text)}\t{text}"
        out.append(line)
    return "\n".join(out) + "\n"


def test_read_ann_ties_spans_into_relations(tiny):
    rels = read_ann(tiny / "harbour.ann")
    assert [r.cue.text for r in rels] == ["said", "want"]
    assert rels[0].source.text == "Ruth Okafor, its chair"
    assert rels[0].speech and not rels[1].speech  # "want" is an inner state: the article's own voice here
    for r in rels:
        a, b = r.cue.spans[0]
        assert TEXT[a:b] == r.cue.text


def test_speaker_match_rules():
    assert speaker_matches("Ruth Okafor", "its chair, Ruth Okafor")
    assert speaker_matches("Ruth Okafor", "Ruth Okafor, the board's chair since 2019")
    assert not speaker_matches("the board", "Ruth Okafor")
    assert not speaker_matches(None, "Ruth Okafor")


def test_scores_a_tiny_folder(tiny, capsys):
    report = score_polnear(tiny)
    o = report["overall"]
    assert o["speech_cues"] == 1 and o["speech_cue_recall"] == 1.0
    assert o["speaker_accuracy"] == 1.0
    assert o["cues"] == 2
    assert main([str(tiny)]) == 0
    assert "speech cues" in capsys.readouterr().out
    assert main([str(tiny / "missing")]) == 2


@needs_polnear
def test_polnear_dev_floors():
    # extractor 1.3.0 scored 0.852 / 0.953 / 0.929 (issue 15: "0.854, 0.945, 0.920 by our count");
    # 1.4.0 scored 0.916 / 0.964 / 0.927; 1.5.0 scored 0.931 / 0.965 / 0.927; 1.6.0 scores
    # 0.937 / 0.965 / 0.934 (its learned cue classifier was fitted on train and dev, so dev
    # flatters it: crossval.py gives the honest figures). The floors are issue 15's targets:
    # 0.93 / 0.96 / 0.92.
    o = score_polnear(DEV)["overall"]
    assert o["speech_cues"] >= 900
    assert o["cues_outside_claims"] <= 15, o  # body cleaning keeps the annotated sentences
    assert o["speech_cue_recall"] >= 0.93, o
    assert o["speaker_accuracy"] >= 0.96, o
    assert o["attributed_precision"] >= 0.92, o


TRAIN = POLNEAR / "train"


@pytest.mark.skipif(not TRAIN.is_dir() or not any(TRAIN.glob("*.ann")),
                    reason=f"PolNeAR train split not found at {TRAIN} (set POLNEAR_DIR to the folder holding train/)")
def test_mined_speaker_nouns_reproduce_from_train():
    # data/polnear_speaker_nouns.txt is generated, never edited: mining train again gives it byte for byte
    from sources.attribution.mine_polnear import OUT, mine, render

    words, stats = mine(TRAIN, min_count=3)
    assert render(words, stats) == OUT.read_text(encoding="utf-8")
    assert OUT.stat().st_size < 4096
