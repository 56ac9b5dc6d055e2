"""The fast SmolLM2 graph (models/build_fast_lm.py, core.inference.fast_graph) against the fp32 file: the same
answers on the trace loop, the same hidden states, and the cache kept as the graph gives it."""
from __future__ import annotations

import json

import numpy as np
import pytest

from core.inference import fast_graph, registry
from core.inference.language_model import LanguageModel
from core.inference.runtime import load_manifest
from core.inference.sampling import Sampling, log_softmax
from core.inference.trace import append, generate_steps, read_prompt, undo
from core.progress import run_sync
from tests.models.helpers import built

PROMPT = "The old castle stood on a hill above the village, and every night the lights"


def _kl(p_logits: np.ndarray, q_logits: np.ndarray) -> float:
    lp, lq = log_softmax(p_logits), log_softmax(q_logits)
    return float((np.exp(lp) * (lp - lq)).sum())


@pytest.fixture(scope="module")
def fast_dir():
    d = built(registry.FAST_LANGUAGE_MODEL)
    if not fast_graph.is_fast(load_manifest(d)):
        pytest.skip(f"{d} was built before recipe 2 (no hidden states): python main.py models build --force "
                    "--only smollm2-135m-fast")
    return d


@pytest.fixture(scope="module")
def lm(fast_dir) -> LanguageModel:
    """The language model as the app opens it: "auto" reads and steps with the fast graph."""
    model = registry.open(registry.LANGUAGE_MODEL)
    assert model.fast_available, model.notice
    return model


@pytest.fixture(scope="module")
def alone(fast_dir) -> LanguageModel:
    """The fast graph opened alone, as the installed app opens its only language model file."""
    return registry.open(registry.FAST_LANGUAGE_MODEL)


def test_the_built_graph_records_parity_on_every_kernel_path_it_was_measured_on(fast_dir):
    m = json.loads((fast_dir / "manifest.json").read_text())
    runs = m["parity"]["measured_on"]
    assert m["parity"]["holds_targets"] and runs
    for run in runs:
        assert run["top1_agreement"] == 1.0 and run["all_positions"]["top1_agreement"] >= 0.97
        assert run["kl_mean"] <= 0.005 and run["holds_targets"]
        t = run["once_upon_a_time"]
        assert abs(t["fast"] - t["fp32"]) <= 0.02
    assert m["config"]["n_layers"] == 30 and m["files"]["model"]["bytes"] < 130e6


def test_auto_reads_with_fp32_steps_with_the_fast_graph_and_fp32_stays_exact(lm, lm_fp32):
    assert "fast" in lm.precisions and lm.precisions[0] == "auto"
    read = run_sync(read_prompt(lm, "Once upon a"))
    assert read.answered == "fp32"  # a prompt: the fp32 file reads several tokens faster
    fast = append(read, [int(np.argmax(read.logits))])
    assert fast.answered == "fast" and isinstance(fast.cache, tuple) and len(fast.cache) == 60  # no copy a step
    exact = append(run_sync(read_prompt(lm_fp32, "Once upon a", precision="fp32")), fast.appended)
    assert exact.answered == "fp32" and lm.tokenizer.text(fast.appended[0]) == " time"
    top = int(np.argmax(fast.logits))
    assert top == int(np.argmax(exact.logits))
    p_fast = float(np.exp(log_softmax(fast.logits))[top])
    p_exact = float(np.exp(log_softmax(exact.logits))[top])
    assert abs(p_fast - p_exact) <= 0.02 and _kl(exact.logits, fast.logits) < 0.005
    again = append(fast, [top, 11])  # two tokens after the graph's cache: fp32 again, on its stacked copy
    assert again.answered == "fp32" and lm.cache_length(again.cache) == again.length


def test_the_fast_graph_reads_a_prompt_as_fp32_does(lm, lm_fp32):
    fast = run_sync(read_prompt(lm, "Once upon a", precision="fast"))
    exact = run_sync(read_prompt(lm_fp32, "Once upon a", precision="fp32"))
    assert fast.answered == "fast" and lm.tokenizer.text(int(np.argmax(fast.logits))) == " time"
    assert _kl(exact.logits, fast.logits) < 0.005


