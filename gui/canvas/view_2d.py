"""The 2D fallback view (first two projected axes) for platforms without OpenGL.

Same interface as View3D. Items are created once: a ScatterPlotItem for the
cloud and one for highlights, a pool of TextItems for labels, and a few
PlotCurveItems (connect='pairs') for links and arrows, one per colour.
Per-point colours are quantised to 8 bits per channel so points share QBrush
objects (a few hundred at most), which keeps setData fast.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QCursor, QFont, QImage, QTransform
from PySide6.QtWidgets import QVBoxLayout, QWidget

from core.projections.selection import in_polygon
from gui.canvas import density, label_style, picking
from gui.canvas.region import RegionDrawing
from gui.canvas.scene import LABEL_LIMIT, Label
from gui.canvas.sprites import Sprites2D
from gui.canvas.view_3d import BACKGROUND

CURVES = 6


def brushes(colors: np.ndarray) -> np.ndarray:
    """An object array of QBrush, one per row of RGBA floats, shared between equal colours."""
    q = np.clip(np.asarray(colors) * 255 + 0.5, 0, 255).astype(np.uint8)
    keys = q.view(np.uint32).ravel() if q.flags.c_contiguous else np.ascontiguousarray(q).view(np.uint32).ravel()
    uniq, inv = np.unique(keys, return_inverse=True)
    table = np.empty(len(uniq), dtype=object)
    for i, k in enumerate(uniq):
        r, g, b, a = np.frombuffer(np.uint32(k).tobytes(), np.uint8)
        table[i] = QBrush(QColor(int(r), int(g), int(b), int(a)))
    return table[inv]


class View2D(QWidget):
    point_clicked = Signal(int)
    point_hovered = Signal(int, QPoint)
    zoom_changed = Signal(float)
    region_selected = Signal(object, str)  # indices of the points inside a box or lasso, and the mode

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(background=BACKGROUND)
        self.plot.setAspectLocked(True)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.plot)
        self.scatter = pg.ScatterPlotItem(pxMode=True, pen=None)
        self.highlight = pg.ScatterPlotItem(pxMode=True, pen=pg.mkPen(0, 0, 0, 200, width=1))
        self.highlight.setZValue(10)
        self.curves = [pg.PlotCurveItem(connect="pairs") for _ in range(CURVES)]
        for c in self.curves:
            c.setZValue(5)
            self.plot.addItem(c)
        self.plot.addItem(self.scatter)
        self.sprites = Sprites2D()  # pictures as points (set_sprites)
        self.sprites.setZValue(1)
        self.plot.addItem(self.sprites)
        self.density_on = False  # the density view (set_density): a shaded estimate under the points, contours over
        self.shade = pg.ImageItem(axisOrder="col-major")
        self.shade.setZValue(-1)
        self.contours = [pg.IsocurveItem(level=lv, pen=pg.mkPen(255, 214, 140, 90 + int(150 * lv), width=1.2))
                         for lv in density.CONTOURS]
        for c in self.contours:  # over the points (the shade is under them)
            c.setZValue(4)
            c.hide()
            self.plot.addItem(c, ignoreBounds=True)  # the density's margin must not widen the auto range
        self.plot.addItem(self.shade, ignoreBounds=True)
        self.shade.hide()
        self.plot.addItem(self.highlight)
        self.texts: list[pg.TextItem] = []
        self._more_texts(LABEL_LIMIT)
        self.label_list: list[Label] = []  # as given, in priority order (texts[i] shows label_list[i])
        self._font = QFont(self.texts[0].textItem.font())
        self._zoom = 1.0
        self._pos = np.empty((0, 2), np.float32)
        self._links = (np.empty((0, 3), np.float32), (1, 1, 1, 1))
        self._arrows = (np.empty((0, 3), np.float32), np.empty((0, 4), np.float32))
        self.frames = 0
        self.plot.scene().sigMouseClicked.connect(self._on_click)
        self.plot.scene().sigMouseMoved.connect(self._on_move)
        self.plot.getViewBox().sigRangeChanged.connect(self._on_range_changed)
        self.tool = ""  # "" (a left drag pans) | box | lasso
        self.drawing = RegionDrawing(min_step=0.0)  # in view coordinates
        self.region_curve = pg.PlotCurveItem(pen=pg.mkPen(255, 220, 90, 230, width=1.5, style=Qt.PenStyle.DashLine))
        self.region_curve.setZValue(30)
        self.plot.addItem(self.region_curve)
        self.plot.viewport().installEventFilter(self)

    def _more_texts(self, n: int) -> None:
        for _ in range(n - len(self.texts)):
            t = pg.TextItem(anchor=(0, 0))
            t.setZValue(20)
            t.hide()
            self.plot.addItem(t)
            self.texts.append(t)

    # -- data --------------------------------------------------------------------------
    def set_points(self, pos: np.ndarray, colors: np.ndarray, sizes: np.ndarray | float) -> None:
        self._pos = np.ascontiguousarray(np.asarray(pos)[:, :2], np.float32)
        self.scatter.setData(pos=self._pos, brush=brushes(colors), size=sizes)
        self._draw_density()
        if self.sprites.pixmap is not None:
            if len(self.sprites.xy) == len(self._pos):
                self.sprites.set_positions(self._pos)  # the same pictures at the points' new places
            else:
                self.set_sprites(None, 0)
        self.frames += 1

    def set_sprites(self, pictures: np.ndarray | None, size: float) -> None:
        """The points as their pictures (one RGBA picture per point; see sprites.py), or dots again (None)."""
        if pictures is None or len(pictures) != len(self._pos) or not len(self._pos):
            pictures = None
        self.sprites.set_sprites(self._pos, pictures, size)
        self.scatter.setVisible(pictures is None)

    def set_density(self, on: bool) -> None:
        """Contours and shading of the points' density (see density.py), or none."""
        self.density_on = bool(on)
        self._draw_density()

    def _draw_density(self) -> None:
        on = self.density_on and len(self._pos) > 1
        for item in (self.shade, *self.contours):
            item.setVisible(on)
        self.scatter.setOpacity(0.45 if on else 1.0)
        if not on:
            return
        grid, lo, step = density.density_image(self._pos)
        self.shade.setImage(density.shade_rgba(grid), autoLevels=False)
        self.shade.setRect(QRectF(float(lo[0]), float(lo[1]), float(step[0] * grid.shape[0]),
                                  float(step[1] * grid.shape[1])))
        grid_to_view = QTransform.fromTranslate(float(lo[0]), float(lo[1])).scale(float(step[0]), float(step[1]))
        for c in self.contours:  # the grid's cell (i, j) is drawn at lo + (i, j) * step, as the shade
            c.setData(grid)
            c.setTransform(grid_to_view)

    def set_highlight(self, pos: np.ndarray, colors: np.ndarray, sizes: np.ndarray) -> None:
        self.highlight.setData(pos=np.asarray(pos, np.float32)[:, :2].reshape(-1, 2), brush=brushes(colors), size=sizes)

    def set_labels(self, labels: list[Label]) -> None:
        self.label_list = list(labels)
        self._more_texts(len(labels))
        for t, lb in zip(self.texts, labels):
            t.setFont(label_style.font(lb, self._font))
            t.setText(lb.text, color=QColor.fromRgbF(*lb.color))
        for t in self.texts[len(labels):]:
            t.hide()
        self._place_labels()

    def _place_labels(self) -> None:
        """Labels beside their points as in 3D (label_style). Those before the first cluster name are
        always shown, as they were before names existed; names and the labels after them are skipped
        where they would cover a label placed earlier."""
        vb = self.plot.getViewBox()
        (x0, x1), (y0, y1) = vb.viewRange()
        w, h = max(vb.width(), 1.0), max(vb.height(), 1.0)
        px, py = (x1 - x0) / w, (y1 - y0) / h
        first_name = next((i for i, lb in enumerate(self.label_list) if lb.kind == "cluster"), len(self.label_list))
        bounds, taken = QRectF(0, 0, w, h), []
        for i, (t, lb) in enumerate(zip(self.texts, self.label_list)):
            size = t.textItem.boundingRect()
            rect = label_style.place(lb.kind, size.width(), size.height(), (float(lb.pos[0]) - x0) / px,
                                     (y1 - float(lb.pos[1])) / py, taken, declutter=i >= first_name,
                                     bounds=bounds if lb.kind == "cluster" else None)
            if rect is None:
                t.hide()
                continue
            taken.append(rect)
            t.setPos(x0 + rect.left() * px, y1 - rect.top() * py)
            t.show()

    def _on_range_changed(self, *_args) -> None:
        self._place_labels()
        z = self.zoom()
        if abs(z / self._zoom - 1.0) > 0.01:
            self._zoom = z
            self.zoom_changed.emit(z)

    def set_links(self, segments: np.ndarray, color: tuple) -> None:
        self._links = (np.asarray(segments, np.float32).reshape(-1, 3), color)
        self._draw_lines()

    def set_arrows(self, segments: np.ndarray, colors: np.ndarray) -> None:
        self._arrows = (np.asarray(segments, np.float32).reshape(-1, 3), np.asarray(colors, np.float32).reshape(-1, 4))
        self._draw_lines()

    def _draw_lines(self) -> None:
        """Group segments by colour; one curve per colour (the links use the first curve)."""
        groups: list[tuple[np.ndarray, tuple]] = [self._links]
        seg, col = self._arrows
        for c in np.unique(col[::2], axis=0) if len(col) else []:
            mask = np.repeat(np.all(col[::2] == c, axis=1), 2)
            groups.append((seg[mask], tuple(c)))
        for curve, (s, c) in zip(self.curves, groups + [(np.empty((0, 3)), (0, 0, 0, 0))] * CURVES):
            if len(s):
                curve.setData(s[:, 0], s[:, 1], pen=pg.mkPen(QColor.fromRgbF(*c), width=2))
                curve.show()
            else:
                curve.hide()

    def set_axes(self, names: tuple[str, str, str]) -> None:
        for side, name in (("bottom", names[0]), ("left", names[1])):
            axis = self.plot.getAxis(side)
            axis.enableAutoSIPrefix(False)  # coordinates have no unit: "PC2 (x0.001)" over 600 meant 0.6
            self.plot.setLabel(side, name)

    # -- camera ---------------------------------------------------------------------------
    def reset_camera(self) -> None:
        self.plot.getViewBox().setRange(xRange=(-1.1, 1.1), yRange=(-1.1, 1.1), padding=0)

    def look_at(self, center: np.ndarray, radius: float) -> None:
        c = np.asarray(center, float)
        self.plot.getViewBox().setRange(xRange=(c[0] - radius, c[0] + radius), yRange=(c[1] - radius, c[1] + radius))

    def camera_orbit(self, degrees: float) -> None:  # no orbit in 2D
        pass

    def camera(self) -> dict:
        (x0, x1), (y0, y1) = self.plot.getViewBox().viewRange()
        return {"x": (x0, x1), "y": (y0, y1)}

    def set_camera(self, params: dict) -> None:
        """A camera as camera() gave it (the x and y ranges)."""
        if "x" in params and "y" in params:
            self.plot.getViewBox().setRange(xRange=tuple(params["x"]), yRange=tuple(params["y"]), padding=0)

    def zoom(self) -> float:
        """The span reset_camera shows (2.2) over the shorter span shown now."""
        (x0, x1), (y0, y1) = self.plot.getViewBox().viewRange()
        return 2.2 / max(min(x1 - x0, y1 - y0), 1e-9)

    def in_view(self, pos: np.ndarray) -> np.ndarray:
        (x0, x1), (y0, y1) = self.plot.getViewBox().viewRange()
        p = np.asarray(pos, np.float32).reshape(-1, 3)
        return (p[:, 0] >= x0) & (p[:, 0] <= x1) & (p[:, 1] >= y0) & (p[:, 1] <= y1)

    # -- selecting a region ------------------------------------------------------------
    def set_select_tool(self, tool: str) -> None:
        """"" (a left drag pans), box or lasso (a left drag selects; Shift adds, Ctrl removes)."""
        self.tool = tool

    def select_region(self, polygon: np.ndarray) -> np.ndarray:
        """Indices of the points inside `polygon` (view coordinates: the 2D view is not rotated)."""
        return np.flatnonzero(in_polygon(self._pos, polygon))

    def _view_point(self, ev) -> QPointF:
        return self.plot.getViewBox().mapSceneToView(self.plot.mapToScene(ev.position().toPoint()))

    def eventFilter(self, obj, ev) -> bool:
        t = ev.type()
        if not self.tool or t not in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
                                      QEvent.Type.MouseButtonRelease):
            return False
        if t == QEvent.Type.MouseButtonPress and ev.button() == Qt.MouseButton.LeftButton:
            self.drawing.start(self.tool, self._view_point(ev), ev.modifiers())
        elif self.drawing.points and t == QEvent.Type.MouseMove:
            self.drawing.extend(self._view_point(ev))
        elif self.drawing.points and t == QEvent.Type.MouseButtonRelease:
            done = self.drawing.finish(self._view_point(ev))
            self.region_curve.setData([], [])
            if done is not None:
                self.region_selected.emit(self.select_region(done[0]), done[1])
            return True
        else:
            return False
        poly = self.drawing.polygon()
        closed = np.vstack([poly, poly[:1]]) if len(poly) else poly
        self.region_curve.setData(closed[:, 0], closed[:, 1])
        return True

    # -- picking ------------------------------------------------------------------------
    def pick_scene(self, scene_pos: QPointF) -> int:
        vb = self.plot.getViewBox()
        if not vb.sceneBoundingRect().contains(scene_pos) or not len(self._pos):
            return -1
        p = vb.mapSceneToView(scene_pos)
        px, py = vb.viewPixelSize()
        xy = np.column_stack([(self._pos[:, 0] - p.x()) / px, (self._pos[:, 1] - p.y()) / py]).astype(np.float32)
        return picking.nearest(xy, np.zeros(len(xy), np.float32), np.ones(len(xy), bool), 0.0, 0.0)

    def pick(self, x: float, y: float) -> int:
        """Pick at widget coordinates (as View3D.pick)."""
        scene = self.plot.mapToScene(self.plot.mapFrom(self, QPoint(int(x), int(y))))
        return self.pick_scene(scene)

    def _on_click(self, ev) -> None:
        if ev.button() == pg.QtCore.Qt.MouseButton.LeftButton:  # the scatter may have accepted it: still ours
            self.point_clicked.emit(self.pick_scene(ev.scenePos()))

    def _on_move(self, scene_pos: QPointF) -> None:
        self.point_hovered.emit(self.pick_scene(scene_pos), QCursor.pos())

    # -- output ---------------------------------------------------------------------------
    def render_frame(self) -> None:
        self.grab_image()

    def grab_image(self) -> QImage:
        return self.plot.grab().toImage()
