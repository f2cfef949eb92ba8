"""Has this been checked before? The one retrieval that every caller uses.

The matching task, `POST /api/claims/similar/` and the reviewer's claim page all ask
`similar(text=...)`. Each stored record (one of our claims, or an imported fact-check with
its headline) has a unit sentence embedding (all-MiniLM-L6-v2 on onnxruntime, computed in
batches by the pipeline and stored as int8 codes) and a BM25 document. A query takes the
dense top-N and the lexical top-N as candidates, scores each candidate's features (cosine
to the claim and headline together and apart, BM25 relative to the query's best and
absolute) with a logistic fusion trained on labelled pairs (`train_fusion`, CheckThat!
2020 train), and ranks by that probability: higher is closer. The "same claim" threshold
for match rows is a point on the same scale, calibrated on labelled pairs.

The index lives in the process (`SearchIndex`): rebuilt from the stored embeddings at first
use and refreshed incrementally from rows embedded since, so SQLite and PostgreSQL give the
same results and a new worker needs nothing but the database.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import Claim, ClaimEmbedding, FactCheck, FactCheckEmbedding
from .encoder import GRAPH_VERSION, MiniLMEncoder
from .lexical import LexicalIndex
from .vectors import ExactInt8Index, from_codes, to_codes

logger = logging.getLogger(__name__)

MODEL = f"all-MiniLM-L6-v2/onnx{GRAPH_VERSION}"
CLAIM, FACT_CHECK = "claim", "fact_check"
KINDS = (CLAIM, FACT_CHECK)
KIND_CHOICES = [(CLAIM, "Our claim"), (FACT_CHECK, "Imported fact-check")]
# Cosine to the claim and headline together and apart; BM25 relative to the query's best and
# absolute; the idf-weighted share of the query's terms the record contains; the share of its numbers.
FEATURES = ("cos_joint", "cos_claim", "cos_title", "bm25_rel", "bm25_log", "coverage", "numbers")
FUSION_PATH = Path(__file__).with_name("data") / "fusion.json"
EMBED_BATCH = 256
# Rows are picked up by the time they were embedded; a transaction that committed late is
# still seen because each refresh looks this far back (and adding a key again replaces it).
REFRESH_OVERLAP = timedelta(minutes=10)
# A burst of queries (a page, a matching batch) asks the database for new rows once.
REFRESH_EVERY_SECONDS = 1.0

_URL = re.compile(r"(?:https?://|www\.|pic\.twitter\.com/)\S*", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


def strip_links(text: str) -> str:
    """Links carry no meaning a reader would check (and tweets glue them to words); the rest is kept."""
    return _SPACE.sub(" ", _URL.sub(" ", text or "")).strip()


def joint_text(claim: str, headline: str) -> str:
    return f"{claim} {headline}".strip() if headline else claim


def key_of(kind: str, pk: int) -> int:
    """One key space for both kinds: claims even, fact-checks odd."""
    return pk * 2 + (1 if kind == FACT_CHECK else 0)


def kind_of(key: int) -> tuple[str, int]:
    return (FACT_CHECK if key & 1 else CLAIM), key >> 1


@functools.cache
def encoder() -> MiniLMEncoder:
    """One encoder per process (about 90 MB of weights; ~1 s to build its graph the first time)."""
    return MiniLMEncoder(threads=settings.EMBEDDING_THREADS, cache_dir=settings.EMBEDDING_CACHE_DIR)


def embed(texts: Sequence[str]) -> np.ndarray:
    return encoder().encode([strip_links(t) for t in texts])


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


@dataclass(frozen=True)
class Record:
    """What the index holds of one record: its key, texts and vectors (joint, claim, headline)."""

    key: int
    text: str
    headline: str = ""


class SearchIndex:
    """Dense (int8 exact scan) and lexical (BM25) indexes over claims and fact-checks, in this process.

    Thread-safe: gunicorn threads and a Celery pool process each share one per process.
    """

    def __init__(self, *, fusion: Fusion | None = None, n_candidates: int = 50) -> None:
        self.fusion = fusion or Fusion.load()
        self.n_candidates = n_candidates
        self.joint = ExactInt8Index()
        self.claim_part = ExactInt8Index()  # fact-checks only: a claim's three vectors are one
        self.title_part = ExactInt8Index()
        self.lexical = LexicalIndex()
        self._lock = threading.RLock()
        self._seen_until = None
        self._refreshed_at = float("-inf")

    def __len__(self) -> int:
        return len(self.joint)

    def add(self, records: Sequence[Record], joint: np.ndarray, claim: np.ndarray | None = None,
            title: np.ndarray | None = None) -> None:
        """Add or replace records. `claim`/`title` vectors only for fact-checks (claims: joint alone)."""
        if not records:
            return
        keys = [r.key for r in records]
        with self._lock:
            self.joint.add(keys, joint)
            if claim is not None:
                self.claim_part.add(keys, claim)
                self.title_part.add(keys, title if title is not None else claim)
            self.lexical.add(keys, [joint_text(strip_links(r.text), strip_links(r.headline)) for r in records])

    def remove(self, keys: Iterable[int]) -> None:
        keys = list(keys)
        with self._lock:
            for index in (self.joint, self.claim_part, self.title_part):
                index.remove(keys)
            self.lexical.remove(keys)

    # --- the database side ----------------------------------------------------------

    def refresh_if_due(self) -> None:
        if time.monotonic() - self._refreshed_at >= REFRESH_EVERY_SECONDS:
            self.refresh()

    def refresh(self) -> int:
        """Load what was embedded since the last refresh (everything, the first time). Returns rows added.

        Rows are read from a little before the last refresh (a transaction that committed late
        stamped an earlier time); of those, a record already held is only replaced when it was
        embedded again after the last refresh.
        """
        with self._lock:
            now = timezone.now()
            since = None if self._seen_until is None else self._seen_until - REFRESH_OVERLAP
            if since is None:  # the first, full load: one allocation for the whole archive
                self.joint.reserve(ClaimEmbedding.objects.filter(model=MODEL).count()
                                   + FactCheckEmbedding.objects.filter(model=MODEL).count())
            read = self._load_claims(since) + self._load_fact_checks(since)
            self._seen_until = now
            self._refreshed_at = time.monotonic()
            return read

    def _is_new(self, kind: str, pk: int, embedded_at) -> bool:
        return key_of(kind, pk) not in self.joint or self._seen_until is None or embedded_at > self._seen_until

    def _load_claims(self, since) -> int:
        # A group's first claim stands for its copies: the index grows with groups, not copies.
        rows = ClaimEmbedding.objects.filter(model=MODEL, claim__copy_of__isnull=True)
        if since is not None:
            rows = rows.filter(embedded_at__gte=since)
        read = 0
        fields = ("claim_id", "codes", "claim__text", "embedded_at")
        for chunk in _chunks(rows.order_by("pk").values_list(*fields).iterator(5000), 5000):
            chunk = [row for row in chunk if self._is_new(CLAIM, row[0], row[3])]
            self.add([Record(key_of(CLAIM, pk), text) for pk, _, text, _ in chunk], from_codes([c for _, c, _, _ in chunk]))
            read += len(chunk)
        return read

    def _load_fact_checks(self, since) -> int:
        rows = FactCheckEmbedding.objects.filter(model=MODEL)
        if since is not None:
            rows = rows.filter(embedded_at__gte=since)
        fields = ("fact_check_id", "codes", "claim_codes", "title_codes", "fact_check__claim_reviewed",
                  "fact_check__headline", "embedded_at")
        read = 0
        for chunk in _chunks(rows.order_by("pk").values_list(*fields).iterator(5000), 5000):
            chunk = [row for row in chunk if self._is_new(FACT_CHECK, row[0], row[6])]
            if not chunk:
                continue
            claim = from_codes([row[2] for row in chunk])
            title = claim.copy()
            with_title = [i for i, row in enumerate(chunk) if row[3]]
            if with_title:
                title[with_title] = from_codes([chunk[i][3] for i in with_title])
            records = [Record(key_of(FACT_CHECK, row[0]), row[4], row[5]) for row in chunk]
            self.add(records, from_codes([row[1] for row in chunk]), claim, title)
            read += len(chunk)
        return read

    # --- queries --------------------------------------------------------------------

    def candidates(self, text: str, vector: np.ndarray, *, kinds: Sequence[str], exclude: set[int],
                   dense_keys: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Candidate keys and their feature matrix (columns in FEATURES order)."""
        n = self.n_candidates + len(exclude)
        if dense_keys is None:
            dense_keys = self.joint.search(vector[None], n)[0][0]
        lexical_keys, lexical_scores = self.lexical.search(strip_links(text), n)
        keys = np.unique(np.concatenate([dense_keys[dense_keys >= 0], lexical_keys]))
        wanted = [k for k in keys.tolist() if kind_of(k)[0] in kinds and k not in exclude]
        keys = np.array(wanted, dtype=np.int64)
        if not len(keys):
            return keys, np.zeros((0, len(FEATURES)))
        bm25, coverage, numbers = self.lexical.scores_for(strip_links(text), wanted)
        best = float(lexical_scores.max()) if len(lexical_scores) else 0.0
        cos_joint = self.joint.vectors(wanted) @ vector
        is_fact_check = (keys & 1).astype(bool)
        cos_claim, cos_title = cos_joint.copy(), cos_joint.copy()
        if is_fact_check.any():
            fact_check_keys = keys[is_fact_check].tolist()
            cos_claim[is_fact_check] = self.claim_part.vectors(fact_check_keys) @ vector
            cos_title[is_fact_check] = self.title_part.vectors(fact_check_keys) @ vector
        return keys, np.column_stack([
            cos_joint, cos_claim, cos_title,
            bm25 / best if best > 0 else np.zeros(len(keys)),  # relative to this query's best
            np.log1p(bm25),  # absolute lexical evidence, so the score is not purely relative
            coverage,
            numbers,
        ])

    def search(self, text: str, *, limit: int = 5, kinds: Sequence[str] = KINDS, exclude: Iterable[int] = (),
               vector: np.ndarray | None = None) -> list[Hit]:
        vectors = None if vector is None else vector[None]
        return self.search_many([text], limit=limit, kinds=kinds, exclude=exclude, vectors=vectors)[0]

    def search_many(self, texts: Sequence[str], *, limit: int = 5, kinds: Sequence[str] = KINDS,
                    exclude: Iterable[int] = (), vectors: np.ndarray | None = None) -> list[list[Hit]]:
        """Best hits per text; the dense side scans the archive once for all of them."""
        vectors = embed(texts) if vectors is None else vectors
        exclude = set(exclude)
        out: list[list[Hit]] = []
        with self._lock:
            dense, _ = self.joint.search(vectors, self.n_candidates + len(exclude))
            for text, vector, dense_keys in zip(texts, vectors, dense):
                keys, features = self.candidates(text, vector, kinds=kinds, exclude=exclude, dense_keys=dense_keys)
                if not len(keys):
                    out.append([])
                    continue
                scores = self.fusion.score(features)
                order = np.argsort(-scores, kind="stable")[:limit]
                out.append([Hit(*kind_of(int(keys[i])), float(scores[i])) for i in order])
        return out

    def vectors_of(self, kind: str, pks: Sequence[int]) -> np.ndarray:
        """The stored (joint) vectors of these records, zero rows for unknown ones."""
        with self._lock:
            return self.joint.vectors([key_of(kind, pk) for pk in pks])


