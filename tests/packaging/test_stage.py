"""packaging/stage.py without building the app: the language model ships as its fast graph alone (one file:
the GGUF's own weights, hidden states as optional outputs), and the app runs it as from the install folder."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from core.inference import fast_graph, registry
from core.inference.language_model import LanguageModel
from core.inference.lens_head import head_job
from core.inference.runtime import load_manifest
from core.inference.sampling import Sampling
from core.inference.token_embeddings import embedding_matrix
from core.inference.trace import generate_steps, read_prompt
from core.progress import run_sync
from tests.models.helpers import built

ROOT = Path(__file__).resolve().parents[2]


def _stage_module():
    spec = importlib.util.spec_from_file_location("ee_stage", ROOT / "packaging" / "stage.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def shipped_lm(tmp_path_factory) -> Path:
    built(registry.LANGUAGE_MODEL)
    fast = built(registry.FAST_LANGUAGE_MODEL)
    if not fast_graph.is_fast(load_manifest(fast)):
        pytest.skip("the fast graph was built before recipe 2: python main.py models build --force --only "
                    "smollm2-135m-fast")
    dest = tmp_path_factory.mktemp("models") / registry.LANGUAGE_MODEL
    _stage_module()._copy_language_model(dest)
    return dest


def test_the_language_model_ships_as_one_fast_file(shipped_lm):
    files = sorted(p.name for p in shipped_lm.iterdir())
    assert files == ["manifest.json", "model.onnx", "tokenizer.json"]
    # the fp32 graph is 542 MB; the GGUF's own 4-bit layers, its 8-bit tied table once as two 4-bit halves
    assert (shipped_lm / "model.onnx").stat().st_size < 130e6
    m = json.loads((shipped_lm / "manifest.json").read_text())
    assert m["name"] == registry.LANGUAGE_MODEL and m["precision"] == "fast"
    parity = m["shipped_variant"]["parity"]
    assert parity["holds_targets"] and all(r["top1_agreement"] == 1.0 for r in parity["measured_on"])


def test_the_shipped_model_reads_steps_and_inspects_with_the_one_file(shipped_lm):
    lm = LanguageModel(shipped_lm, load_manifest(shipped_lm))
    assert lm.precisions == ("fast",) and lm.notice is None
    res = lm.next_token("Once upon a", precision="fp32")  # fp32 is not shipped: the fast file answers
    assert res.precision == "fast" and res.top[0].text == " time" and abs(res.top[0].prob - 0.347) < 0.02
    hidden = lm.next_token("Once upon a", hidden_states=True)
    assert hidden.hidden_states.shape == (31, 4, 576) and hidden.precision == "fast"
    t = run_sync(generate_steps(run_sync(read_prompt(lm, "Once upon a")), 5, Sampling(temperature=0.0)))
    assert t.answered == "fast" and len(t.steps) == 5
    fp32 = registry.open(registry.LANGUAGE_MODEL, precision="fp32")
    table = embedding_matrix(shipped_lm / "model.onnx")  # the two 4-bit halves, dequantised and added
    exact = embedding_matrix(fp32.session.path)
    assert table.shape == exact.shape == (49152, 576)
    # the GGUF's Q8_0 table exactly: fp32's file was exported from the same table
    assert np.abs(table - exact).max() < 1e-6
    head = run_sync(head_job(shipped_lm / "model.onnx"))  # the logit lens reads the fused graph's head
    logits = head.logits(hidden.hidden_states[-2][-1:])
    assert lm.tokenizer.text(int(np.argmax(logits[0]))) == " time"


def test_the_encoder_ships_with_16bit_weights_when_they_keep_parity(tmp_path):
    built(registry.ENCODER)
    dest = tmp_path / registry.ENCODER
    _stage_module()._copy_encoder(dest)
    m = json.loads((dest / "manifest.json").read_text())
    variant = m["shipped_variant"]
    assert variant["weights"].startswith("float16") and (dest / "model.onnx").stat().st_size < 50e6
    assert variant["parity_vs_fp32"]["min_cosine"] >= 0.9999 and variant["parity_vs_fp32"]["top5_same"] >= 0.99
    from core.inference.encoder import SentenceEncoder

    v = SentenceEncoder(dest, load_manifest(dest)).embed(["A man plays the guitar.", "Someone plays an instrument."])
    ref = registry.open(registry.ENCODER).embed(["A man plays the guitar.", "Someone plays an instrument."])
    assert np.abs(v - ref).max() < 1e-3 and float(v[0] @ v[1]) > 0.5


def test_a_model_left_out_of_the_package_is_said_so_in_the_installed_app(tmp_path, monkeypatch):
    import sys

    from core.errors import ModelMissingError

    left_out = [n for n, s in registry.MODELS.items() if s.not_packaged]
    assert registry.ATTENTION in left_out
    shipped = _stage_module().shipped_models()
    assert registry.ATTENTION not in shipped and {registry.LANGUAGE_MODEL, registry.ENCODER} <= set(shipped)
    monkeypatch.setenv(registry.DATA_ENV, str(tmp_path))  # an install folder without it
    monkeypatch.setattr(sys, "frozen", True, raising=False)  # what PyInstaller sets in the installed app
    with pytest.raises(ModelMissingError, match="not part of the installed app .*630 MB.*from its source"):
        registry.open(registry.ATTENTION)
