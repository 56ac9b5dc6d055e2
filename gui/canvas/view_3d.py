"""The 3D view: a pyqtgraph GLViewWidget with items created once and updated with setData.

Items: the cloud (GLScatterPlotItem), highlighted points drawn on top, neighbour
links and arithmetic arrows (GLLinePlotItem, mode 'lines'), axes, and labels
(labels_3d.LabelsItem: many labels painted at once, with a dark halo so they stay
readable over the points), pictures (sprites.SpritesItem). All use glOptions
'translucent': 'additive' burns dense clusters to white.

Picking projects the points with the view's own matrices (see picking.py).
Left-drag orbits, middle-drag (or Ctrl+left) pans, the wheel zooms.

The view is a native OpenGL window (gl_window.GLWindow: pyqtgraph's GLViewMixin on a QOpenGLWindow) inside a window
container, not a QOpenGLWidget: a QOpenGLWidget makes Qt compose the whole main window through
OpenGL on every repaint, so a new word in the status bar cost 6 ms under Mesa's software renderer
(0.1 ms now) and a panel's repaint 20-40 ms while the cores were busy. A native window is not in
QWidget.grab(): screenshots go through :func:`grab`, which paints each view's frame in.
"""
from __future__ import annotations

import atexit
import logging
import math
import time
import weakref
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyqtgraph.opengl as gl
import shiboken6
from OpenGL import GL
from pyqtgraph import Vector
from PySide6.QtCore import QCoreApplication, QEventLoop, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import (
    QGuiApplication,
    QImage,
    QOffscreenSurface,
    QOpenGLContext,
    QPainter,
    QPixmap,
)
from PySide6.QtWidgets import QVBoxLayout, QWidget

from core.projections.selection import in_polygon
from gui.canvas import density, picking
from gui.canvas.gl_window import GLWindow
from gui.canvas.labels_3d import LabelsItem
from gui.canvas.scene import Label
from gui.canvas.sprites import SpritesItem

BACKGROUND = (22, 24, 28)
# Translucent and drawn over everything (no depth test): highlights, links, arrows and labels stay visible.
OVERLAY = {GL.GL_DEPTH_TEST: False, GL.GL_BLEND: True, GL.GL_CULL_FACE: False,
           "glBlendFuncSeparate": (GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA, GL.GL_ONE, GL.GL_ONE_MINUS_SRC_ALPHA)}
OUTLINE = 3.0  # pixels of dark rim around highlighted points
RESET_DISTANCE, RESET_FOV = 3.4, 60.0  # the camera of reset_camera (display units, degrees)
_VIEWS: weakref.WeakSet[View3D] = weakref.WeakSet()
ASYNC_DENSITY = density.THIN_ABOVE  # more points than this: their densities are computed off the GUI thread
_DENSITY_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="density")


def _densities_for(view: weakref.ref, key: bytes, pos: np.ndarray) -> None:
    """On the worker: the densities of ``pos``, sent to the view if it still exists (a view closed meanwhile
    gets nothing; numpy lets go of the GIL for most of the work, so the GUI thread goes on)."""
    try:
        d = density.point_density(pos)
    except Exception:  # never left waiting: the points are drawn unshaded, and the log says why
        logging.getLogger(__name__).exception("the densities of %d points", len(pos))
        d = np.zeros(len(pos), np.float32)
    target = view()
    if target is not None and shiboken6.isValid(target):
        try:
            target.density_ready.emit(key, d)
        except RuntimeError:  # deleted between the check and the emit
            pass


@atexit.register  # registered after PySide's own clean-up, so it runs before it
def _delete_views() -> None:
    """Delete the 3D views left at exit, each with its container and window. The container owns the
    window, but PySide leaves the window owned by Python too; at exit PySide deleted such windows
    first, and destroying the views' top-level widgets then crashed in the containers."""
    for view in list(_VIEWS):
        if shiboken6.isValid(view):
            shiboken6.delete(view)


def gl_available() -> bool:
    """False on the offscreen platform (no OpenGL) or when no context can be created."""
    if QGuiApplication.platformName() in ("offscreen", "minimal"):
        return False
    ctx = QOpenGLContext()
    if not ctx.create():
        return False
    surface = QOffscreenSurface()
    surface.create()
    ok = ctx.makeCurrent(surface)
    if ok:
        ctx.doneCurrent()
    surface.destroy()
    return bool(ok)


