"""models/build_rnn.py: a tiny version of the GRU build (a few thousand tokens, a small network) gives
the same bytes twice, its ONNX graph agrees with torch, and its manifest is complete; the built
model's manifest records the held-out perplexities (the RNN below the unigram baseline)."""
from __future__ import annotations

import pytest

from core.inference import registry
from core.inference.rnn import RecurrentLM
from core.progress import run_sync
from tests.models.helpers import built

pytest.importorskip("torch")
build_rnn = pytest.importorskip("models.build_rnn")

TINY = build_rnn.Settings(vocab=600, embed=16, hidden=24, cutoffs=(200,), epochs=1, max_train_tokens=6000,
                          background=20)


@pytest.mark.slow
def test_a_tiny_build_is_deterministic_and_opens(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    m = run_sync(build_rnn.build(first, TINY))
    run_sync(build_rnn.build(second, TINY))
    for f in ("model.onnx", "vocab.txt", "background.npz", "reference.npz"):
        assert (first / f).read_bytes() == (second / f).read_bytes(), f
    assert m["files"] == registry.spec(registry.RNN).files and m["kind"] == RecurrentLM.kind
    assert m["parity"]["max_abs_diff"] < 1e-4 and m["parity"]["top1_agreement"] == 1.0
    m["files"] = {role: {"file": f} for role, f in m["files"].items()}  # as build.py writes them (no checksums)
    rnn = RecurrentLM(first, m)
    assert len(rnn.vocab) == 600 and rnn.read("the government said").states.shape == (3, 24)


def test_the_built_model_beats_the_unigram_baseline_on_held_out_text():
    d = built(registry.RNN)
    metrics = registry.manifest(registry.RNN)["metrics"]
    assert metrics["heldout_words"] > 20000 and metrics["rnn_ppl_word"] < 0.8 * metrics["unigram_ppl_word"], d
