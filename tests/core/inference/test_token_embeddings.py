"""core.inference.token_embeddings: the language model's input embedding matrix as an embedding set
(read from the ONNX initializer, no torch), stored once in the cache; neighbours work on tokens."""
from __future__ import annotations

import shutil
import time

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from core.embeddings.neighbours import lookup, nearest
from core.errors import FileFormatError, ModelMissingError
from core.inference import registry
from core.inference.token_embeddings import embedding_matrix, q4_unavailable, token_embeddings
from core.progress import run_sync
from tests.models.helpers import built


@pytest.fixture(scope="module")
def tokens():
    built(registry.LANGUAGE_MODEL)
    return run_sync(token_embeddings())


def test_the_smollm2_token_set(tokens):
    assert (len(tokens), tokens.dim) == (49152, 576)
    assert tokens.name == "SmolLM2-135M token embeddings"
    assert len(set(tokens.words)) == len(tokens.words)
    assert tokens.words[:3] == ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    assert tokens.words[655] == "\u2423time" and tokens.find("\u2423time").index == 655
    # the rows are what the model reads: layer 0 of its hidden states for " time" is row 655
    lm = registry.open(registry.LANGUAGE_MODEL, precision="fp32")
    toks, hidden = lm.hidden_states("Once upon a time")
    assert toks[-1].id == 655
    np.testing.assert_allclose(tokens.vectors[655], hidden[0, -1], atol=1e-6)


def test_neighbours_work_on_tokens(tokens):
    found = [n.word for n in nearest(tokens, ["\u2423king"], 10)]
    assert found[0] == "\u2423King" and {"\u2423queen", "\u2423kings", "\u2423prince"} <= set(found)
    numbers = [n.word for n in nearest(tokens, ["\u2423three"], 4)]
    assert set(numbers) <= {"\u2423two", "\u2423four", "\u2423five", "\u2423six"}
    res = lookup(tokens, "\u2423Paris", 5, "cos", 0)
    assert res.error is None and "\u2423London" in [n.word for n in res.neighbours]


def test_the_second_open_maps_the_stored_copy(tokens):
    t = time.perf_counter()
    again = run_sync(token_embeddings())
    assert time.perf_counter() - t < 2.0  # no ONNX read: the memory-mapped store
    assert isinstance(again.vectors, np.memmap) or again.vectors.base is not None
    assert again.words == tokens.words


def test_an_optimum_folder_has_token_embeddings_too(tiny_decoder):
    es = run_sync(token_embeddings(tiny_decoder("split")))
    assert (len(es), es.dim) == (320, 32) and es.words[0] == "<|endoftext|>"
    assert len(set(es.words)) == len(es.words)
    assert nearest(es, [es.words[100]], 3)


def test_a_graph_without_an_embedding_table_is_named(tmp_path):
    x = helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["b", "s"])
    y = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["b", "s"])
    graph = helper.make_graph(
        [helper.make_node("Cast", ["input_ids"], ["logits"], to=TensorProto.FLOAT)], "g", [x], [y]
    )
    path = tmp_path / "model.onnx"
    onnx.save(helper.make_model(graph), str(path))
    with pytest.raises(FileFormatError, match="no token embedding table") as err:
        embedding_matrix(path)
    assert "Gather" in err.value.expected and "Cast" in err.value.found


def test_the_4bit_copys_token_embeddings(tokens):
    """The same 49,152 tokens as the 4-bit file reads them: dequantised rows within a 4-bit step of the fp32
    ones (cosine above 0.9999), not equal to them; stored once in the cache like the fp32 set."""
    why = q4_unavailable()
    if why:
        pytest.skip(why)
    q4 = run_sync(token_embeddings(precision="q4"))
    assert q4.name == "SmolLM2-135M 4-bit token embeddings" and q4.words == tokens.words
    assert (len(q4), q4.dim) == (len(tokens), tokens.dim)
    a, b = np.asarray(tokens.vectors), np.asarray(q4.vectors)
    assert not np.array_equal(a, b)
    assert np.abs(a - b).max() < 0.05 * np.abs(a).max()
    cos = (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    assert cos.min() > 0.9999
    again = run_sync(token_embeddings(precision="q4"))
    assert isinstance(again.vectors, np.memmap) or again.vectors.base is not None
    np.testing.assert_array_equal(np.asarray(again.vectors[:100]), b[:100])
    with pytest.raises(ValueError, match="only for the built language model"):
        run_sync(token_embeddings("some/folder", precision="q4"))


def test_no_4bit_copy_says_why(tmp_path, monkeypatch):
    """Without model_q4.onnx (or without the model at all) the 4-bit token set is refused, saying why."""
    src = built(registry.LANGUAGE_MODEL)
    monkeypatch.setenv(registry.DATA_ENV, str(tmp_path))
    assert "is not built" in q4_unavailable()
    with pytest.raises(ModelMissingError, match="is not built"):
        run_sync(token_embeddings(precision="q4"))
    d = tmp_path / "models" / src.name
    d.mkdir(parents=True)
    for f in ("manifest.json", "quantized.json", "tokenizer.json"):
        if (src / f).is_file():
            shutil.copy2(src / f, d / f)
    assert "no 4-bit copy" in q4_unavailable() and "models build" in q4_unavailable()
    (d / "quantized.json").unlink()
    assert "no 4-bit copy" in q4_unavailable()
