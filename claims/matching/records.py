"""What retrieval searches and how a query's candidates travel: one module under both the engines
(claims/matching/engines/) and retrieval (claims/matching/retrieval.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from .encoder import GRAPH_VERSION

MODEL = f"all-MiniLM-L6-v2/onnx{GRAPH_VERSION}"
CLAIM, FACT_CHECK = "claim", "fact_check"
KINDS = (CLAIM, FACT_CHECK)
KIND_CHOICES = [(CLAIM, "Our claim"), (FACT_CHECK, "Imported fact-check")]
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


@dataclass(frozen=True)
class Query:
    text: str
    vector: np.ndarray
    terms: tuple[str, ...]


@dataclass
class Candidates:
    """One query's candidates as an engine found them: keys, texts (claim and headline joined) and
    cosines to the query (joint, claim, headline; a claim's three are one)."""

    keys: list[int] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    cosines: np.ndarray = field(default_factory=lambda: np.zeros((0, 3), dtype=np.float32))
