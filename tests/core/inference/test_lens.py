"""The logit lens: its head read from the real ONNX graphs (fp32, and the 4-bit file's 8-bit
unembedding), its maths against a brute-force softmax, and SmolLM2 on "The capital of France is"."""
from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

from core.errors import FileFormatError
from core.inference import registry
from core.inference.lens import LogitLens, lens_job, logit_lens
from core.inference.lens_head import Head, cache_folder, dequantize_nbits, head_job, read_head
from core.inference.tokenizer import Token
from core.progress import run_sync
from tests.models.helpers import built

PARIS = "\u2423Paris"


@pytest.fixture(scope="module")
def france(lm_fp32) -> LogitLens:
    return run_sync(lens_job(lm_fp32, "The capital of France is"))


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


# -- the maths on a small random head ----------------------------------------------------------------
class _Names:
    def readable(self, i):
        return f"t{i}"


def test_lens_cells_equal_a_brute_force_softmax_and_long_texts_keep_their_last_positions():
    rng = np.random.default_rng(3)
    width, vocab, layers, seq = 16, 300, 5, 40
    head = Head(rng.uniform(0.5, 1.5, width).astype(np.float32), 1e-5,
                np.ascontiguousarray(rng.standard_normal((width, vocab)).astype(np.float32)), "random")
    hidden = (rng.standard_normal((layers, seq, width)) * 3).astype(np.float32)
    tokens = [Token(i, f"t{i}", f"t{i}", -1, -1) for i in range(seq)]
    lens = logit_lens(head, hidden, tokens, _Names(), max_positions=12)
    assert lens.shape == (layers, 12) and lens.first == seq - 12 and lens.tokens[0].id == seq - 12
    h = hidden[:, -12:]
    normed = h / np.sqrt((h ** 2).mean(-1, keepdims=True) + 1e-5) * head.weight
    p = softmax(normed.astype(np.float64) @ head.unembedding_t)
    np.testing.assert_array_equal(lens.top_ids, p.argmax(-1))
    np.testing.assert_allclose(lens.top_probs, p.max(-1), atol=1e-5)
    final = p[-1].argmax(-1)
    target = np.take_along_axis(p, np.broadcast_to(final[None, :, None], (layers, 12, 1)), -1)[..., 0]
    np.testing.assert_allclose(lens.final_probs, target, atol=1e-5)
    np.testing.assert_array_equal(lens.final_ranks, 1 + (p > target[..., None]).sum(-1))
    assert (lens.final_ranks[-1] == 1).all()
    top = lens.top(2, 5, k=4)
    assert [i for i, _ in top] == list(np.argsort(-p[2, 5])[:4])
    assert [q for _, q in top] == pytest.approx(np.sort(p[2, 5])[::-1][:4], abs=1e-5)
    # a last hidden state that is normed already is read as it is
    lens2 = logit_lens(head, np.concatenate([hidden[:-1, -12:], normed[-1:].astype(np.float32)], 0),
                       tokens[-12:], _Names(), last_normed=True)
    np.testing.assert_array_equal(lens2.top_ids, lens.top_ids)


# -- the head of the real graphs --------------------------------------------------------------------------
def test_dequantize_nbits_matches_onnxruntimes_own_matmulnbits_4_bit_with_zero_points():
    rng = np.random.default_rng(0)
    n, k, block = 6, 40, 16  # k not a multiple of the block: the last block is padded
    blocks = -(-k // block)
    values = rng.integers(0, 16, (n, blocks, block)).astype(np.uint8)
    packed = (values[..., 0::2] | (values[..., 1::2] << 4)).astype(np.uint8)
    scales = rng.uniform(0.01, 0.1, (n, blocks)).astype(np.float32)
    zps = rng.integers(0, 16, (n, blocks)).astype(np.uint8)
    zp_packed = np.zeros((n, -(-blocks // 2)), np.uint8)
    for b in range(blocks):
        zp_packed[:, b // 2] |= zps[:, b] << (4 * (b % 2))
    w = dequantize_nbits(packed, scales, zp_packed, n=n, k=k, bits=4, block_size=block)
    expected = ((values.astype(np.float32) - zps[..., None]) * scales[..., None]).reshape(n, -1)[:, :k]
    np.testing.assert_array_equal(w, expected)
    node = helper.make_node("MatMulNBits", ["x", "q", "s", "z"], ["y"], domain="com.microsoft", K=k, N=n, bits=4,
                            block_size=block)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, k])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, n])],
                              [onnx.numpy_helper.from_array(packed.reshape(n, blocks, -1), "q"),
                               onnx.numpy_helper.from_array(scales.reshape(-1), "s"),
                               onnx.numpy_helper.from_array(zp_packed.reshape(-1), "z")])
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 20), helper.make_opsetid("com.microsoft", 1)]
    )
    model.ir_version = 10
    x = rng.standard_normal((2, k)).astype(np.float32)
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(sess.run(None, {"x": x})[0], x @ w.T, atol=1e-4)


