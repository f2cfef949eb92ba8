"""sources.attribution.cue_model: the learned cue classifier beside the rules (issue 30).

It reads only the sentences the rules leave; it never attributes a subordinate clause
(rule 8) or a refusal; the shipped file loads with numpy alone and holds its training
figures; training is reproducible from PolNeAR (skipped where ../shared/polnear is absent).
"""

import os
from pathlib import Path

import numpy
import pytest

from sources.attribution import cue_model
from sources.attribution import cue_training
from sources.attribution.cue_model import CueModel
from sources.attribution.cue_training import Examples, choose_threshold, fit, predict
from sources.attribution.extractor import extract, get_nlp

ROOT = Path(__file__).resolve().parents[2]
POLNEAR = Path(os.environ.get("POLNEAR_DIR") or ROOT.parent / "shared" / "polnear")
TRAIN = POLNEAR / "train"


def levels(text: str, **kw) -> list[tuple[str, str | None]]:
    return [(c.attribution_level, c.speaker) for c in extract(text, **kw)]


def test_the_shipped_model_loads_and_records_how_it_was_trained():
    model = cue_model.shipped()
    assert model is not None, f"{cue_model.MODEL_PATH} is missing: python -m sources.attribution.cue_training train"
    assert model.weights.shape == (cue_model.BUCKETS,) and numpy.isfinite(model.weights).all()
    assert numpy.count_nonzero(model.weights) > 1000  # trained, not a file of zeros
    assert 0.5 < model.threshold < 1.0
    assert model.meta["articles"] >= 900 and model.meta["out_of_fold_precision"] >= model.meta["min_precision"]
    assert cue_model.MODEL_PATH.stat().st_size < 400_000


def test_a_verb_the_rules_do_not_know_attributes_the_sentence():
    text = ("The probe reached the comet in March.\n\n"
            "Some researchers have proposed that comets seeded the young planet with water.\n")
    assert levels(text, cue_model=None)[1] == ("unattributed", None)  # the rules alone miss it
    level, speaker = levels(text)[1]
    assert (level, speaker) == ("vague", "Some researchers")
    claim = extract(text)[1]
    assert claim.cue == "proposed" and "learned cue" in claim.reason


def test_subordinate_clauses_and_refusals_are_never_candidates():
    nlp = get_nlp()
    for sentence, verb in (("The plan, which critics say is flawed, passed the Senate on Tuesday.", "say"),
                           ("Because officials argue the cartel runs the state, the order stands.", "argue"),
                           ("The company declined to comment on the talks.", "declined")):
        doc = nlp(sentence)
        verbs = [v.text for v, _s in cue_model.candidates(doc[:], frozenset())]
        assert verb not in verbs, sentence
    doc = nlp("The regulator endorsed the merger on Friday.")
    assert [v.text for v, _s in cue_model.candidates(doc[:], frozenset())] == ["endorsed"]
    # inside quotation marks a verb is the quoted speaker's (rules 5 and 7)
    assert cue_model.candidates(doc[:], frozenset(t.i for t in doc)) == []


def test_the_rules_reading_stands_where_they_found_one():
    text = "Officials said the bridge would reopen on Monday.\n"
    assert levels(text) == levels(text, cue_model=None) == [("official", "Officials")]


def test_fit_learns_a_separable_rule_and_the_threshold_keeps_its_precision():
    rng = numpy.random.default_rng(0)
    buckets, labels = [], []
    for _ in range(400):
        positive = int(rng.random() < 0.3)
        signal = 11 if positive else 12
        buckets.append(numpy.array([0, signal, int(rng.integers(100, 200))]))
        labels.append(positive)
    examples = Examples(buckets, labels, ["a"] * 400)
    weights = fit(examples, epochs=200)
    probs = predict(weights, examples)
    y = numpy.array(labels)
    assert probs[y == 1].min() > 0.8 and probs[y == 0].max() < 0.2
    threshold = choose_threshold(probs, y, 0.95)
    assert (y[probs >= threshold] == 1).mean() >= 0.95 and (probs[y == 1] >= threshold).all()
    # an unreachable precision asks for nothing
    assert choose_threshold(numpy.array([0.9, 0.8]), numpy.array([0, 0]), 0.5) == 1.0


def test_a_saved_model_reads_back_with_the_same_decisions(tmp_path):
    weights = numpy.linspace(-2, 2, cue_model.BUCKETS, dtype=numpy.float32)
    model = CueModel(weights, 0.7, {"articles": 3})
    model.save(tmp_path / "m.npz")
    back = CueModel.read(tmp_path / "m.npz")
    assert back.threshold == 0.7 and back.meta == {"articles": 3}
    probe = numpy.array([5, 70_000, 131_000])
    assert abs(back.probability(probe) - model.probability(probe)) < 1e-3


@pytest.mark.skipif(not TRAIN.is_dir() or not any(TRAIN.glob("*.ann")),
                    reason=f"PolNeAR train split not found at {TRAIN} (set POLNEAR_DIR to the folder holding train/)")
def test_training_on_polnear_is_reproducible_and_learns_cues(tmp_path):
    first, report = cue_training.train([TRAIN], folds=3, limit=40)
    second, _ = cue_training.train([TRAIN], folds=3, limit=40)
    assert numpy.array_equal(first.weights, second.weights) and first.threshold == second.threshold
    assert report["articles"] == 40 and report["positives"] > 50 and report["candidates"] > report["positives"]
    # the learned weights rank a reporting verb with a ccomp above an ordinary verb
    nlp = get_nlp()
    from sources.attribution.gazetteers import load

    gaz = load()
    doc = nlp("The senator argued that the bill was unconstitutional. The senator ate lunch in the park.")
    sents = list(doc.sents)
    speech = cue_model.sentence_candidates(sents[0], frozenset(), gaz)[0][2]
    plain = cue_model.sentence_candidates(sents[1], frozenset(), gaz)[0][2]
    assert first.probability(speech) > first.probability(plain)
