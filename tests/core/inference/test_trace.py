"""core.inference.trace and distribution on the built SmolLM2-135M and the tiny Optimum decoder: reading a
prompt (chunked, reusing what an earlier trace read), appending, undo without a model call, seeded
generation, the context cut, and the bars (temperature / top-k / top-p re-rendered from the logits)."""
from __future__ import annotations

import numpy as np
import pytest

from core.errors import InputError
from core.inference.decoder import OptimumDecoder
from core.inference.distribution import render
from core.inference.sampling import Sampling, log_softmax
from core.inference.trace import append, generate_steps, read_prompt, settle, undo
from core.progress import run_sync


class Counting:
    """The real decoder, counting the positions it is asked to run (a spy, not a stand-in)."""

    def __init__(self, dec) -> None:
        self._dec, self.calls, self.positions = dec, 0, 0

    def __getattr__(self, name):
        return getattr(self._dec, name)

    def extend(self, ids, cache, precision="auto", **kw):
        self.calls += 1
        self.positions += len(ids)
        return self._dec.extend(ids, cache, precision, **kw)


def _read(dec, text, **kw):
    return run_sync(read_prompt(dec, text, **kw))


def test_once_upon_a_time_and_the_temperature(lm_decoder):
    t = _read(lm_decoder, "Once upon a", precision="fp32")
    assert [tok.text for tok in t.tokens] == ["<|endoftext|>", "Once", " upon", " a"]
    assert t.answered == "fp32"
    label = lm_decoder.tokenizer.readable
    base = render(t.logits, label)
    assert base.top[0].text == "\u2423time" and base.top[0].prob == pytest.approx(0.347, abs=0.01)
    assert base.rest == pytest.approx(1 - sum(b.prob for b in base.bars))
    p = np.exp(log_softmax(t.logits))
    assert base.entropy == pytest.approx(float(-(p * np.log2(p)).sum()), rel=1e-6)
    cold, hot = render(t.logits, label, Sampling(temperature=0.3)), render(t.logits, label, Sampling(temperature=3.0))
    assert cold.top[0].text == hot.top[0].text == "\u2423time"
    assert cold.top[0].prob > 0.95 and hot.top[0].prob < 0.02
    assert cold.entropy < base.entropy < hot.entropy
    assert [b.logit for b in cold.bars] == [b.logit for b in base.bars]  # the same logits, another view
    cut = render(t.logits, label, Sampling(top_k=3), n=6)
    assert [b.kept for b in cut.bars] == [True] * 3 + [False] * 3
    assert sum(b.prob for b in cut.bars) == pytest.approx(1.0) and cut.rest == pytest.approx(0.0, abs=1e-12)
    assert cut.bars[3].prob == 0 and cut.bars[3].raw_prob > 0
    nucleus = render(t.logits, label, Sampling(top_p=0.5))
    assert nucleus.kept == sum(b.kept for b in nucleus.bars) and nucleus.kept < 10


def test_append_then_undo_restores_without_a_model_call(lm_decoder):
    spy = Counting(lm_decoder)
    t = _read(spy, "Once upon a", precision="fp32")
    top = int(np.argmax(t.logits))
    after = append(t, [top])
    assert after.steps[0].token.text == " time" and after.steps[0].rank == 1
    assert after.steps[0].prob == pytest.approx(0.347, abs=0.01)
    assert after.length == t.length + 1 == lm_decoder.cache_length(after.cache)
    full = lm_decoder.next_token("Once upon a time", precision="fp32")
    assert np.abs(after.logits - full.logits).max() < 1e-3
    calls = spy.calls
    back = undo(after)
    assert spy.calls == calls  # undo runs nothing
    assert back.appended == () and np.array_equal(back.logits, t.logits)
    assert lm_decoder.cache_length(back.cache) == t.length
    again = append(back, [top])  # the cut-back cache is a good cache
    assert np.abs(again.logits - after.logits).max() < 1e-4


