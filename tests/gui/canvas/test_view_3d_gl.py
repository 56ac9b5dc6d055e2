"""The 3D view's lines under real OpenGL: arrows and neighbour links that come and go (an expression
that stops resolving when the set changes, a training run's epochs) draw without errors. pyqtgraph's
GLLinePlotItem uploads a new colour array at its next paint, even when one colour replaced that array
meanwhile (and fails), so an empty item keeps the kind of colour its lines have."""
from __future__ import annotations

import numpy as np
import pytest

from gui.canvas import colors
from gui.canvas.view_3d import View3D, gl_available

pytestmark = pytest.mark.gl


def test_lines_that_come_and_go_draw_without_errors(qtbot, capsys):
    if not gl_available():
        pytest.skip("no OpenGL: run under xvfb-run with QT_QPA_PLATFORM=xcb")
    view = View3D()
    qtbot.addWidget(view)
    view.resize(500, 400)
    view.show()
    qtbot.waitExposed(view)
    seg = np.array([[0, 0, 0], [0.5, 0.5, 0], [0, 0, 0], [-0.5, 0.2, 0.1]], np.float32)
    nothing = np.empty((0, 3), np.float32)
    for _ in range(2):  # shown and cleared within one frame (two reactions to one change), then drawn
        view.set_arrows(seg, np.ones((4, 4), np.float32))
        view.set_links(seg, colors.LINK)
        view.set_arrows(nothing, np.empty((0, 4), np.float32))
        view.set_links(nothing, colors.LINK)
        view.render_frame()
        view.set_links(seg, colors.LINK)
        view.render_frame()
    out = capsys.readouterr()
    assert "Error while drawing" not in out.out + out.err
