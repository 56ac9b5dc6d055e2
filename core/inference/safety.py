"""What an ONNX file from the user may not do, checked before onnx or onnxruntime reads more of it.

    check_model_file(path)             # FileFormatError naming the file and the tensor or node
    model = load_checked(path)         # the ModelProto, external data read only after the check

* External data: a tensor's ``location`` must be a plain relative path to a file inside the
  model's folder: no absolute path, no ``..``, no symlink that leads out, none of onnxruntime's
  in-memory markers (``*/_ORT_MEM_ADDR_/*``). Initializers, sparse initializers, Constant
  nodes and every subgraph and function are looked at.
* Operators: only the standard ONNX domains and onnxruntime's own contrib domains (kernels
  built into onnxruntime) or functions the model defines itself. A custom operator would need a
  shared library registered with ``SessionOptions.register_custom_ops_library``, which this app
  never calls (core/inference/runtime.py), so such a model is refused here with a clear message.
* No ``EPContext`` node (an execution provider's compiled blob, possibly in a file named by the
  model).
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING

from ..errors import FileFormatError

if TYPE_CHECKING:
    import onnx

BUILT_IN_DOMAINS = {"", "ai.onnx", "ai.onnx.ml", "ai.onnx.preview.training", "com.microsoft",
                    "com.microsoft.nchwc", "com.microsoft.experimental", "com.ms.internal.nhwc"}
EXTERNAL = 1  # onnx.TensorProto.EXTERNAL


def _tensors(graph) -> Iterator[tuple[str, object]]:
    """(where, TensorProto) for every tensor a graph and its subgraphs hold."""
    for t in graph.initializer:
        yield f"initializer {t.name!r}", t
    for st in graph.sparse_initializer:
        yield f"sparse initializer {st.values.name!r}", st.values
        yield f"sparse initializer {st.values.name!r} (indices)", st.indices
    for node in graph.node:
        yield from _node_tensors(node)


def _node_tensors(node) -> Iterator[tuple[str, object]]:
    for attr in node.attribute:
        where = f"node {node.name or node.op_type!r}, attribute {attr.name!r}"
        if attr.HasField("t"):
            yield where, attr.t
        for t in attr.tensors:
            yield where, t
        if attr.HasField("sparse_tensor"):
            yield where, attr.sparse_tensor.values
            yield where, attr.sparse_tensor.indices
        if attr.HasField("g"):
            yield from _tensors(attr.g)
        for g in attr.graphs:
            yield from _tensors(g)


def _nodes(nodes) -> Iterator[object]:
    """Every node, and the nodes of every subgraph in their attributes."""
    for node in nodes:
        yield node
        for attr in node.attribute:
            if attr.HasField("g"):
                yield from _nodes(attr.g.node)
            for g in attr.graphs:
                yield from _nodes(g.node)


def _location(tensor) -> str | None:
    if tensor.data_location != EXTERNAL:
        return None
    entries = {e.key: e.value for e in tensor.external_data}
    return entries.get("location", "")


def check_location(location: str, folder: Path) -> str | None:
    """Why an external data location is refused (None when it names a file inside ``folder``)."""
    if not location or "\x00" in location:
        return "an empty location"
    if location.startswith("*") or "_ORT_MEM_ADDR_" in location:
        return "an in-memory address, not a file"
    pure = PurePosixPath(location.replace("\\", "/"))
    if pure.is_absolute() or PureWindowsPath(location).drive or location.startswith(("\\", "/")):
        return "an absolute path"
    if ".." in pure.parts:
        return "a path that climbs out of the model's folder (..)"
    root = folder.resolve()
    target = (folder / Path(*pure.parts)).resolve()
    if target != root and root not in target.parents:
        return "a link that leads out of the model's folder"
    return None


def check_model(model: onnx.ModelProto, folder: str | Path, where: str | Path) -> None:
    """Refuse a model that would read files outside ``folder`` or need a custom operator library."""
    folder = Path(folder)
    function_nodes = [n for fn in model.functions for n in fn.node]
    tensors = list(_tensors(model.graph)) + [t for n in function_nodes for t in _node_tensors(n)]
    for name, tensor in tensors:
        _check_tensor(tensor, name, folder, where)
    local = {fn.domain for fn in model.functions}
    for node in _nodes([*model.graph.node, *function_nodes]):
        label = node.name or node.op_type
        if node.op_type == "EPContext":
            raise FileFormatError(where, f"node {label!r} is an execution provider's compiled context",
                                  expected="a plain ONNX graph")
        if node.domain not in BUILT_IN_DOMAINS and node.domain not in local:
            raise FileFormatError(where, f"node {label!r} is a custom operator ({node.domain}::{node.op_type}); "
                                  "custom operator libraries are never loaded",
                                  expected="standard ONNX and onnxruntime operators")


def _check_tensor(tensor, name: str, folder: Path, where) -> None:
    location = _location(tensor)
    if location is None:
        return
    why = check_location(location, folder)
    if why is not None:
        raise FileFormatError(where, f"{name} keeps its data at {location!r}: {why}",
                              expected="external data in files beside the model")


def check_external_files(model: onnx.ModelProto, folder: str | Path, where: str | Path) -> list[Path]:
    """The external data files a (checked) model uses; FileFormatError unless each exists and holds
    the offset + length bytes its tensors claim. Nothing is read from them."""
    folder = Path(folder)
    used: dict[Path, int] = {}
    function_nodes = [n for fn in model.functions for n in fn.node]
    for name, tensor in list(_tensors(model.graph)) + [t for n in function_nodes for t in _node_tensors(n)]:
        location = _location(tensor)
        if location is None:
            continue
        _check_tensor(tensor, name, folder, where)
        target = (folder / Path(*PurePosixPath(location.replace("\\", "/")).parts)).resolve()
        if not target.is_file():
            raise FileFormatError(where, f"{name} keeps its data in {location!r}, which is missing",
                                  expected=f"{location} beside the model")
        info = {e.key: e.value for e in tensor.external_data}
        try:
            end = int(info.get("offset", 0) or 0) + int(info.get("length", 0) or 0)
        except ValueError:
            raise FileFormatError(where, f"{name} keeps its data at a malformed offset or length") from None
        used[target] = max(used.get(target, 0), end)
    for target, end in used.items():
        if target.stat().st_size < end:
            raise FileFormatError(where, f"external data file {target.name} is {target.stat().st_size:,} bytes; "
                                         f"its tensors need {end:,}", expected="the complete file")
    return list(used)


def load_checked(path: str | Path, *, with_weights: bool = True) -> onnx.ModelProto:
    """Read an ONNX file, check it, and only then read its external data (from its own folder)."""
    import onnx
    from onnx.external_data_helper import load_external_data_for_model

    path = Path(path)
    if not path.is_file():
        raise FileFormatError(path, "file not found")
    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # noqa: BLE001 - protobuf's DecodeError and friends
        raise FileFormatError(path, f"not a readable ONNX model ({type(exc).__name__}: {str(exc)[:200]})",
                              expected="an ONNX protobuf file") from None
    check_model(model, path.parent, path)
    if with_weights:
        try:
            load_external_data_for_model(model, str(path.parent))
        except Exception as exc:  # noqa: BLE001 - a missing or short external data file
            raise FileFormatError(path, f"its external data cannot be read ({type(exc).__name__}: "
                                  f"{str(exc)[:200]})", expected="the data files beside the model") from None
    return model


def check_model_file(path: str | Path) -> None:
    """Check a user's ONNX file before onnxruntime opens it (raises FileFormatError)."""
    load_checked(path, with_weights=False)