def _chunks(rows: Iterable, size: int) -> Iterable[list]:
    chunk: list = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


_index: SearchIndex | None = None
_index_lock = threading.Lock()


def search_index(*, fresh: bool = False) -> SearchIndex:
    """This process's index, brought up to date with the database (within a second, unless `fresh`)."""
    global _index
    with _index_lock:
        if _index is None:
            _index = SearchIndex(n_candidates=settings.RETRIEVAL_CANDIDATES)
    if fresh:
        _index.refresh()
    else:
        _index.refresh_if_due()
    return _index


def search_index_reset() -> None:
    """Forget this process's index (tests, and after a model change): the next search rebuilds it."""
    global _index
    with _index_lock:
        _index = None


# --- Writes: embeddings, in batches ---------------------------------------------------


def claims_embed(*, claim_ids: Sequence[int], batch_size: int = EMBED_BATCH) -> int:
    """Embed the claims that have no embedding of the current model. Idempotent; returns how many."""
    todo = list(
        Claim.objects.filter(pk__in=list(claim_ids)).exclude(embedding__model=MODEL).order_by("pk").values_list("pk", "text")
    )
    for start in range(0, len(todo), batch_size):
        chunk = todo[start:start + batch_size]
        codes = to_codes(embed([text for _, text in chunk]))
        with transaction.atomic():
            ClaimEmbedding.objects.bulk_create(
                [ClaimEmbedding(claim_id=pk, codes=c, model=MODEL) for (pk, _), c in zip(chunk, codes)],
                update_conflicts=True, unique_fields=["claim"], update_fields=["codes", "model", "embedded_at"],
            )
    return len(todo)


