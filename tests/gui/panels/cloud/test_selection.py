"""Selecting on the cloud (offscreen: the 2D view): a lasso dragged with the mouse, Shift adds and Ctrl
removes, unselected points grey, select by regex / neighbours, Isolate and Back, exports, bad input."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from gui.panels.cloud.point_cloud_panel import PointCloudPanel
from gui.panels.cloud.selecting import GREY
from gui.panels.cloud.selection_panel import SelectionPanel
from tests.gui.conftest import wait_idle


@pytest.fixture
def both(qtbot, session, runner, controllers):
    session.cloud.point_count = 3000
    cloud = PointCloudPanel(session, runner)
    side = SelectionPanel(session, runner)
    for w in (cloud, side):
        qtbot.addWidget(w)
    cloud.resize(900, 700)
    cloud.show()
    qtbot.waitUntil(lambda: cloud.layout_ is not None, timeout=10000)
    wait_idle(qtbot, runner)
    return cloud, side


def _drag(qtbot, cloud, points, modifier=Qt.KeyboardModifier.NoModifier):
    """A left drag through widget pixels of the plot's viewport (events sent to it: QTest's moves
    with a button held do not reach a child widget on the offscreen platform)."""
    vp = cloud.view.plot.viewport()
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton

    def send(kind, p, button, buttons):
        at = QPointF(*p)
        QApplication.sendEvent(vp, QMouseEvent(kind, at, vp.mapToGlobal(at), button, buttons, modifier))

    send(QEvent.Type.MouseButtonPress, points[0], left, left)
    for p in points[1:]:
        send(QEvent.Type.MouseMove, p, none, left)
    send(QEvent.Type.MouseButtonRelease, points[-1], left, none)


def _circle(cx, cy, r, n=24):
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return [(int(cx + r * np.cos(a)), int(cy + r * np.sin(a))) for a in t]


def test_lasso_selects_shift_adds_ctrl_removes_and_the_rest_is_grey(qtbot, both, session):
    cloud, side = both
    side.tools.button(2).click()  # Lasso
    assert session.cloud.select_tool == "lasso" and cloud.view.tool == "lasso"
    vp = cloud.view.plot.viewport()
    cx, cy = vp.width() // 2, vp.height() // 2
    _drag(qtbot, cloud, _circle(cx, cy, 120))
    first = session.selection
    assert len(first) > 20
    # the rows selected are the points drawn inside the lasso
    shown = cloud.view._pos
    inside = cloud.view.select_region(cloud.view.drawing.polygon()) if cloud.view.drawing.points else None
    assert inside is None  # drawing ended
    colours = cloud.view.scatter.data["brush"]
    grey = [b.color().getRgbF() for b, r in zip(colours, cloud.scene.rows) if r not in set(first)]
    assert grey and np.allclose(grey[0], GREY, atol=0.01)
    assert side.count.text().startswith(f"<b>{len(first):,}</b>")
    _drag(qtbot, cloud, _circle(cx + 200, cy, 80), Qt.KeyboardModifier.ShiftModifier)
    added = session.selection
    assert set(first) < set(added)
    _drag(qtbot, cloud, _circle(cx, cy, 120), Qt.KeyboardModifier.ControlModifier)
    assert set(session.selection) == set(added) - set(first)
    assert len(shown) == len(cloud.scene.rows)


def test_a_lasso_over_nothing_and_an_empty_selection_disable_isolate(qtbot, both, session):
    cloud, side = both
    session.cloud.select_tool = "box"
    vp = cloud.view.plot.viewport()
    _drag(qtbot, cloud, [(2, 2), (6, 6)])  # a corner with no point in it
    assert session.selection == ()
    assert not side.isolate.isEnabled() and "nothing is selected" in side.isolate.toolTip()
    assert not side.export.isEnabled()
    assert vp.width() > 0


def test_regex_neighbours_isolate_back_and_export(qtbot, both, session, runner, tmp_path):
    cloud, side = both
    es = session.embeddings
    qtbot.keyClicks(side.regex, "^th")
    qtbot.keyClick(side.regex, Qt.Key.Key_Return)
    assert session.selection and all(es.words[r].startswith("th") for r in session.selection)
    side.regex.setText("(")
    qtbot.keyClick(side.regex, Qt.Key.Key_Return)
    assert side.message.kind == "error" and "not a regular expression" in side.message.plain
    side.mode.setCurrentIndex(0)
    side.near_word.setText("king")
    qtbot.keyClick(side.near_word, Qt.Key.Key_Return)
    assert session.selection[0] == es.find("king").index or es.find("king").index in session.selection
    assert len(session.selection) == 21
    side.isolate.click()
    qtbot.waitUntil(lambda: cloud.layout_ is not None and len(cloud.layout_.rows) == 21, timeout=10000)
    assert side.back.isEnabled()
    wait_idle(qtbot, runner)  # the note says what is shown: the selection, not "the most frequent"
    assert "of the 21 isolated words" in cloud.controls.note.text(), cloud.controls.note.text()
    side.back.click()
    qtbot.waitUntil(lambda: len(cloud.layout_.rows) >= 3000, timeout=10000)  # plus selected rare words
    wait_idle(qtbot, runner)
    assert "isolated" not in cloud.controls.note.text() and "most frequent" in cloud.controls.note.text()
    assert len(session.selection) == 21  # kept across the projection change
    for kind, name in (("words", "sel.txt"), ("vectors", "vec.txt"), ("tsv", "sel.tsv")):
        side.export_to(kind, str(tmp_path / name))
        qtbot.waitUntil(lambda n=name: (tmp_path / n).exists(), timeout=5000)
    wait_idle(qtbot, runner)
    words = (tmp_path / "sel.txt").read_text().split()
    assert "king" in words and len(words) == 21
    assert (tmp_path / "vec.txt").read_text().splitlines()[0] == f"21 {es.dim}"
    assert len((tmp_path / "sel.tsv").read_text().splitlines()) == 21
    assert (tmp_path / "metadata.tsv").exists()
    assert "Saved 21 words" in side.message.plain
