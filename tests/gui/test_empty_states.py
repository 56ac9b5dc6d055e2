"""Panels with nothing to show say what to do and offer one click to an example."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from core.inference import registry
from tests.gui.conftest import wait_idle


def test_onnx_layers_offers_the_built_models(qtbot, window, runner):
    if not registry.is_built(registry.DIGITS):
        pytest.skip("the digit CNN is not built")
    window.show()
    window.switch_workspace("network")
    panel = window.panel("onnx_layers")
    assert panel.builtins.isVisibleTo(panel) and "No model open" in panel.path_label.text()
    qtbot.mouseClick(panel.findChild(type(panel.open_button), "onnx_open_mnist-cnn"), Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner, timeout=60000)
    assert window.session.activations.onnx.graph is not None and not panel.builtins.isVisibleTo(panel)


def test_digit_layers_and_search_offer_their_example(qtbot, window, runner):
    window.show()
    window.switch_workspace("network")
    layers = window.panel("digit_layers")
    assert layers.placeholder.isVisibleTo(layers)
    with qtbot.waitSignal(layers.example_requested) as sig:
        qtbot.mouseClick(layers.example_button, Qt.MouseButton.LeftButton)
    assert sig.args == ["draw_seven"] and window.workspaces.current == "network"
    search = window.panel("search")
    assert search.example_button.isVisibleTo(search)
    with qtbot.waitSignal(search.example_requested) as sig:
        qtbot.mouseClick(search.example_button, Qt.MouseButton.LeftButton)
    assert sig.args == ["search_news"]
    assert window.session.language.search.query and window.workspaces.current == "language"
    assert not search.example_button.isVisibleTo(search)
    window.session.language.search.query = ""
    window.session.training.request = None