def grab(widget: QWidget) -> QPixmap:
    """``widget.grab()`` with the frame of every 3D view inside it painted in (a native window is
    not part of a widget's rendering)."""
    pixmap = widget.grab()
    views = [v for v in widget.findChildren(View3D) if v.isVisible()]
    if isinstance(widget, View3D):
        views.append(widget)
    if views:
        painter = QPainter(pixmap)
        for view in views:
            box = view.gl_box
            frame = view.grab_image()
            frame.setDevicePixelRatio(frame.width() / max(box.width(), 1))
            painter.drawImage(box.mapTo(widget, QPoint(0, 0)), frame)
        painter.end()
    return pixmap


class View3D(QWidget):
    point_clicked = Signal(int)  # index into the points given to set_points, -1 for empty space
    point_hovered = Signal(int, QPoint)  # index (or -1) and the global cursor position
    zoom_changed = Signal(float)  # zoom(), after a frame drawn closer or farther than the last
    region_selected = Signal(object, str)  # indices of the points inside a box or lasso, and the mode
    density_ready = Signal(bytes, object)  # (internal) a worker computed the densities of these points

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.gl = GLWindow()
        self.gl.setBackgroundColor(BACKGROUND)
        self.gl_box = QWidget.createWindowContainer(self.gl, self)
        # a zero-sized GL window gives "Framebuffer incomplete"; more than this and a short window (1366 x 768 with
        # two messages) lets the native GL window overflow its panel and paint over the dock below
        self.gl_box.setMinimumSize(200, 120)
        self.gl_box.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        _VIEWS.add(self)  # see _delete_views
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.gl_box)
        self.axes = gl.GLLinePlotItem(mode="lines", width=1.0, glOptions="translucent")
        self.scatter = gl.GLScatterPlotItem(pxMode=True, glOptions="translucent")
        self.sprites = SpritesItem(pxMode=True, glOptions="translucent")  # pictures as points (set_sprites)
        self.sprites.hide()
        self.links = gl.GLLinePlotItem(mode="lines", width=1.5, antialias=True, glOptions=OVERLAY)
        self.arrows = gl.GLLinePlotItem(mode="lines", width=2.5, antialias=True, glOptions=OVERLAY)
        self.outline = gl.GLScatterPlotItem(pxMode=True, glOptions=OVERLAY)
        self.highlight = gl.GLScatterPlotItem(pxMode=True, glOptions=OVERLAY)
        self.labels = LabelsItem(10)
        self.axis_labels = LabelsItem(9)
        # drawn in this order (depth value): cloud (dots or pictures), links, arrows, highlighted points, labels
        for depth, item in enumerate((self.axes, self.scatter, self.sprites, self.links, self.arrows, self.outline,
                                      self.highlight, self.labels, self.axis_labels)):
            item.setDepthValue(depth)
            self.gl.addItem(item)
        self._pos = np.empty((0, 3), np.float32)
        self._colors = np.empty((0, 4), np.float32)
        self._sizes: np.ndarray | float = 4.0
        self._density = False  # set_density
        self._densities: tuple[bytes, np.ndarray] | None = None  # the points' densities, by a key of the points
        self._density_pending: bytes | None = None  # the key of the points whose densities a worker computes
        self.density_ready.connect(self._on_density)  # emitted on the worker's thread: queued to this one
        self._hover_at: tuple[float, float] | None = None
        self._hover_timer = QTimer(self, singleShot=True, interval=40)  # throttle picking on hover
        self._hover_timer.timeout.connect(self._do_hover)
        self.gl.clicked.connect(lambda x, y: self.point_clicked.emit(self.pick(x, y)))
        self.gl.hovered.connect(self._on_hover)
        self.gl.region.connect(self._on_region)
        # queued: its handlers may set labels, which must not ask for a frame from inside paintGL
        self.gl.zoomed.connect(self._on_zoomed, Qt.ConnectionType.QueuedConnection)
        self.set_axes(("x", "y", "z"))
        self.reset_camera()

    # -- data ----------------------------------------------------------------------
    @property
    def frames(self) -> int:
        return self.gl.frames

    def set_points(self, pos: np.ndarray, colors: np.ndarray, sizes: np.ndarray | float) -> None:
        self._pos = np.ascontiguousarray(pos, np.float32)
        self._colors = np.ascontiguousarray(colors, np.float32)
        self._sizes = sizes if np.isscalar(sizes) else np.ascontiguousarray(sizes, np.float32)
        self._draw_dots()
        if self.sprites.visible():
            if self.sprites.pos is not None and len(self.sprites.pos) == len(self._pos):
                self.sprites.setData(pos=self._pos)  # the same pictures at the points' new places
            else:
                self.set_sprites(None, 0)

    def set_density(self, on: bool) -> None:
        """Shading by density: each point's opacity lowered where points pile up (see density.py)."""
        self._density = bool(on)
        if len(self._pos):
            self._draw_dots()

    def _draw_dots(self) -> None:
        """The points as given; with the density view, shaded by density, and above THIN_ABOVE points also
        thinned where they pile up (level of detail, density.py). Picking and selection use every point.
        While the densities of many points are computed off the GUI thread, the points drawn before stay."""
        pos, col, size = self._pos, self._colors, self._sizes
        if self._density:
            d = self._point_density()
            if d is None:
                return  # drawn when their densities arrive (_on_density)
            if len(pos) > density.THIN_ABOVE:
                keep, col = density.thinned(col, pos, d=d)
                pos, size = pos[keep], size if np.isscalar(size) else size[keep]
            else:
                col = density.shaded(col, pos, d)
        self.scatter.setData(pos=pos, color=col, size=size)

    def _points_key(self) -> bytes:
        pos = self._pos
        return len(pos).to_bytes(8, "little") + pos[:: max(1, len(pos) // 4096)].tobytes() + pos[-1:].tobytes()

    def _point_density(self) -> np.ndarray | None:
        """The points' densities, computed again only when the points moved (not when only colours change: a
        selection greys the others, a colour mode). Above ASYNC_DENSITY points they are computed on a worker
        thread (30-60 ms for 400,000 on a busy 2-core machine): None until they arrive."""
        key = self._points_key()
        if self._densities is not None and self._densities[0] == key:
            return self._densities[1]
        if len(self._pos) <= ASYNC_DENSITY:
            self._densities = (key, density.point_density(self._pos))
            return self._densities[1]
        if self._density_pending != key:
            self._density_pending = key
            _DENSITY_WORKER.submit(_densities_for, weakref.ref(self), key, self._pos)
        return None

    def _on_density(self, key: bytes, d: np.ndarray) -> None:
        if key != self._density_pending:
            return  # other points came since: their own densities are on the way
        self._density_pending = None
        self._densities = (key, d)
        if self._density and key == self._points_key():
            self._draw_dots()

    def density_pending(self) -> bool:
        """Whether the points' densities are being computed (the density view waits for them)."""
        return self._density_pending is not None

    def set_sprites(self, pictures: np.ndarray | None, size: float) -> None:
        """Draw the points as their pictures (one RGBA picture per point of set_points, `size` pixels a
        side; see sprites.py), or as dots again (None)."""
        if pictures is None or len(pictures) != len(self._pos) or not len(self._pos):
            self.sprites.hide()
            self.scatter.show()
            return
        self.sprites.set_sprites(self._pos, pictures, size)
        self.sprites.show()
        self.scatter.hide()

    def set_highlight(self, pos: np.ndarray, colors: np.ndarray, sizes: np.ndarray) -> None:
        if not len(pos):
            pos, colors, sizes = np.zeros((1, 3), np.float32), np.zeros((1, 4), np.float32), np.zeros(1, np.float32)
        pos = np.ascontiguousarray(pos, np.float32)
        sizes = np.ascontiguousarray(sizes, np.float32)
        rim = np.zeros((len(pos), 4), np.float32)
        rim[:, 3] = 0.85 * (sizes > 0)
        self.outline.setData(pos=pos, color=rim, size=sizes + OUTLINE)
        self.highlight.setData(pos=pos, color=np.ascontiguousarray(colors, np.float32), size=sizes)

    def set_labels(self, labels: list[Label]) -> None:
        self.labels.set_labels(labels)

    def set_links(self, segments: np.ndarray, color: tuple) -> None:
        self._set_lines(self.links, segments, color)

    def set_arrows(self, segments: np.ndarray, colors: np.ndarray) -> None:
        self._set_lines(self.arrows, segments, colors)

    def _set_lines(self, item: gl.GLLinePlotItem, segments: np.ndarray, color) -> None:
        if not len(segments):  # the same kind of colour as when drawn: pyqtgraph fails on a switch of kind
            clear = np.zeros((2, 4), np.float32) if isinstance(color, np.ndarray) else (0.0, 0.0, 0.0, 0.0)
            item.setData(pos=np.zeros((2, 3), np.float32), color=clear)
            return
        item.setData(pos=np.ascontiguousarray(segments, np.float32),
                     color=np.ascontiguousarray(color, np.float32) if isinstance(color, np.ndarray) else color)

    def set_axes(self, names: tuple[str, str, str], length: float = 1.15) -> None:
        ends = np.eye(3, dtype=np.float32) * length
        pos = np.zeros((6, 3), np.float32)
        pos[1::2] = ends
        col = np.repeat(np.array([[0.9, 0.4, 0.4, 0.6], [0.4, 0.9, 0.4, 0.6], [0.45, 0.6, 1.0, 0.6]], np.float32), 2, 0)
        self.axes.setData(pos=pos, color=col)
        self.axis_labels.set_labels([Label(ends[i], names[i], tuple(col[2 * i, :3]) + (0.9,)) for i in range(3)])

    # -- camera ------------------------------------------------------------------------
    def reset_camera(self) -> None:
        self.gl.opts["fov"] = RESET_FOV
        self.gl.setCameraPosition(pos=Vector(0, 0, 0), distance=RESET_DISTANCE, elevation=22, azimuth=-60)

    def _on_zoomed(self) -> None:
        self.zoom_changed.emit(self.zoom())

    def zoom(self) -> float:
        """How much nearer than reset_camera the view is: the height it shows at its centre, reset over now."""
        o = self.gl.opts
        shown = float(o["distance"]) * math.tan(math.radians(float(o["fov"]) / 2))
        return RESET_DISTANCE * math.tan(math.radians(RESET_FOV / 2)) / max(shown, 1e-9)

    def look_at(self, center: np.ndarray, radius: float) -> None:
        """Centre the camera on a point and frame a sphere of `radius` around it."""
        c = np.asarray(center, float)
        self.gl.setCameraPosition(pos=Vector(*c), distance=max(3.0 * radius, 0.05))

    def camera_orbit(self, degrees: float) -> None:
        self.gl.orbit(degrees, 0)

    def camera(self) -> dict:
        return dict(self.gl.cameraParams())

    def set_camera(self, params: dict) -> None:
        """A camera as camera() gave it (center, distance, fov, elevation, azimuth; others ignored)."""
        keep = {k: params[k] for k in ("distance", "fov", "elevation", "azimuth") if k in params}
        if "center" in params:
            keep["center"] = Vector(*[float(v) for v in params["center"]][:3])
        if keep:
            self.gl.setCameraParams(**keep)

    def in_view(self, pos: np.ndarray) -> np.ndarray:
        w, h = self.gl.width(), self.gl.height()
        xy, _, front = picking.project(np.asarray(pos, np.float32).reshape(-1, 3), picking.mvp_of(self.gl), w, h)
        return front & (xy[:, 0] >= 0) & (xy[:, 0] < w) & (xy[:, 1] >= 0) & (xy[:, 1] < h)

    # -- picking -----------------------------------------------------------------------
    def pick(self, x: float, y: float) -> int:
        return picking.pick(self._pos, picking.mvp_of(self.gl), self.gl.width(), self.gl.height(), x, y)

    def set_select_tool(self, tool: str) -> None:
        """"" (a left drag orbits), box or lasso (a left drag selects; Shift adds, Ctrl removes)."""
        self.gl.tool = tool

    def select_region(self, polygon: np.ndarray) -> np.ndarray:
        """Indices of the points whose projection lies inside `polygon` (pixels), in front of the camera."""
        xy, _, visible = picking.project(self._pos, picking.mvp_of(self.gl), self.gl.width(), self.gl.height())
        return np.flatnonzero(in_polygon(xy, polygon, visible))

    def _on_region(self, polygon: np.ndarray, mode: str) -> None:
        self.region_selected.emit(self.select_region(polygon), mode)

    def _on_hover(self, x: float, y: float) -> None:
        self._hover_at = (x, y)
        if not self._hover_timer.isActive():
            self._hover_timer.start()

    def _do_hover(self) -> None:
        if self._hover_at is None:
            return
        x, y = self._hover_at
        self.point_hovered.emit(self.pick(x, y), self.gl.mapToGlobal(QPoint(int(x), int(y))))

    # -- output ------------------------------------------------------------------------
    def render_frame(self) -> None:
        """Render one frame synchronously (for timing)."""
        self._wait_for_context()
        self.gl.makeCurrent()
        self.gl.paintGL()
        GL.glFinish()
        self.gl.doneCurrent()

    def grab_image(self) -> QImage:
        self._wait_for_context()
        return self.gl.grabFramebuffer()

    def _wait_for_context(self, timeout_s: float = 5.0) -> None:
        """The native window makes its OpenGL context at its first exposure: let that happen."""
        end = time.monotonic() + timeout_s
        while not self.gl.isValid() and self.isVisible() and time.monotonic() < end:
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
