"""`layers`: every tensor inside any ONNX model (name, operator, shape).

    python main.py layers MODEL.onnx [--json]
"""
from __future__ import annotations

import argparse

from .common import emit


def cmd_layers(args) -> int:
    from ..inference.any_model import AnyModel

    model = AnyModel(args.model)

    def shape(t) -> list | None:
        return None if t.shape is None else [d if d not in ("", None) else "?" for d in t.shape]

    data = {
        "model": args.model,
        "inputs": [
            {"name": s.name, "dtype": s.dtype, "shape": shape(s), "kind": s.kind or None, "problem": s.problem or None}
            for s in model.inputs
        ],
        "outputs": model.outputs,
        "tensors": [{"name": t.name, "op": t.op_type, "shape": shape(t), "dtype": t.dtype} for t in model.tensors],
    }
    lines = [f"{args.model}: {len(model.tensors)} tensors; outputs {', '.join(model.outputs)}"]
    lines += [f"  input  {s.describe()}" for s in model.inputs]
    width = min(60, max((len(t.name) for t in model.tensors), default=10))
    for t in model.tensors:
        dims = "?" if t.shape is None else "×".join(str(d) if d not in ("", None) else "?" for d in t.shape)
        lines.append(f"  {t.name:<{width}} {t.op_type:<20} {dims:<20} {t.dtype}")
    return emit(args, data, "\n".join(lines))


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("layers", help="list every tensor inside any ONNX model (name, operator, shape)")
    p.add_argument("model", metavar="MODEL.onnx")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_layers)