def test_prefix_reuse_and_chunks_read_the_same_as_one_pass(lm_decoder):
    text = "The history of the city begins in the early middle ages, when a small group of farmers settled on"
    spy = Counting(lm_decoder)
    whole = _read(spy, text, precision="fp32", chunk=1 << 20)
    chunks = run_sync(read_prompt(spy, text, precision="fp32", chunk=8), (seen := []).append)
    assert len(seen) == -(-len(whole.tokens) // 8) and seen[-1].fraction == pytest.approx(1.0)
    assert np.abs(chunks.logits - whole.logits).max() < 1e-3
    before = spy.positions
    typed = _read(spy, text + " the", precision="fp32", reuse=whole)
    assert spy.positions - before <= 2  # typing at the end runs only the new tokens
    assert np.abs(typed.logits - lm_decoder.next_token(text + " the", precision="fp32").logits).max() < 1e-3
    before = spy.positions
    _read(spy, text + " the", precision="q4", reuse=whole)  # another precision: read again
    assert spy.positions - before == len(typed.tokens)


def test_settle_moves_between_states(lm_decoder):
    t = _read(lm_decoder, "The cat sat", precision="fp32")
    a, b, c = (lm_decoder.tokenizer.encode_ids(w, add_special_tokens=False)[0] for w in (" on", " the", " a"))
    ab = run_sync(settle(lm_decoder, t, "The cat sat", [a, b], precision="fp32"))
    ac = run_sync(settle(lm_decoder, ab, "The cat sat", [a, c], precision="fp32"))
    assert ac.appended == (a, c) and ac.steps[0] is ab.steps[0]
    assert run_sync(settle(lm_decoder, ac, "The cat sat", [a], precision="fp32")).appended == (a,)


def test_generate_is_seeded_and_greedy_is_the_top_bar(lm_decoder):
    t = _read(lm_decoder, "Once upon a")
    one = run_sync(generate_steps(t, 6, Sampling(seed=7)))
    two = run_sync(generate_steps(t, 6, Sampling(seed=7)))
    assert one.appended == two.appended and one.generated_text == two.generated_text
    other = run_sync(generate_steps(t, 6, Sampling(seed=8)))
    assert other.appended != one.appended
    greedy = run_sync(generate_steps(t, 5, Sampling(temperature=0)))
    top = t
    for _ in range(5):
        top = append(top, [render(top.logits, str).top[0].id])
    assert greedy.appended == top.appended
    assert greedy.generated_text.startswith(" time")
    # N draws one at a time (Sample pressed N times) are Generate N
    stepwise = t
    for _ in range(6):
        stepwise = run_sync(generate_steps(stepwise, 1, Sampling(seed=7)))
    assert stepwise.appended == one.appended


def test_empty_prompt_is_the_distribution_after_the_start_token(lm_decoder):
    t = _read(lm_decoder, "", precision="fp32")
    assert [tok.id for tok in t.tokens] == [lm_decoder.bos_id]
    assert render(t.logits, str).kept == lm_decoder.vocab_size


def test_control_characters_and_emoji_are_read(lm_decoder):
    t = _read(lm_decoder, "bell\x07 null\x00 tab\t \U0001F600 caf\u00e9")
    names = [lm_decoder.tokenizer.readable(tok.id) for tok in t.tokens]
    assert "<0x07>" in "".join(names) and "<0x00>" in "".join(names) and "\u21e5" in "".join(names)
    assert "\u2423<0xF0><0x9F><0x98>" in names and "<0x80>" in names  # the emoji split over two tokens: bytes
    assert np.isfinite(t.logits).all()


def test_a_prompt_past_the_context_is_cut_with_a_note(tiny_decoder):
    dec = OptimumDecoder(tiny_decoder("past", positions=64))
    text = "Once upon a time there was a king. " * 20
    t = _read(dec, text)
    assert t.cut > 0 and t.length <= 64 - 16
    assert t.tokens[0].id == dec.bos_id
    assert "reads at most 64" in t.note and f"first {t.cut:,} are left out" in t.note
    with pytest.raises(InputError, match="context is full"):
        append(t, [1] * (65 - t.length))
    filled = append(t, [1] * (64 - t.length))
    assert filled.length == 64
    with pytest.raises(InputError, match="outside the vocabulary"):
        append(t, [dec.vocab_size])
