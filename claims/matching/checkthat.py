"""The CheckThat! 2020 Task 2 format (tweets against fact-checked claims), its measures, and
the retrieval's training (`python manage.py train_retrieval DIR`).

DIR holds `verified_claims.docs.tsv` (id, vclaim, title) and `train/`, `dev/` with
`tweets.queries.tsv` and `tweet-vclaim-pairs.qrels`. The data is read where it lies, never
copied into the project. Training fits the fusion on train (positives: the qrels; negatives:
the other candidates the engines propose for the same tweets, hard by construction),
calibrates the "same claim" threshold on train pairs, scores dev, and writes
claims/matching/data/fusion.json with those figures. Deterministic: the same data gives the
same file.
"""

from __future__ import annotations

import csv
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings

from . import lexical
from .retrieval import (
    FACT_CHECK,
    FUSION_PATH,
    Candidates,
    Fusion,
    Hit,
    Query,
    embed,
    fact_check_vectors,
    features,
    joint_text,
    key_of,
    query_of,
    strip_links,
)
from .retrieval import rank as rank_candidates
from .vectors import as_stored

csv.field_size_limit(sys.maxsize)


def read_tsv(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f, delimiter="\t")
        next(reader)  # header
        return [row for row in reader if row]


def read_qrels(path: Path) -> dict[str, set[int]]:
    relevant: dict[str, set[int]] = {}
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[3] != "0":
            relevant.setdefault(parts[0], set()).add(int(parts[2]))
    return relevant


@dataclass
class Split:
    queries: list[tuple[str, str]]
    qrels: dict[str, set[int]]


def load(data: Path) -> tuple[list[tuple[int, str, str]], dict[str, Split]]:
    """(verified claims as (id, claim, title), {split name: Split}) for the splits present."""
    claims = [(int(r[0]), r[1], r[2] if len(r) > 2 else "") for r in read_tsv(data / "verified_claims.docs.tsv")]
    splits = {
        name: Split([(r[0], r[1]) for r in read_tsv(data / name / "tweets.queries.tsv")],
                    read_qrels(data / name / "tweet-vclaim-pairs.qrels"))
        for name in ("train", "dev") if (data / name).is_dir()
    }
    return claims, splits


def metrics(ranked: dict[str, list[int]], qrels: dict[str, set[int]]) -> dict[str, float]:
    """MAP@5 as the lab's scorer computes it (precisions at hits over the number relevant), MRR, recall@5."""
    ap, rr, r5 = [], [], []
    for qid, gold in qrels.items():
        ranks = ranked.get(qid, [])
        hits, precisions = 0, []
        for i, doc in enumerate(ranks[:5]):
            if doc in gold:
                hits += 1
                precisions.append(hits / (i + 1))
        ap.append(sum(precisions) / len(gold))
        first = next((i for i, doc in enumerate(ranks) if doc in gold), None)
        rr.append(0.0 if first is None else 1.0 / (first + 1))
        r5.append(len(gold & set(ranks[:5])) / len(gold))
    return {"map@5": round(float(np.mean(ap)), 4), "mrr": round(float(np.mean(rr)), 4),
            "recall@5": round(float(np.mean(r5)), 4), "queries": len(qrels)}


class Archive:
    """The verified claims as the database holds them (vectors in half precision, our terms), with the
    candidates PostgreSQL's engine would give: the dense top-N by inner product, and the records
    holding the query's rarest terms ranked by their summed idf. For training and scoring the fusion
    without a database; the product's own figures are taken through the API (bench/retrieval.py)."""

    def __init__(self, claims: list[tuple[int, str, str]], *, cache: Path | None = None, n: int | None = None) -> None:
        cached = cache / "checkthat-vectors.npz" if cache else None
        if cached is not None and cached.is_file():
            z = np.load(cached)
            claim, joint, title = z["claim"], z["joint"], z["title"]
        else:
            claim, joint, titles = fact_check_vectors([(c, t) for _, c, t in claims])
            title = np.array([claim[i] if t is None else t for i, t in enumerate(titles)])
            if cached is not None:
                cached.parent.mkdir(parents=True, exist_ok=True)
                np.savez(cached, joint=joint, claim=claim, title=title)
        self.n = n or settings.RETRIEVAL_CANDIDATES
        self.keys = [key_of(FACT_CHECK, pk) for pk, _, _ in claims]
        self.texts = [joint_text(strip_links(c), strip_links(t)) for _, c, t in claims]
        self.joint, self.claim, self.title = as_stored(joint), as_stored(claim), as_stored(title)
        self.terms = [set(lexical.tokens(text)) for text in self.texts]
        self.stats = lexical.TermStats(len(claims), Counter(term for terms in self.terms for term in terms))

    def candidates(self, query: Query) -> Candidates:
        vector = as_stored(query.vector[None])[0]
        dense = np.argsort(-(self.joint @ vector), kind="stable")[:self.n]
        chosen = set(lexical.rare_terms(query.terms, self.stats, lexical.LEXICAL_BUDGET))
        scored = [(-sum(self.stats.idf(t) for t in terms & chosen), i) for i, terms in enumerate(self.terms) if terms & chosen]
        rows = sorted(set(dense.tolist()) | {i for _, i in sorted(scored)[:self.n]})
        cosines = np.column_stack([self.joint[rows] @ vector, self.claim[rows] @ vector, self.title[rows] @ vector])
        return Candidates([self.keys[i] for i in rows], [self.texts[i] for i in rows], cosines.astype(np.float32))

    def search(self, text: str, vector: np.ndarray, fusion: Fusion, limit: int = 5) -> list[Hit]:
        query = query_of(text, vector)
        return rank_candidates(query, self.candidates(query), self.stats, fusion, limit)


