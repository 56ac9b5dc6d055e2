"""A lasso drawn on the 3D view closes where it began, as a person draws one. The view judged click or
drag by the release's distance from the press alone, so a closed lasso was a click: the point under the
pointer was clicked (its neighbours selected) and the lasso dropped. Found walking issue 23 under Xvfb."""
from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from gui.canvas.gl_window import GLWindow


def _drag(view, points) -> None:
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    mods = Qt.KeyboardModifier.NoModifier

    def send(kind, p, button, buttons):
        at = QPointF(*p)
        QApplication.sendEvent(view, QMouseEvent(kind, at, at, at, button, buttons, mods))
    send(QEvent.Type.MouseButtonPress, points[0], left, left)
    for p in points[1:]:
        send(QEvent.Type.MouseMove, p, none, left)
    send(QEvent.Type.MouseButtonRelease, points[-1], left, none)


def _closed_circle(cx, cy, r, n=24):
    return [(cx + r * math.cos(2 * math.pi * i / n), cy + r * math.sin(2 * math.pi * i / n)) for i in range(n + 1)]


def test_a_lasso_that_ends_where_it_began_selects_and_is_no_click(qtbot):
    view = GLWindow()
    view.resize(400, 300)
    view.tool = "lasso"
    regions, clicks = [], []
    view.region.connect(lambda poly, mode: regions.append((len(poly), mode)))
    view.clicked.connect(lambda x, y: clicks.append((x, y)))
    _drag(view, _closed_circle(200, 150, 60))
    assert clicks == []
    assert len(regions) == 1 and regions[0][0] >= 20 and regions[0][1] == "replace"
    assert view.drawing.points == []


def test_a_press_and_release_in_place_is_still_a_click(qtbot):
    view = GLWindow()
    view.resize(400, 300)
    view.tool = "lasso"
    regions, clicks = [], []
    view.region.connect(lambda poly, mode: regions.append(mode))
    view.clicked.connect(lambda x, y: clicks.append((x, y)))
    _drag(view, [(100, 100), (101, 100), (102, 101)])
    assert regions == [] and clicks == [(102.0, 101.0)]
