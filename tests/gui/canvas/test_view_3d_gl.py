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


@pytest.mark.parametrize("size", [(900, 260), (300, 600), (1200, 760)])
def test_the_reset_camera_frames_the_layout_in_a_wide_or_a_tall_view(qtbot, size):
    """A wide, short view (the cloud above Inside a network's docks, 3.3 : 1) shows at least 0.6 of its field
    of view's width in height: the layout's top and bottom stayed outside it when the height was only what
    the width left. Views no wider than 1 / 0.6 are drawn as pyqtgraph draws them."""
    if not gl_available():
        pytest.skip("no OpenGL: run under xvfb-run with QT_QPA_PLATFORM=xcb")
    from pyqtgraph.opengl import GLViewWidget

    from gui.canvas.picking import mvp_of

    view = View3D()
    qtbot.addWidget(view)
    view.resize(*size)
    view.show()
    qtbot.waitExposed(view)
    view.reset_camera()
    ends = np.array([[*(s * np.eye(3)[i]), 1] for i in range(3) for s in (-1, 1)], np.float32)
    clip = ends @ mvp_of(view.gl).T
    ndc = clip[:, :2] / clip[:, 3:]
    assert np.abs(ndc).max() <= 1.0, ndc  # the unit sphere's axis ends are all on screen
    assert np.abs(ndc).max() > 0.5  # and the layout is not lost in the middle
    w, h = view.gl.width(), view.gl.height()
    if h >= 0.6 * w:
        ours = view.gl.projectionMatrix((0, 0, w, h), (0, 0, w, h))
        theirs = GLViewWidget.__mro__[1].projectionMatrix(view.gl, (0, 0, w, h), (0, 0, w, h))
        assert np.allclose(np.array(ours.data()), np.array(theirs.data()))
