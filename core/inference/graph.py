"""Looking inside an ONNX graph: its intermediate tensors, and a copy that returns them.

onnxruntime only returns a graph's declared outputs. To see a layer that is not
one, the graph is copied in memory with that tensor added as an output (the file
is never changed); shapes come from ONNX shape inference where it knows them.

    tensors = intermediate_tensors(load_graph(path))     # name, op type, shape, dtype
    session_bytes = with_outputs(load_graph(path), ["/encoder/layer.0/Add_1_output_0"])

Files from anywhere (File > Open ONNX model...) are read with :func:`read_untrusted`: the size
is checked first, the weights stay where they are, and every external-data reference must
name an existing file inside the model's own folder, long enough for the bytes it claims.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import FileFormatError
from .safety import check_external_files, load_checked

PROTOBUF_LIMIT = 2 << 30  # a single ONNX protobuf file cannot be larger; big models keep weights outside

if TYPE_CHECKING:  # onnx is imported only when a graph is opened
    import onnx


@dataclass(frozen=True)
class TensorInfo:
    name: str
    op_type: str  # the operator that produces it ("Conv", "Relu", ...); "input" for graph inputs
    shape: tuple[int | str | None, ...] | None  # None when shape inference does not know it
    dtype: str  # numpy's name ("float32"), or "" when unknown


def load_graph(path: str | Path, *, with_weights: bool = True) -> onnx.ModelProto:
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


def graph_inputs(model: onnx.ModelProto) -> list[TensorInfo]:
    """The graph's declared inputs (op type "input"); dtype "" when an input is no tensor."""
    return [TensorInfo(i.name, "input", _shape(i), _dtype(i.type.tensor_type.elem_type)
                       if i.type.HasField("tensor_type") else "") for i in model.graph.input]


def intermediate_tensors(model: onnx.ModelProto) -> list[TensorInfo]:
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


def with_outputs(model: onnx.ModelProto, names: list[str]) -> bytes:
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


def read_untrusted(path: str | Path) -> onnx.ModelProto:
    """An ONNX file from anywhere, its external data checked but not read (see the module doc).

    FileFormatError for: no file, a file over 2 GB, bytes that are not an ONNX model, external
    data outside the folder, missing or shorter than it claims."""
    path = Path(path)
    if not path.is_file():
        raise FileFormatError(path, "file not found")
    size = path.stat().st_size
    if size > PROTOBUF_LIMIT:
        raise FileFormatError(path, f"{size / 2**30:.1f} GB is more than one ONNX protobuf file can hold",
                              expected="a model under 2 GB, with larger weights in external data files")
    model = load_graph(path, with_weights=False)
    if (
        model.ir_version <= 0
        or not model.graph.node
        or not any(o.domain in ("", "ai.onnx") for o in model.opset_import)
    ):
        raise FileFormatError(
            path, "not an ONNX model (no graph of ONNX operators in it)", expected="an ONNX protobuf file"
        )
    check_external_files(model, path.parent, path)
    return model
