"""The exact vector scan of the one-machine SQLite mode (claims/matching/engines/sqlite.py).

PostgreSQL searches with pgvector and holds nothing in the process. On SQLite, whose standard
Python module cannot load a vector extension, each process keeps an int8 matrix of the
searchable records (4x smaller than float32) and scans it whole with an integer matrix
product: exact up to int8 rounding, no tuning. Candidates are then re-scored from the stored
vectors.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

import numpy as np

DIM = 384


def quantize_int8(vectors: np.ndarray) -> np.ndarray:
    """Unit vectors to int8 with one fixed scale: components of a unit 384-d vector sit well
    inside [-0.5, 0.5] for MiniLM (measured max |x| 0.41 over 2,000 varied sentences), so 1/0.5*127 keeps precision while
    never clipping real vectors; clipping guards odd inputs."""
    return np.clip(np.rint(np.asarray(vectors, dtype=np.float32) * 254.0), -127, 127).astype(np.int8)


INT8_SCALE = 1.0 / 254.0


def as_stored(vectors: np.ndarray) -> np.ndarray:
    """Vectors as the database gives them back: half precision (claims/fields.py)."""
    return np.asarray(vectors, dtype=np.float32).astype(np.float16).astype(np.float32)


class KeyRows:
    """key -> row, as an array indexed by key (keys are database ids: dense, non-negative). A dict
    would cost ~100 bytes a key, 100 MB at 1M claims; this costs 4 bytes per possible key."""

    def __init__(self) -> None:
        self._rows = np.full(0, -1, dtype=np.int32)
        self.count = 0

    def get(self, key: int) -> int:
        return int(self._rows[key]) if 0 <= key < len(self._rows) else -1

    def rows(self, keys: np.ndarray) -> np.ndarray:
        keys = np.asarray(keys, dtype=np.int64)
        inside = (keys >= 0) & (keys < len(self._rows))
        out = np.full(len(keys), -1, dtype=np.int32)
        out[inside] = self._rows[keys[inside]]
        return out

    def set(self, keys: np.ndarray, rows: np.ndarray) -> None:
        if len(keys) and keys.max() >= len(self._rows):
            grown = np.full(max(int(keys.max()) + 1, int(len(self._rows) * 1.25) + 1024), -1, dtype=np.int32)
            grown[: len(self._rows)] = self._rows
            self._rows = grown
        self.count += int((self._rows[keys] < 0).sum())
        self._rows[keys] = rows

    def clear(self, keys: np.ndarray) -> None:
        self.count -= int((self._rows[keys] >= 0).sum())
        self._rows[keys] = -1


@functools.cache
def _integer_scan():
    """An onnxruntime session computing int8 codes (n, DIM) x int8 queries (DIM, m) -> int32 (n, m).

    numpy has no integer BLAS (converting the matrix to float32 block by block costs ~8x more);
    onnxruntime's MatMulInteger runs SIMD int8 kernels straight over the stored codes.
    """
    import onnxruntime as ort
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("MatMulInteger", ["codes", "queries"], ["scores"])], "int8_scan",
        [helper.make_tensor_value_info("codes", TensorProto.INT8, ["n", DIM]),
         helper.make_tensor_value_info("queries", TensorProto.INT8, [DIM, "m"])],
        [helper.make_tensor_value_info("scores", TensorProto.INT32, ["n", "m"])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 8
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1  # one worker process per core
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.enable_cpu_mem_arena = False  # the int32 scores are short-lived; keep no arena around
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


class ExactInt8Index:
    """Exact inner-product search over an int8 matrix kept in one growable array.

    Memory: 384 bytes a vector, 8 for its key and 4 per possible key for the key map: ~400 MB at
    1M vectors. A query is quantized to int8 too and the whole matrix is scanned with an integer
    matrix product in blocks; candidates are then re-scored exactly by the caller (`vectors`).
    Removal marks rows dead (their ids become -1) and compacts once half the rows are dead.
    """

    def __init__(self, dim: int = DIM, block_rows: int = 262_144) -> None:
        self.dim = dim
        self.block_rows = block_rows
        self._codes = np.zeros((0, dim), dtype=np.int8)
        self._ids = np.zeros(0, dtype=np.int64)
        self._n = 0  # rows in use (live or dead) at the front of _codes
        self._row_of = KeyRows()

    def __len__(self) -> int:
        return self._row_of.count

    def __contains__(self, key: int) -> bool:
        return self._row_of.get(int(key)) >= 0

    def reserve(self, rows: int) -> None:
        """Make room for `rows` vectors in all at once (a full load from the database knows its count)."""
        if rows > len(self._codes):
            self._grow(rows)

    def _grow(self, capacity: int) -> None:
        codes = np.zeros((capacity, self.dim), dtype=np.int8)
        codes[: self._n] = self._codes[: self._n]
        ids = np.full(capacity, -1, dtype=np.int64)
        ids[: self._n] = self._ids[: self._n]
        self._codes, self._ids = codes, ids

    def add(self, ids: Sequence[int], vectors: np.ndarray) -> None:
        """Add or replace vectors (an id already present is overwritten)."""
        ids_arr = np.asarray(ids, dtype=np.int64)
        vecs = np.asarray(vectors, dtype=np.float32).reshape(len(ids_arr), self.dim)
        if len(np.unique(ids_arr)) != len(ids_arr):
            raise ValueError("duplicate ids in one add() call")
        self.remove(ids_arr[self._row_of.rows(ids_arr) >= 0])
        need = self._n + len(ids_arr)
        if need > len(self._codes):  # grow geometrically: amortised O(1) appends
            self._grow(max(need, int(len(self._codes) * 1.25) + 1024))
        self._codes[self._n:need] = quantize_int8(vecs)
        self._ids[self._n:need] = ids_arr
        self._row_of.set(ids_arr, np.arange(self._n, need, dtype=np.int32))
        self._n = need

    def remove(self, ids: Iterable[int]) -> None:
        keys = np.fromiter((int(i) for i in ids), dtype=np.int64)
        rows = self._row_of.rows(keys)
        present = rows >= 0
        if present.any():
            self._ids[rows[present]] = -1
            self._codes[rows[present]] = 0  # a dead row scores 0 and is filtered by its id anyway
            self._row_of.clear(keys[present])
        if self._n and len(self) < self._n // 2:
            self._compact()

    def _compact(self) -> None:
        live = np.flatnonzero(self._ids[: self._n] >= 0)
        self._codes = np.ascontiguousarray(self._codes[live])
        self._ids = self._ids[live].copy()
        self._n = len(live)
        self._row_of = KeyRows()
        self._row_of.set(self._ids, np.arange(self._n, dtype=np.int32))

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k ids (int64, -1 where fewer than k exist) and approximate cosines, best first."""
        q = np.atleast_2d(np.asarray(queries, dtype=np.float32))
        nq = len(q)
        k_eff = min(k, len(self))
        out_ids = np.full((nq, k), -1, dtype=np.int64)
        out_scores = np.full((nq, k), -np.inf, dtype=np.float32)
        if k_eff == 0:
            return out_ids, out_scores
        # Each query at full int8 resolution (its own scale): ranks are exact up to rounding.
        scale = 127.0 / np.maximum(np.abs(q).max(axis=1), 1e-12)
        q_codes = np.ascontiguousarray(np.clip(np.rint(q * scale[:, None]), -127, 127).astype(np.int8).T)
        session = _integer_scan()
        best_s = np.full((nq, 0), np.iinfo(np.int32).min, dtype=np.int64)
        best_r = np.zeros((nq, 0), dtype=np.int64)
        for start in range(0, self._n, self.block_rows):
            block = self._codes[start:min(start + self.block_rows, self._n)]
            (scores,) = session.run(["scores"], {"codes": block, "queries": q_codes})
            scores = scores.T.astype(np.int64)  # (nq, rows)
            scores[:, self._ids[start:start + len(block)] < 0] = np.iinfo(np.int32).min
            kk = min(k_eff, scores.shape[1])
            part = np.argpartition(-scores, kk - 1, axis=1)[:, :kk]
            best_s = np.concatenate([best_s, np.take_along_axis(scores, part, 1)], axis=1)
            best_r = np.concatenate([best_r, part + start], axis=1)
            if best_s.shape[1] > k_eff:  # keep only the running top-k
                keep = np.argpartition(-best_s, k_eff - 1, axis=1)[:, :k_eff]
                best_s = np.take_along_axis(best_s, keep, 1)
                best_r = np.take_along_axis(best_r, keep, 1)
        order = np.argsort(-best_s, axis=1, kind="stable")
        best_s = np.take_along_axis(best_s, order, 1)
        best_r = np.take_along_axis(best_r, order, 1)
        out_ids[:, :k_eff] = self._ids[best_r]
        out_scores[:, :k_eff] = best_s * (INT8_SCALE / scale[:, None])
        return out_ids, out_scores

    def vectors(self, ids: Sequence[int]) -> np.ndarray:
        """Dequantized stored vectors (for re-scoring candidates); zero rows for unknown ids."""
        rows = self._row_of.rows(np.asarray(list(ids), dtype=np.int64))
        out = np.zeros((len(rows), self.dim), dtype=np.float32)
        known = rows >= 0
        out[known] = self._codes[rows[known]].astype(np.float32) * INT8_SCALE
        return out