def fact_checks_embed(*, fact_check_ids: Sequence[int], batch_size: int = EMBED_BATCH, progress=None) -> int:
    """Embed fact-checks (claim and headline together and apart) lacking a current embedding."""
    todo = list(
        FactCheck.objects.filter(pk__in=list(fact_check_ids)).exclude(embedding__model=MODEL)
        .order_by("pk").values_list("pk", "claim_reviewed", "headline")
    )
    for start in range(0, len(todo), batch_size):
        chunk = todo[start:start + batch_size]
        claim = to_codes(embed([c for _, c, _ in chunk]))
        joint = to_codes(embed([joint_text(c, h) for _, c, h in chunk]))
        titled = [i for i, (_, _, h) in enumerate(chunk) if h]
        title_vectors = to_codes(embed([chunk[i][2] for i in titled])) if titled else []
        title = dict(zip(titled, title_vectors))
        with transaction.atomic():
            FactCheckEmbedding.objects.bulk_create(
                [FactCheckEmbedding(fact_check_id=pk, codes=joint[i], claim_codes=claim[i], title_codes=title.get(i, b""),
                                    model=MODEL) for i, (pk, _, _) in enumerate(chunk)],
                update_conflicts=True, unique_fields=["fact_check"],
                update_fields=["codes", "claim_codes", "title_codes", "model", "embedded_at"],
            )
        if progress is not None:
            progress(len(chunk))
    return len(todo)
