"""Has this been checked before? The one retrieval that every caller uses.

The matching task, `POST /api/claims/similar/` and the reviewer's claim page all ask
`search_many`. Each stored record (one of our claims, the lead of its copy group; or an imported
fact-check with its headline) has a unit sentence embedding (all-MiniLM-L6-v2 on onnxruntime,
computed in batches by the pipeline) and its search terms, both in the database
(claims/fields.py). A query takes the dense top-N (pgvector's HNSW on PostgreSQL) and
the lexical top-N (full-text search: GIN over a tsvector, FTS5 on SQLite) as candidates,
computes each candidate's features (cosine to the claim and headline together and apart; BM25
relative to the query's best and absolute; the share of its terms and figures the record holds)
and ranks by a logistic fusion trained on labelled pairs (`train_retrieval`, CheckThat! 2020
train): higher is closer. The "same claim" threshold for match rows is a point on the same
scale, calibrated on labelled pairs.

No process keeps an index on PostgreSQL: a query is three SQL round trips, and a claim
embedded or regrouped in one transaction is found by every process once it commits
(claims/matching/engines/).
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import Now

from ..models import Claim, ClaimEmbedding, FactCheck, FactCheckEmbedding
from . import lexical
from .encoder import DIM, MiniLMEncoder
from .engines import engine
from .records import (  # noqa: F401  (re-exported: callers ask retrieval for them)
    CLAIM, FACT_CHECK, KIND_CHOICES, KINDS, MODEL, Candidates, Query, joint_text, key_of, kind_of, strip_links,
)

# Cosine to the claim and headline together and apart; BM25 relative to the query's best and
# absolute; the idf-weighted share of the query's terms the record contains; the share of its numbers.
FEATURES = ("cos_joint", "cos_claim", "cos_title", "bm25_rel", "bm25_log", "coverage", "numbers")
FUSION_PATH = Path(__file__).with_name("data") / "fusion.json"
EMBED_BATCH = 256


@functools.cache
def encoder() -> MiniLMEncoder:
    """One encoder per process (about 90 MB of weights; ~1 s to build its graph the first time)."""
    return MiniLMEncoder(threads=settings.EMBEDDING_THREADS, cache_dir=settings.EMBEDDING_CACHE_DIR)


@functools.cache
def batch_encoder() -> MiniLMEncoder:
    """For batch commands (import_claimreview), which have the machine to themselves: every core, and
    the int8 matmuls of settings.BATCH_EMBEDDING_INT8 (docs/retrieval.md: where MAP@5 holds)."""
    return MiniLMEncoder(threads=os.cpu_count() or 1, int8=tuple(settings.BATCH_EMBEDDING_INT8),
                         cache_dir=settings.EMBEDDING_CACHE_DIR)


def batch_embed(texts: Sequence[str]) -> np.ndarray:
    return embed(texts, using=batch_encoder())


def embed(texts: Sequence[str], *, using: MiniLMEncoder | None = None) -> np.ndarray:
    return (using or encoder()).encode([strip_links(t) for t in texts])


def _newton_logistic(x: np.ndarray, y: np.ndarray, *, l2: float, intercept: bool, iters: int = 50) -> np.ndarray:
    """L2-regularised logistic regression by Newton's method: a handful of features, exact and
    deterministic, no scikit-learn at run time. Returns the weights (intercept last, unshrunk)."""
    xb = np.hstack([x, np.ones((len(x), 1))]) if intercept else x
    w = np.zeros(xb.shape[1])
    reg = np.full(xb.shape[1], l2)
    if intercept:
        reg[-1] = 0.0
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-(xb @ w)))
        step = np.linalg.solve((xb * (p * (1 - p))[:, None]).T @ xb + np.diag(reg), xb.T @ (p - y) + reg * w)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


@dataclass
class Fusion:
    """A linear ranking of the features, learned from pairs (the right record above a wrong one for
    the same query), and its calibration (Platt): score = P(same claim) = sigmoid(a * (w . x) + b).
    One monotone score: the order is the ranking's, the number a probability. `threshold` is the
    calibrated "same claim" cut."""

    weights: np.ndarray
    a: float = 1.0
    b: float = 0.0
    threshold: float = 0.5
    figures: dict = field(default_factory=dict)

    def score(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(self.a * (x @ self.weights) + self.b)))

    @classmethod
    def fit(cls, groups: Sequence[tuple[np.ndarray, np.ndarray]], l2: float = 10.0) -> Fusion:
        """`groups`: per query, its candidates' features and labels (1 for the right record)."""
        diffs = [pos[None, :] - x[y == 0] for x, y in groups for pos in x[y > 0] if (y == 0).any()]
        d = np.vstack(diffs)
        scale = d.std(0) + 1e-9
        weights = _newton_logistic(d / scale, np.ones(len(d)), l2=l2, intercept=False) / scale
        x = np.vstack([x for x, _ in groups])
        y = np.concatenate([y for _, y in groups])
        a, b = _newton_logistic((x @ weights)[:, None], y, l2=0.0, intercept=True)
        return cls(weights=weights, a=float(a), b=float(b))

    @classmethod
    def untrained(cls) -> Fusion:
        return cls(weights=np.zeros(len(FEATURES)))

    def to_json(self) -> str:
        return json.dumps({"features": list(FEATURES), "weights": self.weights.tolist(), "a": self.a, "b": self.b,
                           "threshold": self.threshold, "figures": self.figures}, indent=1) + "\n"

    @classmethod
    def load(cls, path: Path = FUSION_PATH) -> Fusion:
        data = json.loads(path.read_text())
        if tuple(data["features"]) != FEATURES:
            raise ValueError(f"{path} was trained on other features: retrain with manage.py train_retrieval")
        return cls(weights=np.array(data["weights"]), a=data["a"], b=data["b"], threshold=data["threshold"],
                   figures=data.get("figures", {}))