def groups(archive: Archive, split: Split, vectors: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per query: its candidates' features, and 1 for the fact-checks the qrels name."""
    out = []
    for (qid, text), vector in zip(split.queries, vectors):
        if qid not in split.qrels:
            continue
        query = query_of(text, vector)
        found = archive.candidates(query)
        out.append((features(query, found, archive.stats),
                    np.array([1.0 if (k >> 1) in split.qrels[qid] else 0.0 for k in found.keys])))
    return out


def stacked(found: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """All queries' candidate pairs in one feature matrix and one label vector."""
    return np.vstack([x for x, _ in found]), np.concatenate([y for _, y in found])


def rank(archive: Archive, split: Split, vectors: np.ndarray, fusion: Fusion, limit: int = 5) -> dict[str, list[int]]:
    return {qid: [hit.id for hit in archive.search(text, vector, fusion, limit)]
            for (qid, text), vector in zip(split.queries, vectors)}


def choose_threshold(scores: np.ndarray, labels: np.ndarray, tolerance: float = 0.001) -> tuple[float, float, float]:
    """The cut with the best F1 on labelled pairs (a stored match is a suggestion to a reviewer: missing
    one and proposing a wrong one cost alike). F1 is flat near its top; of the cuts within
    `tolerance` of the best, the highest: it proposes fewer wrong ones for the same F1.
    Returns (threshold, precision, recall)."""
    table = []
    for threshold in np.round(np.arange(0.05, 1.0, 0.01), 2):
        predicted = scores >= threshold
        true_pos = float((predicted & (labels > 0)).sum())
        precision, recall = true_pos / max(predicted.sum(), 1), true_pos / max((labels > 0).sum(), 1)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        table.append((f1, float(threshold), precision, recall))
    best = max(f1 for f1, *_ in table)
    _, threshold, precision, recall = max((row for row in table if row[0] >= best - tolerance), key=lambda row: row[1])
    return threshold, precision, recall


def train(data: Path, *, out: Path = FUSION_PATH, cache: Path | None = None) -> dict:
    started = time.perf_counter()
    claims, splits = load(data)
    archive = Archive(claims, cache=cache)
    vectors = {name: embed([text for _, text in split.queries]) for name, split in splits.items()}
    train_groups = groups(archive, splits["train"], vectors["train"])
    fusion = Fusion.fit(train_groups)
    x_train, y_train = stacked(train_groups)
    threshold, precision, recall = choose_threshold(fusion.score(x_train), y_train)
    fusion.threshold = threshold
    figures = {"threshold_on_train": {"chosen_by": "best F1 (the highest cut within 0.001 of it)", "precision": round(precision, 3), "recall": round(recall, 3)}}
    for name, split in splits.items():
        figures[name] = metrics(rank(archive, split, vectors[name], fusion), split.qrels)
        if name != "train":
            x, y = stacked(groups(archive, split, vectors[name]))
            predicted = fusion.score(x) >= threshold
            true_pos = float((predicted & (y > 0)).sum())
            figures[name]["threshold"] = {"precision": round(true_pos / max(predicted.sum(), 1), 3),
                                          "recall": round(true_pos / max((y > 0).sum(), 1), 3)}
    fusion.figures = figures
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(fusion.to_json())
    return {"wrote": str(out), "seconds": round(time.perf_counter() - started, 1), **figures}
