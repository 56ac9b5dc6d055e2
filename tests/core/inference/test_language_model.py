"""core.inference.language_model against the built SmolLM2-135M ONNX files and their build-time references."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from core.errors import ModelCorruptError, ModelMissingError
from core.inference import registry
from core.inference.generation import generate, start
from core.inference.language_model import LanguageModel
from core.inference.runtime import load_manifest
from core.inference.sampling import Sampling, log_softmax, sampling_probs
from core.progress import run_sync
from tests.models.helpers import built, reference

NAME = registry.LANGUAGE_MODEL


@pytest.fixture(scope="module")
def ref() -> dict:
    return reference(NAME)


def _ref_prompts(ref):
    keys = sorted(k[: -len("input_ids")] for k in ref if k.endswith("input_ids"))
    assert keys, "reference.npz holds no prompts"
    return keys


# ---------------------------------------------------------------- pure numpy


def test_sampling_probs_temperature_topk_topp():
    logits = np.array([4.0, 3.0, 2.0, 1.0, 0.0])
    p = sampling_probs(logits)
    np.testing.assert_allclose(p, np.exp(log_softmax(logits)))
    assert p.sum() == pytest.approx(1.0)
    greedy = sampling_probs(logits, temperature=0)
    assert greedy.tolist() == [1, 0, 0, 0, 0]
    hot = sampling_probs(logits, temperature=10)
    assert hot.max() - hot.min() < p.max() - p.min()  # flatter
    k2 = sampling_probs(logits, top_k=2)
    assert (k2 > 0).sum() == 2 and k2.sum() == pytest.approx(1)
    assert k2[0] / k2[1] == pytest.approx(np.e)
    # top-p: p = [.636, .234, .086, .032, .012]; 0.8 needs the first two, 0.9 the first three
    assert (sampling_probs(logits, top_p=0.8) > 0).sum() == 2
    assert (sampling_probs(logits, top_p=0.9) > 0).sum() == 3
    assert (sampling_probs(logits, top_p=0.01) > 0).sum() == 1
    for bad in ({"temperature": -1}, {"top_k": 0}, {"top_p": 0.0}, {"top_p": 1.5}):
        with pytest.raises(ValueError):
            sampling_probs(logits, **bad)


# ---------------------------------------------------------------- the model


def test_reference_outputs_reproduced(lm_fp32, ref):
    for k in _ref_prompts(ref):
        ids = ref[k + "input_ids"]
        out = lm_fp32.forward(ids[None], ("logits", "hidden_states"))
        np.testing.assert_allclose(out["logits"][0, -1], ref[k + "logits_last"], atol=1e-4, rtol=0)
        np.testing.assert_allclose(out["hidden_states"][:, 0, -1], ref[k + "hidden_last"], atol=1e-4, rtol=1e-4)


def test_onnx_agrees_with_torch_reference(lm_fp32, ref):
    parity = lm_fp32.manifest["parity"]
    assert parity["max_abs_diff_logits"] < 1e-3
    for k in _ref_prompts(ref):
        logits = lm_fp32.forward(ref[k + "input_ids"][None])["logits"][0, -1]
        torch_logits = ref[k + "torch_logits_last"]
        assert np.abs(logits - torch_logits).max() < 1e-3
        assert list(np.argsort(-logits)[:5]) == list(np.argsort(-torch_logits)[:5])


def test_once_upon_a_time(lm_fp32):
    res = lm_fp32.next_token("Once upon a", hidden_states=True)
    assert [t.id for t in res.tokens][0] == 0  # start-of-text first
    assert [t.text for t in res.tokens] == ["<|endoftext|>", "Once", " upon", " a"]
    assert res.top[0].text == " time"
    assert 0.30 < res.top[0].prob < 0.40
    assert res.probs.sum() == pytest.approx(1.0, abs=1e-6)
    assert res.hidden_states.shape == (lm_fp32.n_layers + 1, 4, lm_fp32.hidden_size)
    assert len(lm_fp32.layer_names) == lm_fp32.n_layers + 1


def test_without_start_token_the_distribution_differs(lm_fp32):
    with_bos = lm_fp32.next_token("Once upon a").probs
    ids = lm_fp32.tokenizer.encode_ids("Once upon a", add_special_tokens=False)
    without = np.exp(log_softmax(lm_fp32.forward(np.array([ids]))["logits"][0, -1]))
    assert np.abs(with_bos - without).max() > 0.05


def test_sampling_settings_reach_the_result(lm_fp32):
    res = lm_fp32.next_token("Once upon a", sampling=Sampling(temperature=0.5, top_k=3))
    assert (res.probs > 0).sum() == 3
    assert [c.text for c in res.top] == [" time", " night", " Christmas"]
    assert res.top[0].prob > 0.9


def test_cached_step_matches_reference_and_full_pass(lm_fp32, ref):
    for k in _ref_prompts(ref):
        ids = [int(i) for i in ref[k + "input_ids"]]
        gen = start(lm_fp32, lm_fp32.tokenizer.decode(ids[1:]))
        assert [t.id for t in gen.tokens] == ids
        after = gen.step(int(ref[k + "step_token"][0]))
        np.testing.assert_allclose(after.logits, ref[k + "step_logits"], atol=1e-4, rtol=0)
    gen = start(lm_fp32, "The cat sat", temperature=0)
    for _ in range(4):
        gen.step(gen.sample())
    full = lm_fp32.forward(np.array([[t.id for t in gen.tokens]]))["logits"][0, -1]
    assert np.abs(full - gen.last.logits).max() < 1e-3
    assert gen.length == len(gen.tokens)


def test_too_long_input_is_refused(lm_fp32):
    with pytest.raises(ValueError, match="at most 8192"):
        lm_fp32.forward(np.zeros((1, lm_fp32.max_positions + 1), np.int64))


def test_step_rejects_ids_outside_vocabulary(lm_fp32):
    gen = start(lm_fp32, "Hello")
    with pytest.raises(ValueError, match="outside the vocabulary"):
        gen.step(lm_fp32.vocab_size)


def test_greedy_generation_job_is_deterministic(lm_fp32):
    job = generate(lm_fp32, "Once upon a", 6, temperature=0)
    seen = []
    text = run_sync(job, seen.append)
    assert text.startswith(" time")
    assert [round(p.fraction, 3) for p in seen] == [round((i + 1) / 6, 3) for i in range(len(seen))]
    assert run_sync(generate(lm_fp32, "Once upon a", 6, temperature=0)) == text


def test_score_continuations_equals_full_sequence_logprob(lm_fp32):
    prefix = lm_fp32.tokenizer.encode_ids("The")
    words = [" king sat.", " cat sat on the mat.", " dog"]
    suffixes = [lm_fp32.tokenizer.encode_ids("The" + w, add_special_tokens=False)[1:] for w in words]
    scores = run_sync(lm_fp32.score_continuations(prefix, suffixes, batch_size=2))
    for s, suf in zip(scores, suffixes):
        ids = prefix + suf
        lp = log_softmax(lm_fp32.forward(np.array([ids]))["logits"][0])
        direct = sum(lp[i - 1, ids[i]] for i in range(len(prefix), len(ids)))
        assert s == pytest.approx(direct, abs=1e-3)


def _small_copy(tmp_path, *, skip=()):
    """The language model folder without its 540 MB ONNX files (they are replaced per test)."""
    src = built(NAME)
    d = tmp_path / NAME
    d.mkdir()
    for f in ("manifest.json", "tokenizer.json", "reference.npz"):
        if f not in skip:
            shutil.copy2(src / f, d / f)
    return d


def test_missing_onnx_file_gives_model_missing_error(tmp_path):
    d = _small_copy(tmp_path)
    with pytest.raises(ModelMissingError, match="python main.py models build"):
        LanguageModel(d, load_manifest(d))


def test_truncated_onnx_file_gives_model_corrupt_error(tmp_path):
    d = _small_copy(tmp_path)
    src = built(NAME)
    with open(src / "model.onnx", "rb") as fh:
        (d / "model.onnx").write_bytes(fh.read(1 << 20))  # the first MiB of the real file
    with pytest.raises(ModelCorruptError, match="sha256 does not match.*python main.py models build"):
        LanguageModel(d, load_manifest(d))


def test_missing_tokenizer_gives_model_missing_error(tmp_path):
    d = _small_copy(tmp_path, skip=("tokenizer.json",))
    with pytest.raises(ModelMissingError, match="tokenizer"):
        LanguageModel(d, load_manifest(d))