@dataclass(frozen=True)
class Hit:
    kind: str
    id: int
    score: float


def query_of(text: str, vector: np.ndarray) -> Query:
    return Query(text, np.asarray(vector, dtype=np.float32), tuple(sorted(set(lexical.tokens(strip_links(text))))))


def features(query: Query, found: Candidates, stats: lexical.TermStats) -> np.ndarray:
    """The candidates' feature matrix (columns in FEATURES order): the same arithmetic whichever
    engine found them, from their texts, their cosines and the database's term counts."""
    if not found.keys:
        return np.zeros((0, len(FEATURES)))
    bm25, coverage, numbers = lexical.features(strip_links(query.text), found.texts, stats)
    best = float(bm25.max())
    return np.column_stack([
        found.cosines,
        bm25 / best if best > 0 else np.zeros(len(bm25)),  # relative to this query's best candidate
        np.log1p(bm25),  # absolute lexical evidence, so the score is not purely relative
        coverage,
        numbers,
    ])


@functools.cache
def fusion() -> Fusion:
    return Fusion.load()


def rank(query: Query, found: Candidates, stats: lexical.TermStats, model: Fusion, limit: int) -> list[Hit]:
    if not found.keys:
        return []
    scores = model.score(features(query, found, stats))
    order = np.argsort(-scores, kind="stable")[:limit]
    return [Hit(*kind_of(found.keys[i]), float(scores[i])) for i in order]


def search_many(texts: Sequence[str], *, limit: int = 5, kinds: Sequence[str] = KINDS, exclude: Iterable[int] = (),
                vectors: np.ndarray | None = None) -> list[list[Hit]]:
    """Best hits per text, in a fixed number of database round trips whatever the number of texts.

    `exclude`: keys (key_of) never to return. `vectors`: the texts' embeddings when the caller
    has them (matching reads its claims' stored vectors), else they are encoded here."""
    if not texts:
        return []
    vectors = embed(texts) if vectors is None else vectors
    queries = [query_of(text, vector) for text, vector in zip(texts, vectors)]
    found, stats = engine().candidates(queries, kinds=tuple(kinds), exclude=set(exclude), n=settings.RETRIEVAL_CANDIDATES)
    model = fusion()
    return [rank(query, candidates, stats, model, limit) for query, candidates in zip(queries, found)]


def search(text: str, *, limit: int = 5, kinds: Sequence[str] = KINDS, exclude: Iterable[int] = (),
           vector: np.ndarray | None = None) -> list[Hit]:
    return search_many([text], limit=limit, kinds=kinds, exclude=exclude,
                       vectors=None if vector is None else np.asarray(vector)[None])[0]


