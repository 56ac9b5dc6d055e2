"""Smaller copies of an fp32 ONNX model for the installed app: the weights stored in 16 or 8 bits,
turned back into fp32 when onnxruntime loads the file (it folds the constant Cast /
DequantizeLinear into an fp32 weight), so the model computes in fp32 as before and only the
weights' rounding changes. Parity against the fp32 file decides whether a copy ships
(packaging/stage.py).

    python -m models.compact model.onnx model_f16.onnx --dtype float16
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

MIN_ELEMENTS = 4096  # smaller initializers (biases, norms) stay fp32


def compact(src: Path, dst: Path, *, dtype: str = "float16") -> dict:
    """Write ``dst``: every large fp32 initializer of ``src`` stored as ``dtype`` ("float16", or
    "int8": symmetric, one scale per output row) and restored by a node in front of its users."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(src))
    g = model.graph
    kept, converted, before, after = [], 0, 0, 0
    new_nodes = []
    for init in list(g.initializer):
        arr = numpy_helper.to_array(init)
        before += arr.nbytes
        if arr.dtype != np.float32 or arr.size < MIN_ELEMENTS:
            kept.append(init)
            after += arr.nbytes
            continue
        name = init.name
        stored = name + ("_f16" if dtype == "float16" else "_i8")
        if dtype == "float16":
            small = arr.astype(np.float16)
            kept.append(numpy_helper.from_array(small, stored))
            new_nodes.append(helper.make_node("Cast", [stored], [name], name=name + "_restore", to=TensorProto.FLOAT))
            after += small.nbytes
        elif dtype == "int8":
            rows = arr.reshape(arr.shape[0], -1) if arr.ndim > 1 else arr.reshape(1, -1)
            scale = np.abs(rows).max(axis=1) / 127.0
            scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
            q = np.clip(np.rint(rows / scale[:, None]), -127, 127).astype(np.int8).reshape(arr.shape)
            kept.append(numpy_helper.from_array(q, stored))
            kept.append(numpy_helper.from_array(scale, stored + "_scale"))
            zero = numpy_helper.from_array(np.zeros_like(scale, dtype=np.int8), stored + "_zero")
            kept.append(zero)
            new_nodes.append(helper.make_node("DequantizeLinear", [stored, stored + "_scale", stored + "_zero"], [name],
                                              name=name + "_restore", axis=0))
            after += q.nbytes + scale.nbytes * 2
        else:
            raise ValueError(f"dtype must be float16 or int8, not {dtype!r}")
        converted += 1
    g.ClearField("initializer")
    g.initializer.extend(kept)
    nodes = new_nodes + list(g.node)
    g.ClearField("node")
    g.node.extend(nodes)
    onnx.checker.check_model(model)
    onnx.save(model, str(dst))
    return {"dtype": dtype, "initializers_converted": converted, "weights_bytes_before": before,
            "weights_bytes_after": after, "file_bytes": dst.stat().st_size}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src", type=Path)
    ap.add_argument("dst", type=Path)
    ap.add_argument("--dtype", choices=("float16", "int8"), default="float16")
    args = ap.parse_args(argv)
    print(compact(args.src, args.dst, dtype=args.dtype))
    return 0


if __name__ == "__main__":
    sys.exit(main())