def test_twenty_greedy_steps_choose_fp32s_tokens(lm, lm_fp32):
    greedy = Sampling(temperature=0.0)
    fast = run_sync(generate_steps(run_sync(read_prompt(lm, PROMPT)), 20, greedy, stop_at_eos=False))
    exact = run_sync(generate_steps(run_sync(read_prompt(lm_fp32, PROMPT, precision="fp32")), 20, greedy,
                                    stop_at_eos=False))
    assert fast.appended == exact.appended
    assert max(_kl(a.logits, b.logits) for a, b in zip(exact.steps, fast.steps)) < 0.005


def test_a_step_after_undo_equals_the_step_read_whole(lm):
    t = run_sync(read_prompt(lm, "The cat sat on the"))
    after = append(t, [int(np.argmax(t.logits))])
    again = append(undo(append(after, [42, 7]), 2), [])
    assert lm.cache_length(again.cache) == lm.cache_length(after.cache) == after.length
    whole = run_sync(read_prompt(lm, "The cat sat on the" + after.generated_text))
    np.testing.assert_allclose(again.logits, after.logits, atol=1e-5)
    assert int(np.argmax(whole.logits)) == int(np.argmax(after.logits))


def test_the_last_position_alone_is_the_last_of_all_positions(lm):
    ids = [t.id for t in lm.tokenize(PROMPT)]
    every, cache, label = lm.extend(ids, None, "fast")
    last, cache2, _ = lm.extend(ids, None, "fast", last_only=True)
    assert label == "fast" and every.shape == (len(ids), lm.vocab_size) and last.shape == (1, lm.vocab_size)
    np.testing.assert_allclose(last[0], every[-1], atol=1e-4)
    assert lm.cache_length(cache) == lm.cache_length(cache2) == len(ids)


def test_the_stacked_cache_round_trips():
    rng = np.random.default_rng(0)
    past = rng.standard_normal((30, 2, 1, 3, 5, 64)).astype(np.float32)
    tup = fast_graph.unstacked(past)
    assert len(tup) == 60 and tup[3] is not None and np.shares_memory(tup[3], past)
    np.testing.assert_array_equal(fast_graph.stacked(tup), past)
    assert fast_graph.cache_length(fast_graph.truncate(tup, 2)) == 2


def test_the_fast_graph_alone_gives_fp32s_hidden_states_and_distribution(alone, lm_fp32):
    assert alone.precisions == ("fast",) and alone.base_precision == "fast"
    tokens, exact = lm_fp32.hidden_states("Once upon a time there was")
    _, fast = alone.hidden_states("Once upon a time there was")  # "fp32" asked: the only file answers
    assert fast.shape == exact.shape == (31, len(tokens), 576)
    for layer in range(31):
        a, b = exact[layer], fast[layer]
        cos = (a * b).sum(-1) / np.linalg.norm(a, axis=-1) / np.linalg.norm(b, axis=-1)
        assert cos.min() > 0.9999, layer
    res = alone.next_token("Once upon a", hidden_states=True)
    assert res.precision == "fast" and res.top[0].text == " time" and res.hidden_states.shape == (31, 4, 576)


def test_batched_scoring_over_the_fast_graph_matches_fp32(alone, lm_fp32):
    prefix = [t.id for t in lm_fp32.tokenize("The capital of France is")]
    suffixes = [lm_fp32.tokenizer.encode_ids(w, add_special_tokens=False) for w in (" Paris", " a city", " Rome")]
    exact = run_sync(lm_fp32.score_continuations(prefix, suffixes))
    fast = run_sync(alone.score_continuations(prefix, suffixes))
    np.testing.assert_allclose(fast, exact, atol=0.02)
    assert int(np.argmax(fast)) == int(np.argmax(exact)) == 0


def test_fp32_asked_never_touches_the_fast_graph(lm):
    t = run_sync(read_prompt(lm, "Once upon a", precision="fp32"))
    assert t.answered == "fp32" and not isinstance(t.cache, tuple)
    assert lm.next_token("Once upon a", precision="fp32").precision == "fp32"


def test_without_the_fast_graph_auto_falls_back_and_says_nothing_is_wrong(fast_dir):
    lm = registry.open(registry.LANGUAGE_MODEL, fast=False)
    assert "fast" not in lm.precisions and not lm.fast_available
    assert run_sync(read_prompt(lm, "Once upon a")).answered in ("fp32", "q4")
