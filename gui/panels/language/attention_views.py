"""The Attention panel's pictures, painted with Qt (no items): every head as a T×T thumbnail in one
grid (one QImage for the whole grid), one head as BertViz-style lines between two token columns, and
a matrix (a head's T×T weights, or a layer × head score map).

    grid = HeadGrid(); grid.set_weights(view.weights, ablated={(3, 1)})
    grid.picked.connect(lambda layer, head: ...)      # a click: open that head
    grid.toggled.connect(lambda layer, head: ...)     # a right click: switch it off / on
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

GAP = 1  # pixels between thumbnails in the grid image
OFF = QColor(220, 40, 40)
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def colour_image(values: np.ndarray, *, gamma: float = 0.5, vmax: float | None = None) -> QImage:
    """(rows, cols) values in [0, vmax] as white → dark blue pixels (NaN grey), one pixel each."""
    v = np.nan_to_num(np.asarray(values, np.float32), nan=-1.0)
    top = float(vmax if vmax is not None else max(float(v.max()), 1e-6))
    x = np.clip(v / top, 0.0, 1.0) ** gamma
    rgb = np.empty((*v.shape, 4), np.uint8)
    rgb[..., 0] = (255 - 225 * x).astype(np.uint8)
    rgb[..., 1] = (255 - 175 * x).astype(np.uint8)
    rgb[..., 2] = (255 - 75 * x).astype(np.uint8)
    rgb[..., 3] = 255
    rgb[v < 0] = (200, 200, 200, 255)
    h, w = v.shape
    return QImage(np.ascontiguousarray(rgb).data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()


def grid_pixels(weights: np.ndarray) -> np.ndarray:
    """(layers, heads, T, T) -> one array with every head in place (layer 0 on top), NaN gaps."""
    layers, heads, t, _ = weights.shape
    out = np.full((layers * (t + GAP) - GAP, heads * (t + GAP) - GAP), np.nan, np.float32)
    for a in range(layers):
        for b in range(heads):
            out[a * (t + GAP):a * (t + GAP) + t, b * (t + GAP):b * (t + GAP) + t] = weights[a, b]
    return out


class HeadGrid(QWidget):
    """Every layer × head as a T×T thumbnail (rows: layers, L0 on top; columns: heads)."""

    picked = Signal(int, int)
    toggled = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._shape = (0, 0, 0)
        self._ablated: set[tuple[int, int]] = set()
        self._selected = (-1, -1)
        self.setMinimumSize(180, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setToolTip("every head: click to open it, right-click to switch it off (or on again)")

    def set_weights(self, weights: np.ndarray | None, ablated=(), selected=(-1, -1)) -> None:
        if weights is None:
            self._image, self._shape = None, (0, 0, 0)
        else:
            self._image = colour_image(grid_pixels(weights), vmax=1.0)
            self._shape = weights.shape[:3]
        self._ablated, self._selected = set(ablated), tuple(selected)
        self.update()

    def set_marks(self, ablated=(), selected=(-1, -1)) -> None:
        self._ablated, self._selected = set(ablated), tuple(selected)
        self.update()

    def _cells(self) -> tuple[float, float, float]:
        layers, heads, _ = self._shape
        left = 28.0
        return left, (self.width() - left) / max(heads, 1), (self.height() - 14) / max(layers, 1)

    def cell_rect(self, layer: int, head: int) -> QRectF:
        left, cw, ch = self._cells()
        return QRectF(left + head * cw, 14 + layer * ch, cw, ch)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        if self._image is None:
            p.drawText(self.rect(), int(Qt.AlignmentFlag.AlignCenter), "no prompt yet")
            return
        layers, heads, _ = self._shape
        left, cw, ch = self._cells()
        p.drawImage(QRectF(left, 14, cw * heads, ch * layers), self._image)
        small = QFont(self.font())
        small.setPointSizeF(max(6.0, self.font().pointSizeF() * 0.7))
        p.setFont(small)
        for b in range(heads):
            p.drawText(QRectF(left + b * cw, 0, cw, 14), int(Qt.AlignmentFlag.AlignCenter), f"H{b}")
        step = max(1, int(12 / max(ch, 1)) + 1)
        for a in range(0, layers, step):
            p.drawText(QRectF(0, 14 + a * ch, left - 3, ch), RIGHT, f"L{a}")
        p.setBrush(Qt.BrushStyle.NoBrush)
        for a, b in self._ablated:
            r = self.cell_rect(a, b)
            p.setPen(QPen(OFF, 2))
            p.drawLine(r.topLeft(), r.bottomRight())
            p.drawRect(r.adjusted(1, 1, -1, -1))
        if self._selected[0] >= 0:
            a, b = self._selected
            p.setPen(QPen(QColor(255, 160, 0), 2))
            rect = self.cell_rect(a, b) if b >= 0 else QRectF(left, 14 + a * ch, cw * heads, ch)
            p.drawRect(rect.adjusted(1, 1, -1, -1))

    def head_at(self, x: float, y: float) -> tuple[int, int]:
        layers, heads, _ = self._shape
        left, cw, ch = self._cells()
        a, b = int((y - 14) // ch), int((x - left) // cw)
        return (a, b) if 0 <= a < layers and 0 <= b < heads and x >= left and y >= 14 else (-1, -1)

    def mousePressEvent(self, event) -> None:
        a, b = self.head_at(event.position().x(), event.position().y())
        if a < 0:
            return
        if event.button() == Qt.MouseButton.RightButton or event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.toggled.emit(a, b)
        else:
            self.picked.emit(a, b)


class MatrixView(QWidget):
    """A matrix as pixels (a head's T×T weights, or a layer × head score map), with row labels."""

    picked = Signal(int, int)

    def __init__(self, parent: QWidget | None = None, *, square: bool = True) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._rows: list[str] = []
        self._cols: list[str] = []
        self._square = square
        self._shape = (0, 0)
        self.setMinimumSize(120, 120)

    def set_matrix(self, values: np.ndarray | None, rows=(), cols=(), vmax: float | None = 1.0) -> None:
        self._image = None if values is None else colour_image(values, vmax=vmax)
        self._shape = (0, 0) if values is None else values.shape
        self._rows, self._cols = list(rows), list(cols)
        self.update()

    def _area(self) -> QRectF:
        fm = QFontMetrics(self.font())
        left = max([fm.horizontalAdvance(r) for r in self._rows] + [0]) + 4
        top = fm.height() + 2 if self._cols else 1
        w, h = self.width() - left, self.height() - top - 1
        if self._square and self._shape[0]:
            side = min(w / self._shape[1], h / self._shape[0])
            return QRectF(left, top, side * self._shape[1], side * self._shape[0])
        return QRectF(left, top, w, h)

    def paintEvent(self, event) -> None:
        if self._image is None:
            return
        p = QPainter(self)
        area = self._area()
        p.drawImage(area, self._image)
        ch = area.height() / max(self._shape[0], 1)
        cw = area.width() / max(self._shape[1], 1)
        for j, c in enumerate(self._cols):
            p.drawText(QRectF(area.left() + j * cw, 0, cw, area.top()), int(Qt.AlignmentFlag.AlignCenter), c)
        if ch >= 9:
            for i, r in enumerate(self._rows):
                p.drawText(QRectF(0, area.top() + i * ch, area.left() - 3, ch),
                           int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), r)

    def mousePressEvent(self, event) -> None:
        area = self._area()
        x, y = event.position().x(), event.position().y()
        if area.contains(QPointF(x, y)):
            self.picked.emit(int((y - area.top()) / area.height() * self._shape[0]),
                             int((x - area.left()) / area.width() * self._shape[1]))


