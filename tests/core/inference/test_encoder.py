"""core.inference.encoder against the built all-MiniLM-L6-v2 ONNX file and its build-time references."""
from __future__ import annotations

import numpy as np
import pytest

from core.inference import registry
from core.inference.encoder import SentenceEncoder
from core.progress import run_sync
from tests.models.helpers import built, reference

NAME = registry.ENCODER


@pytest.fixture(scope="module")
def enc() -> SentenceEncoder:
    built(NAME)
    return registry.open(registry.ENCODER)


def test_reference_outputs_reproduced(enc):
    ref = reference(NAME)
    ids = [[int(i) for i, m in zip(row, mask) if m] for row, mask in zip(ref["input_ids"], ref["attention_mask"])]
    out, mask = enc.run_batch(ids)
    np.testing.assert_array_equal(mask, ref["attention_mask"])
    for k in ("hidden_states", "mean_pooled", "sentence_embedding"):
        np.testing.assert_allclose(out[k], ref[k], atol=1e-4, rtol=0, err_msg=k)
    # and through the tokenizer + encode() path, from the sentences themselves
    got = run_sync(enc.encode([str(s) for s in ref["sentences"]]))
    np.testing.assert_allclose(np.stack([g.vector for g in got]), ref["sentence_embedding"], atol=1e-4)
    np.testing.assert_allclose(np.stack([g.vector for g in got]), ref["torch_sentence_embedding"], atol=1e-4)


def test_layers_tokens_and_unit_vectors(enc):
    seen = []
    out = run_sync(enc.encode(["A man is playing a guitar.", "Hi"], batch_size=1), seen.append)
    assert [p.fraction for p in seen] == [0.5, 1.0]
    a, b = out
    assert [t.token for t in a.tokens][0] == "[CLS]" and a.tokens[-1].token == "[SEP]"
    assert a.layers.shape == (enc.n_layers + 1, len(a.tokens), enc.width) == (7, 9, 384)
    assert b.layers.shape == (7, 3, 384)
    np.testing.assert_allclose(np.linalg.norm(a.vector), 1.0, atol=1e-5)
    np.testing.assert_allclose(a.mean_pooled, a.layers[-1].mean(0), atol=1e-5)
    assert enc.layer_names[0] == "embeddings" and len(enc.layer_names) == 7


def test_padding_does_not_change_vectors(enc):
    short = "Dogs bark."
    alone = enc.embed([short])[0]
    batched = enc.embed([short, "A much longer sentence that forces a lot of padding onto the short one."])[0]
    np.testing.assert_allclose(alone, batched, atol=1e-5)


def test_similar_sentences_are_closer(enc):
    v = enc.embed(["A man is playing a guitar.", "Someone plays an instrument.", "Stock markets fell sharply today."])
    sim = v @ v.T
    assert sim[0, 1] > 0.5
    assert sim[0, 1] > sim[0, 2] + 0.3
    assert enc.embed([]).shape == (0, 384)


def test_unavailable_provider_falls_back(enc):
    other = registry.open(registry.ENCODER, preferred_provider="CUDAExecutionProvider")
    assert other.provider in ("CPUExecutionProvider", "CUDAExecutionProvider")
    if other.provider == "CPUExecutionProvider":
        assert other.notice and "CUDAExecutionProvider" in other.notice
    np.testing.assert_allclose(other.embed(["hello world"]), enc.embed(["hello world"]), atol=1e-4)
