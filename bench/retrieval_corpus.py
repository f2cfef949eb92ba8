"""Records for the retrieval scale bench: real sentences, varied, with their real embeddings mixed.

The base is every sentence of the shared data we may read (PolNeAR's train articles, the
check-worthiness train sentences, CheckThat!'s verified claims and titles): about 70k real
sentences, embedded once with the project's encoder and cached under var/cache/. Record i of a
scale run takes base sentence a, a clause of base sentence b, and the vector
normalize(0.8 v_a + 0.2 v_b): real words with their real frequencies (the lexical side) and
vectors that lie where real sentences lie (the ANN's clusters), not uniform random points.
Embedding a million distinct sentences would take this 2-core machine an hour and a half.
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CACHE = ROOT / "var" / "cache" / "bench-sentences.npz"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")
csv.field_size_limit(sys.maxsize)


def base_sentences(shared: Path = SHARED) -> list[str]:
    texts: list[str] = []
    for path in sorted((shared / "polnear" / "train").glob("*.txt")):
        for paragraph in path.read_text(encoding="utf-8", errors="replace").splitlines():
            texts.extend(s.strip() for s in _SENTENCE_END.split(paragraph))
    worthiness = shared / "checkworthiness" / "train.tsv"
    if worthiness.is_file():
        with open(worthiness, newline="", encoding="utf-8") as f:
            texts.extend(row["text"] for row in csv.DictReader(f, delimiter="\t"))
    claims = shared / "checkthat2020" / "verified_claims.docs.tsv"
    if claims.is_file():
        with open(claims, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                texts.extend([row["vclaim"], row["title"]])
    seen: set[str] = set()
    out = []
    for text in texts:
        if 30 <= len(text) <= 400 and text not in seen:
            seen.add(text)
            out.append(text)
    return out


def base(shared: Path = SHARED) -> tuple[list[str], np.ndarray]:
    """The base sentences and their unit float32 embeddings (cached)."""
    if CACHE.is_file():
        z = np.load(CACHE, allow_pickle=False)
        return z["texts"].tolist(), z["vectors"]
    texts = base_sentences(shared)
    if not texts:
        raise SystemExit(f"no sentences under {shared}: the scale bench needs ../shared (PolNeAR, CheckThat!)")
    from claims.matching.encoder import MiniLMEncoder

    import os

    vectors = MiniLMEncoder(threads=os.cpu_count() or 1).encode(texts, batch_size=64)
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    np.savez(CACHE, texts=np.array(texts), vectors=vectors)
    return texts, vectors


def records(n: int, *, seed: int = 7, start: int = 0) -> Iterator[tuple[int, str, np.ndarray]]:
    """(number, text, unit vector) for records start..n-1, the same for the same seed."""
    texts, vectors = base()
    rng = np.random.default_rng(seed)
    pairs = rng.integers(0, len(texts), size=(n, 2))
    for i in range(start, n):
        a, b = pairs[i]
        words = texts[b].split()
        clause = " ".join(words[: max(3, len(words) // 3)])
        vector = 0.8 * vectors[a] + 0.2 * vectors[b]
        yield i, f"{texts[a]} {clause}", vector / np.linalg.norm(vector)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    found, vecs = base()
    print({"sentences": len(found), "dim": vecs.shape[1]})
