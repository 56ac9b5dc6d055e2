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


def test_many_points_get_their_densities_off_the_gui_thread(qtbot):
    """Above ASYNC_DENSITY points the density view's densities come from a worker: the points drawn before stay
    until they arrive, points replaced meanwhile drop the stale answer, and a view closed meanwhile gets none."""
    if not gl_available():
        pytest.skip("no OpenGL: run under xvfb-run with QT_QPA_PLATFORM=xcb")
    import shiboken6

    from gui.canvas import density
    from gui.canvas.view_3d import ASYNC_DENSITY

    rng = np.random.default_rng(0)
    n = ASYNC_DENSITY * 2
    first, second = (rng.standard_normal((n, 3)).astype(np.float32) * s for s in (0.2, 0.4))
    col = np.tile(np.array([[0.4, 0.7, 1.0, 0.8]], np.float32), (n, 1))
    view = View3D()
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.show()
    qtbot.waitExposed(view)
    view.set_points(first, col, 2.0)
    assert len(view.scatter.pos) == n  # every point, plain
    view.set_density(True)
    view.set_points(second, col, 2.0)  # before the first points' densities came back
    assert view.density_pending() and len(view.scatter.pos) == n  # still what was drawn before
    qtbot.waitUntil(lambda: not view.density_pending(), timeout=10000)
    keep, _ = density.thinned(col, second, d=density.point_density(second))
    np.testing.assert_array_equal(view.scatter.pos, second[keep])  # the second points', not the first's
    view.set_points(first, col, 2.0)
    assert view.density_pending()
    shiboken6.delete(view)  # closed while the worker computes: its answer goes nowhere
    qtbot.wait(300)
