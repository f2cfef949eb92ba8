"""Check-worthiness: how much a claim is worth checking, 0 to 1, from the embedding retrieval stores.

Every claim is embedded once (all-MiniLM-L6-v2, claims/matching/retrieval.py) for both uses:
the score is a class-weighted logistic regression over that unit vector (as the stored int8
codes give it back) plus a few cheap lexical cues of the text (figures, comparatives, names,
first person, questions, length). Trained by `manage.py train_checkworthiness` on CheckThat!
2024 Task 1 English train; the check-worthy threshold is the one that maximises the F1 of the
positive class on its dev-test split (the era of the held-out test). The weights are a small
JSON file (claims/triage/data/checkworthiness.json) with the figures of the run that wrote it.

`VERSION` names the model: a stored score of another version is re-scored (`claims_rescore_outdated`)
from the stored embeddings, never re-encoded, and never touching a claim's workflow status.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..matching.vectors import DIM

MODEL_PATH = Path(__file__).with_name("data") / "checkworthiness.json"
LEXICAL = ("has_number", "has_quantity", "comparative", "names", "log_words", "question", "first_person", "short")
FEATURES = DIM + len(LEXICAL)
SEED = 18

_DIGIT = re.compile(r"\d")
_QUANTITY = re.compile(r"[%$€£]|\b(?:percent|per cent|million|billion|trillion|thousand|hundred)\b", re.I)
_COMPARATIVE = re.compile(
    r"\b(?:more|less|fewer|most|least|than|largest|biggest|highest|lowest|increased?|decreased?|doubled|tripled|"
    r"record|every|never|always|only|first)\b|\b\w{3,}est\b", re.I)
_FIRST_PERSON = re.compile(r"\b(?:I|I'm|I've|I'll|me|my|we|we're|we'll)\b")


def lexical_features(texts: Sequence[str]) -> np.ndarray:
    """(n, len(LEXICAL)) cues a coder looks for: a figure, a quantity, a comparison, names (capitalised
    words after the first), the length, a question, the speaker's own voice, a fragment."""
    out = np.zeros((len(texts), len(LEXICAL)), dtype=np.float32)
    for i, text in enumerate(texts):
        words = text.split()
        names = sum(1 for w in words[1:] if w[:1].isupper() and w not in ("I", "I'm", "I've", "I'll"))
        out[i] = (
            bool(_DIGIT.search(text)), bool(_QUANTITY.search(text)), bool(_COMPARATIVE.search(text)),
            min(names, 5) / 5, np.log1p(len(words)) / 4, text.rstrip().endswith("?"),
            bool(_FIRST_PERSON.search(text)), len(words) < 6,
        )
    return out


def features(vectors: np.ndarray, texts: Sequence[str]) -> np.ndarray:
    return np.hstack([np.asarray(vectors, dtype=np.float32).reshape(len(texts), DIM), lexical_features(texts)])


@dataclass
class Model:
    """score = sigmoid(features . weights + bias); `threshold` is the check-worthy cut."""

    weights: np.ndarray
    bias: float
    threshold: float = 0.5
    figures: dict = field(default_factory=dict)

    @property
    def version(self) -> str:
        """A digest of the weights: retraining changes it, and so re-scores stored claims."""
        digest = hashlib.sha256(np.asarray(self.weights, dtype=np.float32).tobytes() + repr(self.bias).encode())
        return f"lr-{digest.hexdigest()[:10]}"

    def score(self, vectors: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        if not len(texts):
            return np.zeros(0)
        z = features(vectors, texts).astype(np.float64) @ self.weights + self.bias
        return np.round(1.0 / (1.0 + np.exp(-z)), 4)

    def to_json(self) -> str:
        return json.dumps({
            "model": "logistic regression over all-MiniLM-L6-v2 (as stored) + lexical cues",
            "lexical": list(LEXICAL), "weights": [round(float(w), 5) for w in self.weights],
            "bias": round(float(self.bias), 5), "threshold": self.threshold, "figures": self.figures,
        }, indent=1) + "\n"

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> Model:
        return cls.from_json(Path(path).read_text(), name=str(path))

    @classmethod
    def from_json(cls, text: str, *, name: str = "the model") -> Model:
        data = json.loads(text)
        if tuple(data["lexical"]) != LEXICAL or len(data["weights"]) != FEATURES:
            raise ValueError(f"{name} was trained on other features: retrain with manage.py train_checkworthiness")
        return cls(weights=np.array(data["weights"]), bias=data["bias"], threshold=data["threshold"],
                   figures=data.get("figures", {}))


@functools.cache
def model() -> Model:
    return Model.load()


def threshold() -> float:
    """CHECK_WORTHY_THRESHOLD when set, else the model's own (calibrated on dev-test)."""
    from django.conf import settings

    value = getattr(settings, "CHECK_WORTHY_THRESHOLD", None)
    return model().threshold if value is None else float(value)


def version() -> str:
    return model().version


def score_texts(texts: Sequence[str]) -> np.ndarray:
    """Scores of texts that have no stored embedding (the command, the bench): one encode, then the head."""
    from ..matching.retrieval import embed
    from ..matching.vectors import as_stored

    # Score what the pipeline scores: the vector as the database gives it back.
    return model().score(as_stored(embed(texts)), texts)


# --- evaluation and training ---------------------------------------------------------


def average_precision(scores: np.ndarray, labels: np.ndarray) -> float:
    order = np.argsort(-np.asarray(scores), kind="stable")
    y = np.asarray(labels, dtype=np.float64)[order]
    if not y.sum():
        return 0.0
    precision = np.cumsum(y) / np.arange(1, len(y) + 1)
    return float((precision * y).sum() / y.sum())


def evaluate(scores: np.ndarray, labels: np.ndarray, cut: float) -> dict:
    """F1, precision and recall of the positive class at `cut`, and average precision."""
    labels = np.asarray(labels, dtype=bool)
    predicted = np.asarray(scores) >= cut
    tp = int((predicted & labels).sum())
    precision = tp / predicted.sum() if predicted.sum() else 0.0
    recall = tp / labels.sum() if labels.sum() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"f1": round(float(f1), 4), "precision": round(float(precision), 4), "recall": round(float(recall), 4),
            "average_precision": round(average_precision(scores, labels), 4), "threshold": cut, "n": int(len(labels)),
            "positives": int(labels.sum())}