def claim_vectors(claim_ids: Sequence[int]) -> np.ndarray:
    """The stored vectors of these claims (zero rows for claims not embedded), in their order."""
    stored = dict(ClaimEmbedding.objects.filter(claim_id__in=list(claim_ids), model=MODEL).values_list("claim_id", "vector"))
    out = np.zeros((len(claim_ids), DIM), dtype=np.float32)
    for row, pk in enumerate(claim_ids):
        if pk in stored:
            out[row] = stored[pk]
    return out


def claims_regrouped(*, claim_ids: Iterable[int]) -> int:
    """Copy groups changed (a claim joined one, a new lead): only a lead stays searchable. Called in
    the transaction that regrouped them, so every process sees the change when it commits."""
    is_copy = Claim.objects.filter(pk=OuterRef("claim_id"), copy_of__isnull=False)
    return ClaimEmbedding.objects.filter(claim_id__in=list(claim_ids)).update(searchable=~Exists(is_copy), embedded_at=Now())


# --- Writes: embeddings, in batches ---------------------------------------------------


def claims_embed(*, claim_ids: Sequence[int], batch_size: int = EMBED_BATCH) -> int:
    """Embed the claims that have no embedding of the current model. Idempotent; returns how many."""
    todo = list(
        Claim.objects.filter(pk__in=list(claim_ids)).exclude(embedding__model=MODEL).order_by("pk")
        .values_list("pk", "copy_of_id", "text")
    )
    for start in range(0, len(todo), batch_size):
        chunk = todo[start:start + batch_size]
        vectors = embed([text for _, _, text in chunk])
        with transaction.atomic():
            ClaimEmbedding.objects.bulk_create(
                [ClaimEmbedding(claim_id=pk, vector=v, terms=search_terms(text), searchable=copy_of is None, model=MODEL)
                 for (pk, copy_of, text), v in zip(chunk, vectors)],
                update_conflicts=True, unique_fields=["claim"],
                update_fields=["vector", "terms", "searchable", "model", "embedded_at"],
            )
    return len(todo)


def search_terms(text: str) -> list[str]:
    return lexical.tokens(strip_links(text))


def fact_check_vectors(reviews: Sequence[tuple[str, str]], *, encode=None) -> tuple[np.ndarray, np.ndarray, list]:
    """(claim, joint, headline) vectors of (claim, headline) pairs; headline None where there is none.

    Each distinct text is encoded once: a review without a headline has one text, not two."""
    texts = list({c: None for c, _ in reviews} | {joint_text(c, h): None for c, h in reviews} | {h: None for _, h in reviews if h})
    vectors = dict(zip(texts, (encode or embed)(texts)))
    claim = np.array([vectors[c] for c, _ in reviews]).reshape(len(reviews), DIM)
    joint = np.array([vectors[joint_text(c, h)] for c, h in reviews]).reshape(len(reviews), DIM)
    return claim, joint, [vectors[h] if h else None for _, h in reviews]


def fact_checks_embed(*, fact_check_ids: Sequence[int], batch_size: int = EMBED_BATCH, progress=None,
                      encode=None) -> int:
    """Embed fact-checks (claim and headline together and apart) lacking a current embedding."""
    todo = list(
        FactCheck.objects.filter(pk__in=list(fact_check_ids)).exclude(embedding__model=MODEL)
        .order_by("pk").values_list("pk", "claim_reviewed", "headline")
    )
    for start in range(0, len(todo), batch_size):
        chunk = todo[start:start + batch_size]
        claim, joint, title = fact_check_vectors([(c, h) for _, c, h in chunk], encode=encode)
        with transaction.atomic():
            FactCheckEmbedding.objects.bulk_create(
                [FactCheckEmbedding(fact_check_id=pk, vector=joint[i], claim_vector=claim[i], title_vector=title[i],
                                    terms=search_terms(joint_text(c, h)), model=MODEL)
                 for i, (pk, c, h) in enumerate(chunk)],
                update_conflicts=True, unique_fields=["fact_check"],
                update_fields=["vector", "claim_vector", "title_vector", "terms", "model", "embedded_at"],
            )
        if progress is not None:
            progress(len(chunk))
    return len(todo)
