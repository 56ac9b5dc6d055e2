"""core.inference.runtime: providers, fallback, caching, and the named errors for missing / corrupt models.

Corruption is always done on a copy in tmp_path (the small digit model); the real files are never touched.
"""
from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest

from core.errors import ModelCorruptError, ModelMissingError
from core.inference import registry
from core.inference import runtime as rt
from tests.models.helpers import built, copy_model, read_manifest, reference, write_manifest

DIGITS = registry.DIGITS


def test_available_providers_are_local_and_include_cpu():
    provs = rt.available_providers()
    assert "CPUExecutionProvider" in provs
    assert "AzureExecutionProvider" not in provs
    assert set(provs) <= set(ort.get_available_providers()) | {"CPUExecutionProvider"}


def test_choose_providers_is_explicit_and_falls_back_with_a_notice():
    assert rt.choose_providers(None) == (["CPUExecutionProvider"], None)
    assert rt.choose_providers("CPUExecutionProvider") == (["CPUExecutionProvider"], None)
    if "CUDAExecutionProvider" in rt.available_providers():
        pytest.skip("this onnxruntime build really has CUDA")
    providers, notice = rt.choose_providers("CUDAExecutionProvider")
    assert providers == ["CPUExecutionProvider"]
    assert "CUDAExecutionProvider is not available" in notice and "onnxruntime-gpu" in notice


def test_unavailable_provider_runs_on_cpu_and_says_so():
    d = built(DIGITS)
    rt.clear_cache()
    m = rt.open_session(d, registry.manifest(DIGITS), preferred_provider="CUDAExecutionProvider")
    if "CUDAExecutionProvider" in rt.available_providers():
        pytest.skip("this onnxruntime build really has CUDA")
    assert m.provider == "CPUExecutionProvider"
    assert m.session.get_providers() == ["CPUExecutionProvider"]  # Azure never sneaks in
    assert m.requested == "CUDAExecutionProvider"
    assert "running on CPUExecutionProvider" in m.notice
    ref = reference(DIGITS)
    (logits,) = m.run(["logits"], {"image": ref["images"][:, None].astype(np.float32)})
    np.testing.assert_allclose(logits, ref["logits"], atol=1e-4)


def test_default_session_has_no_notice_and_cpu_only():
    d = built(DIGITS)
    m = rt.open_session(d, registry.manifest(DIGITS))
    assert m.notice is None
    assert m.session.get_providers() == ["CPUExecutionProvider"]


def test_sessions_are_cached_per_provider_and_threads():
    d = built(DIGITS)
    man = registry.manifest(DIGITS)
    a = rt.open_session(d, man, intra_op_threads=1)
    b = rt.open_session(d, man, intra_op_threads=1)
    c = rt.open_session(d, man, intra_op_threads=2)
    assert a is b
    assert c is not a
    assert a.session.get_session_options().intra_op_num_threads == 1
    assert c.session.get_session_options().intra_op_num_threads == 2


def test_missing_manifest_names_the_build_command(tmp_path):
    with pytest.raises(ModelMissingError, match="python main.py models build"):
        rt.load_manifest(tmp_path / "mnist-cnn")


def test_missing_model_file(tmp_path):
    d = copy_model(DIGITS, tmp_path, skip=("model.onnx",))
    with pytest.raises(
        ModelMissingError, match=r"model\.onnx is missing.*python main.py models build --only mnist-cnn"
    ):
        rt.open_session(d, rt.load_manifest(d))


def test_checksum_mismatch_is_corrupt(tmp_path):
    d = copy_model(DIGITS, tmp_path)
    data = bytearray((d / "model.onnx").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (d / "model.onnx").write_bytes(bytes(data))
    with pytest.raises(ModelCorruptError, match="sha256 does not match.*python main.py models build"):
        rt.open_session(d, rt.load_manifest(d))
    with pytest.raises(ModelCorruptError):
        rt.verify_model(d)


def test_wrong_outputs_in_manifest_is_corrupt(tmp_path):
    d = copy_model(DIGITS, tmp_path)
    man = read_manifest(d)
    man["files"]["model"]["outputs"][0]["name"] = "not_a_layer"
    write_manifest(d, man)
    with pytest.raises(ModelCorruptError, match="outputs are .*the manifest expects"):
        rt.open_session(d, rt.load_manifest(d))


def test_unloadable_onnx_with_matching_checksum_is_corrupt(tmp_path):
    d = copy_model(DIGITS, tmp_path)
    (d / "model.onnx").write_bytes(b"this is not an onnx model" * 10)
    man = read_manifest(d)
    man["files"]["model"]["sha256"] = rt._sha256(d / "model.onnx")
    write_manifest(d, man)
    with pytest.raises(ModelCorruptError, match="onnxruntime cannot load it"):
        rt.open_session(d, rt.load_manifest(d))


def test_unreadable_manifest_is_corrupt(tmp_path):
    d = copy_model(DIGITS, tmp_path)
    (d / "manifest.json").write_text("{ not json", encoding="utf-8")
    with pytest.raises(ModelCorruptError, match="unreadable manifest"):
        rt.load_manifest(d)


def test_verify_model_checks_every_file():
    d = built(DIGITS)
    lines = rt.verify_model(d)
    assert len(lines) == len(registry.manifest(DIGITS)["files"])
    assert all(" ok " in line for line in lines)
