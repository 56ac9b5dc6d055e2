"""Shared by the model tests in tests/models and tests/core: skip cleanly when a
model is not built, and make small throw-away copies of built models."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from core.inference import registry


def built(name: str) -> Path:
    """The folder of a built model, or skip the test saying how to build it."""
    if not registry.is_built(name):
        pytest.skip(
            f"model {name!r} is not built in {registry.models_dir()}; run: python main.py models build --only {name}"
        )
    return registry.model_dir(name)


def reference(name: str) -> dict[str, np.ndarray]:
    d = built(name)
    with np.load(d / "reference.npz", allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def copy_model(name: str, dest: Path, *, skip: tuple[str, ...] = ()) -> Path:
    """Copy a built model's files into ``dest/<name>`` (files named in ``skip`` are left out)."""
    src = built(name)
    out = dest / name
    out.mkdir(parents=True)
    for f in src.iterdir():
        if f.is_file() and f.name not in skip:
            shutil.copy2(f, out / f.name)
    return out


def read_manifest(model_dir: Path) -> dict:
    return json.loads((model_dir / "manifest.json").read_text(encoding="utf-8"))


def write_manifest(model_dir: Path, manifest: dict) -> None:
    (model_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def cnn_with_outputs(dest: Path, keep: tuple[str, ...] = ("probs",), *, external: bool = False) -> Path:
    """The built digit CNN re-saved with only the ``keep`` outputs (as an exporter would write it
    without extra outputs), made with the onnx package; ``external=True`` keeps its weights in
    ``cnn.data`` beside it. Returns the .onnx path."""
    import onnx

    model = onnx.load(str(built(registry.DIGITS) / "model.onnx"))
    outputs = [o for o in model.graph.output if o.name in keep]
    del model.graph.output[:]
    model.graph.output.extend(outputs)
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / "cnn.onnx"
    if external:
        onnx.save(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True, location="cnn.data")
    else:
        onnx.save(model, str(path))
    return path
