"""core.inference.masked_fill: the causal-model stand-in for a masked language model."""
from __future__ import annotations

import pytest

from core.inference.masked_fill import MASKED_FILL_EXPLAINED, candidates, common_words, fill_mask, split_mask
from core.progress import run_sync


def test_split_mask_needs_exactly_one_mask():
    assert split_mask("The [MASK] sat.") == ("The ", " sat.")
    with pytest.raises(ValueError, match="exactly one"):
        split_mask("No mask here.")
    with pytest.raises(ValueError, match="found 2"):
        split_mask("[MASK] and [MASK]")


def test_explanation_says_it_is_a_stand_in():
    assert "masked" in MASKED_FILL_EXPLAINED and "BERT" in MASKED_FILL_EXPLAINED
    assert "SmolLM2-135M" in MASKED_FILL_EXPLAINED


def test_common_words_are_plain_words():
    words = common_words(500)
    assert 100 <= len(words) <= 500
    assert all(w.isalpha() for w in words)
    assert "the" in words


def test_candidates_are_bounded_and_come_from_the_model(lm_auto):
    words = candidates(lm_auto, "The [MASK] sat on the throne.", max_candidates=300)
    assert 50 < len(words) <= 300
    assert len(set(words)) == len(words)
    assert {"king", "queen"} <= {w.lower() for w in words[:20]}  # the model's own fill-in guesses come first
    assert len(candidates(lm_auto, "The [MASK] sat on the throne.", max_candidates=40)) == 40


def test_throne_sentence_ranks_royals_and_cat(lm_auto):
    seen = []
    fills = run_sync(fill_mask(lm_auto, "The [MASK] sat on the throne.", batch_size=64), seen.append)
    top3 = [f.word.lower() for f in fills[:3]]
    assert {"king", "queen"} <= set(top3), top3
    assert set(top3) <= {"king", "queen", "cat", "emperor", "princess", "prince"}
    assert fills[0].prob > 0.15
    probs = [f.prob for f in fills]
    assert probs == sorted(probs, reverse=True)
    assert sum(probs) <= 1.0 + 1e-9
    assert fills[0].sentence == f"The {fills[0].word} sat on the throne."
    assert seen[-1].fraction == pytest.approx(1.0)
    assert len(seen) >= 4  # candidate collection plus several scored batches
    assert len({f.word.lower() for f in fills}) == len(fills)  # case variants merged


def test_right_context_matters(lm_auto):
    # same left context, different right context -> different winner (a pure left-to-right guess could not)
    drink = run_sync(fill_mask(lm_auto, "I drank a cup of [MASK] this morning."))
    bark = run_sync(fill_mask(lm_auto, "The [MASK] barked at the postman."))
    assert drink[0].word in ("coffee", "tea")
    assert bark[0].word.lower() in ("dog", "dogs", "puppy")


def test_mask_at_either_end_of_a_sentence(lm_auto):
    assert run_sync(fill_mask(lm_auto, "The capital of France is [MASK]."))[0].word == "Paris"
    # at the start, guesses come without a leading space; whole-sentence probability of a
    # left-to-right model favours "What is the capital of France." but Paris stays near the top
    start = run_sync(fill_mask(lm_auto, "[MASK] is the capital of France."))
    assert "Paris" in [f.word for f in start[:10]]


def test_sentence_without_mask_is_an_error(lm_auto):
    with pytest.raises(ValueError):
        run_sync(fill_mask(lm_auto, "Nothing to fill."))