class LinesView(QWidget):
    """One head as BertViz draws it: the tokens twice, lines from each query (left) to the keys it
    attends to (right), as opaque as the weight; hovering a token on the left keeps only its row."""

    hovered = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tokens: list[str] = []
        self._w: np.ndarray | None = None
        self.hover = -1
        self.setMouseTracking(True)
        self.setMinimumSize(220, 160)

    def set_head(self, tokens, weights: np.ndarray | None, hover: int = -1) -> None:
        self._tokens, self._w, self.hover = list(tokens), weights, hover
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(260, 16 * max(len(self._tokens), 8))

    def _geometry(self) -> tuple[float, float, float]:
        row = max(1.0, (self.height() - 4) / max(len(self._tokens), 1))
        col = min(110.0, self.width() * 0.3)
        return row, col, self.width() - col

    def paintEvent(self, event) -> None:
        if self._w is None or not self._tokens:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        row, left_w, right_x = self._geometry()
        font = QFont(self.font())
        font.setPointSizeF(max(6.0, min(self.font().pointSizeF(), row * 0.6)))
        p.setFont(font)
        t = len(self._tokens)
        rows = [self.hover] if 0 <= self.hover < t else range(t)
        for i in rows:
            for j in range(t):
                w = float(self._w[i, j])
                if w < 0.01:
                    continue
                p.setPen(QPen(QColor(30, 90, 200, int(40 + 215 * w)), 0.5 + 3.5 * w))
                p.drawLine(QPointF(left_w + 4, 2 + (i + 0.5) * row), QPointF(right_x - 4, 2 + (j + 0.5) * row))
        for i, tok in enumerate(self._tokens):
            y = 2 + i * row
            bold = i == self.hover
            p.setPen(QColor(200, 90, 0) if bold else self.palette().text().color())
            p.drawText(QRectF(0, y, left_w, row), RIGHT, tok)
            shade = float(self._w[self.hover, i]) if 0 <= self.hover < t else 0.0
            if shade > 0.01:
                p.fillRect(QRect(int(right_x), int(y), int(self.width() - right_x), int(row)),
                           QColor(30, 90, 200, int(200 * shade)))
            p.setPen(self.palette().text().color())
            p.drawText(QRectF(right_x + 2, y, self.width() - right_x, row),
                       int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), tok)

    def mouseMoveEvent(self, event) -> None:
        row, left_w, _ = self._geometry()
        i = int((event.position().y() - 2) // row) if event.position().x() <= left_w else -1
        i = i if 0 <= i < len(self._tokens) else -1
        if i != self.hover:
            self.hover = i
            self.hovered.emit(i)
            self.update()

    def leaveEvent(self, event) -> None:
        if self.hover != -1:
            self.hover = -1
            self.hovered.emit(-1)
            self.update()
