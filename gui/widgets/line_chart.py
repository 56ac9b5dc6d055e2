"""A small line chart painted directly with QPainter: named lines of points against x, fixed axes with
round-numbered ticks, one marked x, the palette's colours, an optional log-scaled y. No mouse zoom:
the axes say what the data is.

    chart = LineChart("probability of “␣Paris” by layer")
    chart.set_lines({"prob": (x, y, (250, 170, 40), False)}, x_range=(0, 30), y_range=(0, 1))
    chart.set_marker(12)

Painted directly rather than with pyqtgraph: a pyqtgraph plot spent 10–30 ms of the window's thread
on each update (its scene's bounding rectangles and axis pictures), and the training charts update
every epoch while the cloud moves (issue 16).
"""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from gui.theme import plot_colors

Line = tuple  # (x, y, (r, g, b), dashed)
MARGIN = (44, 6, 6, 18)  # left (the y tick labels), top, right, bottom (the x tick labels)
DOT = 2.0  # radius of a point


def nice_ticks(lo: float, hi: float, most: int = 5) -> list[float]:
    """Round values (1, 2 or 5 times a power of ten apart) from lo to hi: the finest such spacing
    that gives at most `most` of them."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo] if math.isfinite(lo) else []
    power = 10 ** math.floor(math.log10((hi - lo) / max(most, 1)))
    for step in (m * power * p for p in (1, 10, 100) for m in (1, 2, 5)):
        first = math.ceil(lo / step - 1e-9) * step
        count = int((hi - first) / step + 1e-9) + 1
        if count <= most:
            return [round(first + i * step, 12) for i in range(count)]
    return [lo, hi]


def tick_text(value: float, log: bool) -> str:
    if log:
        value = 10 ** value
        return f"{value / 1000:g}k" if value >= 1000 else f"{value:g}"
    return f"{value:g}"


class ChartCanvas(QWidget):
    """The plotting area of a LineChart."""

    def __init__(self, parent: QWidget | None = None, *, log_y: bool = False, height: int = 110) -> None:
        super().__init__(parent)
        self.setMinimumHeight(height)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.log_y = log_y
        self.lines: dict[str, tuple[np.ndarray, np.ndarray, QColor, bool]] = {}
        self.x_range, self.y_range = (0.0, 1.0), (0.0, 1.0)  # y in log10 on a log axis
        self.marker: float | None = None

    def sizeHint(self) -> QSize:
        return QSize(200, self.minimumHeight())

    def _map(self, rect: QRectF):
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        sx = rect.width() / (x1 - x0) if x1 > x0 else 0.0
        sy = rect.height() / (y1 - y0) if y1 > y0 else 0.0
        return lambda x: rect.left() + (x - x0) * sx, lambda y: rect.bottom() - (y - y0) * sy

    def paintEvent(self, _event: QPaintEvent) -> None:
        bg, fg = plot_colors(self)
        p = QPainter(self)
        p.fillRect(self.rect(), bg)
        left, top, right, bottom = MARGIN
        rect = QRectF(left, top, max(self.width() - left - right, 1), max(self.height() - top - bottom, 1))
        mx, my = self._map(rect)
        font = p.font()
        font.setPointSizeF(max(font.pointSizeF() - 1.5, 6.0))
        p.setFont(font)
        fm = QFontMetrics(font)
        grid = QColor(fg)
        grid.setAlphaF(0.22)
        xs = [v for v in nice_ticks(*self.x_range, most=max(2, int(rect.width() // 45))) if v == int(v)]
        if self.log_y:
            ys = [float(e) for e in range(math.ceil(self.y_range[0]), math.floor(self.y_range[1]) + 1)]
        else:
            ys = nice_ticks(*self.y_range, most=max(3, int(rect.height() // 18)))
        for x in xs:
            px = mx(x)
            p.setPen(QPen(grid, 1))
            p.drawLine(QPointF(px, rect.top()), QPointF(px, rect.bottom()))
            p.setPen(fg)
            text = f"{x:g}"
            p.drawText(QPointF(px - fm.horizontalAdvance(text) / 2, rect.bottom() + fm.ascent() + 3), text)
        for y in ys:
            py = my(y)
            p.setPen(QPen(grid, 1))
            p.drawLine(QPointF(rect.left(), py), QPointF(rect.right(), py))
            p.setPen(fg)
            text = tick_text(y, self.log_y)
            p.drawText(QPointF(rect.left() - 4 - fm.horizontalAdvance(text), py + fm.ascent() / 2 - 1), text)
        p.setPen(QPen(fg, 1))
        p.drawLine(rect.bottomLeft(), rect.bottomRight())
        p.drawLine(rect.bottomLeft(), rect.topLeft())
        p.setClipRect(rect.adjusted(-DOT - 1, -DOT - 1, DOT + 1, DOT + 1))
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.marker is not None:
            p.setPen(QPen(QColor(150, 150, 150), 1, Qt.PenStyle.DashLine))
            p.drawLine(QPointF(mx(self.marker), rect.top()), QPointF(mx(self.marker), rect.bottom()))
        for x, y, color, dashed in self.lines.values():
            if not len(x):
                continue
            shown = np.log10(y) if self.log_y else y
            points = [QPointF(mx(a), my(b)) for a, b in zip(x.tolist(), shown.tolist())]
            p.setPen(QPen(color, 2, Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine))
            p.drawPolyline(QPolygonF(points))
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(color)
            for point in points:
                p.drawEllipse(point, DOT, DOT)
            p.setBrush(Qt.BrushStyle.NoBrush)
        p.end()


class LineChart(QWidget):
    def __init__(self, title: str = "", parent: QWidget | None = None, *, log_y: bool = False,
                 height: int = 110) -> None:
        super().__init__(parent)
        self.canvas = ChartCanvas(log_y=log_y, height=height)
        self.log_y = log_y
        self.title = QLabel(title, wordWrap=True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        layout.addWidget(self.title)
        layout.addWidget(self.canvas, 1)

    def set_lines(self, lines: dict[str, Line], *, x_range: tuple[float, float],
                  y_range: tuple[float, float]) -> None:
        """Replace the lines. Points that cannot be drawn (NaN; on a log axis, values <= 0) are left out."""
        kept = {}
        for name, (x, y, color, dashed) in lines.items():
            x, y = np.asarray(x, float).ravel(), np.asarray(y, float).ravel()
            keep = np.isfinite(x) & np.isfinite(y) & ((y > 0) if self.log_y else True)
            kept[name] = (x[keep], y[keep], QColor(*color) if isinstance(color, tuple) else QColor(color), dashed)
        c = self.canvas
        c.lines = kept
        c.x_range = (float(x_range[0]), float(x_range[1]))
        lo, hi = (float(v) for v in y_range)
        if self.log_y:
            lo, hi = math.log10(max(lo, 1e-300)), math.log10(max(hi, 1e-300))
        pad = (hi - lo) * 0.04
        c.y_range = (lo - pad, hi + pad)
        c.update()

    def data(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """A line's (x, y) as drawn (tests)."""
        line = self.canvas.lines.get(name)
        return (line[0], line[1]) if line is not None else (np.zeros(0), np.zeros(0))

    def set_marker(self, x: float | None) -> None:
        self.canvas.marker = None if x is None else float(x)
        self.canvas.update()

    def marker_at(self) -> float | None:
        return self.canvas.marker
