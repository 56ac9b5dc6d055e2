"""core.inference.runtime's session cache: least recently used, within a byte budget
($EE_MODEL_BUDGET_MB), a dropped session still working for whoever holds it, and held() saying
what is open. Real onnxruntime sessions on tiny graphs written here with onnx.helper."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from core.inference import runtime as rt
from core.inference import session_cache as sc
from core.inference.any_model import AnyModel

MIB = 2**20


def tiny_model(path, weight_mib: float, add: float) -> dict:
    """y = x + w (w: ``weight_mib`` MiB of float32 ``add``); its manifest as the runtime reads it."""
    n = int(weight_mib * MIB) // 4
    w = numpy_helper.from_array(np.full(n, add, np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "w"], ["sum"]), helper.make_node("Identity", ["sum"], ["y"])],
        "tiny", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [n])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [n])], [w])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return {"name": path.stem, "files": {"model": {"file": path.name}}}


@pytest.fixture
def models(tmp_path, monkeypatch):
    monkeypatch.setenv(sc.BUDGET_ENV, "2.5")  # MiB: two of the 1 MiB models fit, three do not
    rt.clear_cache()
    yield {name: tiny_model(tmp_path / f"{name}.onnx", 1, add) for name, add in (("a", 1), ("b", 2), ("c", 3))}
    rt.clear_cache()


def run(sess: rt.OnnxSession, add: float) -> None:
    n = sess.session.get_inputs()[0].shape[0]
    (y,) = sess.run(["y"], {"x": np.zeros(n, np.float32)})
    assert y[0] == add and y.shape == (n,)


def test_budget_from_the_environment(monkeypatch):
    monkeypatch.delenv(sc.BUDGET_ENV, raising=False)
    assert sc.budget_bytes() == sc.DEFAULT_BUDGET_MB * MIB
    monkeypatch.setenv(sc.BUDGET_ENV, "300")
    assert sc.budget_bytes() == 300 * MIB
    monkeypatch.setenv(sc.BUDGET_ENV, "lots")
    assert sc.budget_bytes() == sc.DEFAULT_BUDGET_MB * MIB


def test_least_recently_used_goes_when_the_budget_is_full(models, tmp_path):
    a = rt.open_session(tmp_path, models["a"])
    b = rt.open_session(tmp_path, models["b"])
    assert [label for label, _ in sc.held()] == [f"{tmp_path.name}/a.onnx", f"{tmp_path.name}/b.onnx"]
    assert all(MIB <= size < 1.1 * MIB for _, size in sc.held())
    assert rt.open_session(tmp_path, models["a"]) is a  # a is now the most recently used
    c = rt.open_session(tmp_path, models["c"])
    assert [label.split("/")[1] for label, _ in sc.held()] == ["a.onnx", "c.onnx"]  # b went
    assert sum(size for _, size in sc.held()) <= sc.budget_bytes()
    run(b, 2.0)  # dropped by the cache, still working for its holder
    run(a, 1.0)
    run(c, 3.0)
    again = rt.open_session(tmp_path, models["b"])
    assert again is not b and [label.split("/")[1] for label, _ in sc.held()] == ["c.onnx", "b.onnx"]
    run(again, 2.0)


def test_one_session_over_budget_is_still_kept(models, tmp_path, monkeypatch):
    monkeypatch.setenv(sc.BUDGET_ENV, "0.5")
    a = rt.open_session(tmp_path, models["a"])
    assert [label.split("/")[1] for label, _ in sc.held()] == ["a.onnx"]
    b = rt.open_session(tmp_path, models["b"])
    assert [label.split("/")[1] for label, _ in sc.held()] == ["b.onnx"]
    run(a, 1.0)
    run(b, 2.0)


def test_graphs_and_any_model_share_the_budget(models, tmp_path):
    a = rt.open_session(tmp_path, models["a"])
    graph = onnx.load(str(tmp_path / "b.onnx"))
    graph.graph.output.append(helper.make_tensor_value_info("sum", TensorProto.FLOAT, None))
    data = graph.SerializeToString()
    g = rt.open_graph(data, tmp_path / "b.onnx", "outputs:sum")
    assert rt.open_graph(data, tmp_path / "b.onnx", "outputs:sum") is g
    assert sc.held()[-1] == (f"{tmp_path.name}/b.onnx [outputs:sum]", len(data))
    any_c = AnyModel(tmp_path / "c.onnx")
    out = any_c.run(["y", "sum"], {"x": np.zeros(MIB // 4, np.float32)})
    assert out["sum"][0] == 3.0
    labels = [label for label, _ in sc.held()]
    assert labels == [f"{tmp_path.name}/b.onnx [outputs:sum]", "c.onnx [1 inner tensors]"]  # a went first
    run(a, 1.0)
    assert any_c.run(["y", "sum"], {"x": np.ones(MIB // 4, np.float32)})["y"][0] == 4.0  # cached: no new session
    assert len(sc.held()) == 2


def test_alive_tells_the_cached_sessions_from_those_only_their_holders_keep(models, tmp_path):
    import gc

    a = rt.open_session(tmp_path, models["a"])
    rt.open_session(tmp_path, models["b"])
    rt.open_session(tmp_path, models["c"])  # over budget: the cache lets go of a
    alive = {label.split("/")[-1]: cached for label, _, cached in sc.alive()}
    assert alive == {"a.onnx": False, "b.onnx": True, "c.onnx": True}
    run(a, 1)  # still works for its holder
    del a
    _released()
    gc.collect()
    assert "a.onnx" not in {label.split("/")[-1] for label, _, _ in sc.alive()}


def _released(timeout_s: float = 10.0) -> None:
    """Until the release thread has freed what it was handed."""
    import time

    from core import release

    end = time.monotonic() + timeout_s
    while release.pending() and time.monotonic() < end:
        time.sleep(0.02)
    assert release.pending() == 0


def test_idle_sessions_are_let_go_and_a_model_object_keeps_none(models, tmp_path, monkeypatch):
    import gc

    from core.inference import registry

    monkeypatch.setenv(sc.BUDGET_ENV, "4096")
    rt.open_session(tmp_path, models["a"])
    clf = registry.open(registry.DIGITS)
    assert sc.release_idle(3600) == []  # used just now
    let_go = sc.release_idle(0)
    assert any("a.onnx" in label for label in let_go) and any("mnist" in label for label in let_go)
    _released()
    gc.collect()
    assert sc.alive() == [] and sc.held() == []  # the model object held none of them
    image = np.zeros((28, 28), np.float32)
    image[4:24, 12:16] = 1.0
    assert clf.classify(image).digit in range(10)  # used again: opened again through the cache
    assert any("mnist" in label for label, _ in sc.held())
