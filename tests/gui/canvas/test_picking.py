"""Picking maths: numpy projection against Qt's own matrix maths, nearest-in-pixels with depth ties;
arrows for arithmetic; the display frame (no rendering needed)."""
from __future__ import annotations

import numpy as np
from pyqtgraph import Vector
from pyqtgraph.opengl.GLViewWidget import GLViewMixin
from PySide6.QtGui import QVector3D

from gui.canvas import arrows, picking
from gui.canvas.picking import mvp_of
from gui.canvas.scene import CloudScene, Frame


class Camera:
    """GLViewWidget's camera maths without a QOpenGLWidget (the offscreen platform has no OpenGL)."""

    projectionMatrix = GLViewMixin.projectionMatrix
    viewMatrix = GLViewMixin.viewMatrix
    setCameraPosition = GLViewMixin.setCameraPosition

    def __init__(self, w: int, h: int) -> None:
        self.opts = {"rotationMethod": "euler", "center": Vector(0, 0, 0), "distance": 10.0, "fov": 60,
                     "elevation": 30, "azimuth": 45}
        self._size = (w, h)

    def width(self) -> int:
        return self._size[0]

    def height(self) -> int:
        return self._size[1]

    def update(self) -> None:
        pass


def test_projection_matches_qt_matrices():
    view = Camera(640, 480)
    view.setCameraPosition(distance=4.0, elevation=30, azimuth=20)
    pts = np.random.default_rng(0).normal(size=(50, 3)).astype(np.float32)
    xy, depth, visible = picking.project(pts, mvp_of(view), 640, 480)
    m = view.projectionMatrix((0, 0, 640, 480), (0, 0, 640, 480)) * view.viewMatrix()
    for p, (x, y), ok in zip(pts, xy, visible):
        ndc = m.map(QVector3D(*map(float, p)))
        assert ok
        assert abs(x - (ndc.x() + 1) * 320) < 1e-3
        assert abs(y - (1 - ndc.y()) * 240) < 1e-3
    # the view centre lands in the middle of the widget
    c, _, _ = picking.project(np.zeros((1, 3), np.float32), mvp_of(view), 640, 480)
    np.testing.assert_allclose(c[0], [320, 240], atol=1e-3)


def test_points_behind_the_camera_are_not_pickable():
    view = Camera(400, 400)
    view.setCameraPosition(distance=2.0, elevation=0, azimuth=0)  # camera on +x looking at the origin
    behind = np.array([[5.0, 0.0, 0.0]], np.float32)
    _, _, visible = picking.project(behind, mvp_of(view), 400, 400)
    assert not visible[0]


def test_nearest_prefers_the_closest_then_the_front():
    xy = np.array([[10, 10], [13, 10], [10.5, 10], [50, 50]], np.float32)
    depth = np.array([0.5, 0.1, 0.2, 0.0], np.float32)
    vis = np.ones(4, bool)
    assert picking.nearest(xy, depth, vis, 10, 10) == 2  # 0 and 2 are within a pixel: 2 is in front
    assert picking.nearest(xy, depth, vis, 13, 10) == 1
    assert picking.nearest(xy, depth, vis, 30, 30) == -1  # nothing within the radius
    vis[1] = False
    assert picking.nearest(xy, depth, vis, 13, 10) in (0, 2)


def test_parallelogram_and_chain_arrows():
    a, b, c = np.array([1, 0, 0.0]), np.array([0, 0, 0.0]), np.array([0, 1, 0.0])
    out = arrows.arithmetic_arrows([1, -1, 1], [a, b, c], None, np.array([1.1, 1, 0]))
    assert len(out) == 5
    np.testing.assert_allclose(out[2].end, [1, 1, 0])  # the fourth corner
    assert not out[2].head and out[-1].label == "result"
    chain = arrows.arithmetic_arrows([1, 1], [a, c], None, None)
    np.testing.assert_allclose(chain[-1].end, [1, 1, 0])
    seg, col = arrows.segments(out)
    assert seg.shape[0] == col.shape[0] and seg.shape[0] == 3 * 10 + 2 * 2  # heads: 4 prongs each


def test_display_frame_puts_99_percent_within_radius_one():
    coords = np.random.default_rng(1).normal(5.0, 3.0, size=(10000, 3)).astype(np.float32)
    f = Frame.fit(coords)
    r = np.linalg.norm(f.apply(coords), axis=1)
    assert abs(np.mean(r <= 1.0) - 0.99) < 0.002
    s = CloudScene(words=[str(i) for i in range(10000)])
    s.set_layout(np.arange(100), coords[:100], {5000: np.zeros(3, np.float32)}, refit=True)
    assert len(s.rows) == 101 and s.placed[-1] and s.index_of(5000) == 100
