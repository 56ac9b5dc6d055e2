"""A square pad to draw a digit on with the mouse or a pen: white ink on black, round anti-aliased
strokes, drawn into a 280 x 280 grey image (ten times MNIST's 28) shown scaled to the widget.

    pad = DrawCanvas()
    pad.stroked.connect(...)     # after every piece of a stroke (press, each move, release)
    pad.pixels()                 # (280, 280) float32 in 0..1, a copy
    pad.set_pixels(digit28)      # show a digit (scaled up); drawing goes on over it
    pad.clear()

A pen's pressure scales the stroke width (tablet events); the mouse draws at full width.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPalette, QPen, QTabletEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

SIDE = 280
PEN = 22.0  # stroke width in pad pixels: MNIST strokes are 2-3 px of 28


class DrawCanvas(QWidget):
    stroked = Signal()
    cleared = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image = QImage(SIDE, SIDE, QImage.Format.Format_Grayscale8)
        self.image.fill(0)
        self._last: QPointF | None = None
        self._empty = True
        self.setMinimumSize(140, 140)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)  # square: as tall as it is wide
        self.setSizePolicy(policy)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    # -- content --------------------------------------------------------------------------
    def is_empty(self) -> bool:
        return self._empty

    def clear(self) -> None:
        self.image.fill(0)
        self._empty = True
        self.update()
        self.cleared.emit()

    def pixels(self) -> np.ndarray:
        """The pad as (280, 280) float32 in 0..1 (a copy)."""
        ptr = self.image.constBits()
        a = np.frombuffer(ptr, np.uint8, count=self.image.sizeInBytes()).reshape(SIDE, self.image.bytesPerLine())
        return a[:, :SIDE].astype(np.float32) * (1.0 / 255.0)

    def set_pixels(self, gray: np.ndarray) -> None:
        """Show a picture (any size, 0..1) scaled to the pad, without emitting `stroked`."""
        a = np.ascontiguousarray(np.round(np.clip(np.asarray(gray, np.float32), 0, 1) * 255).astype(np.uint8))
        small = QImage(a.data, a.shape[1], a.shape[0], a.shape[1], QImage.Format.Format_Grayscale8)
        self.image.fill(0)
        p = QPainter(self.image)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.drawImage(QRectF(0, 0, SIDE, SIDE), small)
        p.end()
        self._empty = not a.any()
        self.update()

    # -- drawing ----------------------------------------------------------------------------
    def _target(self) -> QRectF:
        """The pad on screen: the largest square, at the top, centred across."""
        s = min(self.width(), self.height())
        return QRectF((self.width() - s) / 2, 0, s, s)

    def to_pad(self, pos: QPointF) -> QPointF:
        t = self._target()
        return QPointF((pos.x() - t.x()) * SIDE / t.width(), (pos.y() - t.y()) * SIDE / t.height())

    def _draw(self, to: QPointF, width: float) -> None:
        p = QPainter(self.image)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(QColor(255, 255, 255), width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                      Qt.PenJoinStyle.RoundJoin))
        if self._last is None:
            p.drawPoint(to)
        else:
            p.drawLine(self._last, to)
        p.end()
        self._last = to
        self._empty = False
        self.update()
        self.stroked.emit()

    def draw_stroke(self, points: list[tuple[float, float]], steps: int = 12) -> None:
        """Draw one stroke through ``points`` given as fractions of the pad (0..1), as a hand would:
        piece by piece, each emitting ``stroked`` (the guided examples draw their digit this way)."""
        self._last = None
        for (x0, y0), (x1, y1) in zip(points, points[1:] or points):
            for t in np.linspace(0.0, 1.0, steps):
                self._draw(QPointF((x0 + (x1 - x0) * t) * SIDE, (y0 + (y1 - y0) * t) * SIDE), PEN)
        self._last = None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._last = None
            self._draw(self.to_pad(event.position()), PEN)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton and self._last is not None:
            self._draw(self.to_pad(event.position()), PEN)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._last = None

    def tabletEvent(self, event: QTabletEvent) -> None:
        kind = event.type()
        width = PEN * (0.4 + 0.8 * min(1.0, max(0.0, event.pressure())))
        if kind == QTabletEvent.Type.TabletPress:
            self._last = None
            self._draw(self.to_pad(event.position()), width)
        elif kind == QTabletEvent.Type.TabletMove and self._last is not None and event.pressure() > 0:
            self._draw(self.to_pad(event.position()), width)
        elif kind == QTabletEvent.Type.TabletRelease:
            self._last = None
        event.accept()  # no synthesised mouse events on top

    # -- Qt -----------------------------------------------------------------------------------
    def sizeHint(self) -> QSize:
        return QSize(280, 280)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return width

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Window))
        t = self._target()
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.drawImage(t, self.image)
        p.setPen(QPen(self.palette().color(QPalette.ColorRole.Mid), 1))
        p.drawRect(t.adjusted(0, 0, -1, -1))
        p.end()
