"""The 4-bit SmolLM2 files (models/quantize_lm.py) through core.language_model: agreement with
fp32, what "auto" picks, and the fp32 fallback when a 4-bit file is corrupt. Real models, no mocks."""
from __future__ import annotations

import shutil

import numpy as np

from core.inference import registry
from core.inference.distribution import render
from core.inference.generation import start
from core.inference.language_model import Q4_MAX_PROMPT, LanguageModel
from core.inference.runtime import load_manifest
from tests.core.inference.conftest import q4_dir

NAME = registry.LANGUAGE_MODEL
PROMPTS = ["Once upon a", "The cat sat on the", "Paris is the capital of", "def fibonacci(n):"]


def test_q4_and_fp32_agree_on_top1_and_time(lm_q4):
    for prompt in PROMPTS:
        f = lm_q4.next_token(prompt, precision="fp32")
        q = lm_q4.next_token(prompt, precision="q4")
        assert (f.precision, q.precision) == ("fp32", "q4")
        assert f.top[0].id == q.top[0].id, prompt
    f, q = lm_q4.next_token("Once upon a", precision="fp32"), lm_q4.next_token("Once upon a", precision="q4")
    assert q.top[0].text == " time"
    assert abs(f.top[0].prob - q.top[0].prob) < 0.03
    assert not np.array_equal(f.logits, q.logits)  # really a different file


def test_q4_cached_steps_follow_fp32_greedy(lm_q4):
    gf = start(lm_q4, "Once upon a", temperature=0, precision="fp32")
    gq = start(lm_q4, "Once upon a", temperature=0, precision="q4")
    for _ in range(3):
        tid = gf.sample()  # both follow the fp32 greedy path
        assert gq.step(tid).precision == "q4" and gf.step(tid).precision == "fp32"
        # cached steps agree on top-1 ~90% of the time (quantized.json), so only ask for the top 5
        assert gf.last.top[0].id in [
            c.id for c in render(gq.last.logits, lm_q4.tokenizer.text, n=5).top
        ]


def test_auto_picks_q4_for_cached_steps_and_fp32_for_prompts(lm_q4):
    one = lm_q4.next_token("")  # the start token alone: a one-token pass
    assert len(one.tokens) < Q4_MAX_PROMPT and one.precision == "q4" and lm_q4.last_precision == "q4"
    short = lm_q4.next_token("Once upon a")
    assert len(short.tokens) >= Q4_MAX_PROMPT and short.precision == "fp32"
    long_text = " ".join(["the cat sat on the mat and"] * 6)
    long = lm_q4.next_token(long_text)
    assert len(long.tokens) >= 30 > Q4_MAX_PROMPT
    assert long.precision == "fp32" and lm_q4.last_precision == "fp32"
    hidden = lm_q4.next_token("Once upon a", hidden_states=True)
    assert hidden.precision == "fp32" and hidden.hidden_states is not None
    # cached generation steps with the 4-bit file even after a long (fp32) prompt
    gen = start(lm_q4, long_text, temperature=0)
    assert gen.last.precision == "fp32"
    assert gen.step(gen.sample()).precision == "q4"
    # forced fp32 never touches the 4-bit files
    assert lm_q4.next_token("Once upon a", precision="fp32").precision == "fp32"
    gen = start(lm_q4, "Once upon a", precision="fp32")
    assert gen.step(gen.sample()).precision == "fp32"


def test_score_continuations_stay_fp32(lm_q4):
    from core.progress import run_sync

    prefix = lm_q4.tokenizer.encode_ids("The")
    suffix = lm_q4.tokenizer.encode_ids("The cat", add_special_tokens=False)[1:]
    run_sync(lm_q4.score_continuations(prefix, [suffix]))
    assert lm_q4.last_precision == "fp32"


def test_corrupt_q4_file_falls_back_to_fp32_with_notice(tmp_path):
    src = q4_dir()
    d = tmp_path / NAME
    d.mkdir()
    for f in src.iterdir():  # a private copy; the big untouched files are symlinks, never written
        if f.name == "model_q4.onnx":
            continue
        if f.stat().st_size > 10_000_000:
            (d / f.name).symlink_to(f)
        else:
            shutil.copy2(f, d / f.name)
    data = bytearray((src / "model_q4.onnx").read_bytes())
    mid = len(data) // 2
    data[mid : mid + 64] = bytes(64)  # zero a run of weights: same size, different sha256
    (d / "model_q4.onnx").write_bytes(bytes(data))
    del data

    lm_q4 = LanguageModel(d, load_manifest(d), precision="auto", fast=False)
    assert lm_q4.notice and "4-bit" in lm_q4.notice and "fp32" in lm_q4.notice and "sha256" in lm_q4.notice
    assert not lm_q4.q4_available
    res = lm_q4.next_token("Once upon a")
    assert res.precision == "fp32" and res.top[0].text == " time"
    assert 0.34 < res.top[0].prob < 0.36
    gen = start(lm_q4, "Once upon a")
    assert gen.step(gen.sample()).precision == "fp32"
    forced = LanguageModel(d, load_manifest(d), precision="q4")
    assert forced.notice and forced.next_token("Once upon a").precision == "fp32"
