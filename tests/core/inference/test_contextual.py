"""Contextual embeddings across layers with the built SmolLM2 and MiniLM: the "bank" trajectories start
together and part by sense; what each model can see; words split into tokens; bad input."""
from __future__ import annotations

import numpy as np
import pytest

from core.errors import InputError
from core.inference import registry
from core.inference.contextual import (
    PRESETS,
    Sentence,
    check,
    contextual,
    decoder_trajectories,
    find_word,
    trajectory_set,
)
from tests.models.helpers import built

RIVER_AND_MONEY = [PRESETS["bank"][i] for i in (0, 1, 2, 3)]  # two river, two money: context before the word


@pytest.fixture(scope="module")
def models():
    built(registry.LANGUAGE_MODEL)
    built(registry.ENCODER)
    return registry.open(registry.LANGUAGE_MODEL, precision="fp32"), registry.open(registry.ENCODER)


@pytest.fixture(scope="module")
def bank(models):
    return contextual(*models, "bank", RIVER_AND_MONEY)


def test_the_bank_trajectories_start_together_and_part_by_sense_in_smollm2s_middle_layers(bank):
    assert [s.sense for s in bank.sentences] == ["river", "river", "money", "money"]
    smol = bank.model("smollm2")
    assert smol.vectors.shape == (4, 31, 576) and smol.pieces == ((" bank",),) * 4 and not smol.split
    # the input layer is the token embedding itself: one point for every sentence
    np.testing.assert_allclose(smol.cosines(0), 1.0, atol=1e-6)
    within, across = smol.sense_gap(bank.senses)
    gap = within - across
    assert (gap[6:22] > 0.05).all(), np.round(gap, 3)  # measured: 0.12-0.23 over layers 6-21
    assert gap[6:22].mean() > 0.1 and abs(gap[0]) < 1e-6


def test_minilm_starts_apart_only_by_position_and_parts_by_sense(bank):
    mini = bank.model("minilm")
    assert mini.vectors.shape == (4, 7, 384) and mini.pieces == (("bank",),) * 4
    c0 = mini.cosines(0)
    assert c0[~np.eye(4, dtype=bool)].min() > 0.9 and not np.allclose(c0, 1.0)  # same token, other positions
    within, across = mini.sense_gap(bank.senses)
    assert (within[1:] > across[1:]).all()


def test_the_causal_model_cannot_see_the_words_after_the_word(models):
    before = [Sentence("a", "I sat by the bank of the river."), Sentence("b", "I sat by the bank of the money.")]
    ctx = contextual(*models, "bank", before)
    np.testing.assert_allclose(ctx.model("smollm2").cosines(20)[0, 1], 1.0, atol=1e-5)  # same words before
    assert ctx.model("minilm").cosines(6)[0, 1] < 0.99  # MiniLM reads the rest of the sentence


def test_a_word_split_into_tokens_is_their_mean(models):
    lm, enc = models
    s = [Sentence("", "The pterodactyl flew over the cliffs."), Sentence("", "A pterodactyl skeleton.")]
    ctx = contextual(lm, enc, "Pterodactyl", s)
    smol, mini = ctx.model("smollm2"), ctx.model("minilm")
    assert smol.split and mini.split and len(mini.pieces[0]) > 1
    assert "".join(smol.pieces[0]).strip().lower() == "pterodactyl"
    toks = lm.tokenize(s[0].text)
    hidden = lm.forward(np.array([[t.id for t in toks]]), ("hidden_states",))["hidden_states"][:, 0]
    pos = [i for i, t in enumerate(toks) if 0 <= t.start < 15 and t.end > 4]  # " pterodactyl" is at 3..15
    np.testing.assert_allclose(smol.vectors[0], hidden[:, pos].mean(axis=1), atol=1e-4)


def test_bad_input_is_named():
    with pytest.raises(InputError, match="“bank” is not in sentence 2"):
        check("bank", [Sentence("", "The bank."), Sentence("", "The banks of the Nile.")])
    with pytest.raises(InputError, match="type the word"):
        check("  ", [Sentence("", "x")])
    with pytest.raises(InputError, match="at least one sentence"):
        check("bank", [])
    assert find_word("Banking at the BANK.", "bank") == (15, 19)  # a whole word, any case


def test_trajectory_set_rows_run_from_the_last_layer_and_polylines_in_layer_order(bank):
    es, rows = trajectory_set(bank, "smollm2")
    assert len(es) == 4 * 31 and es.dim == 576
    assert es.words[:4] == ["river 1 · L30", "river 2 · L30", "money 3 · L30", "money 4 · L30"]
    assert [es.words[r] for r in rows[2][:2]] == ["money 3 · L0", "money 3 · L1"] and len(rows[2]) == 31
    np.testing.assert_allclose(np.linalg.norm(es.vectors, axis=1), 1.0, atol=1e-5)
    assert es.metadata["layer"][rows[1][12]] == "12" and es.metadata["sense"][rows[1][0]] == "river"
    assert es.metadata["sentence"][0].startswith("1. We had a picnic")


def test_decoder_reads_each_sentence_only_up_to_the_word(models):
    lm, _ = models
    s = [Sentence("", "The bank was steep and the water was cold and deep and fast.")]
    a = decoder_trajectories(lm, s, check("bank", s))
    b = decoder_trajectories(lm, [Sentence("", "The bank")], check("bank", [Sentence("", "The bank")]))
    np.testing.assert_allclose(a.vectors, b.vectors, atol=1e-4)