def best_threshold(scores: np.ndarray, labels: np.ndarray) -> float:
    """The cut that maximises F1 on these labels (ties: the lower cut, which recalls more)."""
    best, best_f1 = 0.5, -1.0
    for cut in np.unique(np.round(scores, 4)):
        f1 = evaluate(scores, labels, float(cut))["f1"]
        if f1 > best_f1:
            best, best_f1 = float(cut), f1
    return best


def read_tsv(path: Path, *, labels: bool = False) -> tuple[list[str], list[str], np.ndarray | None]:
    """ids, texts (and labels) of a TSV with a header naming `id`, `text` (and `label`)."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    if rows and not {"id", "text"} <= rows[0].keys():
        raise ValueError(f"{path}: the header must name the columns id and text")
    if labels and rows and "label" not in rows[0]:
        raise ValueError(f"{path}: --evaluate needs a label column")
    y = np.array([int(r["label"]) for r in rows]) if labels else None
    return [r["id"] for r in rows], [r["text"] for r in rows], y


def fit_logistic(x: np.ndarray, y: np.ndarray, *, l2: float, iters: int = 40) -> tuple[np.ndarray, float]:
    """Class-weighted (positives weighted up to balance the classes), L2-regularised logistic
    regression by Newton's method: exact and deterministic. Returns (weights, bias)."""
    xb = np.hstack([x, np.ones((len(x), 1))]).astype(np.float64)
    sample = np.where(y > 0, (1 - y.mean()) / y.mean(), 1.0)
    reg = np.full(xb.shape[1], l2)
    reg[-1] = 0.0
    w = np.zeros(xb.shape[1])
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-(xb @ w)))
        hessian = (xb * (sample * p * (1 - p))[:, None]).T @ xb + np.diag(reg)
        step = np.linalg.solve(hessian, xb.T @ (sample * (p - y)) + reg * w)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1], float(w[-1])


def train(data: Path, *, l2: float = 1.0, progress=None) -> Model:
    """Fit on data/train.tsv, pick the threshold on data/devtest.tsv, report dev and dev-test."""
    from ..matching.retrieval import embed
    from ..matching.vectors import as_stored

    def vectors(texts):
        return as_stored(embed(texts))

    _, texts, y = read_tsv(data / "train.tsv", labels=True)
    if progress:
        progress(f"embedding {len(texts)} training sentences")
    weights, bias = fit_logistic(features(vectors(texts), texts), y.astype(np.float64), l2=l2)
    fitted = Model(weights=weights, bias=bias)
    fitted = Model.from_json(fitted.to_json())  # the figures are those of the weights as shipped (rounded)
    figures = {"train_rows": len(texts), "l2": l2}
    for split in ("devtest", "dev"):
        path = data / f"{split}.tsv"
        if not path.is_file():
            continue
        _, split_texts, split_y = read_tsv(path, labels=True)
        scores = fitted.score(vectors(split_texts), split_texts)
        if split == "devtest":
            fitted.threshold = best_threshold(scores, split_y)
        figures[split] = evaluate(scores, split_y, fitted.threshold)
        figures[f"{split}_at_0.5"] = evaluate(scores, split_y, 0.5)
    fitted.figures = figures
    return fitted

