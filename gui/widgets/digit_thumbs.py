"""Thumbnails of 28 x 28 digits in rows that wrap to the width, each with a caption; click one.

    thumbs = DigitThumbs(size=40)
    thumbs.set_digits(images_uint8, ["7", "2", ...], marked=[False, True, ...])
    thumbs.clicked.connect(lambda i: ...)

All thumbnails are painted from one image per set (no widget per digit).
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QImage, QMouseEvent, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

MARK = QColor(235, 80, 80)


def digit_image(pixels: np.ndarray) -> QImage:
    """A grey QImage of a (h, w) uint8 or 0..1 float array (copied: it owns its pixels)."""
    a = np.asarray(pixels)
    if a.dtype != np.uint8:
        a = np.round(np.clip(a, 0, 1) * 255).astype(np.uint8)
    a = np.ascontiguousarray(a)
    return QImage(a.data, a.shape[1], a.shape[0], a.shape[1], QImage.Format.Format_Grayscale8).copy()


class DigitThumbs(QWidget):
    clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None, *, size: int = 40, spacing: int = 4) -> None:
        super().__init__(parent)
        self.size, self.spacing = size, spacing
        self.images: list[QImage] = []
        self.captions: list[str] = []
        self.tips: list[str] = []
        self.marked: list[bool] = []
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def set_digits(self, images: np.ndarray, captions: Sequence[str] = (), *, tips: Sequence[str] = (),
                   marked: Sequence[bool] = ()) -> None:
        self.images = [digit_image(im) for im in np.asarray(images)]
        n = len(self.images)
        self.captions = list(captions) + [""] * (n - len(captions))
        self.tips = list(tips) + [""] * (n - len(tips))
        self.marked = list(marked) + [False] * (n - len(marked))
        self.updateGeometry()
        self.update()

    def clear(self) -> None:
        self.set_digits(np.zeros((0, 28, 28), np.uint8))

    def __len__(self) -> int:
        return len(self.images)

    # -- geometry ----------------------------------------------------------------------------
    def _cell(self) -> QSize:
        caption = QFontMetrics(self.font()).height() if any(self.captions) else 0
        return QSize(self.size + self.spacing, self.size + caption + self.spacing)

    def _columns(self, width: int) -> int:
        return max(1, width // self._cell().width())

    def thumb_rect(self, i: int) -> QRect:
        cell, cols = self._cell(), self._columns(self.width())
        row, col = divmod(i, cols)
        return QRect(col * cell.width(), row * cell.height(), self.size, self.size)

    def index_at(self, x: int, y: int) -> int:
        cell, cols = self._cell(), self._columns(self.width())
        col, row = x // cell.width(), y // cell.height()
        i = row * cols + col
        return i if col < cols and 0 <= i < len(self.images) and self.thumb_rect(i).contains(x, y) else -1

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        rows = math.ceil(len(self.images) / self._columns(width)) if self.images else 1
        return rows * self._cell().height()

    def sizeHint(self) -> QSize:
        cols = min(max(len(self.images), 1), 9)
        return QSize(cols * self._cell().width(), self.heightForWidth(cols * self._cell().width()))

    def minimumSizeHint(self) -> QSize:
        return QSize(self._cell().width(), self._cell().height())

    # -- Qt --------------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        p = QPainter(self)
        text = self.palette().color(QPalette.ColorRole.WindowText)
        fm = QFontMetrics(self.font())
        for i, im in enumerate(self.images):
            r = self.thumb_rect(i)
            p.drawImage(r, im)
            if self.marked[i]:
                p.setPen(QPen(MARK, 2))
                p.drawRect(r.adjusted(1, 1, -1, -1))
            if self.captions[i]:
                p.setPen(text)
                p.drawText(QRect(r.left() - self.spacing // 2, r.bottom() + 1, r.width() + self.spacing, fm.height()),
                           Qt.AlignmentFlag.AlignHCenter, fm.elidedText(self.captions[i], Qt.TextElideMode.ElideRight,
                                                                        r.width() + self.spacing))
        p.end()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        i = self.index_at(int(event.position().x()), int(event.position().y()))
        self.setCursor(Qt.CursorShape.PointingHandCursor if i >= 0 else Qt.CursorShape.ArrowCursor)
        if i >= 0 and self.tips[i]:
            QToolTip.showText(event.globalPosition().toPoint(), self.tips[i], self)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        i = self.index_at(int(event.position().x()), int(event.position().y()))
        if i >= 0 and event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(i)
