"""core.inference.registry: where models live, and what every manifest records."""
from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest

from core.errors import ModelMissingError
from core.inference import registry
from core.paths import data_dir
from tests.models.helpers import built


def test_data_dir_defaults_to_platformdirs(monkeypatch):
    monkeypatch.delenv(registry.DATA_ENV, raising=False)
    assert data_dir() == Path(platformdirs.user_data_dir("embedding-explorer"))
    assert registry.model_dir("mnist-cnn") == data_dir() / "models" / "mnist-cnn"


def test_data_dir_env_override(monkeypatch, tmp_path):
    monkeypatch.setenv(registry.DATA_ENV, str(tmp_path))
    assert registry.models_dir() == tmp_path / "models"
    assert not registry.is_built("smollm2-135m")
    with pytest.raises(ModelMissingError, match=r"not built.*python main.py models build --only smollm2-135m"):
        registry.open(registry.LANGUAGE_MODEL)
    with pytest.raises(ModelMissingError, match="python main.py models build"):
        registry.open(registry.ENCODER)
    with pytest.raises(ModelMissingError, match="python main.py models build"):
        registry.open(registry.DIGITS)


def test_unknown_model_name():
    with pytest.raises(ModelMissingError, match="unknown model 'gpt2'"):
        registry.model_dir("gpt2")


@pytest.mark.parametrize("name", list(registry.MODELS))
def test_manifest_records_everything(name):
    built(name)
    m = registry.manifest(name)
    assert m["name"] == name
    assert m["display_name"] == registry.MODELS[name].display_name
    assert m["licence"]
    src = m["source"]
    shas = src["sha256"] if isinstance(src["sha256"], list) else [src["sha256"]]  # the GRU reads two files
    assert src["package"] and src["version"] and shas and all(len(s) == 64 for s in shas)
    assert m["build"]["script"].startswith("models/build_") and m["build"]["recipe"]["source_sha256"] == src["sha256"]
    assert m["build"]["tools"]["onnxruntime"]
    if name == registry.FAST_LANGUAGE_MODEL:  # built from the same GGUF: its reference is the fp32 file's answers
        assert "fp32 file" in m["parity"]["against"] and m["parity"]["holds_targets"] and m["precision"] == "fast"
    else:
        assert m["parity"]["against"].startswith("torch")
        assert "reference" in m["files"] and m["reference"]["tolerance"] == 1e-4
    for role, entry in m["files"].items():
        assert len(entry["sha256"]) == 64 and entry["bytes"] > 0, role
        if entry["file"].endswith(".onnx"):
            assert entry["inputs"] and entry["outputs"], role
            assert all({"name", "shape", "dtype"} <= set(io) for io in entry["inputs"] + entry["outputs"])
    if name == registry.RNN:  # its own word list (core/inference/rnn_vocab.py)
        assert m["tokenizer"]["file"] == "vocab.txt" == m["files"]["vocab"]["file"]
    elif name != registry.DIGITS:
        assert m["tokenizer"]["file"] == "tokenizer.json" and "tokenizer" in m["files"]
    assert registry.disk_usage(name) >= sum(e["bytes"] for e in m["files"].values())


def test_language_model_manifest_specifics():
    built(registry.LANGUAGE_MODEL)
    m = registry.manifest(registry.LANGUAGE_MODEL)
    assert m["display_name"] == "SmolLM2-135M" and "GPT-style" in m["description"]
    assert m["tokenizer"]["bos_id"] == 0 and m["tokenizer"]["prepend_bos"] is True
    outs = {o["name"]: o["shape"] for o in m["files"]["model"]["outputs"]}
    assert outs["logits"] == ["batch", "seq", 49152]
    assert outs["hidden_states"] == [31, "batch", "seq", 576]
    ins = {i["name"]: i["shape"] for i in m["files"]["model"]["inputs"]}  # one graph: a prompt reads an empty cache
    assert ins["past_kv"] == [30, 2, "batch", 3, "past", 64]
    assert set(m["files"]) == {"model", "tokenizer", "reference"}
    assert m["parity"]["top5_agreement"].split("/")[0] == m["parity"]["top5_agreement"].split("/")[1]
    assert m["parity"]["max_abs_diff_logits"] < 1e-3


def test_verify_passes_on_built_models():
    for name in registry.MODELS:
        if registry.is_built(name):
            assert registry.verify(name)


@pytest.mark.parametrize("name", list(registry.MODELS))
def test_each_spec_names_its_class_builder_and_files(name):
    s = registry.spec(name)
    cls = registry.model_class(name)
    assert cls.kind == s.kind and cls.__module__ == f"core.inference.{s.model_class.split(':')[0]}"
    root = Path(__file__).resolve().parents[3]
    assert (root / "models" / f"{s.builder}.py").is_file()
    assert "model" in s.files and ("reference" in s.files or name == registry.FAST_LANGUAGE_MODEL)
    if s.quantized is not None:
        from core.inference import language_model

        assert (root / "models" / f"{s.quantized.builder}.py").is_file()
        assert s.quantized.record == language_model.QUANTIZED_RECORD
        assert s.quantized.roles == language_model.Q4_ROLES and set(s.quantized.roles) <= set(s.files)
    if registry.is_built(name):
        assert set(registry.manifest(name)["files"]) == set(s.files)


def test_importing_the_registry_opens_no_model_module():
    import subprocess
    import sys

    code = ("import sys; from core.inference import registry; "
            "print(sorted(m for m in sys.modules if m.startswith(('core.inference.', 'models'))))")
    root = Path(__file__).resolve().parents[3]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True).stdout
    for module in ("language_model", "encoder", "digit_classifier", "tokenizer"):
        assert f"core.inference.{module}'" not in out
    assert "'models" not in out
