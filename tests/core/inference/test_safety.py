"""A user's ONNX file cannot read files outside its folder (external data locations: '..', absolute,
a symlink out, onnxruntime's in-memory marker; in initializers, Constant nodes and subgraphs) nor
need a shared library (custom operators are refused; no custom op library is ever registered)."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from core.errors import FileFormatError
from core.inference.graph import load_graph
from core.inference.safety import check_location, check_model_file, load_checked

ROOT = Path(__file__).resolve().parents[3]


def _external(tensor: TensorProto, location: str, raw: bytes) -> TensorProto:
    tensor.ClearField("raw_data")
    tensor.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", "0"), ("length", str(len(raw)))):
        tensor.external_data.add(key=key, value=value)
    return tensor


def add_model(folder: Path, location: str | None, *, where: str = "initializer", domain: str = "") -> Path:
    """Y = X + W (W: 3 floats), W kept in an external file at `location` (or inline)."""
    w = np.array([1.0, 2.0, 3.0], np.float32)
    tensor = numpy_helper.from_array(w, "W")
    if location is not None:
        _external(tensor, location, w.tobytes())
    nodes, inits = [], []
    if where == "initializer":
        inits.append(tensor)
    elif where == "constant":
        nodes.append(helper.make_node("Constant", [], ["W"], value=tensor, name="const"))
    else:  # inside the branch of an If
        branch = helper.make_graph([helper.make_node("Identity", ["W"], ["Wb"])], "then", [],
                                   [helper.make_tensor_value_info("Wb", TensorProto.FLOAT, [3])], [tensor])
        nodes.append(helper.make_node("Constant", [], ["c"], value=numpy_helper.from_array(np.array(True)), name="c"))
        nodes.append(helper.make_node("If", ["c"], ["W"], then_branch=branch, else_branch=branch, name="if"))
    nodes.append(helper.make_node("Add", ["X", "W"], ["Y"], domain=domain, name="add"))
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [3])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [3])], inits)
    model = helper.make_model(graph, ir_version=9, opset_imports=[helper.make_opsetid("", 17)] +
                              ([helper.make_opsetid(domain, 1)] if domain else []))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "model.onnx"
    path.write_bytes(model.SerializeToString())
    return path


@pytest.fixture
def secret(tmp_path) -> Path:
    """A file outside the model's folder that a malicious model would like to read."""
    p = tmp_path / "secret.bin"
    p.write_bytes(np.array([7.0, 7.0, 7.0], np.float32).tobytes())
    return p


def test_external_data_inside_the_folder_loads_and_runs(tmp_path):
    folder = tmp_path / "m"
    path = add_model(folder, "weights/w.bin")
    (folder / "weights").mkdir()
    (folder / "weights" / "w.bin").write_bytes(np.array([1.0, 2.0, 3.0], np.float32).tobytes())
    check_model_file(path)
    model = load_graph(path)
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    np.testing.assert_array_equal(sess.run(None, {"X": np.ones(3, np.float32)})[0], [2, 3, 4])


@pytest.mark.parametrize("where", ["initializer", "constant", "subgraph"])
@pytest.mark.parametrize("location,why", [
    ("../secret.bin", "climbs out"),
    ("{secret}", "an absolute path"),
    ("*/_ORT_MEM_ADDR_/*", "in-memory address"),
    ("sub/../../secret.bin", "climbs out"),
    ("", "an empty location"),
])
def test_locations_outside_the_folder_are_refused_before_anything_reads_them(tmp_path, secret, where, location, why):
    path = add_model(tmp_path / "m", location.format(secret=secret), where=where)
    with pytest.raises(FileFormatError, match=re.escape(why)) as info:
        load_graph(path)
    assert info.value.path == str(path) and "keeps its data at" in str(info.value)
    with pytest.raises(FileFormatError):
        check_model_file(path)


def test_a_symlink_that_leads_out_is_refused(tmp_path, secret):
    folder = tmp_path / "m"
    path = add_model(folder, "w.bin")
    (folder / "w.bin").symlink_to(secret)
    with pytest.raises(FileFormatError, match="a link that leads out of the model's folder"):
        load_checked(path)
    assert check_location("w.bin", folder) == "a link that leads out of the model's folder"
    assert check_location("x/../w2.bin", folder) is not None and check_location("w2.bin", folder) is None


def test_custom_operators_are_refused_and_no_library_is_ever_registered(tmp_path):
    path = add_model(tmp_path / "m", None, domain="evil.ops")
    with pytest.raises(FileFormatError, match=r"custom operator \(evil.ops::Add\); custom operator libraries are "
                                              r"never loaded"):
        check_model_file(path)
    with pytest.raises(Exception):  # noqa: B017 - onnxruntime alone has no kernel for it either: nothing was loaded
        ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    calls = [p for d in ("core", "gui") for p in (ROOT / d).rglob("*.py")
             if re.search(r"(register_custom_ops_library|register_execution_provider_library)\(",
                          p.read_text(encoding="utf-8"))]
    assert calls == []
    # external initializers: only the compressed copy's own graph, fed an in-memory array (no file)
    external = [p.relative_to(ROOT).as_posix() for d in ("core", "gui") for p in (ROOT / d).rglob("*.py")
                if "add_external_initializers(" in p.read_text(encoding="utf-8")]
    assert external == ["core/embeddings/search/compressed.py"]
    source = (ROOT / external[0]).read_text(encoding="utf-8")
    assert (
        "ort.OrtValue.ortvalue_from_numpy(" in source and 'opts.add_external_initializers(["codes"], [value])' in source
    )


def test_an_ordinary_model_passes(tmp_path):
    path = add_model(tmp_path / "m", None)
    assert load_checked(path).graph.node[-1].op_type == "Add"
    garbage = tmp_path / "g.onnx"
    garbage.write_bytes(b"\x08\x07not a protobuf" * 10)
    with pytest.raises(FileFormatError, match="not a readable ONNX model"):
        check_model_file(garbage)
    assert onnx.__version__
