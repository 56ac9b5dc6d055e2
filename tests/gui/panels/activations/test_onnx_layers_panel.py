"""Any ONNX model's layers in the window: the digit CNN exported without its extra outputs, MiniLM
with its tokenizer, and files it must refuse, each with an inline message."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper
from PIL import Image
from PySide6.QtCore import Qt

from core.inference import registry
from gui.panels.activations.onnx_layers_panel import OnnxLayersPanel
from tests.gui.conftest import wait_idle
from tests.models.helpers import built, cnn_with_outputs, reference


@pytest.fixture
def panel(show):
    p = show(OnnxLayersPanel)
    p.resize(1000, 700)
    return p


def tick(panel, name: str) -> None:
    for i in range(panel.tree.topLevelItemCount()):
        it = panel.tree.topLevelItem(i)
        if it.text(0) == name:
            it.setCheckState(0, Qt.CheckState.Checked)
            return
    raise AssertionError(f"no tensor {name}")


def shown(panel) -> dict:
    return {v.form.name: v for v in panel.views if v.isVisible() and v.form is not None}


def test_the_cnn_without_its_extra_outputs_shows_every_layer(qtbot, panel, session, runner, tmp_path):
    built(registry.DIGITS)
    m = session.activations.onnx
    m.path = str(cnn_with_outputs(tmp_path))
    qtbot.waitUntil(lambda: m.values is not None, timeout=20000)
    assert panel.tree.topLevelItemCount() == 11
    assert [panel.tree.topLevelItem(i).text(1) for i in range(3)] == ["Conv", "Relu", "MaxPool"]
    assert panel.tree.topLevelItem(1).text(2) == "batch×20×24×24"
    assert m.chosen == ("probs",) and shown(panel)["probs"].form.kind == "bars"
    assert "1-channel 28×28 image (NCHW)" in panel.inputs_label.text()
    assert panel.picture_button.isVisibleTo(panel) and not panel.text.isVisibleTo(panel)
    ref = reference(registry.DIGITS)
    png = tmp_path / "digit.png"
    Image.fromarray(np.round(ref["images"][0] * 255).astype(np.uint8), mode="L").save(png)
    panel.open_picture(str(png))
    tick(panel, "relu1")
    tick(panel, "relu3")
    qtbot.waitUntil(lambda: {"relu1", "relu3"} <= set(shown(panel)), timeout=20000)
    wait_idle(qtbot, runner)
    views = shown(panel)
    assert views["relu1"].form.kind == "grid" and views["relu1"].grid.maps.shape == (20, 24, 24)
    assert views["relu3"].form.kind == "histogram"
    np.testing.assert_allclose(m.values.values["relu3"], ref["relu3"][:1], atol=1e-5)
    np.testing.assert_allclose(m.values.values["probs"], ref["probs"][:1], atol=1e-5)
    assert "digit.png as 1×28×28" in panel.message.plain and panel.message.kind == "info"
    panel.filter.setText("relu")
    visible = [panel.tree.topLevelItem(i).text(0) for i in range(11) if not panel.tree.topLevelItem(i).isHidden()]
    assert visible == ["relu1", "relu2", "relu3"]


def test_minilm_reads_text_through_its_tokenizer(qtbot, panel, session, runner):
    d = built(registry.ENCODER)
    m = session.activations.onnx
    m.path = str(d / "model.onnx")
    qtbot.waitUntil(lambda: m.graph is not None, timeout=60000)
    assert panel.text.isVisibleTo(panel) and not panel.picture_button.isVisibleTo(panel)
    norm = next(t.name for t in m.graph.tensors if t.op_type == "LayerNormalization")
    m.chosen = (norm,)
    panel.text.setText("The river bank was muddy.")
    qtbot.waitUntil(lambda: m.values is not None and norm in m.values.values
                    and m.choice.text == "The river bank was muddy.", timeout=60000)
    wait_idle(qtbot, runner, timeout=30000)
    view = shown(panel)[norm]
    assert view.form.kind == "matrix" and view.matrix.maps.shape == (1, 8, 384)
    assert "8 tokens of 'The river bank was muddy.'" in panel.message.plain


def test_files_it_must_refuse_get_an_inline_message(qtbot, panel, session, runner, tmp_path):
    m = session.activations.onnx
    (tmp_path / "notes.onnx").write_text("not a model")
    m.path = str(tmp_path / "notes.onnx")
    qtbot.waitUntil(lambda: bool(m.problem), timeout=10000)
    assert panel.message.kind == "error" and "not a readable ONNX model" in panel.message.plain
    assert panel.tree.topLevelItemCount() == 0

    s = helper.make_tensor_value_info("s", TensorProto.STRING, [1])
    model = helper.make_model(helper.make_graph([helper.make_node("Identity", ["s"], ["o"])], "g", [s],
                                                [helper.make_tensor_value_info("o", TensorProto.STRING, [1])]))
    model.ir_version = 8
    onnx.save(model, str(tmp_path / "strings.onnx"))
    m.path = str(tmp_path / "strings.onnx")
    qtbot.waitUntil(lambda: bool(m.problem), timeout=10000)
    assert "cannot make input 's'" in panel.message.plain and panel.message.kind == "error"

    built(registry.DIGITS)
    path = cnn_with_outputs(tmp_path / "ext", external=True)
    (path.parent / "cnn.data").unlink()
    m.path = str(path)
    qtbot.waitUntil(lambda: "missing" in m.problem, timeout=10000)
    assert "keeps its data in 'cnn.data', which is missing" in panel.message.plain
    assert session.embeddings is not None  # nothing else is touched
