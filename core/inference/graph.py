"""Looking inside an ONNX graph: its intermediate tensors, and a copy that returns them.

onnxruntime only returns a graph's declared outputs. To see a layer that is not
one, the graph is copied in memory with that tensor added as an output (the file
is never changed); shapes come from ONNX shape inference where it knows them.

    tensors = intermediate_tensors(load_graph(path))     # name, op type, shape, dtype
    session_bytes = with_outputs(load_graph(path), ["/encoder/layer.0/Add_1_output_0"])
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .safety import load_checked

if TYPE_CHECKING:  # onnx is imported only when a graph is opened
    import onnx


@dataclass(frozen=True)
class TensorInfo:
    name: str
    op_type: str  # the operator that produces it ("Conv", "Relu", ...); "input" for graph inputs
    shape: tuple[int | str | None, ...] | None  # None when shape inference does not know it
    dtype: str  # numpy's name ("float32"), or "" when unknown


def load_graph(path: str | Path, *, with_weights: bool = True) -> "onnx.ModelProto":
    """Read an ONNX file; anything else raises FileFormatError naming the file. The model is
    checked first (core.inference.safety: no external data outside its folder, no custom
    operators), and only then are its external weights read."""
    return load_checked(path, with_weights=with_weights)


def _dtype(elem_type: int) -> str:
    import onnx

    try:
        return str(onnx.helper.tensor_dtype_to_np_dtype(elem_type))
    except (KeyError, ValueError, TypeError):
        return ""


def _shape(value_info) -> tuple[int | str | None, ...] | None:
    t = value_info.type.tensor_type
    if not t.HasField("shape"):
        return None
    return tuple(d.dim_value if d.HasField("dim_value") else (d.dim_param or None) for d in t.shape.dim)


def intermediate_tensors(model: "onnx.ModelProto") -> list[TensorInfo]:
    """Every tensor a node produces, in graph order, with its shape where inference knows it."""
    import onnx

    try:
        inferred = onnx.shape_inference.infer_shapes(model)
    except Exception:  # noqa: BLE001 - shapes are a convenience; the names are what matters
        inferred = model
    known = {vi.name: vi for vi in [*inferred.graph.value_info, *inferred.graph.output, *inferred.graph.input]}
    out: list[TensorInfo] = []
    for node in model.graph.node:
        for name in node.output:
            if not name:
                continue
            vi = known.get(name)
            out.append(TensorInfo(name, node.op_type, _shape(vi) if vi is not None else None,
                                  _dtype(vi.type.tensor_type.elem_type) if vi is not None else ""))
    return out


def with_outputs(model: "onnx.ModelProto", names: list[str]) -> bytes:
    """A serialised copy of ``model`` that also returns the named intermediate tensors."""
    import onnx

    produced = {o for node in model.graph.node for o in node.output}
    missing = [n for n in names if n not in produced and n not in {i.name for i in model.graph.input}]
    if missing:
        raise KeyError(f"no tensor named {missing[0]!r} in the graph")
    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    have = {o.name for o in copy.graph.output}
    for n in names:
        if n not in have:
            copy.graph.output.append(onnx.ValueInfoProto(name=n))  # type and shape: onnxruntime infers them
            have.add(n)
    return copy.SerializeToString()