def test_the_4_bit_files_head_is_their_unembedding_dequantized(lm_fp32):
    q4 = registry.model_dir(registry.LANGUAGE_MODEL) / "model_q4.onnx"
    if not q4.is_file():
        pytest.skip("the 4-bit files are not built")
    fp32, quant = read_head(lm_fp32.session.path), read_head(q4)
    assert "-bit" in quant.source and "fp32" in fp32.source
    np.testing.assert_array_equal(quant.weight, fp32.weight)
    assert quant.eps == fp32.eps == pytest.approx(1e-5)
    step = np.abs(quant.unembedding_t - fp32.unembedding_t)
    # the 8-bit table (within half a step, 0.006, of fp32) held as two 4-bit halves (the second within
    # 0.003 of the largest weight, |w| < 1.7, of the first's error): at most 0.006 + 0.005
    assert step.max() < 0.011 and step.mean() < 1e-3


def test_head_job_reads_in_a_child_once_then_maps_the_cache(lm_fp32):
    head = run_sync(head_job(lm_fp32.session.path))
    assert cache_folder(lm_fp32.session.path).is_dir()
    assert isinstance(head.unembedding_t, np.memmap) and head.unembedding_t.shape == (576, 49152)
    steps = []
    again = run_sync(head_job(lm_fp32.session.path), steps.append)
    assert steps == [] and np.array_equal(again.weight, head.weight)


def test_a_graph_without_logits_is_refused_with_its_name():
    enc = built(registry.ENCODER) / "model.onnx"
    with pytest.raises(FileFormatError, match="no logits output"):
        run_sync(head_job(enc))


# -- SmolLM2 ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["The capital of France is", "Once upon a"])
def test_the_last_layer_is_the_models_own_next_token_distribution(lm_fp32, text):
    lens = run_sync(lens_job(lm_fp32, text))
    assert lens.last_normed  # SmolLM2's export stores the last hidden state after the final norm
    nt = lm_fp32.next_token(text)
    np.testing.assert_allclose(
        lens.probs(len(lens.layer_names) - 1, -1), softmax(nt.logits.astype(np.float64)), atol=1e-4
    )
    assert lens.final_ids[-1] == nt.top[0].id and lens.top_probs[-1, -1] == pytest.approx(nt.top[0].prob, abs=1e-4)
    assert [i for i, _ in lens.top(30, -1, 10)] == [c.id for c in nt.top]


def test_the_capital_of_france_becomes_paris_only_at_the_last_layers(france):
    assert [france.label(t.id) for t in france.tokens] == [
        "<|endoftext|>",
        "The",
        "\u2423capital",
        "\u2423of",
        "\u2423France",
        "\u2423is",
    ]
    assert france.shape == (31, 6) and france.layer_names[0] == "embeddings"
    assert france.label(france.final_ids[-1]) == PARIS
    ranks = france.final_ranks[:, -1]
    assert france.first_top(-1) == france.settled(-1) == 30  # measured: Paris is on top only at the last layer
    assert ranks[:24].min() > 100 and ranks[28] <= 20 and ranks[29] <= 5 and ranks[30] == 1
    assert france.final_probs[-1, -1] > 0.7 and france.final_probs[:24, -1].max() < 1e-3
    assert france.label(france.top_ids[0, 1]) == "The"  # the embedding layer reads back its own token (tied weights)


def test_ids_and_a_long_text_show_the_last_positions(lm_fp32, france):
    ids = [t.id for t in france.tokens]
    by_ids = run_sync(lens_job(lm_fp32, ids=ids))
    np.testing.assert_array_equal(by_ids.top_ids, france.top_ids)
    text = "one two three four five six seven eight nine ten " * 4
    long = run_sync(lens_job(lm_fp32, text, max_positions=8))
    n = len(lm_fp32.tokenize(text))
    assert long.shape == (31, 8) and long.first == n - 8 and long.tokens == tuple(lm_fp32.tokenize(text)[-8:])
