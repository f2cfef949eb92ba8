"""sources.attribution.crossval: stable folds, no held-out article in its own fold's training, figures per fold."""

import json
from pathlib import Path

import pytest

from sources.attribution import crossval
from sources.attribution.crossval import Article, cross_validate, fold_of

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"


def seed_article(name: str) -> Article:
    gold = json.loads((ROOT / "seeds" / "seed.json").read_text())
    return Article(name, (ROOT / "seeds" / "seed.txt").read_text(), gold.get("publisher"), sentences=gold["sentences"])


def test_folds_are_stable_and_cover_every_fold():
    names = [f"polnear/article-{i}" for i in range(200)]
    folds = [fold_of(name, 5) for name in names]
    assert folds == [fold_of(name, 5) for name in names]  # not Python's per-process salted hash
    counts = [folds.count(k) for k in range(5)]
    assert min(counts) >= 25 and sum(counts) == 200


def test_each_fold_is_scored_by_what_was_fitted_on_the_others():
    from sources.attribution.extractor import extract_many

    items = [seed_article(f"corpus/seed-{i}") for i in range(6)]
    trained_on: list[set[str]] = []

    def fit(training):
        trained_on.append({a.name for a in training})
        return extract_many

    report = cross_validate(items, folds=3, fit=fit)
    assert len(trained_on) == 3
    for k, names in enumerate(trained_on):
        held_out = {a.name for a in items if fold_of(a.name, 3) == k}
        assert not names & held_out and names | held_out == {a.name for a in items}
    scored = [fold for fold in report["per_fold"] if fold["corpus_articles"]]
    assert sum(fold["corpus_articles"] for fold in report["per_fold"]) == 6
    # the same article in every fold: the same figures, no spread
    assert {fold["accuracy"] for fold in scored} == {report["spread"]["accuracy"]["mean"]}
    assert report["spread"]["accuracy"]["std"] == 0.0 and 0.5 < report["spread"]["accuracy"]["mean"] <= 1.0


def test_a_fit_that_learns_nothing_scores_as_it_should():
    # an "extractor" that finds no claim: every gold sentence missed, accuracy 0
    items = [seed_article(f"corpus/seed-{i}") for i in range(4)]
    report = cross_validate(items, folds=2, fit=lambda _training: lambda texts: ([] for _ in texts))
    assert report["spread"]["accuracy"]["max"] == 0.0 and report["spread"]["spurious"]["max"] == 0


@pytest.mark.skipif(not (SHARED / "polnear" / "dev").is_dir(), reason="../shared/polnear (PolNeAR) is not here")
def test_the_command_reports_polnear_and_corpus_figures_per_fold(capsys):
    assert crossval.main(["--polnear", str(SHARED / "polnear" / "dev"), "--corpus", str(SHARED / "corpus"),
                          "--folds", "2", "--limit", "6", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["articles"] == 6 + min(6, len(list((SHARED / "corpus").glob("*.json"))))
    for name in ("speech_cue_recall", "speaker_accuracy", "attributed_precision", "macro_f1"):
        spread = report["spread"][name]
        assert 0.0 <= spread["min"] <= spread["mean"] <= spread["max"] <= 1.0


def test_the_command_refuses_a_missing_folder(tmp_path):
    with pytest.raises(SystemExit) as exit_:
        crossval.main(["--polnear", str(tmp_path / "absent")])
    assert exit_.value.code == 2
