"""core.inference.model: the one base of every model (manifest, provider, notice, layers, run) and
intermediate tensors of any graph fetched on request."""
from __future__ import annotations

import sys

import numpy as np
import pytest

from core.errors import ModelCorruptError
from core.inference import registry
from core.inference.digit_classifier import DigitClassifier
from core.inference.encoder import SentenceEncoder
from core.inference.language_model import LanguageModel
from core.inference.model import OnnxModel
from core.inference.runtime import build_command, repair_hint
from core.paths import launch_command
from tests.models.helpers import built, copy_model, read_manifest, write_manifest


@pytest.mark.parametrize("name, cls", [(registry.DIGITS, DigitClassifier), (registry.ENCODER, SentenceEncoder),
                                       (registry.LANGUAGE_MODEL, LanguageModel)])
def test_open_by_name_gives_the_class_of_its_kind(name, cls):
    built(name)
    m = registry.open(name)
    assert type(m) is cls and isinstance(m, OnnxModel)
    assert m.name == name and m.display_name == registry.spec(name).display_name
    assert m.provider == "CPUExecutionProvider" and m.notice is None
    assert m.layer_names == list(registry.manifest(name).get("layers", []))


def test_intermediate_tensors_are_listed_and_fetched_on_request():
    built(registry.ENCODER)
    enc = registry.open(registry.ENCODER)
    tensors = enc.tensors()
    assert len(tensors) > 100 and len({t.name for t in tensors}) == len(tensors)
    ops = {t.op_type for t in tensors}
    assert {"MatMul", "Softmax"} <= ops
    # the embeddings' LayerNorm is the first hidden state: fetch it although it is no declared output
    first_norm = next(t for t in tensors if t.op_type == "LayerNormalization")
    assert first_norm.name not in enc.session.output_names
    ids = [t.id for t in enc.tokenizer.encode("The river bank was muddy.")]
    feeds = {"input_ids": np.array([ids]), "attention_mask": np.ones((1, len(ids)), np.int64)}
    out = enc.run([first_norm.name, "hidden_states"], feeds)
    np.testing.assert_allclose(out[first_norm.name][0], out["hidden_states"][0, 0], atol=1e-5)
    with pytest.raises(KeyError, match="no tensor named 'nope'"):
        enc.run(["nope"], feeds)


def test_a_malformed_manifest_entry_names_the_manifest(tmp_path):
    d = copy_model(registry.ENCODER, tmp_path)
    man = read_manifest(d)
    man["config"]["hidden_size"] = "wide"
    write_manifest(d, man)
    with pytest.raises(ModelCorruptError, match=r"manifest\.json: config\.hidden_size is 'wide'.*--only minilm-l6-v2"):
        SentenceEncoder(d, man)


def test_hints_follow_how_the_app_was_started(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["main.py"])
    assert launch_command() == "python main.py"
    assert build_command("mnist-cnn") == "python main.py models build --only mnist-cnn"
    monkeypatch.setattr(sys, "argv", ["/usr/bin/embedding-explorer"])
    assert repair_hint("mnist-cnn") == "rebuild with: embedding-explorer models build --only mnist-cnn"
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert launch_command() is None and build_command() is None
    assert "reinstall Embedding Explorer" in repair_hint("mnist-cnn") and "models build" not in repair_hint()
