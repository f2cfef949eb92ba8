"""The articles cross-validation and training read: PolNeAR folders and gold-labelled articles, and
the stable fold each article falls in (crossval.py, cue_training.py)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .polnear import Relation, articles as polnear_articles
from .score import gold_pairs


@dataclass(frozen=True)
class Article:
    name: str
    text: str
    publisher: str | None
    relations: list[Relation] | None = None  # PolNeAR's attributions
    sentences: list[dict] | None = None  # a gold article's labelled sentences


def fold_of(name: str, folds: int) -> int:
    """The article's fold: a stable hash of its name (not Python's hash(), which is salted per process)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big") % folds


def load(polnear_dirs: list[Path], corpus_dir: Path | None, limit: int | None = None) -> list[Article]:
    out = []
    for folder in polnear_dirs:
        for name, text, publisher, relations in polnear_articles(folder)[:limit]:
            out.append(Article(f"polnear/{name}", text, publisher, relations=relations))
    if corpus_dir is not None:
        for name, txt, gold in gold_pairs(corpus_dir)[:limit]:
            out.append(Article(f"corpus/{name}", txt.read_text(encoding="utf-8", errors="replace"),
                               gold.get("publisher"), sentences=gold["sentences"]))
    return out
