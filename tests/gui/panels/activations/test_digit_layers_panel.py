"""Every layer drawn live: heatmap grids for the conv maps, the 500-wide layer, the logits and the
probabilities side by side; hover reads a unit, a click shows the held-out digits exciting it."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from gui.panels.activations.digit_layers_panel import GRIDS
from tests.gui.conftest import wait_idle
from tests.gui.panels.activations.conftest import draw


def test_every_layer_is_drawn_for_a_drawn_seven(qtbot, digits_room, session, runner):
    pad, layers = digits_room
    assert layers.placeholder.isVisible()
    draw(pad.canvas)
    wait_idle(qtbot, runner)
    acts = session.activations.layers.activations
    assert not layers.placeholder.isVisible()
    for k, shape in zip(GRIDS, [(20, 24, 24), (20, 12, 12), (50, 8, 8), (50, 4, 4)]):
        view = layers.views[k]
        assert view.maps.shape == shape and view._image is not None and not view._image.isNull()
        np.testing.assert_array_equal(view.maps, acts[k])
        assert f"{shape[0]} × {shape[1]}×{shape[2]}" in layers.titles[k].text()
    dense = layers.views["relu3"]
    assert dense.maps.shape == (1, 20, 25) and dense.count == 500
    logits, probs = layers.views["logits"], layers.views["probs"]
    np.testing.assert_array_equal(logits.values, acts["logits"])
    np.testing.assert_array_equal(probs.values, acts["probs"])
    assert int(np.argmax(probs.values)) == 7 and int(np.argmax(logits.values)) == 7
    assert logits.values.min() < 0 < logits.values.max()  # signed: bars below the zero line too
    assert (logits.high, logits.low) == (float(acts["logits"].max()), float(acts["logits"].min()))
    # side by side: same row, the logits left of the probabilities
    lg, pg = logits.geometry(), probs.geometry()
    assert lg.top() == pg.top() and lg.right() < pg.left()
    assert "before softmax" in layers.titles["logits"].text() and "after softmax" in layers.titles["probs"].text()
    for w in (*(layers.views[k] for k in GRIDS), dense, logits, probs):  # every layer really painted
        img = w.grab().toImage()
        assert len({img.pixel(x, y) for x in range(0, img.width(), 7) for y in range(0, img.height(), 7)}) > 3
    assert layers.draw_ms and layers.draw_ms[-1] < 1000


def test_hovering_a_unit_reads_its_value_and_clicking_shows_exciting_digits(qtbot, digits_room, session, runner):
    pad, layers = digits_room
    draw(pad.canvas)
    wait_idle(qtbot, runner)
    grid = layers.views["relu2"]
    rect = grid._unit_rect(0)
    at = QPoint(rect.left() + 3, rect.top() + 3)
    QTest.mouseMove(grid, at)
    tile, y, x = grid.unit_at(at)
    assert tile == 0
    value = session.activations.layers.activations["relu2"][0, y, x]
    assert layers.readout.text() == f"conv2 after ReLU · map 0 · ({y}, {x}): {value:.4g}"
    qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=at)
    assert session.activations.unit == ("relu2", 0) and grid.selected == 0
    qtbot.waitUntil(lambda: session.activations.exciting is not None, timeout=20000)
    ex = session.activations.exciting
    assert (ex.layer, ex.unit, len(ex.rows)) == ("relu2", 0, 9)
    assert len(layers.exciting) == 9 and "map 0" in layers.exciting_title.text()
    # a class: the held-out digits exciting logit 3 most are threes
    qtbot.mouseClick(layers.views["logits"], Qt.MouseButton.LeftButton,
                     pos=QPoint(int(layers.views["logits"].width() * 3.5 / 10), layers.views["logits"].height() // 2))
    qtbot.waitUntil(lambda: session.activations.exciting.layer == "logits", timeout=20000)
    assert (session.activations.exciting.labels == 3).all() and grid.selected == -1


def test_a_dense_unit_hover_and_click(qtbot, digits_room, session, runner):
    pad, layers = digits_room
    draw(pad.canvas)
    wait_idle(qtbot, runner)
    dense = layers.views["relu3"]
    r = dense._unit_rect(26)  # row 1, column 1 of 20 x 25
    QTest.mouseMove(dense, r.center())
    value = session.activations.layers.activations["relu3"][26]
    assert layers.readout.text() == f"dense 500 after ReLU · unit 26: {value:.4g}"
    qtbot.mouseClick(dense, Qt.MouseButton.LeftButton, pos=r.center())
    assert session.activations.unit == ("relu3", 26)
