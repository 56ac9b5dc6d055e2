"""Attention weights, pattern scores, attribution and interventions on the real inspection graphs
(models/build_attention.py): rows sum to 1, the decoder's upper triangle is 0, the logits are the
shipped fp32 model's, known heads are found, and every bad input is a clear message."""
from __future__ import annotations

import numpy as np
import pytest

from core.errors import InputError
from core.inference import registry
from core.inference.attention import attention, ranked, repeated_random_tokens, to_json, view_of_ids
from core.inference.attention_model import Intervention, InterventionDecoder
from core.inference.attribution import METHODS, attribute
from core.inference.interventions import (
    build_intervention,
    find_heads,
    generate_with,
    parse_heads,
    parse_pairs,
    steering_vector,
    word_direction,
)
from core.inference.sampling import Sampling
from core.progress import run_sync
from tests.models.helpers import built

TEXT = "The cat sat on the mat because it was tired"


@pytest.fixture(scope="module")
def m():
    built(registry.ATTENTION)
    return registry.open(registry.ATTENTION)


@pytest.fixture(scope="module")
def view(m):
    return attention(m, TEXT)


def test_rows_sum_to_one_and_the_decoder_sees_only_the_past(view):
    w = view.weights
    assert w.shape[:2] == (30, 9)
    assert np.abs(w.sum(-1) - 1).max() < 1e-5
    assert np.triu(w, 1).max() == 0.0
    assert np.isfinite(view.scores["previous_token"]).all() and np.isnan(view.scores["induction"]).all()


def test_logits_are_the_shipped_fp32_models(m, view, lm_fp32):
    ids = np.array([lm_fp32.tokenizer.encode_ids(TEXT)])
    ref = lm_fp32.forward(ids, precision="fp32")["logits"][0, -1]
    assert np.abs(ref - view.logits).max() < 1e-4


def test_minilm_reads_both_sides(m):
    e = attention(m, TEXT, model="minilm")
    assert e.weights.shape[:2] == (6, 12) and e.tokens[0] == "[CLS]"
    assert np.abs(e.weights.sum(-1) - 1).max() < 1e-5
    assert np.triu(e.weights, 1).max() > 0.1  # bidirectional: weight on later tokens


def test_induction_and_previous_token_heads_on_repeated_random_tokens(m):
    v = view_of_ids(m, repeated_random_tokens(m, 20, seed=0))
    layer, head, score = ranked(v, "induction")[0]
    assert score >= 0.5, (layer, head, score)
    assert ranked(v, "previous_token")[0][2] >= 0.8


def test_switching_an_intervention_off_gives_the_same_logits(m):
    ids = m.tokenizer.encode_ids(TEXT)
    before = m.lm_pass(ids, outputs=("logits",))["logits"]
    vec = steering_vector(m, word_direction(m, [("sad", "happy")]), 4, 3.0, TEXT)
    changed = m.lm_pass(ids, intervention=Intervention.of([(17, 4), (18, 6)], 4, vec), outputs=("logits",))["logits"]
    assert np.abs(changed - before).max() > 0.1
    after = m.lm_pass(ids, intervention=Intervention(), outputs=("logits",))["logits"]
    assert np.abs(after - before).max() <= 1e-6
    zero = build_intervention(m, TEXT, source="words", words="sad->happy", layer=4, strength=0.0)
    assert zero.empty
    strength0 = Intervention.of((), 4, steering_vector(m, word_direction(m, [("sad", "happy")]), 4, 0.0, TEXT))
    assert np.abs(m.lm_pass(ids, intervention=strength0, outputs=("logits",))["logits"] - before).max() <= 1e-6


def test_attribution_methods(m):
    a = attribute(m, "The capital of France is")
    assert a.target == "␣Paris"
    assert set(a.scores) == set(METHODS) and all(len(s) == len(a.tokens) for s in a.scores.values())
    occ = a.scores["occlusion"]
    assert a.tokens[int(np.argmax(occ))] == "␣France"  # removing France costs Paris most
    assert abs(a.scores["attention_x_value"].sum() - 1) < 1e-4


def test_interventions_step_by_step_equal_a_whole_pass(m):
    iv = Intervention.of([(18, 6)])
    text = run_sync(generate_with(m, "Once upon a", iv, 5, Sampling(temperature=0)))
    ids = m.tokenizer.encode_ids("Once upon a" + text)
    whole = m.lm_pass(ids[:-1], intervention=iv, outputs=("logits",))["logits"][0, -1]
    assert int(np.argmax(whole)) == ids[-1]


def test_find_heads_returns_the_largest_drops(m):
    found = run_sync(find_heads(m, "The capital of France is", top=5))
    assert len(found) == 5 and found[0][2] >= found[-1][2]


def test_bad_input_is_a_clear_message(m):
    with pytest.raises(InputError, match="no head L30.H0"):
        parse_heads("30.0", m)
    with pytest.raises(InputError, match="LAYER.HEAD"):
        parse_heads("3-1", m)
    with pytest.raises(InputError, match="not in SmolLM2-135M's vocabulary"):
        word_direction(m, [("sad", "qzxqzxqzx")])
    with pytest.raises(InputError, match="out of range"):
        steering_vector(m, word_direction(m, [("sad", "happy")]), 4, 1e6, TEXT)
    with pytest.raises(InputError, match="FROM->TO"):
        parse_pairs("sad happy")
    with pytest.raises(InputError, match="at least two tokens"):
        attribute(m, "Hello")
    with pytest.raises(InputError, match="empty"):
        attention(m, "   ")
    with pytest.raises(InputError, match="no head"):
        InterventionDecoder(m, Intervention.of([(0, 9)]))
    long = attention(m, "word " * 300)
    assert long.weights.shape[-1] == 128 and "left out" in long.note and long.cut > 0


def test_json_shape(m):
    data = to_json(attention(m, "Hello world"))
    assert data["tokens"][0] == "<|endoftext|>"
    head = data["layers"][0]["heads"][0]
    assert data["layers"][0]["layer"] == 0 and head["head"] == 0
    assert len(head["weights"]) == len(data["tokens"]) and set(head["scores"]) == {"previous_token", "first_token",
                                                                                    "induction"}


def test_attribution_for_a_masked_gap(m):
    from core.inference.attribution import attribute_gap

    a = attribute_gap(m, "The capital of France is [MASK].", "Paris")
    assert a.target == "␣Paris" and a.tokens[int(np.argmax(a.scores["occlusion"]))] == "␣France"
    assert "tokens" in attribute_gap(m, "The capital of France is [MASK].", "Parisianism").note
    with pytest.raises(InputError, match="nothing before the"):
        attribute_gap(m, "[MASK] sat on the throne.", "cat")
