"""A box or lasso being drawn with the mouse, shared by the 3D and 2D views: the points so far, the
mode its modifiers ask for (Shift adds, Ctrl removes, else replaces), the polygon it closes, and how
it is painted over the view."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF

MIN_STEP = 3.0  # pixels between recorded lasso points


def mode_of(modifiers) -> str:
    if modifiers & Qt.KeyboardModifier.ShiftModifier:
        return "add"
    if modifiers & Qt.KeyboardModifier.ControlModifier:
        return "remove"
    return "replace"


class RegionDrawing:
    def __init__(self, min_step: float = MIN_STEP) -> None:
        self.min_step = min_step  # the least distance between recorded lasso points (in the caller's units)
        self.tool = ""
        self.mode = "replace"
        self.points: list[tuple[float, float]] = []

    def start(self, tool: str, pos: QPointF, modifiers) -> None:
        self.tool, self.mode = tool, mode_of(modifiers)
        self.points = [(pos.x(), pos.y())]

    def extend(self, pos: QPointF) -> None:
        x, y = pos.x(), pos.y()
        if self.tool == "box":
            self.points[1:] = [(x, y)]
        elif np.hypot(x - self.points[-1][0], y - self.points[-1][1]) > self.min_step:
            self.points.append((x, y))

    def polygon(self) -> np.ndarray:
        p = np.asarray(self.points, np.float32).reshape(-1, 2)
        if self.tool == "box" and len(p) == 2:
            (x0, y0), (x1, y1) = p
            return np.array([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], np.float32)
        return p

    def finish(self, pos: QPointF) -> tuple[np.ndarray, str] | None:
        """The closed polygon and the mode, or None when nothing was drawn; drawing stops."""
        self.extend(pos)
        poly, mode = self.polygon(), self.mode
        self.points = []
        return (poly, mode) if len(poly) >= 3 else None

    def paint(self, painter: QPainter) -> None:
        poly = self.polygon()
        if len(poly) < 2:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(255, 220, 90, 230), 1.5, Qt.PenStyle.DashLine))
        painter.setBrush(QColor(255, 220, 90, 40))
        painter.drawPolygon(QPolygonF([QPointF(float(x), float(y)) for x, y in poly]))
