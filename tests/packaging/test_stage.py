"""packaging/stage.py without building the app: the language model ships as its 4-bit graph alone
(one file, 8-bit tied embeddings), and the app runs it as it would from the install folder."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from core.inference import registry
from core.inference.language_model import LanguageModel, q4_manifest
from core.inference.runtime import load_manifest
from core.inference.token_embeddings import embedding_matrix
from tests.models.helpers import built

ROOT = Path(__file__).resolve().parents[2]


def _stage_module():
    spec = importlib.util.spec_from_file_location("ee_stage", ROOT / "packaging" / "stage.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def shipped_lm(tmp_path_factory) -> Path:
    src = built(registry.LANGUAGE_MODEL)
    qm, faithful, _ = q4_manifest(src, registry.manifest(registry.LANGUAGE_MODEL))
    if qm is None or not faithful:
        pytest.skip("no faithful 4-bit language model built")
    dest = tmp_path_factory.mktemp("models") / registry.LANGUAGE_MODEL
    _stage_module()._copy_language_model(dest)
    return dest


def test_the_language_model_ships_as_one_4bit_file(shipped_lm):
    files = sorted(p.name for p in shipped_lm.iterdir())
    assert files == ["manifest.json", "model_q4.onnx", "tokenizer.json"]
    size = (shipped_lm / "model_q4.onnx").stat().st_size
    # the fp32 graph is 542 MB; the tied table is stored once, as two 4-bit halves that the lm_head (in fp32
    # arithmetic) and the embedding both read (models/quantize_graph.py)
    assert size < 130e6
    m = json.loads((shipped_lm / "manifest.json").read_text())
    assert m["precision"] == "q4" and m["shipped_variant"]["parity"]["top1_agreement"] >= 0.95


def test_the_shipped_model_reads_steps_and_says_it_is_4bit(shipped_lm):
    lm = LanguageModel(shipped_lm, load_manifest(shipped_lm))
    assert lm.precisions == ("q4",) and lm.notice is None
    res = lm.next_token("Once upon a", precision="fp32")  # fp32 is not shipped: the 4-bit file answers
    assert res.precision == "q4" and res.top[0].text == " time" and 0.30 < res.top[0].prob < 0.37
    hidden = lm.next_token("Once upon a", hidden_states=True)
    assert hidden.hidden_states.shape == (31, 4, 576) and hidden.precision == "q4"
    fp32 = registry.open(registry.LANGUAGE_MODEL, precision="fp32")
    table = embedding_matrix(shipped_lm / "model_q4.onnx")  # the two 4-bit halves, dequantised and added
    exact = embedding_matrix(fp32.session.path)
    assert table.shape == exact.shape == (49152, 576)
    # within half an 8-bit step of fp32 (0.006) plus the second half's error (0.005; see test_lens.py)
    assert np.abs(table - exact).max() < 0.011 and np.abs(table - exact).mean() < 1e-3


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
