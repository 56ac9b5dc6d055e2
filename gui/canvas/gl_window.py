"""The native OpenGL window inside the 3D view: pyqtgraph's GLViewMixin on a QOpenGLWindow (why not a
QOpenGLWidget: see view_3d), with clicks, hover, box and lasso drawing, and a frustum that stays tall
enough in a wide, short view."""
from __future__ import annotations

import math

import pyqtgraph.opengl as gl
from PySide6.QtCore import QCoreApplication, QPointF, Qt, Signal
from PySide6.QtGui import QMatrix4x4, QPainter
from PySide6.QtOpenGL import QOpenGLWindow

from gui.canvas.region import RegionDrawing
from gui.canvas.sprites import SpritesItem

CLICK_SLOP = 4  # pixels a press may move and still count as a click
MIN_TALL = 0.6  # the field of view's height is at least this much of its width (a wide, short view)


class GLWindow(gl.GLViewWidget.__mro__[1], QOpenGLWindow):  # pyqtgraph's GLViewMixin on a native window
    clicked = Signal(float, float)
    hovered = Signal(float, float)
    zoomed = Signal()  # a frame was drawn with another camera distance or field of view than the last
    region = Signal(object, str)  # a box or lasso drawn: its polygon (m, 2) in pixels, and the mode

    def __init__(self) -> None:
        super().__init__()
        self.frames = 0
        self._press: QPointF | None = None
        self._moved = 0.0  # the farthest the pointer went from the press (a lasso ends where it began)
        self._lens: tuple[float, float] | None = None
        self.tool = ""  # "" (a left drag orbits) | box | lasso
        self.drawing = RegionDrawing()

    def devicePixelRatioF(self) -> float:
        return float(self.devicePixelRatio())

    def projectionMatrix(self, region, viewport):
        """pyqtgraph's frustum, whose field of view spans the width, but never less than MIN_TALL of that
        in height: a wide, short view (the cloud above Inside a network's bottom docks, 3.3 : 1) cut the
        layout off at the top and bottom. Views up to 1 / MIN_TALL as wide as tall are as pyqtgraph
        draws them. Picking and labels read this matrix too (mvp_of)."""
        x0, y0, w, h = viewport
        if h >= w * MIN_TALL:
            return super().projectionMatrix(region, viewport)
        near = self.opts["distance"] * 0.001
        t = near * math.tan(0.5 * math.radians(self.opts["fov"])) * MIN_TALL
        r = t * w / h
        m = QMatrix4x4()
        m.frustum(r * ((region[0] - x0) * (2.0 / w) - 1), r * ((region[0] + region[2] - x0) * (2.0 / w) - 1),
                  t * ((region[1] - y0) * (2.0 / h) - 1), t * ((region[1] + region[3] - y0) * (2.0 / h) - 1),
                  near, self.opts["distance"] * 1000.0)
        return m

    def initializeGL(self) -> None:
        """pyqtgraph caches each item class's shader program once per process. Unless the app shares
        OpenGL contexts (Qt.AA_ShareOpenGLContexts), a new context (a second view, or this one moved
        to another window by floating its dock) cannot use programs made in the old one: drop them."""
        if not QCoreApplication.testAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts):
            for cls in (gl.GLScatterPlotItem, gl.GLLinePlotItem, SpritesItem):
                cls._shaderProgram = None
        super().initializeGL()

    def paintGL(self) -> None:
        self.frames += 1
        super().paintGL()
        if self.drawing.points:
            painter = QPainter(self)
            self.drawing.paint(painter)
            painter.end()
        lens = (float(self.opts["distance"]), float(self.opts["fov"]))
        if lens != self._lens:  # every way of zooming (wheel, Ctrl+wheel, focus, reset) ends in a frame
            self._lens = lens
            self.zoomed.emit()

    def mousePressEvent(self, ev) -> None:
        self._press, self._moved = ev.position(), 0.0
        if self.tool and ev.button() == Qt.MouseButton.LeftButton:
            self.drawing.start(self.tool, ev.position(), ev.modifiers())
            return
        super().mousePressEvent(ev)

    def mouseMoveEvent(self, ev) -> None:
        if ev.buttons() == Qt.MouseButton.NoButton:
            self.hovered.emit(ev.position().x(), ev.position().y())
            return
        if self._press is not None:
            self._moved = max(self._moved, (ev.position() - self._press).manhattanLength())
        if self.drawing.points:
            self.drawing.extend(ev.position())
            self.update()
            return
        super().mouseMoveEvent(ev)

    def mouseReleaseEvent(self, ev) -> None:
        """A drag that went farther than CLICK_SLOP anywhere is a drag, even one that ends where it began (a
        closed lasso, an orbit and back): judged by the end alone, it was a click on the point under it."""
        p = ev.position()
        moved = max(self._moved, (p - self._press).manhattanLength()) if self._press is not None else 0.0
        if self.drawing.points:
            done = self.drawing.finish(p)
            self.update()
            if done is not None and moved > CLICK_SLOP:
                self.region.emit(*done)
                self._press = None
                return
        if self._press is not None and ev.button() == Qt.MouseButton.LeftButton and moved <= CLICK_SLOP:
            self.clicked.emit(p.x(), p.y())
        self._press = None
